//! End-to-end tests that span both functions (see the crate's docs in `src/lib.rs`).
//!
//! The `#[ignore]`d tests need the stack `scripts/e2e.sh` starts: moto (a local Cognito), the
//! guide's users and tokens from `scripts/cognito-setup.sh`, and `cargo lambda watch` running
//! the real function binaries. A plain `cargo test` lists them as ignored; under e2e.sh
//! (`--ignored`) a missing piece of the stack is a failure, never a skip, and e2e.sh fails
//! unless every ignored test ran and passed.

mod authorizer_events;
mod builtin_kinds;
mod guide_flow;
mod machine_tokens;
mod revocation;
mod stack;
