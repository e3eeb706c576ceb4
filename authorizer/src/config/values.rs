//! How one variable's text becomes a value: lists, bounded numbers, one of a few names, or
//! whatever a parser makes of it. Each reads the variable through `get` (non-blank values
//! only), and each error names the variable.

use std::collections::HashSet;

use oidc_jwt_verifier::ConfigError;

/// What the configuration reads through: a variable's value, `None` when unset or blank.
pub(crate) type Get<'a> = &'a dyn Fn(&str) -> Option<String>;

/// A comma-separated list: entries are trimmed; empty entries and duplicates are errors, since
/// they usually mean a typo that would otherwise be silently ignored.
pub(crate) fn list(variable: &'static str, raw: &str) -> Result<Vec<String>, ConfigError> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for entry in raw.split(',').map(str::trim) {
        if entry.is_empty() {
            return Err(ConfigError::new(
                variable,
                "has an empty entry (check the commas)",
            ));
        }
        if entry.contains(char::is_whitespace) {
            return Err(ConfigError::new(
                variable,
                format!("entry {entry:?} contains whitespace"),
            ));
        }
        if !seen.insert(entry) {
            return Err(ConfigError::new(variable, format!("lists {entry:?} twice")));
        }
        out.push(entry.to_owned());
    }
    Ok(out)
}

/// A [`list`] that must be set.
pub(crate) fn required_list(get: Get, variable: &'static str) -> Result<Vec<String>, ConfigError> {
    let raw = get(variable).ok_or_else(|| ConfigError::new(variable, "is required but not set"))?;
    list(variable, &raw)
}

/// A [`list`]; empty when unset.
pub(crate) fn optional_list(get: Get, variable: &'static str) -> Result<Vec<String>, ConfigError> {
    get(variable).map_or(Ok(Vec::new()), |raw| list(variable, &raw))
}

/// `variable` as `parse` reads it, when set.
pub(crate) fn parsed<T>(
    get: Get,
    variable: &'static str,
    parse: impl FnOnce(&str) -> Result<T, String>,
) -> Result<Option<T>, ConfigError> {
    let parsed = get(variable).map(|raw| parse(&raw));
    parsed
        .transpose()
        .map_err(|e| ConfigError::new(variable, e))
}

/// A whole number within `range`; `default` when unset.
pub(crate) fn number(
    get: Get,
    variable: &'static str,
    default: u64,
    range: std::ops::RangeInclusive<u64>,
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

/// One of `choices`, by name (trimmed); `default` when unset.
pub(crate) fn one_of<T: Copy>(
    get: Get,
    variable: &'static str,
    default: T,
    choices: &[(&str, T)],
) -> Result<T, ConfigError> {
    get(variable).map_or(Ok(default), |raw| pick(variable, &raw, choices))
}

/// The choice `raw` (trimmed) names, or an error listing the names.
pub(crate) fn pick<T: Copy>(
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
