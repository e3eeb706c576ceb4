//! Settings read from environment variables, the one way every crate of this workspace reads
//! them (shared with the other crates, not part of the verifier's API).
//!
//! The rule for every variable of every function: unset or blank (empty or only whitespace)
//! takes the default, so a template can leave a parameter empty; any other value must be
//! valid, or init stops with an error naming the variable, saying what is wrong and, where the
//! choice is small, what is allowed. The readers take the variables through a [`Get`], which
//! already hides blank values; each value is trimmed by the reader that needs it.

use std::collections::HashSet;
use std::ffi::OsString;
use std::ops::RangeInclusive;

use super::ConfigError;

/// What the readers read through: a variable's value as written, `None` when unset or blank.
pub type Get<'a> = &'a dyn Fn(&str) -> Option<String>;

/// `None` for a blank `value`; any other value is kept as written, for its reader to validate.
pub fn non_blank(value: String) -> Option<String> {
    (!value.trim().is_empty()).then_some(value)
}

/// `lookup` (the process environment's `var_os`, or a test's map) as a [`Get`], once each of
/// `variables` is checked to be unset or valid UTF-8: a value that is not is an error naming
/// it, never read as unset.
pub fn utf8(
    lookup: impl Fn(&str) -> Option<OsString>,
    variables: impl IntoIterator<Item = &'static str>,
) -> Result<impl Fn(&str) -> Option<String>, ConfigError> {
    for variable in variables {
        if lookup(variable).is_some_and(|value| value.to_str().is_none()) {
            return Err(ConfigError::new(variable, "is not valid UTF-8"));
        }
    }
    Ok(move |name: &str| lookup(name)?.into_string().ok().and_then(non_blank))
}

/// `variable` as `parse` reads it, when set.
pub fn parsed<T>(
    get: Get,
    variable: &'static str,
    parse: impl FnOnce(&str) -> Result<T, String>,
) -> Result<Option<T>, ConfigError> {
    let parsed = get(variable).map(|raw| parse(&raw));
    parsed
        .transpose()
        .map_err(|e| ConfigError::new(variable, e))
}

/// A whole number (trimmed) within `range`; `default` when unset.
pub fn number(
    get: Get,
    variable: &'static str,
    default: u64,
    range: RangeInclusive<u64>,
) -> Result<u64, ConfigError> {
    let Some(raw) = get(variable) else {
        return Ok(default);
    };
    let value: u64 = raw.trim().parse().map_err(|_| {
        ConfigError::new(variable, format!("{:?} is not a whole number", raw.trim()))
    })?;
    if !range.contains(&value) {
        return Err(ConfigError::new(
            variable,
            format!("{value} is outside {}..={}", range.start(), range.end()),
        ));
    }
    Ok(value)
}

/// One of `choices`, by name (trimmed, exact case); `default` when unset.
pub fn one_of<T: Copy>(
    get: Get,
    variable: &'static str,
    default: T,
    choices: &[(&str, T)],
) -> Result<T, ConfigError> {
    get(variable).map_or(Ok(default), |raw| pick(variable, &raw, choices))
}

/// The choice `raw` (trimmed) names, or an error listing the names.
pub fn pick<T: Copy>(
    variable: &'static str,
    raw: &str,
    choices: &[(&str, T)],
) -> Result<T, ConfigError> {
    let raw = raw.trim();
    let chosen = choices.iter().find(|(name, _)| *name == raw);
    chosen.map(|(_, value)| *value).ok_or_else(|| {
        let names: Vec<&str> = choices.iter().map(|(name, _)| *name).collect();
        ConfigError::new(
            variable,
            format!("{raw:?} is not one of {}", names.join(", ")),
        )
    })
}

/// A comma-separated list: entries are trimmed; empty entries, entries with whitespace and
/// duplicates are errors, since they usually mean a typo that would otherwise be silently
/// ignored.
pub fn list(variable: &'static str, raw: &str) -> Result<Vec<String>, ConfigError> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for entry in raw.split(',').map(str::trim) {
        let problem = if entry.is_empty() {
            "has an empty entry (check the commas)".to_owned()
        } else if entry.contains(char::is_whitespace) {
            format!("entry {entry:?} contains whitespace")
        } else if !seen.insert(entry) {
            format!("lists {entry:?} twice")
        } else {
            out.push(entry.to_owned());
            continue;
        };
        return Err(ConfigError::new(variable, problem));
    }
    Ok(out)
}

/// A [`list`] that must be set.
pub fn required_list(get: Get, variable: &'static str) -> Result<Vec<String>, ConfigError> {
    let raw = get(variable).ok_or_else(|| ConfigError::new(variable, "is required but not set"))?;
    list(variable, &raw)
}

/// A [`list`]; empty when unset.
pub fn optional_list(get: Get, variable: &'static str) -> Result<Vec<String>, ConfigError> {
    get(variable).map_or(Ok(Vec::new()), |raw| list(variable, &raw))
}

/// An error naming the first of `dependents` that is set, saying `why` it cannot be: the
/// setting they depend on is not, and a value silently ignored is a mistake unnoticed.
pub fn refuse_set(get: Get, dependents: &[&'static str], why: &str) -> Result<(), ConfigError> {
    match dependents.iter().find(|variable| get(variable).is_some()) {
        Some(variable) => Err(ConfigError::new(variable, why)),
        None => Ok(()),
    }
}

/// The file at `path`, which `variable` names, refused when over `max` bytes: the size is
/// checked before reading, so a wrong path to something huge costs nothing.
pub fn read_file(variable: &'static str, path: &str, max: u64) -> Result<Vec<u8>, ConfigError> {
    let cannot_read = |e| ConfigError::new(variable, format!("cannot read {path:?}: {e}"));
    let size = std::fs::metadata(path).map_err(cannot_read)?.len();
    if size > max {
        return Err(ConfigError::new(
            variable,
            format!("{path:?} is {size} bytes, over the {max} allowed"),
        ));
    }
    std::fs::read(path).map_err(cannot_read)
}

#[cfg(test)]
mod tests;
