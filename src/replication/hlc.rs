//! A hybrid logical clock: wall-clock milliseconds in the high 48 bits, a counter in the
//! low 16. A stamp is always later than every stamp this replica has made or seen, so
//! a change made after seeing another sorts after it even when the clocks disagree;
//! otherwise stamps follow the wall clock, which is what people expect of "latest".

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Hlc(pub u64);

const LOGICAL_BITS: u32 = 16;

impl Hlc {
    pub fn from_millis(ms: i64) -> Hlc {
        Hlc((ms.max(0) as u64) << LOGICAL_BITS)
    }

    /// The wall-clock part, in milliseconds since the epoch.
    pub fn millis(self) -> i64 {
        (self.0 >> LOGICAL_BITS) as i64
    }

    /// The stamp for a new local change at wall-clock `now_ms`, after `last`.
    pub fn tick(last: Hlc, now_ms: i64) -> Hlc {
        Hlc::from_millis(now_ms).max(Hlc(last.0 + 1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follows_the_wall_clock_when_it_moves_on() {
        let a = Hlc::tick(Hlc::default(), 1_000);
        let b = Hlc::tick(a, 2_000);
        assert_eq!(b.millis(), 2_000);
        assert!(b > a);
    }

    #[test]
    fn stays_ahead_of_what_it_has_seen_when_the_clock_lags() {
        // A remote replica's clock is an hour ahead: a change made here after seeing
        // its stamp must still sort after it.
        let seen = Hlc::from_millis(3_600_000);
        let local = Hlc::tick(seen, 1_000);
        assert!(local > seen);
        assert_eq!(local.millis(), 3_600_000);
        let next = Hlc::tick(local, 1_001);
        assert!(next > local);
    }
}
