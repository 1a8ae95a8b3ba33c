//! The wire operations: each `run(svc, ctx, params) -> XML` parses the
//! query parameters, applies them to the model through
//! [`Elbv2Service::read`]/[`Elbv2Service::write`], and renders the inner XML
//! of `<{Op}Result>`. Files group operations by resource; the shared parsing
//! of conditions/actions/targets lives in [`parse`], the shared rendering of
//! resources in [`render`].

mod account;
mod attributes;
mod certificates;
mod create;
mod describe;
mod listeners;
mod load_balancers;
pub mod parse;
pub mod render;
mod rules;
mod tags;
mod target_groups;
mod targets;

use super::model::target_group::TargetGroup;
use super::model::{Listener, LoadBalancer};
use super::service::Elbv2Service;
use crate::gateway::AwsError;
use crate::gateway::query::QueryParams;
use crate::gateway::registry::RequestContext;

/// Every operation emul implements, by wire name.
pub const OPERATIONS: &[&str] = &[
    "AddListenerCertificates",
    "AddTags",
    "CreateListener",
    "CreateLoadBalancer",
    "CreateTargetGroup",
    "CreateRule",
    "DeleteListener",
    "DeleteLoadBalancer",
    "DeleteRule",
    "DeleteTargetGroup",
    "DeregisterTargets",
    "DescribeAccountLimits",
    "DescribeCapacityReservation",
    "DescribeListenerAttributes",
    "DescribeListenerCertificates",
    "DescribeListeners",
    "DescribeLoadBalancerAttributes",
    "DescribeLoadBalancers",
    "DescribeRules",
    "DescribeSSLPolicies",
    "DescribeTags",
    "DescribeTargetGroupAttributes",
    "DescribeTargetGroups",
    "DescribeTargetHealth",
    "ModifyListener",
    "ModifyListenerAttributes",
    "ModifyLoadBalancerAttributes",
    "ModifyRule",
    "ModifyTargetGroup",
    "ModifyTargetGroupAttributes",
    "RegisterTargets",
    "RemoveListenerCertificates",
    "RemoveTags",
    "SetIpAddressType",
    "SetRulePriorities",
    "SetSecurityGroups",
    "SetSubnets",
];

/// Runs `operation`.
pub fn dispatch(
    svc: &Elbv2Service,
    ctx: &RequestContext,
    operation: &str,
    p: &QueryParams,
) -> Result<String, AwsError> {
    let r = match operation {
        "CreateTargetGroup" => create::target_group(svc, ctx, p),
        "CreateLoadBalancer" => create::load_balancer(svc, ctx, p),
        "CreateListener" => create::listener(svc, ctx, p),
        "DescribeLoadBalancers" => describe::load_balancers(svc, ctx, p),
        "DescribeListeners" => describe::listeners(svc, ctx, p),
        "DescribeRules" => describe::rules(svc, ctx, p),
        "DescribeTargetGroups" => describe::target_groups(svc, ctx, p),
        "DescribeTargetHealth" => describe::target_health(svc, ctx, p),
        "DescribeTargetGroupAttributes" => attributes::describe::<TargetGroup>(svc, ctx, p),
        "DescribeLoadBalancerAttributes" => attributes::describe::<LoadBalancer>(svc, ctx, p),
        "DescribeTags" => describe::tags(svc, ctx, p),
        "RegisterTargets" => targets::register(svc, ctx, p),
        "DeregisterTargets" => targets::deregister(svc, ctx, p),
        "CreateRule" => rules::create(svc, ctx, p),
        "ModifyRule" => rules::modify(svc, ctx, p),
        "DeleteRule" => rules::delete(svc, ctx, p),
        "SetRulePriorities" => rules::set_priorities(svc, ctx, p),
        "ModifyListener" => listeners::modify(svc, ctx, p),
        "DeleteListener" => listeners::delete(svc, ctx, p),
        "DescribeListenerAttributes" => attributes::describe::<Listener>(svc, ctx, p),
        "ModifyListenerAttributes" => attributes::modify::<Listener>(svc, ctx, p),
        "ModifyTargetGroup" => target_groups::modify(svc, ctx, p),
        "ModifyTargetGroupAttributes" => attributes::modify::<TargetGroup>(svc, ctx, p),
        "DeleteTargetGroup" => target_groups::delete(svc, ctx, p),
        "ModifyLoadBalancerAttributes" => attributes::modify::<LoadBalancer>(svc, ctx, p),
        "DeleteLoadBalancer" => load_balancers::delete(svc, ctx, p),
        "SetSecurityGroups" => load_balancers::set_security_groups(svc, ctx, p),
        "SetSubnets" => load_balancers::set_subnets(svc, ctx, p),
        "SetIpAddressType" => load_balancers::set_ip_address_type(svc, ctx, p),
        "AddListenerCertificates" => certificates::add(svc, ctx, p),
        "RemoveListenerCertificates" => certificates::remove(svc, ctx, p),
        "DescribeListenerCertificates" => certificates::describe(svc, ctx, p),
        "DescribeSSLPolicies" => account::ssl_policies(p),
        "DescribeAccountLimits" => account::account_limits(p),
        "DescribeCapacityReservation" => load_balancers::describe_capacity_reservation(svc, ctx, p),
        "AddTags" => tags::add(svc, ctx, p),
        "RemoveTags" => tags::remove(svc, ctx, p),
        other => return Err(AwsError::invalid_action(other)),
    };
    r.map_err(AwsError::from)
}
