//! At most one warning a second for requests refused as unavailable.
//!
//! An outage or an overload (the database down, the password-hashing queue
//! full) refuses every request, thousands a second; a line for each would
//! flood the logs, and the disk under them, just when an operator reads
//! them. The lines left out are counted on the next one written, and every
//! refusal is still counted in the metrics (requests by status).

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// One line a second, shared by every request of the process.
pub(crate) static UNAVAILABLE: Throttle = Throttle::new();

pub(crate) struct Throttle {
    /// The second (Unix time) of the last line written.
    last_second: AtomicU64,
    /// Lines left out since then.
    suppressed: AtomicU64,
}

impl Throttle {
    const fn new() -> Self {
        Self { last_second: AtomicU64::new(0), suppressed: AtomicU64::new(0) }
    }

    /// Logs `cause` at warn unless a line was written this second.
    pub(crate) fn warn(&self, cause: &str) {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |since| since.as_secs());
        if let Some(suppressed) = self.admit(now) {
            tracing::warn!(
                cause,
                suppressed,
                "unavailable (at most one line a second; suppressed: left out since the last)"
            );
        }
    }

    /// Whether a line may be written at second `now`: `Some` with the lines
    /// left out since the last one, or `None` (and counted) when one was
    /// written this second already.
    fn admit(&self, now: u64) -> Option<u64> {
        let last = self.last_second.load(Ordering::Relaxed);
        if now > last
            && self.last_second.compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed).is_ok()
        {
            return Some(self.suppressed.swap(0, Ordering::Relaxed));
        }
        self.suppressed.fetch_add(1, Ordering::Relaxed);
        None
    }
}

#[cfg(test)]
mod tests {
    use super::Throttle;

    #[test]
    fn one_line_a_second_and_the_next_counts_those_left_out() {
        let throttle = Throttle::new();
        assert_eq!(throttle.admit(100), Some(0), "the first line is written");
        assert_eq!(throttle.admit(100), None);
        assert_eq!(throttle.admit(100), None);
        assert_eq!(throttle.admit(101), Some(2), "the next second's line counts two left out");
        assert_eq!(throttle.admit(101), None);
        assert_eq!(throttle.admit(99), None, "a clock stepping back writes nothing new");
        assert_eq!(throttle.admit(105), Some(2));
    }
}
