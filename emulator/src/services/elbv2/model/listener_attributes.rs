//! Listener attributes (DescribeListenerAttributes/ModifyListenerAttributes,
//! the `ListenerAttribute.Key` reference): an Application Load Balancer
//! listener's response headers (`Server` on or off, HSTS, CORS,
//! `X-Content-Type-Options`, `X-Frame-Options`, CSP) and, on HTTPS
//! listeners, the names of the mTLS/TLS request headers. The data plane
//! applies the response ones ([`ResponseHeaders`]) (pure).

use std::collections::BTreeMap;

use super::attribute_value::AttributeValue;
use super::{Elbv2, Listener};
use crate::services::elbv2::errors::ElbError;

/// The response-header attributes every ALB listener has, with their
/// defaults: the `Server` header on, nothing added.
const RESPONSE: &[(&str, &str)] = &[
    ("routing.http.response.server.enabled", "true"),
    (
        "routing.http.response.strict_transport_security.header_value",
        "",
    ),
    (
        "routing.http.response.access_control_allow_origin.header_value",
        "",
    ),
    (
        "routing.http.response.access_control_allow_methods.header_value",
        "",
    ),
    (
        "routing.http.response.access_control_allow_headers.header_value",
        "",
    ),
    (
        "routing.http.response.access_control_allow_credentials.header_value",
        "",
    ),
    (
        "routing.http.response.access_control_expose_headers.header_value",
        "",
    ),
    (
        "routing.http.response.access_control_max_age.header_value",
        "",
    ),
    (
        "routing.http.response.content_security_policy.header_value",
        "",
    ),
    (
        "routing.http.response.x_content_type_options.header_value",
        "",
    ),
    ("routing.http.response.x_frame_options.header_value", ""),
];

/// The request-header renames of an HTTPS listener, defaulting to the
/// header's own name.
const TLS_REQUEST: &[(&str, &str)] = &[
    (
        "routing.http.request.x_amzn_mtls_clientcert_serial_number.header_name",
        "X-Amzn-Mtls-Clientcert-Serial-Number",
    ),
    (
        "routing.http.request.x_amzn_mtls_clientcert_issuer.header_name",
        "X-Amzn-Mtls-Clientcert-Issuer",
    ),
    (
        "routing.http.request.x_amzn_mtls_clientcert_subject.header_name",
        "X-Amzn-Mtls-Clientcert-Subject",
    ),
    (
        "routing.http.request.x_amzn_mtls_clientcert_validity.header_name",
        "X-Amzn-Mtls-Clientcert-Validity",
    ),
    (
        "routing.http.request.x_amzn_mtls_clientcert_leaf.header_name",
        "X-Amzn-Mtls-Clientcert-Leaf",
    ),
    (
        "routing.http.request.x_amzn_mtls_clientcert.header_name",
        "X-Amzn-Mtls-Clientcert",
    ),
    (
        "routing.http.request.x_amzn_tls_version.header_name",
        "X-Amzn-Tls-Version",
    ),
    (
        "routing.http.request.x_amzn_tls_cipher_suite.header_name",
        "X-Amzn-Tls-Cipher-Suite",
    ),
];

