//! ECS `secrets[].valueFrom` resolution against this Secrets Manager, the
//! way the ECS agent does it (aws-reference.md §2.4.1): for the task
//! launcher, which injects the result into a container's environment once,
//! at container start.
//!
//! `arn:aws:secretsmanager:<region>:<acct>:secret:<id>[:<json-key>:<stage>:<version-id>]`

use super::errors::SmError;
use super::model::SecretValue;
use super::service::SecretsManager;

/// Why a `valueFrom` could not be resolved. The messages are the agent's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValueFromError {
    /// Not `secret:<id>` or `secret:<id>:<key>:<stage>:<version>`.
    #[error(
        "an invalid ARN format for the AWS Secrets Manager secret was specified. Specify a valid ARN and try again."
    )]
    InvalidArn,
    /// GetSecretValue failed (not found, marked for deletion, …).
    #[error("failed to fetch secret {arn} from secrets manager: api error {code}: {message}")]
    Fetch {
        /// The SecretId asked for.
        arn: String,
        /// The AWS error code.
        code: String,
        /// The AWS message.
        message: String,
    },
    /// A JSON key was asked for and the value is not a JSON object with it.
    #[error("retrieved secret from Secrets Manager did not contain json key {0}")]
    MissingJsonKey(String),
    /// The secret holds SecretBinary, which env injection does not support.
    #[error("secret {0} holds a binary value; only SecretString can be injected")]
    Binary(String),
}

/// The parts of a `valueFrom`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueFrom {
    /// The SecretId to read (the ARN without the optional fields).
    pub secret_id: String,
    /// The region in the ARN.
    pub region: String,
    /// The account in the ARN.
    pub account: String,
    /// The JSON key to extract, if any.
    pub json_key: Option<String>,
    /// The staging label, if any.
    pub version_stage: Option<String>,
    /// The version id, if any.
    pub version_id: Option<String>,
}

/// Parses a Secrets Manager `valueFrom` ARN like the agent: the resource is
/// split on `:`; 2 parts is the whole ARN, 5 parts carries key/stage/version
/// (empty means unset); anything else is invalid.
pub fn parse(value_from: &str) -> Result<ValueFrom, ValueFromError> {
    let parts: Vec<&str> = value_from.splitn(6, ':').collect();
    if parts.len() != 6 || parts[0] != "arn" || parts[2] != "secretsmanager" {
        return Err(ValueFromError::InvalidArn);
    }
    let (region, account, resource) = (parts[3], parts[4], parts[5]);
    let res: Vec<&str> = resource.split(':').collect();
    let none_if_empty = |s: &str| (!s.is_empty()).then(|| s.to_string());
    match res.as_slice() {
        ["secret", _] => Ok(ValueFrom {
            secret_id: value_from.to_string(),
            region: region.into(),
            account: account.into(),
            json_key: None,
            version_stage: None,
            version_id: None,
        }),
        ["secret", id, key, stage, version] => Ok(ValueFrom {
            secret_id: format!(
                "arn:{}:secretsmanager:{region}:{account}:secret:{id}",
                parts[1]
            ),
            region: region.into(),
            account: account.into(),
            json_key: none_if_empty(key),
            version_stage: none_if_empty(stage),
            version_id: none_if_empty(version),
        }),
        _ => Err(ValueFromError::InvalidArn),
    }
}

/// Resolves `value_from` to the text the agent would inject.
pub fn resolve(sm: &SecretsManager, value_from: &str) -> Result<String, ValueFromError> {
    let v = parse(value_from)?;
    let (_, value) = sm
        .get_value(
            &v.account,
            &v.region,
            &v.secret_id,
            v.version_id.as_deref(),
            v.version_stage.as_deref(),
        )
        .map_err(|e: SmError| ValueFromError::Fetch {
            arn: v.secret_id.clone(),
            code: e.code().into(),
            message: e.to_string(),
        })?;
    let SecretValue::String(text) = value else {
        return Err(ValueFromError::Binary(v.secret_id));
    };
    let Some(key) = v.json_key else {
        return Ok(text);
    };
    let map: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&text).map_err(|_| ValueFromError::MissingJsonKey(key.clone()))?;
    map.get(&key)
        .map(go_format)
        .ok_or(ValueFromError::MissingJsonKey(key))
}

