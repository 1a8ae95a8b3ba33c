//! AWS Signature Version 4: parsing the `Authorization` header (always, for
//! region and service routing) and verifying it (with `--strict-auth`).
//!
//! Verification recomputes the signature from the request exactly as the
//! SigV4 specification describes (canonical request → string to sign →
//! HMAC chain over the credential scope) and compares in constant time.

use hmac::{Hmac, Mac};
use http::HeaderMap;
use sha2::{Digest, Sha256};

/// The only algorithm SDKs use for these services.
pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// The parts of a SigV4 `Authorization` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization {
    /// The access key id (`AKIA…`): selects the secret key to verify with.
    pub access_key: String,
    /// `YYYYMMDD` of the credential scope.
    pub date: String,
    /// The region of the credential scope: selects the region's state.
    pub region: String,
    /// The signing name of the credential scope: routes query requests.
    pub service: String,
    /// Lower-case header names that were signed, in header order.
    pub signed_headers: Vec<String>,
    /// The hex signature the client computed.
    pub signature: String,
}

/// Parses `AWS4-HMAC-SHA256 Credential=AKID/DATE/REGION/SERVICE/aws4_request,
/// SignedHeaders=a;b, Signature=hex`. `None` when it is not that shape.
pub fn parse_authorization(value: &str) -> Option<Authorization> {
    let rest = value.trim().strip_prefix(ALGORITHM)?;
    let mut credential = None;
    let mut signed = None;
    let mut signature = None;
    for part in rest.split(',') {
        let (k, v) = part.trim().split_once('=')?;
        match k.trim() {
            "Credential" => credential = Some(v.trim()),
            "SignedHeaders" => signed = Some(v.trim()),
            "Signature" => signature = Some(v.trim()),
            _ => {}
        }
    }
    let mut scope = credential?.split('/');
    let access_key = scope.next()?.to_string();
    let date = scope.next()?.to_string();
    let region = scope.next()?.to_string();
    let service = scope.next()?.to_string();
    if scope.next()? != "aws4_request" || scope.next().is_some() || access_key.is_empty() {
        return None;
    }
    Some(Authorization {
        access_key,
        date,
        region,
        service,
        signed_headers: signed?.split(';').map(|h| h.to_ascii_lowercase()).collect(),
        signature: signature?.to_ascii_lowercase(),
    })
}

/// Why a signature was not accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rejection {
    /// The signature does not match the request.
    BadSignature,
    /// `X-Amz-Date` is more than 15 minutes away from now; the message is
    /// AWS's ("Signature expired: …" / "Signature not yet current: …").
    Skewed(String),
}

/// How far `X-Amz-Date` may be from the server clock (AWS: 15 minutes).
pub const MAX_SKEW_SECS: i64 = 15 * 60;

