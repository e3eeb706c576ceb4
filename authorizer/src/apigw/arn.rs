//! Method and route ARNs as API Gateway sends them (`methodArn`, `routeArn`), checked before
//! anything is built from them: a hostile `*` in an account or API ID must never turn into a
//! policy for other APIs.

/// `arn:<partition>:execute-api:<region>:<account>:<api id>/<stage>/<method>/<path>`, as API
/// Gateway sends it in `methodArn` (REST) or `routeArn` (HTTP API).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MethodArn {
    text: String,
    /// Length of `arn:...:<api id>/<stage>/`, the part every resource of the stage shares.
    stage_prefix_len: usize,
}

impl MethodArn {
    /// Parses and checks a method ARN. Wildcards are refused everywhere except as the whole
    /// stage (API Gateway's console test sends `*` there): a hostile `*` in the API ID or
    /// account must not turn into a policy for other APIs.
    pub fn parse(arn: &str) -> Option<Self> {
        let mut fields = arn.splitn(6, ':');
        let [
            Some("arn"),
            Some(partition),
            Some("execute-api"),
            Some(region),
            Some(account),
            Some(resource),
        ] = std::array::from_fn(|_| fields.next())
        else {
            return None;
        };
        let mut parts = resource.splitn(3, '/');
        let [Some(api_id), Some(stage), Some(method_and_path)] =
            std::array::from_fn(|_| parts.next())
        else {
            return None;
        };
        let method = method_and_path.split('/').next().unwrap_or_default();
        let valid = partition.starts_with("aws")
            && is_token(partition, &['-'])
            && is_token(region, &['-'])
            && account.len() == 12
            && account.bytes().all(|b| b.is_ascii_digit())
            && is_token(api_id, &[])
            && (stage == "*" || is_token(stage, &['-', '_', '$']))
            && (is_token(method, &['$']) || method == "*")
            && !method_and_path.contains(['?', '*'])
            && method_and_path.len() <= 4096
            && !method_and_path.contains(char::is_whitespace);
        valid.then(|| MethodArn {
            text: arn.to_owned(),
            stage_prefix_len: arn.len() - method_and_path.len(),
        })
    }

    /// `arn:...:<api id>/<stage>/`, the part every resource of the stage shares.
    pub fn stage_prefix(&self) -> &str {
        &self.text[..self.stage_prefix_len]
    }

    /// Everything after the stage: `GET/items/42`.
    pub fn method_and_path(&self) -> &str {
        &self.text[self.stage_prefix_len..]
    }

    /// Whether the path after the method is spelled canonically: no empty segment (`//me`,
    /// `me//`) and no `.` or `..` segment, with one trailing `/` allowed (API Gateway routes
    /// `/me/` to the `/me` resource, and route rules cover both spellings). The root (`GET/`) is
    /// canonical. A rule names canonical paths only, so a request spelled otherwise could fall
    /// under none of them although it reaches a guarded route; see [`super::PolicyResponse::new`].
    ///
    /// AWS documents the method ARN as
    /// `arn:aws:execute-api:{regionId}:{accountId}:{apiId}/{stage}/{httpVerb}/[{resource}/[{child-resources}]]`
    /// ("Input to an API Gateway Lambda authorizer",
    /// <https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-lambda-authorizer-input.html>),
    /// but not whether a request for `//me` or `/./me` reaches the authorizer spelled so; this
    /// check holds either way.
    pub fn path_is_canonical(&self) -> bool {
        let method_and_path = self.method_and_path();
        is_canonical(method_and_path.split_once('/').map_or("", |(_, path)| path))
    }

    /// The ARN of `suffix` (`METHOD/path`, or `*/*` for the whole stage) in this ARN's stage.
    pub fn in_stage(&self, suffix: &str) -> String {
        [self.stage_prefix(), suffix].concat()
    }
}

/// The rule of [`MethodArn::path_is_canonical`] for a path after its method's `/` (`me/`).
pub(crate) fn is_canonical(path: &str) -> bool {
    path.is_empty()
        || path
            .strip_suffix('/')
            .unwrap_or(path)
            .split('/')
            .all(|segment| !segment.is_empty() && segment != "." && segment != "..")
}

/// 1 to 128 ASCII letters, digits and `extra` characters.
pub(crate) fn is_token(s: &str, extra: &[char]) -> bool {
    !s.is_empty()
        && s.len() <= 128
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || extra.contains(&c))
}