/// The attributes a new listener of `protocol` has.
pub fn defaults(protocol: &str) -> BTreeMap<String, String> {
    let tls = if protocol == "HTTPS" {
        TLS_REQUEST
    } else {
        &[]
    };
    RESPONSE
        .iter()
        .chain(tls)
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Checks one attribute for a listener of `protocol`.
fn validate(protocol: &str, key: &str, value: &str) -> Result<(), ElbError> {
    let given = AttributeValue { key, value };
    let known = RESPONSE.iter().any(|(k, _)| *k == key)
        || (protocol == "HTTPS" && TLS_REQUEST.iter().any(|(k, _)| *k == key));
    if !known {
        return Err(ElbError::Validation(format!(
            "Listener attribute key '{key}' is not recognized"
        )));
    }
    match key {
        "routing.http.response.server.enabled" => given.one_of(&["true", "false"]),
        "routing.http.response.access_control_allow_credentials.header_value" => {
            given.one_of(&["", "true"])
        }
        "routing.http.response.x_content_type_options.header_value" => {
            given.one_of(&["", "nosniff"])
        }
        "routing.http.response.access_control_max_age.header_value" if !value.is_empty() => {
            given.int_in(0, i64::from(i32::MAX))
        }
        "routing.http.response.x_frame_options.header_value"
            if !(value.is_empty()
                || value == "DENY"
                || value == "SAMEORIGIN"
                || value.starts_with("ALLOW-FROM ")) =>
        {
            Err(ElbError::Validation(format!(
                "'{key}' must be one of [DENY, SAMEORIGIN, ALLOW-FROM <uri>], but was '{value}'"
            )))
        }
        k if k.ends_with(".header_name") => {
            let token = !value.is_empty()
                && value
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-');
            if token {
                Ok(())
            } else {
                Err(ElbError::Validation(format!(
                    "'{key}' must be a header name of letters, digits and hyphens, but was '{value}'"
                )))
            }
        }
        // A header value is sent as given: it must be one.
        _ if http::HeaderValue::from_str(value).is_err() => Err(ElbError::Validation(format!(
            "'{key}' is not a valid header value: '{value}'"
        ))),
        _ => Ok(()),
    }
}

impl Listener {
    /// ModifyListenerAttributes: every pair checked before any applies.
    pub fn set_attributes(&mut self, pairs: &[(String, String)]) -> Result<(), ElbError> {
        let mut next = self.attributes.clone();
        for (k, v) in pairs {
            validate(&self.protocol, k, v)?;
            next.insert(k.clone(), v.clone());
        }
        self.attributes = next;
        Ok(())
    }

    /// After a protocol change: the HTTPS-only keys come or go, the
    /// response ones stay as set.
    pub fn fit_attributes_to_protocol(&mut self) {
        let wanted = defaults(&self.protocol);
        self.attributes.retain(|k, _| wanted.contains_key(k));
        for (k, v) in wanted {
            self.attributes.entry(k).or_insert(v);
        }
    }
}

/// What a listener's attributes do to every response a client gets.
#[derive(Debug, Clone, Default)]
pub struct ResponseHeaders {
    /// `routing.http.response.server.enabled` is `false`: no `Server`.
    pub drop_server: bool,
    /// Headers set on every response (the non-empty `*.header_value`s).
    pub set: Vec<(http::HeaderName, http::HeaderValue)>,
}

impl ResponseHeaders {
    /// The response headers of listener `arn` in `model` (none when gone).
    pub fn of(model: &Elbv2, arn: &str) -> ResponseHeaders {
        let Some(listener) = model.listeners.get(arn) else {
            return ResponseHeaders::default();
        };
        let attrs = &listener.attributes;
        let set = RESPONSE
            .iter()
            .filter_map(|(key, _)| {
                let header = key
                    .strip_prefix("routing.http.response.")?
                    .strip_suffix(".header_value")?
                    .replace('_', "-");
                let value = attrs.get(*key).filter(|v| !v.is_empty())?;
                Some((
                    http::HeaderName::from_bytes(header.as_bytes()).ok()?,
                    http::HeaderValue::from_str(value).ok()?,
                ))
            })
            .collect();
        ResponseHeaders {
            drop_server: attrs
                .get("routing.http.response.server.enabled")
                .is_some_and(|v| v == "false"),
            set,
        }
    }

    /// Applies them to one response's headers.
    pub fn apply(&self, headers: &mut http::HeaderMap) {
        if self.drop_server {
            headers.remove(http::header::SERVER);
        }
        for (name, value) in &self.set {
            headers.insert(name.clone(), value.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listener(protocol: &str) -> Listener {
        Listener {
            arn: "arn:l".into(),
            load_balancer_arn: "arn:lb".into(),
            port: 80,
            protocol: protocol.into(),
            host_port: None,
            certificate_domains: Vec::new(),
            certificate_arns: Vec::new(),
            ssl_policy: None,
            default_rule_arn: "arn:r".into(),
            sni_certificate_arns: Vec::new(),
            attributes: defaults(protocol),
        }
    }

    #[test]
    fn http_listeners_have_the_response_keys_and_https_the_tls_ones_too() {
        assert_eq!(defaults("HTTP").len(), 11);
        assert_eq!(defaults("HTTPS").len(), 19);
        assert_eq!(
            defaults("HTTP")["routing.http.response.server.enabled"],
            "true"
        );
        let mut l = listener("HTTP");
        let err = l
            .set_attributes(&[(
                "routing.http.request.x_amzn_tls_version.header_name".into(),
                "X-Tls".into(),
            )])
            .unwrap_err();
        assert!(err.to_string().contains("is not recognized"), "{err}");
        l.protocol = "HTTPS".into();
        l.fit_attributes_to_protocol();
        assert_eq!(l.attributes.len(), 19);
    }

    #[test]
    fn bad_values_change_nothing() {
        let mut l = listener("HTTP");
        let err = l
            .set_attributes(&[
                (
                    "routing.http.response.server.enabled".into(),
                    "false".into(),
                ),
                (
                    "routing.http.response.x_content_type_options.header_value".into(),
                    "sniff".into(),
                ),
            ])
            .unwrap_err();
        assert!(matches!(err, ElbError::Validation(_)));
        assert_eq!(l.attributes, defaults("HTTP"));
    }

    #[test]
    fn response_headers_drop_server_and_set_the_values() {
        let mut model = Elbv2::new("000000000000", "us-east-1");
        let mut l = listener("HTTP");
        l.set_attributes(&[
            (
                "routing.http.response.server.enabled".into(),
                "false".into(),
            ),
            (
                "routing.http.response.strict_transport_security.header_value".into(),
                "max-age=31536000".into(),
            ),
            (
                "routing.http.response.x_frame_options.header_value".into(),
                "DENY".into(),
            ),
        ])
        .unwrap();
        model.listeners.insert(l.arn.clone(), l);
        let headers = ResponseHeaders::of(&model, "arn:l");
        let mut h = http::HeaderMap::new();
        h.insert(http::header::SERVER, "app".parse().unwrap());
        h.insert("x-frame-options", "SAMEORIGIN".parse().unwrap());
        headers.apply(&mut h);
        assert!(!h.contains_key(http::header::SERVER));
        assert_eq!(h["strict-transport-security"], "max-age=31536000");
        assert_eq!(h["x-frame-options"], "DENY");
        assert_eq!(h.len(), 2);
    }
}
