//! DeleteCertificate: refused while a load balancer presents it.

use serde_json::{Value, json};

use super::{ByArn, parse};
use crate::services::acm::Acm;
use crate::services::acm::errors::AcmError;
use crate::services::acm::model::Scope;

/// Parse → apply → render.
pub fn run(acm: &Acm, scope: &Scope, body: Value) -> Result<Value, AcmError> {
    let arn = parse::<ByArn>(body)?.arn()?;
    acm.read(|c| c.get(scope, &arn).map(|_| ()))?;
    if let Some(user) = acm.users_of(scope, &arn).into_iter().next() {
        return Err(AcmError::InUse { arn, user });
    }
    acm.write(|c| c.remove(scope, &arn).map(|_| ()))?;
    Ok(json!({}))
}