#[cfg(test)]
mod tests {
    use super::*;

    const ARN: &str =
        "arn:aws:execute-api:ap-northeast-1:123456789012:abcdef1234/prod/GET/items/42";

    #[test]
    fn parses_method_arns() {
        let arn = MethodArn::parse(ARN).unwrap();
        // Region, account, API ID and stage: the prefix every resource of the stage shares.
        assert_eq!(
            arn.stage_prefix(),
            "arn:aws:execute-api:ap-northeast-1:123456789012:abcdef1234/prod/"
        );
        assert_eq!(arn.method_and_path(), "GET/items/42");
        assert_eq!(
            arn.in_stage("*/*"),
            "arn:aws:execute-api:ap-northeast-1:123456789012:abcdef1234/prod/*/*"
        );
        let console =
            MethodArn::parse("arn:aws:execute-api:us-west-2:123456789012:ymy8tbxw7b/*/GET/")
                .unwrap();
        assert_eq!(
            console.in_stage("*/*"),
            "arn:aws:execute-api:us-west-2:123456789012:ymy8tbxw7b/*/*/*"
        );
        let http = MethodArn::parse(
            "arn:aws:execute-api:us-east-1:123456789012:abcdef123/$default/GET/me",
        )
        .unwrap();
        assert!(http.stage_prefix().ends_with(":abcdef123/$default/"));
        assert!(
            MethodArn::parse("arn:aws-cn:execute-api:cn-north-1:123456789012:a1/s/GET/").is_some()
        );
    }

    /// Issue 21.5: the spellings a rule could never name.
    #[test]
    fn tells_canonical_paths_from_other_spellings() {
        let cases = [
            ("the root", "GET/", true),
            ("a path", "GET/me", true),
            ("a trailing slash", "GET/me/", true),
            ("nested", "DELETE/items/42", true),
            ("dots inside a segment", "GET/a.b/..c/d..", true),
            ("a method only", "GET", true),
            ("the root twice", "GET//", false),
            ("a leading empty segment", "GET//me", false),
            ("two trailing slashes", "GET/me//", false),
            ("an empty segment inside", "GET/a//b", false),
            ("a dot segment", "GET/./me", false),
            ("a dot-dot segment", "GET/x/../me", false),
            ("a dot at the end", "GET/me/.", false),
            ("a dot-dot at the end", "GET/me/..", false),
            ("a dot-dot before a trailing slash", "GET/me/../", false),
            ("only a dot", "GET/.", false),
        ];
        for (name, method_and_path, canonical) in cases {
            let arn = MethodArn::parse(&format!(
                "arn:aws:execute-api:us-east-1:123456789012:api/prod/{method_and_path}"
            ))
            .unwrap_or_else(|| panic!("{name}: parses"));
            assert_eq!(arn.path_is_canonical(), canonical, "{name}");
        }
    }

    #[test]
    fn refuses_malformed_or_wildcarded_arns() {
        let bad = [
            "",
            "arn",
            "arn:aws:execute-api:us-east-1:123456789012",
            "arn:aws:execute-api:us-east-1:123456789012:api",
            "arn:aws:execute-api:us-east-1:123456789012:api/stage",
            "arn:aws:lambda:us-east-1:123456789012:api/stage/GET/",
            "arn:aws:execute-api:us-east-1:*:api/stage/GET/",
            "arn:aws:execute-api:us-east-1:12345:api/stage/GET/",
            "arn:aws:execute-api:*:123456789012:api/stage/GET/",
            "arn:aws:execute-api:us-east-1:123456789012:*/stage/GET/",
            "arn:aws:execute-api:us-east-1:123456789012:api/st*/GET/",
            "arn:aws:execute-api:us-east-1:123456789012:api/stage/GET/a*",
            "arn:aws:execute-api:us-east-1:123456789012:api/stage/GET/a?b",
            "arn:aws:execute-api:us-east-1:123456789012:api/stage/GET/a b",
            "arn:aws:execute-api:us-east-1:123456789012:api/stage//x",
            "arn:gcp:execute-api:us-east-1:123456789012:api/stage/GET/",
        ];
        for arn in bad {
            assert!(MethodArn::parse(arn).is_none(), "{arn}");
        }
    }
}
