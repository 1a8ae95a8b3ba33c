//! Secret names, ARNs, and how a `SecretId` (name, full ARN or partial ARN)
//! is understood (aws-reference.md §3.2).

use rand::Rng;

use super::super::errors::SmError;

/// Characters allowed in a secret name besides ASCII letters and digits.
const NAME_PUNCTUATION: &str = "/_+=.@-";

/// Checks a name given to CreateSecret (1–512 chars, letters, digits, `/_+=.@-`).
pub fn validate_name(name: &str) -> Result<(), SmError> {
    if name.is_empty() || name.len() > 512 {
        return Err(SmError::InvalidName);
    }
    if name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || NAME_PUNCTUATION.contains(c))
    {
        Ok(())
    } else {
        Err(SmError::InvalidName)
    }
}

/// Checks a `SecretId` that is not an ARN. Service-managed names such as
/// `rds!db-<uuid>` contain `!`, so lookups accept it (the message lists it).
pub fn validate_secret_id(id: &str) -> Result<(), SmError> {
    if id.is_empty() || id.len() > 2048 {
        return Err(SmError::InvalidName);
    }
    if id
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || NAME_PUNCTUATION.contains(c) || c == '!')
    {
        Ok(())
    } else {
        Err(SmError::InvalidName)
    }
}

/// The random part AWS appends: a hyphen and six alphanumeric characters.
pub fn random_suffix(rng: &mut impl Rng) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    (0..6)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

/// `arn:aws:secretsmanager:<region>:<account>:secret:<name>-<suffix>`.
pub fn secret_arn(region: &str, account: &str, name: &str, suffix: &str) -> String {
    format!("arn:aws:secretsmanager:{region}:{account}:secret:{name}-{suffix}")
}

/// How a `SecretId` is to be looked up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretRef {
    /// A friendly name.
    Name(String),
    /// A full ARN: must match a secret's ARN exactly.
    FullArn(String),
    /// A partial ARN (no random suffix): the name, in this region/account.
    PartialArn {
        /// The name after `secret:`.
        name: String,
        /// The region in the ARN.
        region: String,
        /// The account in the ARN.
        account: String,
    },
}

/// Interprets a `SecretId` following §3.2: an ARN whose resource ends in
/// `-` plus six alphanumerics is a full ARN (so a *name* ending that way is
/// not found through a partial ARN, as in AWS); another ARN is partial;
/// anything else is a name.
pub fn parse_secret_id(id: &str) -> Result<SecretRef, SmError> {
    if let Some(rest) = id.strip_prefix("arn:") {
        let parts: Vec<&str> = rest.splitn(6, ':').collect();
        if parts.len() == 6 && parts[1] == "secretsmanager" && parts[4] == "secret" {
            let resource = parts[5];
            if has_random_suffix(resource) {
                return Ok(SecretRef::FullArn(id.to_string()));
            }
            return Ok(SecretRef::PartialArn {
                name: resource.to_string(),
                region: parts[2].to_string(),
                account: parts[3].to_string(),
            });
        }
        // An ARN of another service can never name a secret.
        return Err(SmError::SecretNotFound);
    }
    validate_secret_id(id)?;
    Ok(SecretRef::Name(id.to_string()))
}

/// `true` when `resource` ends in `-` and six ASCII alphanumerics.
fn has_random_suffix(resource: &str) -> bool {
    let b = resource.as_bytes();
    b.len() > 7 && b[b.len() - 7] == b'-' && b[b.len() - 6..].iter().all(u8::is_ascii_alphanumeric)
}

/// The name part of a full ARN (the resource without `-XXXXXX`).
pub fn name_of_full_arn(arn: &str) -> Option<&str> {
    let resource = arn.splitn(7, ':').nth(6)?;
    has_random_suffix(resource).then(|| &resource[..resource.len() - 7])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for ok in [
            "a",
            "MyTestDatabaseSecret",
            "prod/db/password",
            "x_+=.@-y",
            &"n".repeat(512),
        ] {
            assert_eq!(validate_name(ok), Ok(()), "{ok}");
        }
        for bad in ["", "Inv Name", " Inv*Name? ", "a!b", "é", &"n".repeat(513)] {
            assert_eq!(validate_name(bad), Err(SmError::InvalidName), "{bad}");
        }
        assert_eq!(validate_secret_id("rds!db-033d7456"), Ok(()));
        assert_eq!(validate_secret_id("Inv Name"), Err(SmError::InvalidName));
    }

    #[test]
    fn secret_ids() {
        let table: Vec<(&str, SecretRef)> = vec![
            ("db", SecretRef::Name("db".into())),
            (
                "arn:aws:secretsmanager:us-east-1:000000000000:secret:db-a1b2c3",
                SecretRef::FullArn(
                    "arn:aws:secretsmanager:us-east-1:000000000000:secret:db-a1b2c3".into(),
                ),
            ),
            (
                "arn:aws:secretsmanager:us-east-1:000000000000:secret:db",
                SecretRef::PartialArn {
                    name: "db".into(),
                    region: "us-east-1".into(),
                    account: "000000000000".into(),
                },
            ),
            (
                "arn:aws:secretsmanager:us-east-1:000000000000:secret:prod/db:x",
                SecretRef::PartialArn {
                    name: "prod/db:x".into(),
                    region: "us-east-1".into(),
                    account: "000000000000".into(),
                },
            ),
            // The §3.2 trap: a name ending in -XXXXXX looks like a full ARN.
            (
                "arn:aws:secretsmanager:us-east-1:000000000000:secret:MySecret-abcdef",
                SecretRef::FullArn(
                    "arn:aws:secretsmanager:us-east-1:000000000000:secret:MySecret-abcdef".into(),
                ),
            ),
        ];
        for (id, want) in table {
            assert_eq!(parse_secret_id(id), Ok(want), "{id}");
        }
        assert_eq!(parse_secret_id("Inv Name"), Err(SmError::InvalidName));
        assert_eq!(
            parse_secret_id("arn:aws:s3:::bucket"),
            Err(SmError::SecretNotFound)
        );
    }

    #[test]
    fn arns_and_suffixes() {
        let mut rng = rand::rng();
        let s = random_suffix(&mut rng);
        assert_eq!(s.len(), 6);
        assert!(s.bytes().all(|b| b.is_ascii_alphanumeric()));
        let arn = secret_arn("eu-west-1", "123456789012", "prod/db", &s);
        assert_eq!(
            arn,
            format!("arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-{s}")
        );
        assert_eq!(name_of_full_arn(&arn), Some("prod/db"));
    }
}
