//! Reviews of home care packages: due dates, the reviewing team's list, completion.

use super::*;

impl<S: Sink> TwinModel<'_, S> {
    /// Adds a review of `package` due at `due`; it is scheduled after the current event.
    pub(super) fn queue_review(&mut self, package: Ix, due: f64) {
        let person = self.packages[package as usize].person;
        let id = self.emit.id('v');
        self.new_reviews.push(self.reviews.len() as Ix);
        self.reviews.push(Review {
            id,
            person,
            package,
            due,
            in_progress: false,
        });
    }

    pub(super) fn on_review_queued(&mut self, s: &mut Scheduler<Ev>, r: Ix) {
        let t = s.now().0;
        if !self.persons[self.reviews[r as usize].person as usize].alive {
            return;
        }
        if t < self.review_list_from {
            // Before the reviews' starting state the model keeps no list: done on the day.
            self.review_completed(t, r);
            return;
        }
        if let Some(r) = self.reviewers.request(t, r, 0) {
            self.start_review(s, r);
        }
    }

    /// A reviewer takes review `r`; one whose person died on the list is skipped.
    pub(super) fn start_review(&mut self, s: &mut Scheduler<Ev>, r: Ix) {
        let t = s.now().0;
        let mut r = r;
        while !self.persons[self.reviews[r as usize].person as usize].alive {
            match self.reviewers.release(t) {
                Some((next, _)) => r = next,
                None => return,
            }
        }
        let person = self.reviews[r as usize].person;
        self.reviews[r as usize].in_progress = true;
        self.persons[person as usize].reviewing = Some(r);
        let days = self
            .p
            .community
            .review_hours
            .sample(&mut self.persons[person as usize].rng.community)
            / 24.0;
        s.schedule_in(days, Ev::ReviewDone(r));
    }

    pub(super) fn on_review_done(&mut self, s: &mut Scheduler<Ev>, r: Ix) {
        let t = s.now().0;
        if !self.reviews[r as usize].in_progress {
            // The person died during the review: the reviewer was released then.
            return;
        }
        self.reviews[r as usize].in_progress = false;
        let person = self.reviews[r as usize].person;
        self.persons[person as usize].reviewing = None;
        if let Some((next, _)) = self.reviewers.release(t) {
            self.start_review(s, next);
        }
        self.review_completed(t, r);
    }

    /// Review `r` is done at `t`: written, and the package's next review queued, if the person
    /// is alive.
    fn review_completed(&mut self, t: f64, r: Ix) {
        let review = &self.reviews[r as usize];
        let (person, package, id) = (review.person, review.package, review.id.clone());
        if self.persons[person as usize].alive {
            self.emit.emit(
                t,
                self.who(person, Some(r)),
                B::ReviewCompleted { review: id },
            );
            if !self.packages[package as usize].ended {
                let next = t + self.p.community.review_interval_days;
                self.queue_review(package, next);
            }
        }
    }

    /// The review is set `community.review_set_days_ahead` (28) days before it is due (or now,
    /// if sooner).
    pub(super) fn schedule_review(&mut self, s: &mut Scheduler<Ev>, r: Ix) {
        let ahead = self.p.community.review_set_days_ahead;
        let set = (self.reviews[r as usize].due - ahead).max(s.now().0);
        s.schedule_at(sim_kernel::Time(set), Ev::ReviewDue(r));
    }

    /// The review is set: its `review_due` is written and it joins the team's list on its due
    /// date, if the person is alive and the package still runs. A package that ended (its
    /// person in hospital, in a care home, independent) has no review to set: the review was
    /// written ahead when it was scheduled, and ended packages' reviews filled the list, more
    /// every month, with no care left to review.
    pub(super) fn on_review_due(&mut self, s: &mut Scheduler<Ev>, r: Ix) {
        let review = &self.reviews[r as usize];
        let package = &self.packages[review.package as usize];
        let person = review.person;
        if package.ended || !self.persons[person as usize].alive {
            return;
        }
        let (id, package, due) = (review.id.clone(), package.id.clone(), review.due);
        let t = s.now().0;
        self.emit.emit(
            t,
            self.who(person, Some(r)),
            B::ReviewDue {
                review: id,
                package: Some(package),
                due: self.now_date(due),
            },
        );
        s.schedule_at(sim_kernel::Time(due.floor().max(t)), Ev::ReviewQueued(r));
    }
}
