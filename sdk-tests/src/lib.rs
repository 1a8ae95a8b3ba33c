//! Conformance tests for emul's AWS endpoint, written against the official
//! AWS SDK for Rust and the AWS CLI. The tests live in `tests/`; this library
//! holds what they share (starting an `emul serve`, building SDK clients).
