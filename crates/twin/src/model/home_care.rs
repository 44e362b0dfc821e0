//! Home care hours by area: the agencies of each area hold their own hours a week, and a
//! package is served only by the agencies of the area its person lives in
//! (`discharge.home_care_areas`). Hours spare in one area do not serve another: with several
//! areas, people can wait for hours while the total would fit them.
//!
//! An area is a group of GP practices (a locality): practice `p` of `n` is in area
//! `p x areas / n`, so a person's area follows from their practice, in a fresh run and in a run
//! from a recorded state alike. Each area holds the hours in proportion to its practices (the
//! practices' lists are about equal).

use super::HcFor;
use sim_kernel::Pool;

pub(super) struct HomeCareAreas {
    pools: Vec<Pool<HcFor>>,
    practices: usize,
}

impl HomeCareAreas {
    /// `hours` a week over `areas` (at least 1) groups of `practices` practices.
    pub(super) fn new(hours: f64, areas: u32, practices: usize) -> Self {
        let areas = (areas.max(1) as usize).min(practices.max(1));
        let mut count = vec![0usize; areas];
        for p in 0..practices {
            count[p * areas / practices] += 1;
        }
        let pools = if areas == 1 {
            // One area: every hour in one pool, exactly.
            vec![Pool::new(hours)]
        } else {
            count
                .iter()
                .map(|&c| Pool::new(hours * c as f64 / practices as f64))
                .collect()
        };
        HomeCareAreas { pools, practices }
    }

    /// The area of practice `practice`.
    pub(super) fn area_of(&self, practice: u32) -> usize {
        (practice as usize * self.pools.len() / self.practices.max(1)).min(self.pools.len() - 1)
    }

    /// The pool of hours of area `area`.
    pub(super) fn pool(&mut self, area: usize) -> &mut Pool<HcFor> {
        &mut self.pools[area]
    }

    /// Hours a week in use, over every area.
    pub(super) fn used(&self) -> f64 {
        self.pools.iter().map(Pool::used).sum()
    }

    /// People waiting for hours, over every area.
    pub(super) fn queue_len(&self) -> usize {
        self.pools.iter().map(Pool::queue_len).sum()
    }

    /// Hours a week in use in area `area`.
    pub(super) fn used_in(&self, area: usize) -> f64 {
        self.pools[area].used()
    }

    /// How many areas there are.
    pub(super) fn areas(&self) -> usize {
        self.pools.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn areas_group_practices_and_share_the_hours() {
        let one = HomeCareAreas::new(1000.0, 1, 46);
        assert_eq!(one.areas(), 1);
        assert_eq!(one.area_of(45), 0);
        let mut four = HomeCareAreas::new(1000.0, 4, 46);
        assert_eq!(four.areas(), 4);
        // Practices in contiguous groups, every area with some.
        let areas: Vec<usize> = (0..46).map(|p| four.area_of(p)).collect();
        assert!(areas.windows(2).all(|w| w[0] <= w[1]));
        assert_eq!((areas[0], areas[45]), (0, 3));
        let total: f64 = (0..4).map(|a| four.pool(a).capacity()).sum();
        assert!((total - 1000.0).abs() < 1e-9);
        // Hours spare in one area do not serve another.
        let cap = four.pool(0).capacity();
        assert!(four.pool(0).request(0.0, HcFor::Spell(1), cap).is_some());
        assert!(four.pool(0).request(0.0, HcFor::Spell(2), 1.0).is_none());
        assert!(four.pool(1).request(0.0, HcFor::Spell(3), 1.0).is_some());
        assert_eq!(four.queue_len(), 1);
        assert!((four.used() - cap - 1.0).abs() < 1e-9);
        // More areas than practices: one practice each.
        assert_eq!(HomeCareAreas::new(10.0, 100, 5).areas(), 5);
    }
}
