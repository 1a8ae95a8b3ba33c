//! The services part of `emul status`: each ECS service's desired, running
//! and pending counts and its last Application Auto Scaling activity,
//! asked of the running daemon through its own AWS endpoint (as the AWS
//! CLI would), so status never reads the daemon's memory.

use serde::Serialize;
use serde_json::{Value, json};

use crate::gateway::client::{self, JsonService};
use crate::project::Project;

const ECS: JsonService = JsonService {
    target_prefix: crate::services::ecs::service::TARGET_PREFIX,
    signing_name: "ecs",
};

const SCALING: JsonService = JsonService {
    target_prefix: crate::services::autoscaling::service::TARGET_PREFIX,
    signing_name: "application-autoscaling",
};

/// The columns of the services table.
pub const HEADER: [&str; 5] = ["SERVICE", "DESIRED", "RUNNING", "PENDING", "LAST SCALING"];

/// One ECS service in `emul status`.
#[derive(Debug, Serialize)]
pub struct ServiceRow {
    /// The service name.
    pub service: String,
    /// Its desired count.
    pub desired: u64,
    /// Tasks RUNNING.
    pub running: u64,
    /// Tasks PENDING.
    pub pending: u64,
    /// The newest scaling activity: its description and cause
    /// ("Setting desired count to 3. (monitor alarm … triggered policy …)").
    pub last_scaling: Option<String>,
}

impl ServiceRow {
    /// The row's table cells.
    pub fn cells(&self) -> Vec<String> {
        vec![
            self.service.clone(),
            self.desired.to_string(),
            self.running.to_string(),
            self.pending.to_string(),
            self.last_scaling.clone().unwrap_or_else(|| "-".into()),
        ]
    }
}

/// The services of the project's cluster, from the daemon at `endpoint`;
/// empty when it cannot be asked (the rest of the status still prints).
pub async fn collect(project: &Project, endpoint: &str) -> Vec<ServiceRow> {
    let Some(cluster) = &project.topology.ecs_cluster else {
        return Vec::new();
    };
    let region = project.region();
    let names: Vec<String> = cluster
        .services
        .iter()
        .map(|s| s.name.value.clone())
        .collect();
    if names.is_empty() {
        return Vec::new();
    }
    let described = client::call_json(
        endpoint,
        ECS,
        region,
        "DescribeServices",
        &json!({"cluster": cluster.name.value, "services": names}),
    )
    .await;
    let services = match described {
        Ok(v) => v["services"].as_array().cloned().unwrap_or_default(),
        Err(e) => {
            tracing::debug!(error = %e, "status: DescribeServices failed");
            return Vec::new();
        }
    };
    let mut rows = Vec::new();
    for s in services {
        let name = s["serviceName"].as_str().unwrap_or_default().to_string();
        let activities = client::call_json(
            endpoint,
            SCALING,
            region,
            "DescribeScalingActivities",
            &json!({
                "ServiceNamespace": "ecs",
                "ResourceId": format!("service/{}/{name}", cluster.name.value),
                "MaxResults": 1,
            }),
        )
        .await
        .ok();
        rows.push(ServiceRow {
            desired: count(&s, "desiredCount"),
            running: count(&s, "runningCount"),
            pending: count(&s, "pendingCount"),
            last_scaling: activities.as_ref().and_then(last_activity),
            service: name,
        });
    }
    rows
}

fn count(service: &Value, key: &str) -> u64 {
    service[key].as_u64().unwrap_or(0)
}

/// "Setting desired count to 3. (monitor alarm … triggered policy …)".
fn last_activity(answer: &Value) -> Option<String> {
    let a = answer["ScalingActivities"].as_array()?.first()?;
    Some(format!(
        "{} ({})",
        a["Description"].as_str()?,
        a["Cause"].as_str().unwrap_or_default()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_activity_reads_description_and_cause() {
        let answer = json!({"ScalingActivities": [{
            "Description": "Setting desired count to 3.",
            "Cause": "monitor alarm A in state ALARM triggered policy p"
        }]});
        assert_eq!(
            last_activity(&answer).unwrap(),
            "Setting desired count to 3. (monitor alarm A in state ALARM triggered policy p)"
        );
        assert_eq!(last_activity(&json!({"ScalingActivities": []})), None);
        let row = ServiceRow {
            service: "web".into(),
            desired: 3,
            running: 2,
            pending: 1,
            last_scaling: None,
        };
        assert_eq!(row.cells(), vec!["web", "3", "2", "1", "-"]);
    }
}
