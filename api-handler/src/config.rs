//! Configuration, read once at cold start.
//!
//! The rule for every variable of every function in this project: unset or blank (empty or
//! only whitespace) takes the default; any other value must be valid, or the cold start stops
//! with `invalid configuration: VARIABLE: message`.

use std::ffi::OsString;

use aws_lambda_events::http::HeaderValue;
/// A configuration variable that is set but unusable: the variable and what is wrong with
/// it, the verifier's own error, so the same shape and message as the authorizer's.
pub use oidc_jwt_verifier::ConfigError;
use oidc_jwt_verifier::config::env;

use crate::sign_out::{SIGN_OUT_VARIABLES, SignOutSettings};

/// Environment variable naming the group whose members may call admin-only routes.
pub const ADMIN_GROUP_VAR: &str = "ADMIN_GROUP";
/// Environment variable holding the origin allowed by CORS; CORS is off when unset.
pub const CORS_ALLOW_ORIGIN_VAR: &str = "CORS_ALLOW_ORIGIN";
/// Group used when `ADMIN_GROUP` is not set.
pub const DEFAULT_ADMIN_GROUP: &str = "admin";

/// Validated settings of the API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// The group whose members may call admin-only routes; defaults to `admin`.
    pub(crate) admin_group: String,
    /// The origin allowed by CORS; CORS is off when `None` (the default).
    pub(crate) cors_allow_origin: Option<HeaderValue>,
    /// `POST /logout`'s settings; `None` (the default) outside Lambda, where no Region is set.
    pub(crate) sign_out: Option<SignOutSettings>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            admin_group: DEFAULT_ADMIN_GROUP.to_owned(),
            cors_allow_origin: None,
            sign_out: None,
        }
    }
}

