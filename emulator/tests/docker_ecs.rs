//! ECS tasks on the real Docker engine, through the in-process harness in
//! `support/ecs.rs`: services reach and keep their desired count, scale,
//! replace killed tasks, fail on bad secrets, deploy without dropping below
//! minimum healthy, and resolve each other by service name.

mod support;

use std::time::Duration;

use serde_json::json;
use support::ecs::{EcsWorld, docker, network_configuration, testapp_task_definition};

fn running(w: &EcsWorld, name: &str) -> (i64, i64, usize) {
    let s = w.service(name);
    (
        s["runningCount"].as_i64().unwrap(),
        s["desiredCount"].as_i64().unwrap(),
        s["deployments"].as_array().unwrap().len(),
    )
}

fn stable(w: &EcsWorld, name: &str, n: i64) -> bool {
    // The ServicesStable waiter's condition.
    let (r, d, deps) = running(w, name);
    r == n && d == n && deps == 1
}

fn events(w: &EcsWorld, name: &str) -> Vec<String> {
    w.service(name)["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["message"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn docker_ecs_service_scales_and_replaces_a_killed_task() {
    let w = EcsWorld::start("ecs-scale", 214).await;
    w.web_service(2, json!({}));
    w.wait_for("2 running", Duration::from_secs(60), |w| {
        stable(w, "web", 2)
    })
    .await;
    assert_eq!(w.workload_containers().len(), 2);
    let ev = events(&w, "web");
    assert!(
        ev.iter()
            .any(|e| e.starts_with("(service web) has started 2 tasks: (task ")),
        "{ev:?}"
    );
    // Steady once the tasks count as healthy (1 s after RUNNING in the harness).
    w.wait_for("steady state", Duration::from_secs(20), |w| {
        w.service("web")["deployments"][0]["rolloutState"] == "COMPLETED"
    })
    .await;
    let ev = events(&w, "web");
    assert_eq!(ev[0], "(service web) has reached a steady state.", "{ev:?}");
    assert!(
        ev[1].starts_with("(service web) (deployment ecs-svc/")
            && ev[1].ends_with(") deployment completed."),
        "{ev:?}"
    );
    // Every task has its ENI in the subnet, and the policy saw it first.
    let arn = w.task_arns("RUNNING")[0].clone();
    let t = w.task(&arn);
    let ip = t["containers"][0]["networkInterfaces"][0]["privateIpv4Address"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(ip.starts_with("10.214.0."), "{ip}");
    assert!(
        w.policy
            .log
            .lock()
            .unwrap()
            .iter()
            .any(|l| l.ends_with(&format!(" {ip}"))),
        "eni_attached was called for {ip}"
    );

    // Scale 2 → 4 → 1.
    w.call(
        "UpdateService",
        json!({"cluster": "prod", "service": "web", "desiredCount": 4}),
    );
    w.wait_for("4 running", Duration::from_secs(60), |w| {
        stable(w, "web", 4)
    })
    .await;
    assert_eq!(w.workload_containers().len(), 4);
    w.call(
        "UpdateService",
        json!({"cluster": "prod", "service": "web", "desiredCount": 1}),
    );
    w.wait_for("1 running", Duration::from_secs(60), |w| {
        stable(w, "web", 1) && w.workload_containers().len() == 1
    })
    .await;
    assert!(
        events(&w, "web")
            .iter()
            .any(|e| e.starts_with("(service web) has stopped 3 running tasks: "))
    );

    // docker kill → replaced, with the events and the stop code.
    let victim_arn = w.task_arns("RUNNING")[0].clone();
    let victim = w.task(&victim_arn);
    let docker_id = victim["containers"][0]["runtimeId"]
        .as_str()
        .unwrap()
        .to_string();
    docker(&["kill", &docker_id]);
    w.wait_for("the killed task stopped", Duration::from_secs(30), |w| {
        w.task(&victim_arn)["lastStatus"] == "STOPPED"
    })
    .await;
    let stopped = w.task(&victim_arn);
    assert_eq!(stopped["stopCode"], "EssentialContainerExited");
    assert_eq!(
        stopped["stoppedReason"],
        "Essential container in task exited"
    );
    assert_eq!(stopped["containers"][0]["exitCode"], 137);
    w.wait_for("a replacement", Duration::from_secs(60), |w| {
        stable(w, "web", 1) && !w.task_arns("RUNNING").contains(&victim_arn)
    })
    .await;
    let replacement = w.task_arns("RUNNING")[0].clone();
    let replacement_id = replacement.rsplit('/').next().unwrap().to_string();
    assert!(
        events(&w, "web").contains(&format!(
            "(service web) has started 1 tasks: (task {replacement_id})."
        )),
        "{:?}",
        events(&w, "web")
    );
    w.shutdown().await;
}

#[tokio::test]
async fn docker_ecs_bad_secret_stops_the_task_with_the_agents_reason() {
    let w = EcsWorld::start("ecs-secret", 215).await;
    let created = w.secrets.ensure_secret(
        "000000000000",
        "us-east-1",
        "app/db",
        emul::services::secretsmanager::EnsureValue::Literal(r#"{"password":"s3cret"}"#.into()),
        None,
    );
    let arn = match created {
        Ok(c) => c.arn,
        Err(e) => panic!("ensure_secret: {e:?}"),
    };
    // Good reference: injected as an environment variable.
    let mut td = testapp_task_definition("good", json!([]));
    td["containerDefinitions"][0]["secrets"] =
        json!([{"name": "DB_PASSWORD", "valueFrom": format!("{arn}:password::")}]);
    w.call("RegisterTaskDefinition", td);
    let run = w.call(
        "RunTask",
        json!({"cluster": "prod", "taskDefinition": "good", "networkConfiguration": network_configuration()}),
    );
    let good = run["tasks"][0]["taskArn"].as_str().unwrap().to_string();
    w.wait_for("the good task runs", Duration::from_secs(60), |w| {
        w.task(&good)["lastStatus"] == "RUNNING"
    })
    .await;
    let id = w.task(&good)["containers"][0]["runtimeId"]
        .as_str()
        .unwrap()
        .to_string();
    let env = docker(&["inspect", "-f", "{{json .Config.Env}}", &id]);
    assert!(env.contains("\"DB_PASSWORD=s3cret\""), "{env}");
    assert!(env.contains("\"AWS_REGION=us-east-1\""), "{env}");
    assert!(
        env.contains("\"AWS_ENDPOINT_URL=http://10.215.0.1:4566\""),
        "{env}"
    );

    // Missing JSON key: the agent's text.
    let mut td = testapp_task_definition("badkey", json!([]));
    td["containerDefinitions"][0]["secrets"] =
        json!([{"name": "X", "valueFrom": format!("{arn}:nokey::")}]);
    w.call("RegisterTaskDefinition", td);
    let run = w.call(
        "RunTask",
        json!({"cluster": "prod", "taskDefinition": "badkey", "networkConfiguration": network_configuration()}),
    );
    let bad = run["tasks"][0]["taskArn"].as_str().unwrap().to_string();
    w.wait_for("the bad task stops", Duration::from_secs(30), |w| {
        w.task(&bad)["lastStatus"] == "STOPPED"
    })
    .await;
    let t = w.task(&bad);
    assert_eq!(t["stopCode"], "TaskFailedToStart");
    assert_eq!(
        t["stoppedReason"],
        "ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secret from asm: retrieved secret from Secrets Manager did not contain json key nokey"
    );

    // Missing secret.
    let mut td = testapp_task_definition("nosecret", json!([]));
    td["containerDefinitions"][0]["secrets"] = json!([{"name": "X",
        "valueFrom": "arn:aws:secretsmanager:us-east-1:000000000000:secret:ghost-AbCdEf"}]);
    w.call("RegisterTaskDefinition", td);
    let run = w.call(
        "RunTask",
        json!({"cluster": "prod", "taskDefinition": "nosecret", "networkConfiguration": network_configuration()}),
    );
    let missing = run["tasks"][0]["taskArn"].as_str().unwrap().to_string();
    w.wait_for(
        "the task without secret stops",
        Duration::from_secs(30),
        |w| w.task(&missing)["lastStatus"] == "STOPPED",
    )
    .await;
    let reason = w.task(&missing)["stoppedReason"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        reason.starts_with("ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secret from asm: failed to fetch secret arn:aws:secretsmanager:us-east-1:000000000000:secret:ghost-AbCdEf from secrets manager: api error ResourceNotFoundException"),
        "{reason}"
    );

    // StopTask on the good one: UserInitiated, and it really goes away.
    w.call("StopTask", json!({"cluster": "prod", "task": good}));
    w.wait_for("the good task stops", Duration::from_secs(30), |w| {
        w.task(&good)["lastStatus"] == "STOPPED"
    })
    .await;
    assert_eq!(w.task(&good)["stopCode"], "UserInitiated");
    assert!(w.workload_containers().is_empty());
    w.shutdown().await;
}
