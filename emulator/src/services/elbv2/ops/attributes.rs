//! The attribute operations of load balancers, target groups and listeners
//! (`Describe…Attributes`, `Modify…Attributes`), one shape for the three:
//! find the resource by its ARN parameter, check every pair before any
//! applies (the model's `set_attributes`), answer the attributes as they
//! now are.

use std::collections::BTreeMap;

use super::parse::{attributes, required};
use super::render;
use crate::gateway::query::{QueryParams, XmlWriter};
use crate::gateway::registry::RequestContext;
use crate::services::elbv2::errors::ElbError;
use crate::services::elbv2::model::target_group::TargetGroup;
use crate::services::elbv2::model::{Elbv2, Listener, LoadBalancer};
use crate::services::elbv2::service::Elbv2Service;

/// A resource with key/value attributes.
pub trait Attributed {
    /// The ARN parameter that names it (`LoadBalancerArn`, ...).
    const ARN_PARAM: &'static str;
    /// Every attribute it has.
    fn attributes(&self) -> &BTreeMap<String, String>;
    /// All of `pairs` or none, checked by the model.
    fn set(&mut self, pairs: &[(String, String)]) -> Result<(), ElbError>;
    /// It, in `m`, or its kind's not-found error.
    fn find<'a>(m: &'a Elbv2, arn: &str) -> Result<&'a Self, ElbError>;
    /// The same, to change.
    fn find_mut<'a>(m: &'a mut Elbv2, arn: &str) -> Result<&'a mut Self, ElbError>;
}

impl Attributed for LoadBalancer {
    const ARN_PARAM: &'static str = "LoadBalancerArn";
    fn attributes(&self) -> &BTreeMap<String, String> {
        &self.attributes
    }
    fn set(&mut self, pairs: &[(String, String)]) -> Result<(), ElbError> {
        self.set_attributes(pairs)
    }
    fn find<'a>(m: &'a Elbv2, arn: &str) -> Result<&'a Self, ElbError> {
        m.load_balancers
            .get(arn)
            .ok_or_else(|| ElbError::load_balancer_not_found(arn))
    }
    fn find_mut<'a>(m: &'a mut Elbv2, arn: &str) -> Result<&'a mut Self, ElbError> {
        m.load_balancers
            .get_mut(arn)
            .ok_or_else(|| ElbError::load_balancer_not_found(arn))
    }
}

impl Attributed for TargetGroup {
    const ARN_PARAM: &'static str = "TargetGroupArn";
    fn attributes(&self) -> &BTreeMap<String, String> {
        &self.attributes
    }
    fn set(&mut self, pairs: &[(String, String)]) -> Result<(), ElbError> {
        self.set_attributes(pairs)
    }
    fn find<'a>(m: &'a Elbv2, arn: &str) -> Result<&'a Self, ElbError> {
        m.target_groups
            .get(arn)
            .ok_or_else(ElbError::target_groups_not_found)
    }
    fn find_mut<'a>(m: &'a mut Elbv2, arn: &str) -> Result<&'a mut Self, ElbError> {
        m.target_groups
            .get_mut(arn)
            .ok_or_else(ElbError::target_groups_not_found)
    }
}

impl Attributed for Listener {
    const ARN_PARAM: &'static str = "ListenerArn";
    fn attributes(&self) -> &BTreeMap<String, String> {
        &self.attributes
    }
    fn set(&mut self, pairs: &[(String, String)]) -> Result<(), ElbError> {
        self.set_attributes(pairs)
    }
    fn find<'a>(m: &'a Elbv2, arn: &str) -> Result<&'a Self, ElbError> {
        m.listeners
            .get(arn)
            .ok_or_else(ElbError::listeners_not_found)
    }
    fn find_mut<'a>(m: &'a mut Elbv2, arn: &str) -> Result<&'a mut Self, ElbError> {
        m.listeners
            .get_mut(arn)
            .ok_or_else(ElbError::listeners_not_found)
    }
}

fn render_of<T: Attributed>(resource: &T) -> String {
    let mut w = XmlWriter::new();
    render::attributes(&mut w, resource.attributes().iter());
    w.finish()
}

/// `Describe…Attributes` of a `T`.
pub fn describe<T: Attributed>(
    svc: &Elbv2Service,
    ctx: &RequestContext,
    p: &QueryParams,
) -> Result<String, ElbError> {
    let arn = required(p, T::ARN_PARAM)?.to_string();
    svc.read(&ctx.account, &ctx.region, |m| {
        T::find(m, &arn).map(render_of)
    })
}

/// `Modify…Attributes` of a `T`: all or nothing.
pub fn modify<T: Attributed>(
    svc: &Elbv2Service,
    ctx: &RequestContext,
    p: &QueryParams,
) -> Result<String, ElbError> {
    let arn = required(p, T::ARN_PARAM)?.to_string();
    let pairs = attributes(p)?;
    svc.write(&ctx.account, &ctx.region, |m| {
        let resource = T::find_mut(m, &arn)?;
        resource.set(&pairs)?;
        Ok(render_of(resource))
    })
}
