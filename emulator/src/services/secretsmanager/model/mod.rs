//! The pure Secrets Manager model: secrets, versions, staging labels,
//! deletion schedule, lookups, idempotency, listing and passwords.
//! No I/O and no async; time and randomness are passed in.
//!
//! | file | what it owns |
//! |---|---|
//! | [`secret`] | one secret, its versions and the label rules |
//! | [`region`] | the secrets of one account+region; lookups, values, versions, labels |
//! | [`lifecycle`] | deletion schedule, restore, tags, rotation configuration, resource policy |
//! | [`validate`] | input checks with AWS's messages |
//! | [`names`] | names, ARNs, SecretId parsing |
//! | [`listing`] | ListSecrets filters, sorting, NextToken |
//! | [`replication`] | replicas in other regions and how changes reach them |
//! | [`password`] | GetRandomPassword |

pub mod lifecycle;
pub mod listing;
pub mod names;
pub mod password;
pub mod region;
pub mod replication;
pub mod secret;
pub mod validate;

#[cfg(test)]
mod tests;

pub use region::{Change, CreateRequest, Region, Scope, WriteResult};
pub use secret::{Millis, Secret, SecretValue, Tag};