/// Renders a JSON value like Go's `fmt.Sprintf("%v", v)` after
/// `json.Unmarshal` into `interface{}` (numbers are float64).
pub fn go_format(v: &serde_json::Value) -> String {
    use serde_json::Value;
    match v {
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Null => "<nil>".into(),
        Value::Number(n) => {
            let f = n.as_f64().unwrap_or(0.0);
            if f.fract() == 0.0 && f.abs() < 1e21 {
                format!("{}", f as i128)
            } else if f.abs() >= 1e21 || (f != 0.0 && f.abs() < 1e-4) {
                // Go's %v uses %g: exponent form with a signed, 2+ digit exponent.
                let s = format!("{f:e}");
                let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
                let exp: i32 = exp.parse().unwrap_or(0);
                format!(
                    "{mantissa}e{}{:02}",
                    if exp < 0 { '-' } else { '+' },
                    exp.abs()
                )
            } else {
                format!("{f}")
            }
        }
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(go_format).collect::<Vec<_>>().join(" ")
        ),
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let inner: Vec<String> = keys
                .iter()
                .map(|k| format!("{k}:{}", go_format(&map[*k])))
                .collect();
            format!("map[{}]", inner.join(" "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::secretsmanager::EnsureValue;
    use serde_json::json;

    #[test]
    fn parse_table() {
        let base = "arn:aws:secretsmanager:us-east-1:000000000000:secret:app-AbCdEf";
        type Parts<'a> = (Option<&'a str>, Option<&'a str>, Option<&'a str>);
        let rows: Vec<(String, Result<Parts, ValueFromError>)> = vec![
            (base.to_string(), Ok((None, None, None))),
            (
                format!("{base}:username1::"),
                Ok((Some("username1"), None, None)),
            ),
            (
                format!("{base}::AWSPREVIOUS:"),
                Ok((None, Some("AWSPREVIOUS"), None)),
            ),
            (
                format!("{base}:::9d4cb84b"),
                Ok((None, None, Some("9d4cb84b"))),
            ),
            (
                format!("{base}:username1:AWSPREVIOUS:"),
                Ok((Some("username1"), Some("AWSPREVIOUS"), None)),
            ),
            (format!("{base}:username1"), Err(ValueFromError::InvalidArn)),
            (format!("{base}:a:b"), Err(ValueFromError::InvalidArn)),
            (
                "arn:aws:ssm:us-east-1:0:parameter/x".to_string(),
                Err(ValueFromError::InvalidArn),
            ),
            ("not-an-arn".to_string(), Err(ValueFromError::InvalidArn)),
        ];
        for (input, want) in rows {
            let got = parse(&input).map(|v| {
                assert_eq!(v.secret_id, base, "{input}");
                (v.json_key, v.version_stage, v.version_id)
            });
            let got = got
                .as_ref()
                .map(|(a, b, c)| (a.as_deref(), b.as_deref(), c.as_deref()))
                .map_err(Clone::clone);
            assert_eq!(got, want, "{input}");
        }
    }

    #[test]
    fn go_formatting() {
        let rows = vec![
            (json!("text"), "text"),
            (json!(5432), "5432"),
            (json!(1.5), "1.5"),
            (json!(true), "true"),
            (json!(null), "<nil>"),
            (json!(1e21), "1e+21"),
            (json!([1, "a"]), "[1 a]"),
            (json!({"b": 1, "a": {"c": "d"}}), "map[a:map[c:d] b:1]"),
        ];
        for (v, want) in rows {
            assert_eq!(go_format(&v), want, "{v}");
        }
    }

    #[test]
    fn resolve_like_the_agent() {
        let sm = SecretsManager::in_memory();
        let db = sm
            .ensure_secret(
                "000000000000",
                "us-east-1",
                "prod/db",
                EnsureValue::Literal(r#"{"username":"app","password":"pw","port":5432}"#.into()),
                None,
            )
            .unwrap();
        assert_eq!(
            resolve(&sm, &db.arn).unwrap(),
            r#"{"username":"app","password":"pw","port":5432}"#
        );
        assert_eq!(
            resolve(&sm, &format!("{}:password::", db.arn)).unwrap(),
            "pw"
        );
        assert_eq!(resolve(&sm, &format!("{}:port::", db.arn)).unwrap(), "5432");
        assert_eq!(
            resolve(&sm, &format!("{}:connectionString::", db.arn))
                .unwrap_err()
                .to_string(),
            "retrieved secret from Secrets Manager did not contain json key connectionString"
        );
        let err = resolve(&sm, &format!("{}::AWSPREVIOUS:", db.arn))
            .unwrap_err()
            .to_string();
        assert!(err.contains("api error ResourceNotFoundException: Secrets Manager can't find the specified secret value for staging label: AWSPREVIOUS"), "{err}");
        let missing = "arn:aws:secretsmanager:us-east-1:000000000000:secret:nope-AbCdEf";
        assert!(matches!(
            resolve(&sm, missing),
            Err(ValueFromError::Fetch { .. })
        ));
    }
}
