//! End-to-end tests that span both functions, and the route table the API is built from.
//!
//! - `e2e/` (the test binary `e2e`): the guide's flow against moto, through the local gateway
//!   with the functions in-process, the `local-gateway` binary, and the real `authorizer` and
//!   `api-handler` binaries under `cargo lambda watch`; and every `events/authorizer-*.json`
//!   answered as documented by the authorizer binary under `cargo lambda watch`. Those tests
//!   are `#[ignore]`d: `scripts/e2e.sh` (`make test-e2e`) starts the stack they need and runs
//!   them with `--ignored`, failing unless every one of them ran and passed.
//! - [`routes`] and the `print-routes` binary: the routes as the api-handler and the local
//!   gateway know them, which `scripts/check_template.py` compares with `template.yaml`.

#![warn(missing_docs)]

pub mod routes;
