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

    /// Emits the review's `review_due` and puts it on the team's list on its due date.
    pub(super) fn schedule_review(&mut self, s: &mut Scheduler<Ev>, r: Ix) {
        let review = &self.reviews[r as usize];
        let due_date = self.now_date(review.due);
        let set = (review.due - 28.0).max(s.now().0);
        let (id, package) = (
            review.id.clone(),
            self.packages[review.package as usize].id.clone(),
        );
        self.emit.emit(
            set,
            self.who(self.reviews[r as usize].person, Some(r)),
            B::ReviewDue {
                review: id,
                package: Some(package),
                due: due_date,
            },
        );
        let join = review.due.floor().max(s.now().0);
        s.schedule_at(sim_kernel::Time(join), Ev::ReviewQueued(r));
    }
}
