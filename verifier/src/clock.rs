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
