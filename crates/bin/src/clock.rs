//! The real clock.

use chrono::{DateTime, SubsecRound, Utc};
use realty_domain::ports::Clock;

/// The system clock, at the microsecond precision every store keeps, so
/// that a timestamp reads back exactly as it was written.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now().trunc_subsecs(6)
    }
}
