//! AWS Certificate Manager (awsJson1_1, target prefix `CertificateManager`,
//! signing name `acm`): the certificates HTTPS listeners present.
//!
//! | part | what it owns |
//! |---|---|
//! | [`model`] | pure state and rules (no I/O): certificates, their validation records, tags, listing |
//! | [`x509`] | reading an imported certificate and key (names, dates, algorithms, does the key fit) |
//! | [`ops`] | one file per operation: parse → apply → render |
//! | [`errors`] | every error code and message |
//! | [`service`] | [`Acm`]: the lock, the durable file, the gateway hook, and the lookups ELBv2 and the ALB make |
//!
//! A requested (`AMAZON_ISSUED`) certificate is issued at once by the local
//! CA (the one HTTPS listeners already use, `emul ca`): there is no DNS for
//! ACM to find a validation record in, so its domain validation shows the
//! CNAME record AWS would ask for and `SUCCESS`. An imported certificate is
//! served as given. The ALB presents either by SNI (ADR 0019).

pub mod errors;
pub mod model;
pub mod ops;
pub mod service;
pub mod x509;

pub use service::Acm;
