//! General practice as capacity: appointment books that a crisis takes a slot from, renewed
//! each period. Same-day appointments at each practice (weekdays in surgery hours), extended-
//! hours appointments at each practice offering extended access (renewed each week), and the
//! ward-round room of each care home's GP (renewed each week). A crisis that finds no slot
//! free goes on by another route; none waits for a slot.

use super::*;

/// One kind of appointment: each holder's slots for the current period (a practice's day or
/// week, a care home's week), what is left of them, and who took each slot given.
#[derive(Debug, Clone, Default)]
pub(super) struct Book {
    /// Slots each holder has this period.
    capacity: Vec<u32>,
    /// Slots each holder has left this period.
    left: Vec<u32>,
    /// When the period began.
    from: f64,
    /// The slots given this period: when, by which holder, to whom.
    given: Vec<(f64, u32, Ix)>,
    /// Slots given, and asked for with none left, since the book was made.
    pub(super) taken: u64,
    pub(super) refused: u64,
}

impl Book {
    /// A new period from `t`: each holder has `capacity[h]` slots.
    pub(super) fn renew(&mut self, t: f64, capacity: Vec<u32>) {
        self.left.clone_from(&capacity);
        self.capacity = capacity;
        self.from = t;
        self.given.clear();
    }

    /// Holder `h` gives `person` a slot at `t` if it has one left.
    pub(super) fn take(&mut self, t: f64, h: u32, person: Ix) -> bool {
        match self.left.get_mut(h as usize) {
            Some(left) if *left > 0 => {
                *left -= 1;
                self.given.push((t, h, person));
                self.taken += 1;
                true
            }
            _ => {
                self.refused += 1;
                false
            }
        }
    }

    /// The slots of the period, all holders together.
    pub(super) fn slots(&self) -> u64 {
        self.capacity.iter().map(|&c| u64::from(c)).sum()
    }

    /// What is wrong with the book (conservation): for each holder, its slots are those left
    /// and those given this period, each given to someone at a time within it.
    pub(super) fn audit(&self, name: &str) -> Vec<String> {
        let mut found = Vec::new();
        let mut given = vec![0u32; self.capacity.len()];
        for &(t, h, person) in &self.given {
            match given.get_mut(h as usize) {
                Some(n) if t >= self.from => *n += 1,
                _ => found.push(format!(
                    "{name}: a slot given to person {person} at {t:.3} outside the period or \
                     its holders"
                )),
            }
        }
        for (h, ((&c, &l), &g)) in self.capacity.iter().zip(&self.left).zip(&given).enumerate() {
            if l + g != c {
                found.push(format!(
                    "{name}: holder {h} has {c} slots this period, {l} left and {g} given"
                ));
            }
        }
        found
    }
}

/// Counts over the measured period of what general practice did, and of what it meant for
/// A&E (for tests and the scenario comparisons).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct GpCounts {
    /// Crises seen by a GP: same day in surgery hours, in extended hours, on a care home's
    /// ward round.
    pub same_day: u64,
    pub extended: u64,
    pub round: u64,
    /// Crises whose person asked for a GP (or whose home called its round GP) and found no
    /// appointment free.
    pub refused: u64,
    /// Crises a GP resolved without A&E.
    pub resolved: u64,
    /// A&E arrivals of people 65+, and of them those living in a care home.
    pub ae_65: u64,
    pub ae_care_home: u64,
    /// Assessments at home (D2A) done, and people they found needing a care home.
    pub home_assessments: u64,
    pub home_assessed_to_care_home: u64,
    /// Assessments at home started, and the days they waited from being asked for (for an
    /// assessor or office hours).
    pub home_assessments_started: u64,
    pub home_assessment_wait_days: f64,
    /// Needs of a care home arisen from the care-need hazard (`policy.care_need_hazard`) in
    /// people at home after reablement or bridging.
    pub care_home_needs: u64,
    /// Courses of reablement that ended with the person alive and at home, and of them those
    /// that went on to home care and to a care home (waiting at home for a place; with the
    /// care-need hazard, a course that a care home need ends early counts here too).
    pub reablement_ended: u64,
    pub reablement_to_home_care: u64,
    pub reablement_to_care_home: u64,
}

/// The three appointment books of the model.
#[derive(Debug, Clone, Default)]
pub(super) struct Gp {
    pub(super) same_day: Book,
    pub(super) extended: Book,
    pub(super) rounds: Book,
    pub(super) counts: GpCounts,
}

/// Ward-round sessions of home `h` of `homes` a week when `sessions` are spread over them one
/// after another (the first homes get one more when they do not divide evenly).
pub(super) fn sessions_of(sessions: u32, homes: u32, h: u32) -> u32 {
    if homes == 0 {
        return 0;
    }
    sessions / homes + u32::from(h < sessions % homes)
}

