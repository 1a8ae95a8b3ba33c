//! Data planes: the parts of emul that carry workload traffic (as opposed
//! to the control-plane APIs behind the gateway).
//!
//! | module | what it owns |
//! |---|---|
//! | [`alb`] | the Application Load Balancer: listeners, rule matching, target choice, proxying, health checks |
//! | [`dns`] | the VPC resolver: service-discovery names from the ECS model, the rest forwarded |

pub mod alb;
pub mod dns;
