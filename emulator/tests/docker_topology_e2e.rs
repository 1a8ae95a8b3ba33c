//! A whole topology under `emul up`, end to end, with the real binary on this
//! Docker engine: the wechat seed (ALB → ECS services on Fargate-style tasks,
//! RDS, ElastiCache, security groups, secrets) made steady, then driven only
//! from outside, as a user would (the ALB's loopback listeners, the AWS
//! endpoint, `emul verify/env/down`).
//!
//! Each test has its own project name, VPC range (10.210-10.219), endpoint
//! and listener ports, labels its objects `io.emul.test=1`, and runs
//! `emul down --volumes` even on failure.

#[path = "support/project.rs"]
mod sp;

#[path = "support/e2e.rs"]
mod e2e;

#[path = "support/netns.rs"]
mod netns;

use std::collections::BTreeSet;
use std::process::Command;
use std::time::{Duration, Instant};

use e2e::{BACKEND, CLUSTER, FRONTEND, Guard, Ports, ecs, http, poll_until};
use serde_json::{Value, json};

/// Bound on every "wait until steady".
const STEADY: Duration = Duration::from_secs(150);

/// Brings the project up and waits until it is steady.
fn up_steady(project: &str, octet: u8, ports: &Ports) -> (tempfile::TempDir, Guard) {
    let (dir, file) = e2e::topology(project, octet, ports);
    let guard = Guard(file.clone());
    let started = Instant::now();
    let args = e2e::up_args(file.to_str().unwrap(), &ports.api.to_string());
    let out = sp::run(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(out.status.code(), Some(0));
    eprintln!("up -d --wait: {:?}", started.elapsed());
    e2e::wait_steady(ports.api, STEADY);
    eprintln!("up + steady: {:?}", started.elapsed());
    (dir, guard)
}

/// `GET path` through a listener over plain HTTP, parsed as /whoami JSON.
fn whoami_http(port: u16, path: &str) -> Value {
    let (status, head, body) = http(
        &format!("127.0.0.1:{port}"),
        &format!("GET {path} HTTP/1.1\r\nHost: app.example.test\r\n"),
        "",
    )
    .unwrap();
    assert_eq!(status, 200, "{head}\n{body}");
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body}"))
}

/// `GET path` through the HTTPS listener (curl -k: the certificate is emul's
/// self-signed one for wechat.example.com), parsed as /whoami JSON.
fn whoami_https(port: u16, path: &str) -> Value {
    let out = Command::new("curl")
        .args(["-sk", "--max-time", "10", "-H", "Host: wechat.example.com"])
        .arg(format!("https://127.0.0.1:{port}{path}"))
        .output()
        .unwrap();
    let body = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body:?} {out:?}"))
}

