//! Each thread's buffers for the model's tables (people, stays, attendances, packages,
//! reviews), kept from one replication to the next: a replication fills tables of tens of
//! megabytes, and growing them afresh each time (copying as they double, the kernel zeroing
//! new pages) was about a tenth of a replication's time. The tables are cleared when kept, so
//! a replication sees only their room, never their contents: results do not depend on it.

use std::cell::RefCell;

use super::{Attendance, Package, Person, Review, Spell};

#[derive(Default)]
pub(super) struct Buffers {
    pub persons: Vec<Person>,
    pub spells: Vec<Spell>,
    pub atts: Vec<Attendance>,
    pub packages: Vec<Package>,
    pub reviews: Vec<Review>,
}

thread_local! {
    static KEPT: RefCell<Buffers> = RefCell::new(Buffers::default());
}

/// This thread's kept buffers, empty (with their room), or new ones.
pub(super) fn take() -> Buffers {
    KEPT.with(|k| std::mem::take(&mut *k.borrow_mut()))
}

/// Keeps `b`'s room for this thread's next replication.
pub(super) fn keep(mut b: Buffers) {
    b.persons.clear();
    b.spells.clear();
    b.atts.clear();
    b.packages.clear();
    b.reviews.clear();
    KEPT.with(|k| *k.borrow_mut() = b);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_buffers_come_back_empty_with_their_room() {
        let mut b = take();
        b.reviews.reserve(1000);
        let room = b.reviews.capacity();
        keep(b);
        let again = take();
        assert!(again.reviews.is_empty() && again.persons.is_empty());
        assert!(again.reviews.capacity() >= room);
        // Taken: the next take on this thread gets none.
        assert_eq!(take().reviews.capacity(), 0);
        keep(again);
    }
}
