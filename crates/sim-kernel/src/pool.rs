//! A pool of a divisible amount (hours of home care a week), handed out first come, first served.

use std::collections::VecDeque;

/// An amount (`capacity`) that requests take parts of. A request that does not fit waits, and
/// nobody overtakes the head of the queue (so a large request is not starved by small ones).
pub struct Pool<T> {
    capacity: f64,
    used: f64,
    queue: VecDeque<(T, f64, f64)>,
}

impl<T> Pool<T> {
    pub fn new(capacity: f64) -> Self {
        Pool {
            capacity,
            used: 0.0,
            queue: VecDeque::new(),
        }
    }

    pub fn capacity(&self) -> f64 {
        self.capacity
    }
    pub fn used(&self) -> f64 {
        self.used
    }
    pub fn queue_len(&self) -> usize {
        self.queue.len()
    }

    /// Takes `amount` for `who` now if it fits and nobody waits; otherwise `who` waits.
    pub fn request(&mut self, now: f64, who: T, amount: f64) -> Option<T> {
        if self.queue.is_empty() && self.used + amount <= self.capacity + 1e-9 {
            self.used += amount;
            return Some(who);
        }
        self.queue.push_back((who, amount, now));
        None
    }

    /// Takes `amount` whether or not it fits (care already running when a run starts).
    pub fn force(&mut self, amount: f64) {
        self.used += amount;
    }

    fn grant(&mut self, now: f64) -> Vec<(T, f64)> {
        let mut out = Vec::new();
        while let Some((_, amount, _)) = self.queue.front() {
            if self.used + amount > self.capacity + 1e-9 {
                break;
            }
            let (who, amount, since) = self.queue.pop_front().expect("front exists");
            self.used += amount;
            out.push((who, now - since));
        }
        out
    }

    /// Gives `amount` back; returns the waiters it lets in, with their waits.
    pub fn release(&mut self, now: f64, amount: f64) -> Vec<(T, f64)> {
        self.used = (self.used - amount).max(0.0);
        self.grant(now)
    }

    /// Changes the capacity; returns the waiters a rise lets in.
    pub fn set_capacity(&mut self, now: f64, capacity: f64) -> Vec<(T, f64)> {
        self.capacity = capacity;
        self.grant(now)
    }

    /// Takes out the first waiter `pred` accepts. Nobody is let in here, though taking out the
    /// head of the queue may leave room for those behind it: follow with
    /// [`release`](Self::release) of 0 to let them in.
    pub fn withdraw(&mut self, mut pred: impl FnMut(&T) -> bool) -> Option<T> {
        let i = self.queue.iter().position(|(w, _, _)| pred(w))?;
        self.queue.remove(i).map(|(w, _, _)| w)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn head_of_line_is_not_overtaken() {
        let mut p = Pool::new(20.0);
        assert_eq!(p.request(0.0, 'a', 15.0), Some('a'));
        assert_eq!(p.request(1.0, 'b', 10.0), None);
        assert_eq!(p.request(2.0, 'c', 2.0), None); // would fit, but b is first
        let let_in: Vec<char> = p.release(5.0, 15.0).into_iter().map(|x| x.0).collect();
        assert_eq!(let_in, ['b', 'c']);
        assert_eq!(p.used(), 12.0);
    }
}