#[test]
fn docker_topology_wechat_end_to_end() {
    let project = "emt-e2e-wechat";
    let ports = Ports {
        api: 14691,
        http: 18691,
        https: 18692,
    };
    let (_dir, guard) = up_steady(project, 211, &ports);
    let file = guard.0.to_str().unwrap().to_string();
    let api = ports.api;

    let backend = e2e::task_arns(api, BACKEND);
    let frontend = e2e::task_arns(api, FRONTEND);
    assert_eq!((backend.len(), frontend.len()), (2, 2));
    let tasks: Vec<Value> = e2e::describe_tasks(api, &backend.union(&frontend).cloned().collect());
    let ip_of = |arn: &str| e2e::task_ip(tasks.iter().find(|t| t["taskArn"] == arn).unwrap());

    // Path rules: HTTPS default → frontend; HTTP `/whoami` rule → backend.
    // Each answer names its task (ARN from the metadata endpoint) and the
    // task's ENI address, which must be that task's, and the ALB's forwarded
    // headers.
    let mut seen = BTreeSet::new();
    for _ in 0..6 {
        let w = whoami_https(ports.https, "/?via=https");
        let arn = w["task_arn"].as_str().unwrap().to_string();
        assert!(
            frontend.contains(&arn),
            "HTTPS / answered by {arn}, not a frontend task {frontend:?}"
        );
        assert!(
            w["addresses"]
                .to_string()
                .contains(&format!("\"{}\"", ip_of(&arn))),
            "{w}"
        );
        assert_eq!(w["headers"]["x-forwarded-proto"][0], "https", "{w}");
        assert_eq!(w["headers"]["x-forwarded-port"][0], "443", "{w}");
        seen.insert(arn);
    }
    for _ in 0..6 {
        let w = whoami_http(ports.http, "/whoami");
        let arn = w["task_arn"].as_str().unwrap().to_string();
        assert!(
            backend.contains(&arn),
            "HTTP /whoami answered by {arn}, not a backend task {backend:?}"
        );
        assert!(
            w["addresses"]
                .to_string()
                .contains(&format!("\"{}\"", ip_of(&arn))),
            "{w}"
        );
        assert_eq!(w["headers"]["x-forwarded-proto"][0], "http", "{w}");
        assert_eq!(w["headers"]["x-forwarded-port"][0], "80", "{w}");
        seen.insert(arn);
    }
    // Round robin over two healthy targets per group reaches all four tasks.
    assert_eq!(seen.len(), 4, "{seen:?}");

    // HTTP default action: 301 to HTTPS with AWS's Location (explicit port,
    // Host, path and query kept).
    let (status, head, _) = http(
        &format!("127.0.0.1:{}", ports.http),
        "GET /feed/42?tab=new HTTP/1.1\r\nHost: wechat.example.com\r\n",
        "",
    )
    .unwrap();
    assert_eq!(status, 301, "{head}");
    assert!(
        head.starts_with("HTTP/1.1 301 Moved Permanently\r\n"),
        "{head}"
    );
    assert!(
        head.lines()
            .any(|l| l
                .eq_ignore_ascii_case("Location: https://wechat.example.com:443/feed/42?tab=new")),
        "{head}"
    );

    // verify: every pair as expected, task ENIs included.
    let out = sp::run(&["verify", "--topology", &file]);
    assert_eq!(out.status.code(), Some(0));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains("OK: 0 mismatches, 0 unenforced ENIs"),
        "{said}"
    );
    for t in &tasks {
        let id = t["taskArn"].as_str().unwrap().rsplit('/').next().unwrap();
        let svc = t["group"]
            .as_str()
            .unwrap()
            .strip_prefix("service:")
            .unwrap();
        // (verify shortens task ids to 12 characters, as `docker ps` does.)
        let line = format!(
            "ecs/{CLUSTER}/{svc}/{}/eni {} [ecs-sg]",
            &id[..12],
            e2e::task_ip(t)
        );
        assert!(
            said.contains(&line),
            "verify does not name task ENI {line:?}:\n{said}"
        );
    }

    // env: the ALB lines match the listeners' host ports.
    let out = sp::run(&["env", "--topology", &file]);
    let env = String::from_utf8_lossy(&out.stdout);
    assert!(
        env.contains(&format!(
            "export EMUL_ALB_WECHAT_ALB_80=http://127.0.0.1:{}\n",
            ports.http
        )),
        "{env}"
    );
    assert!(
        env.contains(&format!(
            "export EMUL_ALB_WECHAT_ALB_443=https://127.0.0.1:{}\n",
            ports.https
        )),
        "{env}"
    );
    assert!(
        env.contains(&format!("export AWS_ENDPOINT_URL=http://127.0.0.1:{api}\n")),
        "{env}"
    );

    // down --volumes: nothing with the project label is left.
    let started = Instant::now();
    let out = sp::run(&["down", "--volumes", "--topology", &file]);
    assert_eq!(out.status.code(), Some(0));
    eprintln!("down --volumes: {:?}", started.elapsed());
    assert_eq!(
        sp::counts(project),
        (0, 0, 0),
        "containers, networks, volumes left"
    );
    drop(guard);
}

/// What the load loop counted.
#[derive(Default)]
struct LoadStats {
    /// Requests sent (each on its own connection).
    requests: std::sync::atomic::AtomicU64,
    /// Connection errors, timeouts, and answers other than a task's 200.
    failures: std::sync::atomic::AtomicU64,
    /// The first few failures, for the assertion message.
    failure_log: std::sync::Mutex<Vec<String>>,
    /// Task ARN → number of answers it gave.
    answered_by: std::sync::Mutex<std::collections::BTreeMap<String, u64>>,
}

