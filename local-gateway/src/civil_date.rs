//! The pieces both time formats of the gateway use (the access log's Common Log Format and the
//! built-in authorizers' Java `Date.toString()`). The day-to-date conversion is
//! revocation-table's, the workspace's one, tested there for every day from 1970 to 2503.

pub(crate) use revocation_table::civil_from_days;

/// English month abbreviations, January first.
pub(crate) const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
