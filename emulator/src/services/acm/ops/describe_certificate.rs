//! DescribeCertificate: everything ACM shows of one certificate, with the
//! load balancers that present it (`InUseBy`).

use serde_json::{Value, json};

use super::{ByArn, parse, render_detail};
use crate::services::acm::Acm;
use crate::services::acm::errors::AcmError;
use crate::services::acm::model::Scope;

/// Parse → apply → render.
pub fn run(acm: &Acm, scope: &Scope, body: Value) -> Result<Value, AcmError> {
    let arn = parse::<ByArn>(body)?.arn()?;
    let cert = acm.read(|c| c.get(scope, &arn).cloned())?;
    let users = acm.users_of(scope, &arn);
    Ok(json!({ "Certificate": render_detail(&cert, &users) }))
}