/// One `GET path` on a fresh connection: (status, task ARN from the body).
async fn load_request(addr: &str, path: &str) -> Result<(u16, Option<String>), String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let exchange = async {
        let mut s = tokio::net::TcpStream::connect(addr)
            .await
            .map_err(|e| format!("connect: {e}"))?;
        s.write_all(
            format!("GET {path} HTTP/1.1\r\nHost: load.example.test\r\nConnection: close\r\n\r\n")
                .as_bytes(),
        )
        .await
        .map_err(|e| format!("write: {e}"))?;
        let mut raw = Vec::new();
        s.read_to_end(&mut raw)
            .await
            .map_err(|e| format!("read: {e}"))?;
        Ok::<_, String>(raw)
    };
    let raw = tokio::time::timeout(Duration::from_secs(15), exchange)
        .await
        .map_err(|_| "timed out after 15 s".to_string())??;
    let resp = String::from_utf8_lossy(&raw);
    let (head, body) = resp
        .split_once("\r\n\r\n")
        .ok_or_else(|| format!("no header end: {resp:?}"))?;
    let status: u16 = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| format!("bad status line: {head:?}"))?;
    let arn = serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|v| v["task_arn"].as_str().map(str::to_string));
    Ok((status, arn))
}

/// `workers` loops of `GET path` against `addr` until `stop` is set.
fn start_load(
    rt: &tokio::runtime::Runtime,
    addr: String,
    path: &'static str,
    workers: usize,
    stats: std::sync::Arc<LoadStats>,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
) -> Vec<tokio::task::JoinHandle<()>> {
    use std::sync::atomic::Ordering::Relaxed;
    (0..workers)
        .map(|_| {
            let (addr, stats, stop) = (addr.clone(), stats.clone(), stop.clone());
            rt.spawn(async move {
                while !stop.load(Relaxed) {
                    let r = load_request(&addr, path).await;
                    stats.requests.fetch_add(1, Relaxed);
                    // Every request must be a backend task's 200 /whoami (a
                    // 301 would mean the listener rule was missed).
                    let failure = match r {
                        Ok((200, Some(arn))) => {
                            *stats.answered_by.lock().unwrap().entry(arn).or_default() += 1;
                            None
                        }
                        Ok((status, arn)) => Some(format!("status {status}, task {arn:?}")),
                        Err(e) => Some(e),
                    };
                    if let Some(f) = failure {
                        stats.failures.fetch_add(1, Relaxed);
                        let mut log = stats.failure_log.lock().unwrap();
                        if log.len() < 20 {
                            log.push(f);
                        }
                    }
                }
            })
        })
        .collect()
}

/// Lists the last statuses of `arns`.
fn last_statuses(api: u16, arns: &BTreeSet<String>) -> Vec<String> {
    e2e::describe_tasks(api, arns)
        .iter()
        .map(|t| t["lastStatus"].as_str().unwrap_or("?").to_string())
        .collect()
}