/// Formats epoch seconds as SigV4's `YYYYMMDDTHHMMSSZ`.
pub fn format_amz_date(epoch: i64) -> String {
    let days = epoch.div_euclid(86_400);
    let secs = epoch.rem_euclid(86_400);
    // Civil-from-days (Howard Hinnant's algorithm), proleptic Gregorian.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}{m:02}{d:02}T{:02}{:02}{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// Parses `YYYYMMDDTHHMMSSZ` into epoch seconds.
pub fn parse_amz_date(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<i64>().ok();
    let (y, m, d) = (num(0..4)?, num(4..6)?, num(6..8)?);
    let (hh, mm, ss) = (num(9..11)?, num(11..13)?, num(13..15)?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || hh > 23 || mm > 59 || ss > 60 {
        return None;
    }
    // Days-from-civil, the inverse of the above.
    let y2 = if m <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2.rem_euclid(400);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + hh * 3600 + mm * 60 + ss)
}

/// Checks `X-Amz-Date` against `now` (epoch seconds) like AWS does.
pub fn check_skew(amz_date: &str, now: i64) -> Result<(), Rejection> {
    let Some(t) = parse_amz_date(amz_date) else {
        return Err(Rejection::BadSignature);
    };
    if t < now - MAX_SKEW_SECS {
        return Err(Rejection::Skewed(format!(
            "Signature expired: {amz_date} is now earlier than {} ({} - 15 min.)",
            format_amz_date(now - MAX_SKEW_SECS),
            format_amz_date(now)
        )));
    }
    if t > now + MAX_SKEW_SECS {
        return Err(Rejection::Skewed(format!(
            "Signature not yet current: {amz_date} is still later than {} ({} + 15 min.)",
            format_amz_date(now + MAX_SKEW_SECS),
            format_amz_date(now)
        )));
    }
    Ok(())
}

/// Verifies a parsed signature against the request and the secret key of
/// `auth.access_key`.
pub fn verify(
    auth: &Authorization,
    secret_key: &str,
    method: &str,
    path_and_query: &str,
    headers: &HeaderMap,
    host_fallback: Option<&str>,
    body: &[u8],
) -> Result<(), Rejection> {
    let amz_date = header_value(headers, "x-amz-date").ok_or(Rejection::BadSignature)?;
    if !amz_date.starts_with(&auth.date) {
        return Err(Rejection::BadSignature);
    }
    let canonical = canonical_request(auth, method, path_and_query, headers, host_fallback, body)
        .ok_or(Rejection::BadSignature)?;
    let scope = format!(
        "{}/{}/{}/aws4_request",
        auth.date, auth.region, auth.service
    );
    let string_to_sign = format!(
        "{ALGORITHM}\n{amz_date}\n{scope}\n{}",
        hex::encode(Sha256::digest(canonical))
    );
    let key = signing_key(secret_key, &auth.date, &auth.region, &auth.service);
    let expected = hex::encode(hmac(&key, string_to_sign.as_bytes()));
    if constant_time_eq(expected.as_bytes(), auth.signature.as_bytes()) {
        Ok(())
    } else {
        Err(Rejection::BadSignature)
    }
}

/// Signs a request the way an SDK does (used by tests to build valid
/// requests); returns the `Authorization` header value.
#[allow(clippy::too_many_arguments)]
pub fn sign(
    access_key: &str,
    secret_key: &str,
    amz_date: &str,
    region: &str,
    service: &str,
    method: &str,
    path_and_query: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> String {
    let mut signed_headers: Vec<String> = headers
        .keys()
        .map(|k| k.as_str().to_ascii_lowercase())
        .collect();
    signed_headers.sort();
    signed_headers.dedup();
    let auth = Authorization {
        access_key: access_key.into(),
        date: amz_date[..8].into(),
        region: region.into(),
        service: service.into(),
        signed_headers: signed_headers.clone(),
        signature: String::new(),
    };
    let canonical =
        canonical_request(&auth, method, path_and_query, headers, None, body).unwrap_or_default();
    let scope = format!("{}/{region}/{service}/aws4_request", &amz_date[..8]);
    let sts = format!(
        "{ALGORITHM}\n{amz_date}\n{scope}\n{}",
        hex::encode(Sha256::digest(canonical))
    );
    let sig = hex::encode(hmac(
        &signing_key(secret_key, &amz_date[..8], region, service),
        sts.as_bytes(),
    ));
    format!(
        "{ALGORITHM} Credential={access_key}/{scope}, SignedHeaders={}, Signature={sig}",
        signed_headers.join(";")
    )
}

/// The canonical request of the SigV4 specification.
fn canonical_request(
    auth: &Authorization,
    method: &str,
    path_and_query: &str,
    headers: &HeaderMap,
    host_fallback: Option<&str>,
    body: &[u8],
) -> Option<String> {
    let (path, query) = match path_and_query.split_once('?') {
        Some((p, q)) => (p, q),
        None => (path_and_query, ""),
    };
    let path = if path.is_empty() { "/" } else { path };
    // Non-S3 services encode each (already encoded) path segment once more.
    let canonical_path: String = path
        .split('/')
        .map(uri_encode)
        .collect::<Vec<_>>()
        .join("/");
    let mut query_pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (uri_encode(&k), uri_encode(&v)))
        .collect();
    query_pairs.sort();
    let canonical_query = query_pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    let mut sorted = auth.signed_headers.clone();
    sorted.sort();
    let mut canonical_headers = String::new();
    for name in &sorted {
        let value = match header_value_joined(headers, name) {
            Some(v) => v,
            None if name == "host" => host_fallback?.to_string(),
            None => return None,
        };
        canonical_headers.push_str(&format!("{name}:{}\n", collapse_spaces(&value)));
    }
    let payload_hash = header_value(headers, "x-amz-content-sha256")
        .map(str::to_string)
        .unwrap_or_else(|| hex::encode(Sha256::digest(body)));
    Some(format!(
        "{method}\n{canonical_path}\n{canonical_query}\n{canonical_headers}\n{}\n{payload_hash}",
        sorted.join(";")
    ))
}

/// The derived signing key: HMAC chain over date, region, service.
fn signing_key(secret: &str, date: &str, region: &str, service: &str) -> Vec<u8> {
    let k_date = hmac(format!("AWS4{secret}").as_bytes(), date.as_bytes());
    let k_region = hmac(&k_date, region.as_bytes());
    let k_service = hmac(&k_region, service.as_bytes());
    hmac(&k_service, b"aws4_request")
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC accepts any key length");
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

fn header_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Multiple values of one header are joined with commas, as SigV4 says.
fn header_value_joined(headers: &HeaderMap, name: &str) -> Option<String> {
    let values: Vec<&str> = headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    (!values.is_empty()).then(|| {
        values
            .iter()
            .map(|v| v.trim())
            .collect::<Vec<_>>()
            .join(",")
    })
}

fn collapse_spaces(value: &str) -> String {
    value.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// RFC 3986 encoding: unreserved characters stay, everything else is `%XX`.
fn uri_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    /// The worked example of the AWS SigV4 documentation ("GET
    /// iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08").
    #[test]
    fn matches_the_documented_example() {
        let mut headers = HeaderMap::new();
        headers.insert("host", HeaderValue::from_static("iam.amazonaws.com"));
        headers.insert(
            "content-type",
            HeaderValue::from_static("application/x-www-form-urlencoded; charset=utf-8"),
        );
        headers.insert("x-amz-date", HeaderValue::from_static("20150830T123600Z"));
        let auth = sign(
            "AKIDEXAMPLE",
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            "20150830T123600Z",
            "us-east-1",
            "iam",
            "GET",
            "/?Action=ListUsers&Version=2010-05-08",
            &headers,
            b"",
        );
        assert!(
            auth.ends_with(
                "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"
            ),
            "{auth}"
        );
    }

    #[test]
    fn parse_and_verify_round_trip() {
        let mut headers = HeaderMap::new();
        headers.insert("host", HeaderValue::from_static("127.0.0.1:4566"));
        headers.insert("x-amz-date", HeaderValue::from_static("20260101T000000Z"));
        headers.insert(
            "x-amz-target",
            HeaderValue::from_static("secretsmanager.ListSecrets"),
        );
        let body = b"{}";
        let value = sign(
            "AKID",
            "SECRET",
            "20260101T000000Z",
            "eu-west-1",
            "secretsmanager",
            "POST",
            "/",
            &headers,
            body,
        );
        let auth = parse_authorization(&value).unwrap();
        assert_eq!(auth.access_key, "AKID");
        assert_eq!(auth.region, "eu-west-1");
        assert_eq!(auth.service, "secretsmanager");
        assert_eq!(
            verify(&auth, "SECRET", "POST", "/", &headers, None, body),
            Ok(())
        );
        assert_eq!(
            verify(&auth, "WRONG", "POST", "/", &headers, None, body),
            Err(Rejection::BadSignature)
        );
        assert_eq!(
            verify(&auth, "SECRET", "POST", "/", &headers, None, b"{ }"),
            Err(Rejection::BadSignature)
        );
        let mut tampered = headers.clone();
        tampered.insert(
            "x-amz-target",
            HeaderValue::from_static("secretsmanager.DeleteSecret"),
        );
        assert_eq!(
            verify(&auth, "SECRET", "POST", "/", &tampered, None, body),
            Err(Rejection::BadSignature)
        );
    }

    #[test]
    fn amz_dates_round_trip_and_skew_is_checked() {
        assert_eq!(format_amz_date(0), "19700101T000000Z");
        assert_eq!(format_amz_date(1_440_938_160), "20150830T123600Z");
        assert_eq!(parse_amz_date("20150830T123600Z"), Some(1_440_938_160));
        assert_eq!(
            parse_amz_date("20240229T235959Z")
                .map(format_amz_date)
                .as_deref(),
            Some("20240229T235959Z")
        );
        assert_eq!(parse_amz_date("2015-08-30"), None);
        let now = 1_440_938_160;
        assert_eq!(check_skew("20150830T123600Z", now), Ok(()));
        assert_eq!(check_skew("20150830T125000Z", now), Ok(()));
        assert_eq!(
            check_skew("20150830T120000Z", now),
            Err(Rejection::Skewed(
                "Signature expired: 20150830T120000Z is now earlier than 20150830T122100Z (20150830T123600Z - 15 min.)".into()
            ))
        );
        assert_eq!(
            check_skew("20150830T130000Z", now),
            Err(Rejection::Skewed(
                "Signature not yet current: 20150830T130000Z is still later than 20150830T125100Z (20150830T123600Z + 15 min.)".into()
            ))
        );
    }

    #[test]
    fn rejects_malformed_headers() {
        assert_eq!(parse_authorization("Bearer x"), None);
        assert_eq!(
            parse_authorization("AWS4-HMAC-SHA256 Credential=A/2026/us-east-1/s3"),
            None
        );
        assert_eq!(
            parse_authorization(
                "AWS4-HMAC-SHA256 Credential=A/20260101/us-east-1/s3/aws4_request, SignedHeaders=host"
            ),
            None
        );
        assert!(parse_authorization(
            "AWS4-HMAC-SHA256 Credential=A/20260101/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature=ab"
        )
        .is_some());
    }
}