impl Settings {
    /// Reads `ADMIN_GROUP` and `CORS_ALLOW_ORIGIN` from the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var_os(name))
    }

    /// Reads the settings through `lookup`, so tests need not mutate the process environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<OsString>) -> Result<Self, ConfigError> {
        let variables = [ADMIN_GROUP_VAR, CORS_ALLOW_ORIGIN_VAR];
        let get = env::utf8(lookup, variables.into_iter().chain(SIGN_OUT_VARIABLES))?;
        let mut settings = Self::default();
        if let Some(group) = get(ADMIN_GROUP_VAR) {
            settings = settings.with_admin_group(group)?;
        }
        if let Some(origin) = get(CORS_ALLOW_ORIGIN_VAR) {
            settings = settings.with_cors_allow_origin(&origin)?;
        }
        settings.sign_out = SignOutSettings::from_lookup(&get)?;
        Ok(settings)
    }

    /// Renames the admin group (as `ADMIN_GROUP` does).
    pub fn with_admin_group(mut self, group: impl Into<String>) -> Result<Self, ConfigError> {
        let group = group.into().trim().to_owned();
        if group.is_empty() {
            return Err(ConfigError::new(ADMIN_GROUP_VAR, "is empty"));
        }
        // Cognito group names never hold whitespace, and API Gateway's own REST Cognito
        // authorizer joins groups with commas: a name with either could never match exactly.
        if group.contains(|c: char| c == ',' || c.is_whitespace()) {
            return Err(ConfigError::new(
                ADMIN_GROUP_VAR,
                "a group name cannot contain commas or whitespace",
            ));
        }
        self.admin_group = group;
        Ok(self)
    }

    /// Turns CORS on for `origin` (as `CORS_ALLOW_ORIGIN` does): `*` or one origin.
    pub fn with_cors_allow_origin(mut self, origin: &str) -> Result<Self, ConfigError> {
        // Empty (not from the environment, where blank is unset) is no origin either.
        let origin = origin.trim();
        let looks_like_origin = origin == "*"
            || ((origin.starts_with("https://") || origin.starts_with("http://"))
                && !origin.contains(|c: char| c == ',' || c.is_whitespace()));
        if !looks_like_origin {
            return Err(ConfigError::new(
                CORS_ALLOW_ORIGIN_VAR,
                "expected `*` or a single origin such as https://app.example.com",
            ));
        }
        let value = HeaderValue::from_str(origin)
            .map_err(|_| ConfigError::new(CORS_ALLOW_ORIGIN_VAR, "is not a valid header value"))?;
        self.cors_allow_origin = Some(value);
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn settings_from(vars: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let vars: HashMap<String, OsString> = vars
            .iter()
            .map(|(name, value)| (name.to_string(), OsString::from(value)))
            .collect();
        Settings::from_lookup(|name| vars.get(name).cloned())
    }

    #[test]
    fn defaults_when_nothing_is_set() {
        let settings = settings_from(&[]).unwrap();
        assert_eq!(settings.admin_group, "admin");
        assert_eq!(settings.cors_allow_origin, None);
    }

    #[test]
    fn reads_both_variables() {
        let settings = settings_from(&[
            ("ADMIN_GROUP", "ops"),
            ("CORS_ALLOW_ORIGIN", "https://app.example.com"),
        ])
        .unwrap();
        assert_eq!(settings.admin_group, "ops");
        assert_eq!(
            settings.cors_allow_origin.unwrap(),
            "https://app.example.com"
        );
    }

    #[test]
    fn blank_values_take_the_default_like_every_variable() {
        let settings = settings_from(&[("ADMIN_GROUP", "  "), ("CORS_ALLOW_ORIGIN", "")]).unwrap();
        assert_eq!(settings, Settings::default());
    }

    #[test]
    fn errors_name_the_variable() {
        // (variables, the variable named, the message)
        type Case<'a> = (&'a [(&'a str, &'a str)], &'a str, &'a str);
        let cases: &[Case] = &[
            (
                &[("CORS_ALLOW_ORIGIN", "app.example.com")],
                "CORS_ALLOW_ORIGIN",
                "expected `*` or a single origin such as https://app.example.com",
            ),
            (
                &[("ADMIN_GROUP", "admin,users")],
                "ADMIN_GROUP",
                "a group name cannot contain commas or whitespace",
            ),
            (
                &[("ADMIN_GROUP", "ad min")],
                "ADMIN_GROUP",
                "a group name cannot contain commas or whitespace",
            ),
        ];
        for (vars, variable, message) in cases {
            let error = settings_from(vars).unwrap_err();
            assert_eq!(
                (error.variable, error.message.as_str()),
                (*variable, *message)
            );
            assert_eq!(
                error.to_string(),
                format!("invalid configuration: {variable}: {message}")
            );
        }
    }

    #[cfg(unix)]
    #[test]
    fn non_utf8_value_is_an_error() {
        use std::os::unix::ffi::OsStringExt;
        let error = Settings::from_lookup(|name| {
            (name == "ADMIN_GROUP").then(|| OsString::from_vec(vec![0xff, 0xfe]))
        })
        .unwrap_err();
        assert_eq!(error.variable, "ADMIN_GROUP");
        assert_eq!(
            error.to_string(),
            "invalid configuration: ADMIN_GROUP: is not valid UTF-8"
        );
    }

    /// Blank is unset in the environment; given to a builder, it is refused by name.
    #[test]
    fn builders_refuse_blank_values() {
        let group = Settings::default().with_admin_group(" ").unwrap_err();
        assert_eq!(
            (group.variable, group.message.as_str()),
            ("ADMIN_GROUP", "is empty")
        );
        let origin = Settings::default().with_cors_allow_origin(" ").unwrap_err();
        assert_eq!(origin.variable, "CORS_ALLOW_ORIGIN");
    }

    #[test]
    fn wildcard_origin_is_accepted() {
        let settings = settings_from(&[("CORS_ALLOW_ORIGIN", "*")]).unwrap();
        assert_eq!(settings.cors_allow_origin.unwrap(), "*");
    }
}