#[test]
fn docker_topology_rolling_deploy_under_load_has_zero_failures() {
    use std::sync::Arc;
    use std::sync::atomic::Ordering::Relaxed;
    let project = "emt-e2e-deploy";
    let ports = Ports {
        api: 14693,
        http: 18693,
        https: 18694,
    };
    let (_dir, _guard) = up_steady(project, 212, &ports);
    let api = ports.api;
    let backend_tg = e2e::target_group_arn(api, "wechat-backend");

    // Load on HTTP `/whoami` (the listener rule forwarding to the backend).
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let stats = Arc::new(LoadStats::default());
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let workers = start_load(
        &rt,
        format!("127.0.0.1:{}", ports.http),
        "/whoami",
        6,
        stats.clone(),
        stop.clone(),
    );
    let load_started = Instant::now();
    poll_until("load warms up", Duration::from_secs(20), || {
        let n = stats.requests.load(Relaxed);
        if n >= 50 {
            Ok(())
        } else {
            Err(format!("{n} requests"))
        }
    });

    // 1. A forced new deployment of the 2-task backend, until it is COMPLETED
    //    and the old tasks are STOPPED.
    let old = e2e::task_arns(api, BACKEND);
    assert_eq!(old.len(), 2);
    let v = ecs(
        api,
        "UpdateService",
        json!({"cluster": CLUSTER, "service": BACKEND, "forceNewDeployment": true}),
    );
    let deployments = v["service"]["deployments"].as_array().unwrap();
    assert_eq!(deployments.len(), 2, "{v}");
    assert_eq!(deployments[0]["status"], "PRIMARY");
    assert_eq!(deployments[0]["rolloutState"], "IN_PROGRESS");
    let took = poll_until("forced deployment", STEADY, || {
        let svc = e2e::service(api, BACKEND);
        let now = e2e::task_arns(api, BACKEND);
        let old_states = last_statuses(api, &old);
        if e2e::service_steady(&svc)
            && now.is_disjoint(&old)
            && now.len() == 2
            && old_states.iter().all(|s| s == "STOPPED")
        {
            Ok(())
        } else {
            Err(format!(
                "tasks {now:?} old {old_states:?} deployments {}",
                svc["deployments"]
            ))
        }
    });
    // The service's events tell the story of the rollout (printed for the log).
    for e in e2e::service(api, BACKEND)["events"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
    {
        eprintln!("  event {} {}", e["createdAt"], e["message"]);
    }
    let new = e2e::task_arns(api, BACKEND);
    let after_deploy = (stats.requests.load(Relaxed), stats.failures.load(Relaxed));
    eprintln!(
        "deployment COMPLETED and old tasks STOPPED in {took:?}; load so far {after_deploy:?} (requests, failures)"
    );
    // The new tasks are the only healthy targets.
    let new_ips: BTreeSet<String> = e2e::describe_tasks(api, &new)
        .iter()
        .map(e2e::task_ip)
        .collect();
    poll_until(
        "only the new tasks are targets",
        Duration::from_secs(30),
        || {
            let th = e2e::target_health(api, &backend_tg);
            let ids: BTreeSet<String> = th.iter().map(|(id, _)| id.clone()).collect();
            if ids == new_ips && th.iter().all(|(_, s)| s == "healthy") {
                Ok(())
            } else {
                Err(format!("{th:?}"))
            }
        },
    );

    // 2. StopTask on one of the new tasks: the scheduler replaces it.
    let victim = new.iter().next().unwrap().clone();
    let victim_ip = e2e::task_ip(&e2e::describe_tasks(api, &BTreeSet::from([victim.clone()]))[0]);
    let v = ecs(
        api,
        "StopTask",
        json!({"cluster": CLUSTER, "task": victim, "reason": "e2e: stop one task under load"}),
    );
    assert_eq!(v["task"]["desiredStatus"], "STOPPED", "{v}");
    let took = poll_until("StopTask replaced", STEADY, || {
        let svc = e2e::service(api, BACKEND);
        let now = e2e::task_arns(api, BACKEND);
        let victim_state = last_statuses(api, &BTreeSet::from([victim.clone()]));
        let th = e2e::target_health(api, &backend_tg);
        let healthy = th.iter().filter(|(_, s)| s == "healthy").count();
        if svc["runningCount"] == 2
            && now.len() == 2
            && !now.contains(&victim)
            && victim_state == ["STOPPED"]
            && healthy == 2
            && th.len() == 2
            && !th.iter().any(|(id, _)| *id == victim_ip)
        {
            Ok(())
        } else {
            Err(format!(
                "tasks {now:?} victim {victim_state:?} targets {th:?}"
            ))
        }
    });
    eprintln!("StopTask: replaced and healthy in {took:?}");

    stop.store(true, Relaxed);
    rt.block_on(async {
        for w in workers {
            w.await.unwrap();
        }
    });
    let (requests, failures) = (stats.requests.load(Relaxed), stats.failures.load(Relaxed));
    let answered = stats.answered_by.lock().unwrap().clone();
    eprintln!(
        "load: {requests} requests, {failures} failures in {:?}; answers per task: {answered:#?}",
        load_started.elapsed()
    );
    assert_eq!(
        failures,
        0,
        "failures: {:?}",
        stats.failure_log.lock().unwrap()
    );
    assert!(requests >= 1000, "only {requests} requests");
    // The load really crossed the deployment: old and new tasks both answered.
    assert!(
        old.iter().all(|a| answered.contains_key(a)),
        "old tasks {old:?} never answered: {answered:?}"
    );
    let final_tasks = e2e::task_arns(api, BACKEND);
    assert!(
        final_tasks.iter().all(|a| answered.contains_key(a)),
        "current tasks {final_tasks:?} never answered: {answered:?}"
    );
}

/// `(pid, VPC address)` of every pause (ENI) container of `project`.
fn eni_pids(project: &str) -> Vec<(u32, String)> {
    let ids = Command::new("docker")
        .args([
            "ps",
            "-q",
            "--filter",
            &format!("label=io.emul.project={project}"),
            "--filter",
            "label=io.emul.kind=pause",
        ])
        .output()
        .unwrap();
    let ids: Vec<String> = String::from_utf8_lossy(&ids.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    if ids.is_empty() {
        return vec![];
    }
    let out = Command::new("docker")
        .arg("inspect")
        .args([
            "--format",
            "{{.State.Pid}} {{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}",
        ])
        .args(&ids)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let mut w = l.split_whitespace();
            let pid = w.next()?.parse().ok()?;
            Some((pid, w.next()?.to_string()))
        })
        .collect()
}

