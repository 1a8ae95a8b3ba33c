//! ECS services as Application Auto Scaling sees them
//! ([`crate::wiring::ScalableResources`]): read and set a service's
//! desired count, as UpdateService does, with the cause in its events.

use super::model::Scope;
use super::service::{Ecs, now};
use crate::wiring::{ScalableResources, WiringError};

impl ScalableResources for Ecs {
    fn desired(&self, account: &str, region: &str, cluster: &str, service: &str) -> Option<u32> {
        let scope = Scope {
            account: account.into(),
            region: region.into(),
        };
        self.read(&scope, |r| {
            r.service(cluster, service)
                .filter(|s| s.status == "ACTIVE")
                .map(|s| s.desired_count)
        })
    }

    fn set_desired(
        &self,
        account: &str,
        region: &str,
        cluster: &str,
        service: &str,
        count: u32,
        cause: &str,
    ) -> Result<(), WiringError> {
        let scope = Scope {
            account: account.into(),
            region: region.into(),
        };
        self.write(&scope, |r| {
            let t = now();
            let s = r
                .service_mut(cluster, service)
                .filter(|s| s.status == "ACTIVE")
                .ok_or_else(|| WiringError(format!("ECS service doesn't exist: service/{cluster}/{service}")))?;
            let from = s.desired_count;
            s.desired_count = count;
            if let Some(d) = s.deployments.first_mut() {
                d.desired_count = count;
                d.updated_at = t;
            }
            let name = s.name.clone();
            s.event(
                format!(
                    "(service {name}) desired count changed from {from} to {count} by Application Auto Scaling: {cause}"
                ),
                t,
            );
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn scaling_sets_the_desired_count_and_says_why() {
        let ecs = Ecs::new();
        let scope = Scope {
            account: "000000000000".into(),
            region: "us-east-1".into(),
        };
        let call = |op: &str, body: serde_json::Value| {
            super::super::ops::dispatch(&ecs, &scope, op, body).unwrap()
        };
        call("CreateCluster", json!({"clusterName": "c"}));
        call(
            "RegisterTaskDefinition",
            json!({"family": "web", "containerDefinitions": [{"name": "web", "image": "nginx", "memory": 128}]}),
        );
        call(
            "CreateService",
            json!({"cluster": "c", "serviceName": "web", "taskDefinition": "web", "desiredCount": 1}),
        );
        assert_eq!(
            ecs.desired("000000000000", "us-east-1", "c", "web"),
            Some(1)
        );
        assert_eq!(ecs.desired("000000000000", "us-east-1", "c", "api"), None);
        ecs.set_desired(
            "000000000000",
            "us-east-1",
            "c",
            "web",
            3,
            "monitor alarm a in state ALARM triggered policy p",
        )
        .unwrap();
        let out = call(
            "DescribeServices",
            json!({"cluster": "c", "services": ["web"]}),
        );
        let svc = &out["services"][0];
        assert_eq!(svc["desiredCount"], 3);
        let event = svc["events"][0]["message"].as_str().unwrap();
        assert!(
            event.contains("desired count changed from 1 to 3"),
            "{event}"
        );
        assert!(
            ecs.set_desired("000000000000", "us-east-1", "c", "api", 2, "x")
                .is_err()
        );
    }
}
