//! Care homes one by one: each home has its places and its vacancies. A patient who can go to
//! any home of the kind they need (residential or nursing) takes the home with most vacancies,
//! or waits, first come first served, for the first place freed in any of them; a patient whose
//! family has named one home waits for a vacancy in that home (patient or family choice, a wait
//! for that home's capacity).
//!
//! Written here rather than with `sim_kernel::Resource`: a freed place belongs to one home and
//! goes first to those waiting for that home, then to those waiting for any home, which a
//! single counted resource cannot say.

use std::collections::VecDeque;

use super::Ix;

/// Who waits for a care home place: a patient in hospital (their spell), or someone at home
/// after reablement (the person).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ChFor {
    Spell(Ix),
    Person(Ix),
}

#[derive(Debug, Clone)]
struct Home {
    places: u32,
    occupied: u32,
    /// Patients whose family waits for this home, first come first served.
    preferred_by: VecDeque<ChFor>,
}

#[derive(Debug, Clone)]
pub(super) struct CareHomes {
    /// Residential homes, then nursing homes.
    homes: Vec<Home>,
    residential: usize,
    /// Those waiting for a place in any home of the kind: residential, nursing.
    any: [VecDeque<ChFor>; 2],
}

impl CareHomes {
    /// `places` spread as evenly as whole places allow over `homes` of each kind.
    pub(super) fn new(
        residential_places: u32,
        residential_homes: usize,
        nursing_places: u32,
        nursing_homes: usize,
    ) -> Self {
        let spread = |places: u32, n: usize| {
            let n = n.max(1) as u32;
            (0..n).map(move |i| Home {
                places: places / n + u32::from(i < places % n),
                occupied: 0,
                preferred_by: VecDeque::new(),
            })
        };
        let mut homes: Vec<Home> = spread(residential_places, residential_homes).collect();
        let residential = homes.len();
        homes.extend(spread(nursing_places, nursing_homes));
        CareHomes {
            homes,
            residential,
            any: [VecDeque::new(), VecDeque::new()],
        }
    }

    fn range(&self, nursing: bool) -> std::ops::Range<usize> {
        if nursing {
            self.residential..self.homes.len()
        } else {
            0..self.residential
        }
    }

    /// Whether home `h` is a nursing home.
    pub(super) fn is_nursing(&self, h: u32) -> bool {
        h as usize >= self.residential
    }

    /// The position of home `h` among the homes of its kind (for its organisation code).
    pub(super) fn number_in_kind(&self, h: u32) -> usize {
        let h = h as usize;
        if h >= self.residential {
            h - self.residential
        } else {
            h
        }
    }

    /// How many homes there are, of both kinds.
    pub(super) fn homes(&self) -> u32 {
        self.homes.len() as u32
    }

    /// How many homes of the kind there are.
    pub(super) fn homes_of(&self, nursing: bool) -> usize {
        self.range(nursing).len()
    }

    /// How many homes of the kind families ask for: the first `share` of them, at least one.
    pub(super) fn sought(&self, nursing: bool, share: f64) -> usize {
        (self.homes_of(nursing) as f64 * share).ceil().max(1.0) as usize
    }

    /// Home number `i` of the kind.
    pub(super) fn home(&self, nursing: bool, i: usize) -> u32 {
        (self.range(nursing).start + i) as u32
    }

    /// The home of the kind with most vacancies (the lowest number among equals), if any.
    fn most_vacant(&self, nursing: bool) -> Option<u32> {
        self.most_vacant_in(self.range(nursing))
    }

    /// The home among `homes` with most vacancies (the lowest number among equals), if any.
    fn most_vacant_in(&self, homes: std::ops::Range<usize>) -> Option<u32> {
        homes
            .filter(|&h| self.homes[h].occupied < self.homes[h].places)
            .max_by_key(|&h| {
                (
                    self.homes[h].places - self.homes[h].occupied,
                    usize::MAX - h,
                )
            })
            .map(|h| h as u32)
    }

