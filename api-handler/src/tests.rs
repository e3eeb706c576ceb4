//! What the unit tests build: a caller and a request, without an API Gateway event.

use std::collections::HashMap;

use aws_lambda_events::http::{HeaderMap, Method};

use crate::identity::Identity;
use crate::request::{ApiRequest, RouteTarget};

/// A caller with only a `sub` (also its username), the least an authorizer can tell us.
pub(crate) fn identity(sub: &str) -> Identity {
    Identity {
        sub: sub.to_owned(),
        username: sub.to_owned(),
        ..Identity::default()
    }
}

/// A request for `method` and `path`; a path that is not canonical is routed nowhere.
pub(crate) fn request(method: Method, path: &str) -> ApiRequest {
    ApiRequest {
        method,
        route: RouteTarget::path(path),
        headers: HeaderMap::new(),
        path_parameters: HashMap::new(),
        body: None,
        is_base64_encoded: false,
    }
}
