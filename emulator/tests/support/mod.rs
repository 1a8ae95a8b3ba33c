//! Shared harnesses for the Docker integration tests (one file per piece).

pub mod ecs;
pub mod netns;