    /// Whether home `h` has a place free.
    pub(super) fn has_vacancy(&self, h: u32) -> bool {
        let home = &self.homes[h as usize];
        home.occupied < home.places
    }

    /// A place in home `h` taken by someone living there when a run starts from a recorded
    /// state, even above its places (a home over its places lets no one in until below).
    pub(super) fn take_in(&mut self, h: u32) {
        self.homes[h as usize].occupied += 1;
    }

    /// The home of the kind with most vacancies, or the least over its places (the lowest
    /// number among equals): where a resident of a home the model does not know lives.
    pub(super) fn least_full(&self, nursing: bool) -> u32 {
        self.range(nursing)
            .min_by_key(|&h| {
                (
                    i64::from(self.homes[h].occupied) - i64::from(self.homes[h].places),
                    h,
                )
            })
            .expect("at least one home of each kind") as u32
    }

    /// A place taken now in the home with most vacancies, if there is one and nobody waits
    /// for any home of the kind.
    pub(super) fn try_take(&mut self, nursing: bool) -> Option<u32> {
        if !self.any[usize::from(nursing)].is_empty() {
            return None;
        }
        let h = self.most_vacant(nursing)?;
        self.homes[h as usize].occupied += 1;
        Some(h)
    }

    /// A place for someone living in a home of the kind when a run starts from the scenario's
    /// census: in one of the first `sought` homes (those families name) while they have a
    /// vacancy, then in the home with most vacancies. Families' choices keep the sought-after
    /// homes full, so the run starts with its vacancies where they stay, not spread evenly
    /// (which would take the first months of a run to undo).
    pub(super) fn take_at_start(&mut self, nursing: bool, sought: usize) -> Option<u32> {
        let all = self.range(nursing);
        let first = all.start..(all.start + sought).min(all.end);
        let h = self
            .most_vacant_in(first)
            .or_else(|| self.most_vacant_in(all))?;
        self.homes[h as usize].occupied += 1;
        Some(h)
    }

    /// Patient `sp` asks for a place: in `preferred` only, or in any home of the kind. Granted
    /// now (the home) or queued.
    pub(super) fn request(
        &mut self,
        sp: ChFor,
        nursing: bool,
        preferred: Option<u32>,
    ) -> Option<u32> {
        match preferred {
            Some(h) => {
                let home = &mut self.homes[h as usize];
                if home.occupied < home.places && home.preferred_by.is_empty() {
                    home.occupied += 1;
                    Some(h)
                } else {
                    home.preferred_by.push_back(sp);
                    None
                }
            }
            None => {
                let got = self.try_take(nursing);
                if got.is_none() {
                    self.any[usize::from(nursing)].push_back(sp);
                }
                got
            }
        }
    }

    /// A place in home `h` is freed: it goes to the first patient waiting for that home, else
    /// to the first waiting for any home of its kind.
    pub(super) fn release(&mut self, h: u32) -> Option<(ChFor, u32)> {
        let nursing = self.is_nursing(h);
        let home = &mut self.homes[h as usize];
        debug_assert!(home.occupied > 0, "a place freed in an empty home");
        home.occupied = home.occupied.saturating_sub(1);
        if home.occupied >= home.places {
            // Still full (it held more than its places when the run started).
            return None;
        }
        let next = home
            .preferred_by
            .pop_front()
            .or_else(|| self.any[usize::from(nursing)].pop_front())?;
        self.homes[h as usize].occupied += 1;
        Some((next, h))
    }

    /// `sp` stops waiting (they died, or the choice policy's time is over). Nothing they wait
    /// for is held.
    pub(super) fn withdraw(&mut self, sp: ChFor) {
        for q in &mut self.any {
            q.retain(|&w| w != sp);
        }
        for home in &mut self.homes {
            home.preferred_by.retain(|&w| w != sp);
        }
    }

