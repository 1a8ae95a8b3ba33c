//! The Smithy RPC v2 CBOR codec (`smithy-rpc-v2-cbor`: CloudWatch).
//!
//! Requests are `POST /service/<ServiceName>/operation/<Operation>` with
//! `smithy-protocol: rpc-v2-cbor` and a CBOR map body. So that a service
//! speaking several protocols sees one input shape, [`decode`] turns the
//! body into the same `serde_json::Value` a JSON 1.0 client would have sent:
//! timestamps (tag 1) become epoch-seconds numbers, byte strings become
//! base64 strings, other tags are dropped (their content kept).
//!
//! [`encode`] goes back: JSON numbers stay integers or become floats as they
//! are in the `Value` (Smithy decoders read a `double` only from a CBOR float,
//! so services must build doubles from `f64`), and a member whose name is in
//! the protocol's timestamp list (a number, or a list of numbers) is written
//! as tag 1 epoch seconds. Naming timestamps by member name is enough for
//! CloudWatch, whose timestamp members (`Timestamp`, `Timestamps`,
//! `StateUpdatedTimestamp`, …) are never plain numbers elsewhere.
//!
//! Errors are a CBOR map `{"__type": <shape>, "message": <text>}`; the
//! awsQuery-compatible code travels in `x-amzn-query-error: Code;Sender`
//! (both botocore and aws-sdk-rust take the code from that header).

use base64::Engine;
use ciborium::value::{Integer, Value as Cbor};
use serde_json::Value;

use super::errors::AwsError;

/// The content type of requests and responses.
pub const CONTENT_TYPE: &str = "application/cbor";
/// The `smithy-protocol` header value.
pub const PROTOCOL_HEADER: &str = "rpc-v2-cbor";
/// CBOR tag 1: epoch-based date/time.
const EPOCH_TAG: u64 = 1;

/// Splits `/service/<ServiceName>/operation/<Operation>` (a path prefix
/// before `/service/` is allowed by the spec and ignored).
pub fn split_path(path: &str) -> Option<(&str, &str)> {
    let rest = &path[path.rfind("/service/")? + "/service/".len()..];
    let (service, rest) = rest.split_once('/')?;
    let operation = rest.strip_prefix("operation/")?;
    (!service.is_empty() && !operation.is_empty() && !operation.contains('/'))
        .then_some((service, operation))
}

/// Decodes a request body into a JSON object; an empty body is `{}`.
pub fn decode(body: &[u8]) -> Result<Value, AwsError> {
    if body.is_empty() {
        return Ok(Value::Object(Default::default()));
    }
    let cbor: Cbor = ciborium::de::from_reader(body)
        .map_err(|e| AwsError::serialization(format!("The request body is not valid CBOR: {e}")))?;
    let value = to_json(cbor)?;
    if !value.is_object() {
        return Err(AwsError::serialization(
            "The request body must be a CBOR map.",
        ));
    }
    Ok(value)
}

fn to_json(cbor: Cbor) -> Result<Value, AwsError> {
    Ok(match cbor {
        Cbor::Null => Value::Null,
        Cbor::Bool(b) => Value::Bool(b),
        Cbor::Integer(i) => {
            let n = i128::from(i);
            match (i64::try_from(n), u64::try_from(n)) {
                (Ok(v), _) => Value::from(v),
                (_, Ok(v)) => Value::from(v),
                _ => Value::from(n as f64),
            }
        }
        Cbor::Float(f) => float(f),
        Cbor::Text(s) => Value::String(s),
        Cbor::Bytes(b) => Value::String(base64::engine::general_purpose::STANDARD.encode(b)),
        Cbor::Tag(_, inner) => to_json(*inner)?,
        Cbor::Array(items) => {
            Value::Array(items.into_iter().map(to_json).collect::<Result<_, _>>()?)
        }
        Cbor::Map(entries) => {
            let mut map = serde_json::Map::new();
            for (k, v) in entries {
                let Cbor::Text(k) = k else {
                    return Err(AwsError::serialization(
                        "CBOR map keys must be text strings.",
                    ));
                };
                // Smithy clients may send `null` for an absent member.
                if !v.is_null() {
                    map.insert(k, to_json(v)?);
                }
            }
            Value::Object(map)
        }
        _ => return Err(AwsError::serialization("Unsupported CBOR data item.")),
    })
}

/// A float as JSON: NaN and infinities as the strings JSON protocols use.
fn float(f: f64) -> Value {
    serde_json::Number::from_f64(f)
        .map(Value::Number)
        .unwrap_or_else(|| {
            Value::String(
                if f.is_nan() {
                    "NaN"
                } else if f > 0.0 {
                    "Infinity"
                } else {
                    "-Infinity"
                }
                .into(),
            )
        })
}

/// Encodes a JSON output as CBOR; members named in `timestamps` become tag 1.
pub fn encode(value: &Value, timestamps: &[&str]) -> Vec<u8> {
    let mut out = Vec::new();
    ciborium::ser::into_writer(&from_json(value, false, timestamps), &mut out)
        .expect("writing CBOR to a Vec cannot fail");
    out
}