impl<S: Sink> TwinModel<'_, S> {
    /// What general practice (and D2A's assessments at home) did over the measured period.
    pub fn gp_counts(&self) -> GpCounts {
        self.gp.counts
    }

    /// The hourly round's part: at midnight the same-day books are renewed (slots on weekdays
    /// only), and on Monday's midnight the weekly extended-hours and ward-round books.
    pub(super) fn renew_gp_books(&mut self, t: f64) {
        let g = &self.p.gp;
        let practices = synthetic_log::GP_PRACTICES;
        let weekday = !self.is_weekend(t);
        let same_day = vec![if weekday { g.same_day_per_practice } else { 0 }; practices];
        self.gp.same_day.renew(t, same_day);
        if self.weekday(t) == 0 || self.hour_count == 0 {
            let extended = (0..practices)
                .map(|i| {
                    if self.extended_access(i) {
                        g.extended_per_practice_week
                    } else {
                        0
                    }
                })
                .collect();
            self.gp.extended.renew(t, extended);
            let homes = self.care_homes.homes();
            let rounds = (0..homes)
                .map(|h| {
                    sessions_of(g.care_home_rounds_week, homes, h) * g.care_home_round_residents
                })
                .collect();
            self.gp.rounds.renew(t, rounds);
        }
    }

    /// Whether `t` falls in the measured period.
    pub(super) fn measured(&self, t: f64) -> bool {
        let from = f64::from(self.p.run.warmup_days);
        (from..from + f64::from(self.p.run.days)).contains(&t)
    }

    /// A crisis of person `ix` asks general practice: whether a GP sees it (a slot free in the
    /// book that serves the person now), drawn from the person's own stream. Draws the same
    /// numbers whatever the books hold, so a change of capacity changes only who is seen.
    /// `None`: resolved by the GP; otherwise the route to A&E.
    pub(super) fn gp_first(&mut self, t: f64, ix: Ix) -> Option<AeSource> {
        let g = &self.p.gp;
        let weekend = self.is_weekend(t);
        let hour = Self::hour(t);
        let [open, close] = g.surgery_hours;
        let in_hours = !weekend && (open..close).contains(&hour);
        let person = &mut self.persons[ix as usize];
        let rng = &mut person.rng.acute;
        let care_home = person.residence.is_care_home();
        // Every draw is made, used or not: the person's stream stays in step.
        let asks = rng.gen::<f64>();
        let resolved = rng.gen_bool(g.resolves);
        let other = if care_home {
            if rng.gen_bool(self.p.ae.care_home_ambulance) {
                AeSource::Ambulance
            } else {
                AeSource::CareHome
            }
        } else {
            [
                AeSource::SelfReferral,
                AeSource::Ambulance,
                AeSource::Nhs111,
                AeSource::Other,
            ][pick(rng, &self.p.ae.sources)]
        };
        let (practice, place) = (person.practice, person.place);
        let [from, to] = g.extended_hours;
        let extended_hours = !in_hours
            && person.gp_extended
            && (if weekend { from..to } else { close..to }).contains(&hour);
        let book = if care_home {
            // The home calls its ward-round GP in surgery hours.
            match place {
                Some(h) if in_hours => Some((Which::Round, h)),
                _ => None,
            }
        } else if in_hours && asks < g.in_hours_first {
            Some((Which::SameDay, practice))
        } else if extended_hours && asks < g.extended_first {
            Some((Which::Extended, practice))
        } else {
            None
        };
        let measured = self.measured(t);
        let seen = match book {
            // A home without rounds has no GP to call: no refusal to count.
            Some((Which::Round, h)) if self.gp.rounds.capacity.get(h as usize) == Some(&0) => false,
            Some((which, h)) => {
                let b = match which {
                    Which::SameDay => &mut self.gp.same_day,
                    Which::Extended => &mut self.gp.extended,
                    Which::Round => &mut self.gp.rounds,
                };
                let seen = b.take(t, h, ix);
                if measured {
                    let c = &mut self.gp.counts;
                    match (seen, which) {
                        (false, _) => c.refused += 1,
                        (true, Which::SameDay) => c.same_day += 1,
                        (true, Which::Extended) => c.extended += 1,
                        (true, Which::Round) => c.round += 1,
                    }
                }
                seen
            }
            None => false,
        };
        if !seen {
            return Some(other);
        }
        if resolved {
            if measured {
                self.gp.counts.resolved += 1;
            }
            return None;
        }
        Some(AeSource::Gp)
    }
}

#[derive(Debug, Clone, Copy)]
enum Which {
    SameDay,
    Extended,
    Round,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_book_gives_its_slots_and_no_more_until_renewed() {
        let mut b = Book::default();
        b.renew(0.0, vec![2, 0, 1]);
        assert_eq!(b.slots(), 3);
        assert!(b.take(0.1, 0, 7));
        assert!(b.take(0.2, 0, 8));
        assert!(!b.take(0.3, 0, 9), "the third asking finds none left");
        assert!(!b.take(0.3, 1, 9), "a holder with no slots gives none");
        assert!(!b.take(0.3, 5, 9), "no such holder");
        assert!(b.take(0.4, 2, 9));
        assert_eq!((b.taken, b.refused), (3, 3));
        assert!(b.audit("test").is_empty(), "{:?}", b.audit("test"));
        b.renew(1.0, vec![1, 1, 1]);
        assert!(b.take(1.5, 0, 7), "renewed");
        assert!(b.audit("test").is_empty());
        // A slot given and not accounted for is found.
        b.left[1] = 0;
        assert_eq!(b.audit("test").len(), 1);
        let mut b = Book::default();
        b.renew(0.0, vec![0; 4]);
        assert!(
            (0..4).all(|h| !b.take(0.0, h, 1)),
            "zero capacity: no one is seen"
        );
    }

    #[test]
    fn sessions_are_spread_over_the_homes_one_after_another() {
        let spread = |s: u32, homes: u32| {
            (0..homes)
                .map(|h| sessions_of(s, homes, h))
                .collect::<Vec<_>>()
        };
        assert_eq!(spread(0, 3), [0, 0, 0]);
        assert_eq!(spread(2, 3), [1, 1, 0]);
        assert_eq!(spread(7, 3), [3, 2, 2]);
        assert_eq!(spread(87, 87).iter().sum::<u32>(), 87);
        assert!(spread(87, 87).iter().all(|&s| s == 1));
        assert_eq!(spread(5, 0), Vec::<u32>::new());
    }
}