    /// Patients waiting for a place: for any home, and for one home.
    pub(super) fn waiting(&self) -> usize {
        self.any.iter().map(VecDeque::len).sum::<usize>()
            + self
                .homes
                .iter()
                .map(|h| h.preferred_by.len())
                .sum::<usize>()
    }

    /// Places occupied or held, in homes of the kind.
    pub(super) fn busy(&self, nursing: bool) -> u32 {
        self.range(nursing).map(|h| self.homes[h].occupied).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ChFor::Spell as S;

    #[test]
    fn places_are_spread_and_the_emptiest_home_is_taken() {
        let mut c = CareHomes::new(10, 3, 4, 2);
        assert_eq!(c.homes_of(false), 3);
        // 4, 3, 3 places: the first (most vacancies) first, then the others in turn.
        let taken: Vec<u32> = (0..10).map(|_| c.try_take(false).unwrap()).collect();
        assert_eq!(&taken[..3], &[0, 0, 1]);
        assert_eq!(c.try_take(false), None);
        assert_eq!(c.busy(false), 10);
        assert_eq!(c.try_take(true), Some(3));
        assert!(c.is_nursing(3) && !c.is_nursing(2));
        assert_eq!(c.number_in_kind(4), 1);
    }

    #[test]
    fn the_census_fills_the_sought_after_homes_first() {
        // Three residential homes of 4 places; the first one is sought after.
        let mut c = CareHomes::new(12, 3, 4, 1);
        let taken: Vec<u32> = (0..6).map(|_| c.take_at_start(false, 1).unwrap()).collect();
        // Home 0 fills, then the others share the rest in turn.
        assert_eq!(taken, [0, 0, 0, 0, 1, 2]);
        assert!(!c.has_vacancy(0) && c.has_vacancy(1) && c.has_vacancy(2));
        // Nursing homes are their own kind.
        assert_eq!(c.take_at_start(true, 1), Some(3));
        for _ in 0..6 {
            c.take_at_start(false, 1).unwrap();
        }
        assert_eq!(c.take_at_start(false, 1), None);
    }

    #[test]
    fn a_freed_place_goes_to_its_home_first_then_to_any() {
        let mut c = CareHomes::new(2, 2, 0, 0);
        assert_eq!(c.request(S(1), false, None), Some(0));
        assert_eq!(c.request(S(2), false, None), Some(1));
        // Full: one waits for home 1 only, one for any home.
        assert_eq!(c.request(S(3), false, None), None);
        assert_eq!(c.request(S(4), false, Some(1)), None);
        // Home 0 frees a place: not the one who waits for home 1.
        assert_eq!(c.release(0), Some((S(3), 0)));
        // Home 1 frees a place: the one who named it.
        assert_eq!(c.release(1), Some((S(4), 1)));
        assert_eq!(c.release(1), None);
        assert_eq!(c.busy(false), 1);
        // A vacancy in home 1 is taken by one who names it.
        assert_eq!(c.request(S(5), false, Some(1)), Some(1));
    }

    #[test]
    fn a_home_has_a_vacancy_until_its_places_are_taken() {
        let mut c = CareHomes::new(2, 1, 1, 1);
        assert!(c.has_vacancy(0) && c.has_vacancy(1));
        c.take_in(0);
        assert!(c.has_vacancy(0));
        c.take_in(0);
        assert!(!c.has_vacancy(0));
        // Above its places (a recorded state), still none.
        c.take_in(0);
        assert!(!c.has_vacancy(0));
        assert!(c.has_vacancy(1));
    }

    #[test]
    fn a_withdrawn_patient_waits_nowhere() {
        let mut c = CareHomes::new(1, 1, 0, 0);
        assert_eq!(c.request(S(1), false, None), Some(0));
        assert_eq!(c.request(S(2), false, Some(0)), None);
        assert_eq!(c.request(S(3), false, None), None);
        c.withdraw(S(2));
        c.withdraw(S(3));
        assert_eq!(c.release(0), None);
        assert_eq!(c.busy(false), 0);
    }
}