fn from_json(value: &Value, timestamp: bool, timestamps: &[&str]) -> Cbor {
    match value {
        Value::Null => Cbor::Null,
        Value::Bool(b) => Cbor::Bool(*b),
        Value::Number(n) => {
            let plain = if let Some(i) = n.as_i64() {
                Cbor::Integer(Integer::from(i))
            } else if let Some(u) = n.as_u64() {
                Cbor::Integer(Integer::from(u))
            } else {
                Cbor::Float(n.as_f64().unwrap_or(0.0))
            };
            if timestamp {
                Cbor::Tag(EPOCH_TAG, Box::new(plain))
            } else {
                plain
            }
        }
        Value::String(s) => Cbor::Text(s.clone()),
        Value::Array(items) => Cbor::Array(
            items
                .iter()
                .map(|v| from_json(v, timestamp, timestamps))
                .collect(),
        ),
        Value::Object(map) => Cbor::Map(
            map.iter()
                .map(|(k, v)| {
                    let ts = timestamps.contains(&k.as_str());
                    (Cbor::Text(k.clone()), from_json(v, ts, timestamps))
                })
                .collect(),
        ),
    }
}

/// Renders an error body: `__type` is the modeled shape name.
pub fn render_error(shape: &str, message: &str) -> Vec<u8> {
    let body = Cbor::Map(vec![
        (Cbor::Text("__type".into()), Cbor::Text(shape.into())),
        (Cbor::Text("message".into()), Cbor::Text(message.into())),
    ]);
    let mut out = Vec::new();
    ciborium::ser::into_writer(&body, &mut out).expect("writing CBOR to a Vec cannot fail");
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn cbor(v: &Cbor) -> Vec<u8> {
        let mut out = Vec::new();
        ciborium::ser::into_writer(v, &mut out).unwrap();
        out
    }

    #[test]
    fn paths() {
        assert_eq!(
            split_path("/service/GraniteServiceVersion20100801/operation/PutMetricData"),
            Some(("GraniteServiceVersion20100801", "PutMetricData"))
        );
        assert_eq!(
            split_path("/prefix/service/S/operation/Op"),
            Some(("S", "Op"))
        );
        assert_eq!(split_path("/service/S/operation/"), None);
        assert_eq!(split_path("/service/S/Op"), None);
        assert_eq!(split_path("/"), None);
    }

    #[test]
    fn decoding_maps_timestamps_and_blobs_to_json() {
        let body = cbor(&Cbor::Map(vec![
            (Cbor::Text("Namespace".into()), Cbor::Text("App".into())),
            (
                Cbor::Text("StartTime".into()),
                Cbor::Tag(1, Box::new(Cbor::Integer(1_700_000_000.into()))),
            ),
            (
                Cbor::Text("EndTime".into()),
                Cbor::Tag(1, Box::new(Cbor::Float(1_700_000_060.5))),
            ),
            (Cbor::Text("Blob".into()), Cbor::Bytes(b"hi".to_vec())),
            (Cbor::Text("Gone".into()), Cbor::Null),
            (
                Cbor::Text("Values".into()),
                Cbor::Array(vec![Cbor::Float(1.5), Cbor::Integer((-2).into())]),
            ),
        ]));
        assert_eq!(
            decode(&body).unwrap(),
            json!({"Namespace": "App", "StartTime": 1_700_000_000, "EndTime": 1_700_000_060.5,
                   "Blob": "aGk=", "Values": [1.5, -2]})
        );
        assert_eq!(decode(b"").unwrap(), json!({}));
        assert_eq!(decode(&[0xff]).unwrap_err().code, "SerializationException");
        assert_eq!(
            decode(&cbor(&Cbor::Array(vec![]))).unwrap_err().code,
            "SerializationException"
        );
    }

    #[test]
    fn encoding_tags_named_timestamps_and_keeps_floats_floats() {
        let out = encode(
            &json!({"Datapoints": [{"Timestamp": 60, "Sum": 3.0, "SampleCount": 2.0}],
                    "Timestamps": [60, 120], "Period": 60}),
            &["Timestamp", "Timestamps"],
        );
        let back: Cbor = ciborium::de::from_reader(out.as_slice()).unwrap();
        let Cbor::Map(top) = back else { panic!() };
        let get = |m: &[(Cbor, Cbor)], k: &str| {
            m.iter()
                .find(|(key, _)| key.as_text() == Some(k))
                .map(|(_, v)| v.clone())
                .unwrap()
        };
        let Cbor::Array(dps) = get(&top, "Datapoints") else {
            panic!()
        };
        let Cbor::Map(dp) = &dps[0] else { panic!() };
        assert_eq!(
            get(dp, "Timestamp"),
            Cbor::Tag(1, Box::new(Cbor::Integer(60.into())))
        );
        assert!(matches!(get(dp, "Sum"), Cbor::Float(f) if f == 3.0));
        assert_eq!(
            get(&top, "Timestamps"),
            Cbor::Array(vec![
                Cbor::Tag(1, Box::new(Cbor::Integer(60.into()))),
                Cbor::Tag(1, Box::new(Cbor::Integer(120.into())))
            ])
        );
        assert_eq!(get(&top, "Period"), Cbor::Integer(60.into()));
        // The decoder reads its own output back (tags dropped).
        assert_eq!(
            decode(&out).unwrap()["Datapoints"][0]["Timestamp"],
            json!(60)
        );
    }

    #[test]
    fn errors_carry_type_and_message() {
        let body = render_error("ResourceNotFound", "no such alarm");
        assert_eq!(
            decode(&body).unwrap(),
            json!({"__type": "ResourceNotFound", "message": "no such alarm"})
        );
    }
}
