//! The AWS JSON 1.1 codec (`awsJson1_1`: Secrets Manager, ECS).
//!
//! Requests are `POST /` with `X-Amz-Target: <prefix>.<Operation>` and a JSON
//! object body. Errors are `{"__type": code, "<Message|message>": text}` with
//! the same code in `X-Amzn-Errortype` (aws-sdk-rust reads the header first).

use super::errors::AwsError;

/// The content type of requests and responses.
pub const CONTENT_TYPE: &str = "application/x-amz-json-1.1";
/// The JSON 1.0 content type (awsJson1_0 services such as CloudWatch).
pub const CONTENT_TYPE_1_0: &str = "application/x-amz-json-1.0";

/// Splits an `X-Amz-Target` value into `(prefix, operation)`.
pub fn split_target(target: &str) -> Option<(&str, &str)> {
    let (prefix, op) = target.rsplit_once('.')?;
    (!prefix.is_empty() && !op.is_empty()).then_some((prefix, op))
}

/// `true` for the content types JSON 1.1 clients send (`application/x-amz-json-1.1`,
/// also `1.0` and plain `application/json`, which some hand-written clients use).
pub fn is_json_content_type(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    matches!(
        essence.as_str(),
        "application/x-amz-json-1.1" | "application/x-amz-json-1.0" | "application/json"
    )
}

/// Decodes a request body: an empty body is `{}`; anything but a JSON object
/// is a `SerializationException` saying where parsing stopped.
pub fn parse_body(body: &[u8]) -> Result<serde_json::Value, AwsError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(serde_json::Value::Object(Default::default()));
    }
    let value: serde_json::Value = serde_json::from_slice(body).map_err(|e| {
        AwsError::serialization(format!(
            "The request body is not valid JSON: {} at line {} column {}",
            describe_serde_error(&e),
            e.line(),
            e.column()
        ))
    })?;
    if !value.is_object() {
        return Err(AwsError::serialization(
            "Start of structure or map found where not expected: the request body must be a JSON object.",
        ));
    }
    Ok(value)
}

/// The JSON parser's complaint without its own position suffix.
fn describe_serde_error(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

/// Renders an error body with the service's message member name.
pub fn render_error(err: &AwsError, message_key: &str) -> Vec<u8> {
    let mut body = serde_json::Map::new();
    body.insert("__type".into(), err.code.clone().into());
    body.insert(message_key.into(), err.message.clone().into());
    serde_json::to_vec(&body).expect("a map of strings always serializes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_split_on_the_last_dot() {
        assert_eq!(
            split_target("secretsmanager.GetSecretValue"),
            Some(("secretsmanager", "GetSecretValue"))
        );
        assert_eq!(
            split_target("AmazonEC2ContainerServiceV20141113.CreateCluster"),
            Some(("AmazonEC2ContainerServiceV20141113", "CreateCluster"))
        );
        assert_eq!(split_target("secretsmanager."), None);
        assert_eq!(split_target("nodot"), None);
        assert_eq!(split_target(".Op"), None);
    }

    #[test]
    fn content_types() {
        assert!(is_json_content_type("application/x-amz-json-1.1"));
        assert!(is_json_content_type(
            "application/x-amz-json-1.1; charset=utf-8"
        ));
        assert!(is_json_content_type("Application/JSON"));
        assert!(!is_json_content_type("text/plain"));
        assert!(!is_json_content_type("application/x-www-form-urlencoded"));
    }

    #[test]
    fn bodies() {
        assert_eq!(parse_body(b"").unwrap(), serde_json::json!({}));
        assert_eq!(parse_body(b"  \n").unwrap(), serde_json::json!({}));
        assert_eq!(
            parse_body(br#"{"A":1}"#).unwrap(),
            serde_json::json!({"A":1})
        );
        let err = parse_body(b"{\"A\":").unwrap_err();
        assert_eq!(err.code, "SerializationException");
        assert!(err.message.contains("line 1 column 5"), "{}", err.message);
        assert_eq!(
            parse_body(b"[1]").unwrap_err().code,
            "SerializationException"
        );
    }

    #[test]
    fn error_body_uses_the_service_message_key() {
        let err = AwsError::client(
            "ResourceNotFoundException",
            "Secrets Manager can't find the specified secret.",
        );
        let body: serde_json::Value =
            serde_json::from_slice(&render_error(&err, "Message")).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"__type":"ResourceNotFoundException","Message":"Secrets Manager can't find the specified secret."})
        );
        let body: serde_json::Value =
            serde_json::from_slice(&render_error(&err, "message")).unwrap();
        assert!(body.get("message").is_some());
    }
}
