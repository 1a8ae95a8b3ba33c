//! Load-balancer attributes: the keys an Application Load Balancer has, the
//! values each accepts, ModifyLoadBalancerAttributes' all-or-nothing change,
//! and what the data plane reads back (aws-reference.md §1.7) (pure).

use super::attribute_value::AttributeValue;
use super::{Elbv2, LoadBalancer};
use crate::services::elbv2::errors::ElbError;

/// What the ALB does with `X-Forwarded-For`
/// (`routing.http.xff_header_processing.mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum XffMode {
    /// Add the client's address (create the header, or append `, <ip>`).
    Append,
    /// Forward the header as the client sent it (or absent).
    Preserve,
    /// Delete it.
    Remove,
}

/// Checks one attribute against the values AWS accepts for an ALB.
pub fn validate(key: &str, value: &str) -> Result<(), ElbError> {
    let given = AttributeValue { key, value };
    let int_in = |lo: i64, hi: i64| given.int_in(lo, hi);
    let one_of = |allowed: &[&str]| given.one_of(allowed);
    match key {
        "idle_timeout.timeout_seconds" => int_in(1, 4000),
        "client_keep_alive.seconds" => int_in(60, 604_800),
        "routing.http.desync_mitigation_mode" => one_of(&["monitor", "defensive", "strictest"]),
        "routing.http.xff_header_processing.mode" => one_of(&["append", "preserve", "remove"]),
        "access_logs.s3.enabled"
        | "connection_logs.s3.enabled"
        | "health_check_logs.s3.enabled"
        | "deletion_protection.enabled"
        | "routing.http.drop_invalid_header_fields.enabled"
        | "routing.http.preserve_host_header.enabled"
        | "routing.http.x_amzn_tls_version_and_cipher_suite.enabled"
        | "routing.http.xff_client_port.enabled"
        | "routing.http2.enabled"
        | "waf.fail_open.enabled"
        | "zonal_shift.config.enabled" => one_of(&["true", "false"]),
        // Always on for an application load balancer (the attribute
        // reference: "can't be changed").
        "load_balancing.cross_zone.enabled" => {
            one_of(&["true", "false"])?;
            if value == "true" {
                Ok(())
            } else {
                Err(ElbError::InvalidConfigurationRequest(
                    "Cross-zone load balancing is always enabled for application load balancers and cannot be disabled".into(),
                ))
            }
        }
        "access_logs.s3.bucket"
        | "access_logs.s3.prefix"
        | "connection_logs.s3.bucket"
        | "connection_logs.s3.prefix"
        | "health_check_logs.s3.bucket"
        | "health_check_logs.s3.prefix" => Ok(()),
        _ => Err(ElbError::Validation(format!(
            "Load balancer attribute key '{key}' is not recognized"
        ))),
    }
}

impl LoadBalancer {
    /// ModifyLoadBalancerAttributes: every pair checked before any applies;
    /// logs to S3 need a bucket (emul keeps no logs, but accepts the setting).
    pub fn set_attributes(&mut self, pairs: &[(String, String)]) -> Result<(), ElbError> {
        let mut next = self.attributes.clone();
        for (k, v) in pairs {
            validate(k, v)?;
            next.insert(k.clone(), v.clone());
        }
        for logs in ["access_logs", "connection_logs", "health_check_logs"] {
            let enabled = next.get(&format!("{logs}.s3.enabled")).map(String::as_str);
            let bucket = next.get(&format!("{logs}.s3.bucket"));
            if enabled == Some("true") && bucket.is_none_or(|b| b.is_empty()) {
                return Err(ElbError::InvalidConfigurationRequest(format!(
                    "The value of '{logs}.s3.bucket' cannot be empty when '{logs}.s3.enabled' is true"
                )));
            }
        }
        self.attributes = next;
        Ok(())
    }

    fn flag(&self, key: &str) -> bool {
        self.attributes.get(key).is_some_and(|v| v == "true")
    }

    /// How `X-Forwarded-For` is handled, and whether the client's port is
    /// appended (append mode only).
    pub fn forwarded_for(&self) -> (XffMode, bool) {
        let mode = match self
            .attributes
            .get("routing.http.xff_header_processing.mode")
            .map(String::as_str)
        {
            Some("preserve") => XffMode::Preserve,
            Some("remove") => XffMode::Remove,
            _ => XffMode::Append,
        };
        (
            mode,
            mode == XffMode::Append && self.flag("routing.http.xff_client_port.enabled"),
        )
    }

    /// Whether header fields with names outside `[A-Za-z0-9-]` are dropped
    /// before the request reaches a target.
    pub fn drops_invalid_header_fields(&self) -> bool {
        self.flag("routing.http.drop_invalid_header_fields.enabled")
    }
}

impl Elbv2 {
    /// DeleteLoadBalancer: its listeners, their rules and every tag go; an
    /// ARN that names nothing is not an error (AWS: the call succeeds), a
    /// load balancer with deletion protection is.
    pub fn delete_load_balancer(&mut self, arn: &str) -> Result<(), ElbError> {
        let Some(lb) = self.load_balancers.get(arn) else {
            return Ok(());
        };
        if lb.flag("deletion_protection.enabled") {
            return Err(ElbError::OperationNotPermitted(format!(
                "Load balancer '{arn}' cannot be deleted because deletion protection is enabled"
            )));
        }
        let listeners: Vec<String> = self
            .listeners
            .values()
            .filter(|l| l.load_balancer_arn == arn)
            .map(|l| l.arn.clone())
            .collect();
        for l in &listeners {
            self.delete_listener(l)?;
        }
        self.load_balancers.remove(arn);
        self.tags.remove(arn);
        Ok(())
    }

    /// DeleteTargetGroup: refused while an action (a rule's or a listener's
    /// default) forwards to it; an ARN that names nothing is not an error.
    pub fn delete_target_group(&mut self, arn: &str) -> Result<(), ElbError> {
        if !self.target_groups.contains_key(arn) {
            return Ok(());
        }
        if self
            .rules
            .values()
            .any(|r| r.action.target_group_arns().any(|t| t == arn))
        {
            return Err(ElbError::ResourceInUse(format!(
                "The target group '{arn}' is currently in use by a listener or a rule"
            )));
        }
        self.target_groups.remove(arn);
        self.tags.remove(arn);
        Ok(())
    }
}
