//! The registers beside the log: organisations (`orgs.csv`) and population (`population.csv`).

use crate::codes::{CqcRating, OrgKind};
use rustc_hash::FxHashMap;

/// One organisation of the system.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Org {
    pub code: String,
    pub name: String,
    pub kind: OrgKind,
    pub cqc_rating: Option<CqcRating>,
    pub beds: Option<u32>,
    pub extended_access: Option<bool>,
}

/// The organisations register, in file order, indexed by code.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrgRegister {
    orgs: Vec<Org>,
    /// Looked up for every org code of every event, so with a fast hash (the register is
    /// small and comes from its own file).
    index: FxHashMap<String, usize>,
}

impl OrgRegister {
    /// Adds an organisation, replacing one with the same code.
    pub fn upsert(&mut self, org: Org) {
        match self.index.get(&org.code) {
            Some(&i) => self.orgs[i] = org,
            None => {
                self.index.insert(org.code.clone(), self.orgs.len());
                self.orgs.push(org);
            }
        }
    }

    pub fn get(&self, code: &str) -> Option<&Org> {
        self.index.get(code).map(|&i| &self.orgs[i])
    }

    pub fn contains(&self, code: &str) -> bool {
        self.index.contains_key(code)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Org> {
        self.orgs.iter()
    }

    pub fn len(&self) -> usize {
        self.orgs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.orgs.is_empty()
    }
}

impl FromIterator<Org> for OrgRegister {
    fn from_iter<I: IntoIterator<Item = Org>>(iter: I) -> Self {
        let mut r = OrgRegister::default();
        for o in iter {
            r.upsert(o);
        }
        r
    }
}

/// An age band of the population register.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AgeBand {
    Under18,
    From18To64,
    From65To74,
    From75To84,
    From85,
}

impl AgeBand {
    pub const ALL: [AgeBand; 5] = [
        AgeBand::Under18,
        AgeBand::From18To64,
        AgeBand::From65To74,
        AgeBand::From75To84,
        AgeBand::From85,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AgeBand::Under18 => "0-17",
            AgeBand::From18To64 => "18-64",
            AgeBand::From65To74 => "65-74",
            AgeBand::From75To84 => "75-84",
            AgeBand::From85 => "85+",
        }
    }

    pub fn parse(s: &str) -> Option<AgeBand> {
        AgeBand::ALL.into_iter().find(|b| b.as_str() == s)
    }
}

/// The population register: a count for each age band.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Population {
    counts: [u64; 5],
}

impl Population {
    pub fn new(counts: [u64; 5]) -> Self {
        Population { counts }
    }

    pub fn count(&self, band: AgeBand) -> u64 {
        self.counts[band as usize]
    }

    pub fn set(&mut self, band: AgeBand, count: u64) {
        self.counts[band as usize] = count;
    }

    /// Adults: 18 and over.
    pub fn pop18(&self) -> u64 {
        self.counts[1..].iter().sum()
    }

    /// Older people: 65 and over.
    pub fn pop65(&self) -> u64 {
        self.counts[2..].iter().sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn population_sums_bands() {
        let p = Population::new([56300, 158600, 22000, 13500, 5400]);
        assert_eq!(p.pop18(), 199_500);
        assert_eq!(p.pop65(), 40_900);
    }
}