/// True when `ip` appears in `text` as a whole address (not as a prefix of
/// a longer one such as 10.0.0.5 in 10.0.0.50).
fn mentions_ip(text: &str, ip: &str) -> bool {
    text.match_indices(ip).any(|(i, _)| {
        let before = text[..i].chars().last();
        let after = text[i + ip.len()..].chars().next();
        !before.is_some_and(|c| c.is_ascii_digit() || c == '.')
            && !after.is_some_and(|c| c.is_ascii_digit())
    })
}

/// One TCP connect from inside the namespace of `pid` (2 s bound).
fn connect_from(pid: u32, to: &str) -> Result<(), String> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(netns::NetNs::of_pid(pid).connect(to.parse().unwrap(), Duration::from_secs(2)))
        .map(drop)
        .map_err(|e| e.to_string())
}

#[test]
fn docker_topology_new_task_reaches_rds_before_healthy_and_stopped_ip_is_revoked() {
    let project = "emt-e2e-sg";
    let ports = Ports {
        api: 14695,
        http: 18695,
        https: 18696,
    };
    let (_dir, _guard) = up_steady(project, 213, &ports);
    let api = ports.api;
    let backend_tg = e2e::target_group_arn(api, "wechat-backend");
    let enis = eni_pids(project);
    let rds_ip = {
        let status = sp::run(&["status", "--json", "--topology", _guard.0.to_str().unwrap()]);
        let v: Value = serde_json::from_slice(&status.stdout).unwrap();
        let row = v["resources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["resource"] == "rds/wechat-db")
            .unwrap()
            .clone();
        // `address` is `ip:port`.
        let addr = row["address"].as_str().unwrap();
        addr.split_once(':').map_or(addr, |(ip, _)| ip).to_string()
    };
    assert!(
        enis.iter().any(|(_, ip)| *ip == rds_ip),
        "no ENI {rds_ip} in {enis:?}"
    );

    // A forced deployment starts new tasks. As soon as one has its ENI (and
    // so its security-group membership), it reaches RDS:5432 from its own
    // namespace — while the ALB does not yet count it healthy.
    let old = e2e::task_arns(api, BACKEND);
    ecs(
        api,
        "UpdateService",
        json!({"cluster": CLUSTER, "service": BACKEND, "forceNewDeployment": true}),
    );
    let mut reached = None;
    poll_until(
        "a new task reaches RDS before it is healthy",
        Duration::from_secs(60),
        || {
            let now = e2e::task_arns(api, BACKEND);
            let fresh: BTreeSet<String> = now.difference(&old).cloned().collect();
            for t in e2e::describe_tasks(api, &fresh) {
                let Some(ip) = t["attachments"][0]["details"].as_array().and_then(|d| {
                    d.iter()
                        .find(|d| d["name"] == "privateIPv4Address")
                        .and_then(|d| d["value"].as_str())
                        .map(str::to_string)
                }) else {
                    continue;
                };
                let Some(pid) = eni_pids(project)
                    .into_iter()
                    .find(|(_, a)| *a == ip)
                    .map(|(p, _)| p)
                else {
                    continue;
                };
                let state = e2e::target_health(api, &backend_tg)
                    .into_iter()
                    .find(|(id, _)| *id == ip)
                    .map(|(_, s)| s)
                    .unwrap_or_else(|| "not registered".into());
                // The window between the ENI appearing and the first passing
                // health check is about a second; when the poll misses it the
                // reachability check still runs, and the message says so.
                connect_from(pid, &format!("{rds_ip}:5432"))
                    .map_err(|e| format!("{ip} → RDS: {e}"))?;
                reached = Some((
                    t["taskArn"].as_str().unwrap().to_string(),
                    ip,
                    state,
                    t["lastStatus"].clone(),
                ));
                return Ok(());
            }
            Err(format!("no new task with an ENI yet ({now:?})"))
        },
    );
    let (arn, ip, state, last) = reached.unwrap();
    eprintln!("new task {arn} ({ip}, {last}) reached RDS:5432 while its target was {state:?}");

    // Once the deployment is done, the old tasks' addresses are gone from
    // every ENI's ruleset (unless a new task took the address over), and the
    // current tasks' addresses are in RDS's.
    let stopped_ips: Vec<String> = e2e::describe_tasks(api, &old)
        .iter()
        .map(e2e::task_ip)
        .collect();
    poll_until("deployment completed, old tasks STOPPED", STEADY, || {
        let svc = e2e::service(api, BACKEND);
        let st = last_statuses(api, &old);
        if e2e::service_steady(&svc) && st.iter().all(|s| s == "STOPPED") {
            Ok(())
        } else {
            Err(format!("{st:?} {}", svc["deployments"]))
        }
    });
    let current_ips: BTreeSet<String> = e2e::describe_tasks(
        api,
        &e2e::task_arns(api, BACKEND)
            .union(&e2e::task_arns(api, FRONTEND))
            .cloned()
            .collect(),
    )
    .iter()
    .map(e2e::task_ip)
    .collect();
    let gone: Vec<&String> = stopped_ips
        .iter()
        .filter(|ip| !current_ips.contains(*ip))
        .collect();
    assert!(
        !gone.is_empty(),
        "every stopped address was reused: {stopped_ips:?} {current_ips:?}"
    );
    let rulesets: Vec<(String, String)> = eni_pids(project)
        .into_iter()
        .map(|(pid, eni_ip)| {
            let out = netns::NetNs::of_pid(pid)
                .run("nft", &["list", "ruleset"], b"")
                .unwrap();
            assert!(out.status.success(), "{out:?}");
            (eni_ip, String::from_utf8_lossy(&out.stdout).into_owned())
        })
        .collect();
    let rds_rules = &rulesets.iter().find(|(ip, _)| *ip == rds_ip).unwrap().1;
    for ip in &current_ips {
        assert!(
            mentions_ip(rds_rules, ip),
            "RDS ruleset lacks current task {ip}:\n{rds_rules}"
        );
    }
    for (eni, rules) in &rulesets {
        for ip in &gone {
            assert!(
                !mentions_ip(rules, ip),
                "stopped task {ip} still in the ruleset of ENI {eni}:\n{rules}"
            );
        }
    }
    eprintln!(
        "stopped task addresses {gone:?} revoked from {} ENI rulesets",
        rulesets.len()
    );

    // A task started by RunTask in a group with no access to RDS (alb-sg:
    // rds-sg admits 5432 from ecs-sg only) cannot connect to it, although it
    // knows the address; the same task definition in ecs-sg can.
    let task_def = e2e::service(api, BACKEND)["taskDefinition"]
        .as_str()
        .unwrap()
        .to_string();
    for (group, allowed) in [("alb-sg", false), ("ecs-sg", true)] {
        let run = ecs(
            api,
            "RunTask",
            json!({
                "cluster": CLUSTER,
                "taskDefinition": task_def,
                "launchType": "FARGATE",
                "networkConfiguration": {"awsvpcConfiguration": {
                    "subnets": ["private-1a"], "securityGroups": [group]}},
            }),
        );
        let arn = run["tasks"][0]["taskArn"]
            .as_str()
            .unwrap_or_else(|| panic!("RunTask: {run}"))
            .to_string();
        let mut outcome = None;
        poll_until(
            "the RunTask task has its ENI",
            Duration::from_secs(60),
            || {
                let t = e2e::describe_tasks(api, &BTreeSet::from([arn.clone()]));
                // No attachment details until the ENI exists.
                let ip = t
                    .first()
                    .and_then(|t| t["attachments"][0]["details"].as_array())
                    .and_then(|d| d.iter().find(|d| d["name"] == "privateIPv4Address"))
                    .and_then(|d| d["value"].as_str())
                    .unwrap_or_default()
                    .to_string();
                match eni_pids(project)
                    .into_iter()
                    .find(|(_, a)| !ip.is_empty() && *a == ip)
                {
                    Some((pid, _)) => {
                        outcome = Some(connect_from(pid, &format!("{rds_ip}:5432")));
                        Ok(())
                    }
                    None => Err(format!("no ENI yet for {arn}")),
                }
            },
        );
        let outcome = outcome.unwrap();
        assert_eq!(
            outcome.is_ok(),
            allowed,
            "RunTask in {group} → RDS:5432: {outcome:?}"
        );
        eprintln!("RunTask in {group} → RDS:5432: {outcome:?}");
        ecs(
            api,
            "StopTask",
            json!({"cluster": CLUSTER, "task": arn, "reason": "test done"}),
        );
    }
}
