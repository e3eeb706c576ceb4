//! Time as a seam: token expiry needs wall-clock seconds, the JWKS refresh cooldown needs a
//! monotonic clock. Tests swap in a manual clock to exercise both without sleeping.

use std::sync::OnceLock;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// A source of the current time.
pub trait Clock: Send + Sync + 'static {
    /// Seconds since the Unix epoch (wall clock), compared with `exp`, `nbf` and `iat`.
    fn unix_seconds(&self) -> u64;
    /// Time elapsed since an arbitrary fixed point; never goes backwards. Used for cooldowns,
    /// so a wall-clock jump cannot unlock a flood of JWKS fetches.
    fn monotonic(&self) -> Duration;
}

/// The real clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn unix_seconds(&self) -> u64 {
        // A clock before 1970 means a broken host: report the far future so that every token
        // counts as expired (fail closed) instead of every token counting as fresh.
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(u64::MAX, |elapsed| elapsed.as_secs())
    }

    fn monotonic(&self) -> Duration {
        static START: OnceLock<Instant> = OnceLock::new();
        START.get_or_init(Instant::now).elapsed()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_system_clock_reads_the_real_time_and_a_monotonic_one() {
        let clock = SystemClock;
        let real = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        assert!(clock.unix_seconds().abs_diff(real) <= 1);
        let before = clock.monotonic();
        std::thread::sleep(Duration::from_millis(20));
        let after = clock.monotonic();
        assert!(
            after >= before + Duration::from_millis(20),
            "{before:?} → {after:?}"
        );
    }
}
