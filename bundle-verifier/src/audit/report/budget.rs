//! How many receipt bytes the report's threads hold at once. Receipts are
//! judged on every core, and each is read whole: a receipt of an install of
//! 100,000 files is 19 MB, so eight cores reading such receipts at once
//! would hold 150 MB. A thread waits for its share before it reads.

use std::sync::{Condvar, Mutex};

/// Receipt bytes held at once by all threads together.
pub const READ_BUDGET: u64 = 24 << 20;

/// Bytes that may still be taken.
pub struct Budget {
    total: u64,
    left: Mutex<u64>,
    freed: Condvar,
}

impl Budget {
    pub fn new(total: u64) -> Self {
        Budget {
            total,
            left: Mutex::new(total),
            freed: Condvar::new(),
        }
    }

    /// Waits until `size` bytes (at most the whole budget: a larger
    /// receipt is read alone) are free, takes them and returns the share,
    /// which is given back when it is dropped.
    pub fn take(&self, size: u64) -> Share<'_> {
        let n = size.min(self.total);
        let mut left = self.left.lock().expect("no thread panics holding it");
        while *left < n {
            left = self.freed.wait(left).expect("no thread panics holding it");
        }
        *left -= n;
        Share { budget: self, n }
    }
}

/// Bytes taken from a [`Budget`] until dropped.
pub struct Share<'a> {
    budget: &'a Budget,
    n: u64,
}

impl Drop for Share<'_> {
    fn drop(&mut self) {
        let mut left = self
            .budget
            .left
            .lock()
            .expect("no thread panics holding it");
        *left += self.n;
        self.budget.freed.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU64, Ordering};

    #[test]
    fn threads_never_hold_more_than_the_budget_and_a_large_share_runs_alone() {
        let budget = Budget::new(100);
        let held = AtomicU64::new(0);
        let most = AtomicU64::new(0);
        std::thread::scope(|s| {
            for t in 0..8u64 {
                let (budget, held, most) = (&budget, &held, &most);
                s.spawn(move || {
                    for i in 0..50u64 {
                        // Now and then larger than the whole budget.
                        let size = if (t + i) % 7 == 0 {
                            500
                        } else {
                            10 + (t * 13 + i) % 40
                        };
                        let share = budget.take(size);
                        let now = held.fetch_add(share.n, Ordering::SeqCst) + share.n;
                        most.fetch_max(now, Ordering::SeqCst);
                        std::thread::yield_now();
                        held.fetch_sub(share.n, Ordering::SeqCst);
                    }
                });
            }
        });
        assert!(most.load(Ordering::SeqCst) <= 100);
        assert_eq!(*budget.left.lock().unwrap(), 100, "every share given back");
    }
}
