//! The VPC resolver over real sockets on loopback (no Docker): discovery
//! names answered from the ECS model as tasks come, turn healthy and stop;
//! NXDOMAIN inside a namespace; other names forwarded to an upstream and
//! relayed; TCP as UDP; bad packets.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use emul::dataplane::dns::message::{TYPE_A, a_records, build_query, rcode_of};
use emul::dataplane::dns::{BoundResolver, VpcResolver, Zone};
use emul::services::ecs::Ecs;
use emul::services::ecs::model::service::NewService;
use emul::services::ecs::model::task::{EniAttachment, NewTask};
use emul::services::ecs::model::{Scope, TaskStatus};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};

const TYPE_AAAA: u16 = 28;

fn scope() -> Scope {
    Scope {
        account: "123456789012".into(),
        region: "us-east-1".into(),
    }
}

/// Cluster `prod`, task definition `api` (one essential container with a
/// health check) and service `api` registered as `api.prod.local`.
fn ecs_with_api_service() -> Arc<Ecs> {
    let ecs = Arc::new(Ecs::new());
    ecs.write(&scope(), |r| {
        r.create_cluster(Some("prod".into()), vec![], json!([]), None, 0.0)
            .unwrap();
        r.register_task_definition(
            json!({"family": "api", "networkMode": "awsvpc", "memory": "512",
                   "containerDefinitions": [{"name": "a", "image": "i",
                       "portMappings": [{"containerPort": 8080}],
                       "healthCheck": {"command": ["CMD", "true"]}}]})
            .as_object()
            .unwrap()
            .clone(),
            0.0,
        )
        .unwrap();
        r.create_service(
            "prod",
            NewService {
                name: "api".into(),
                task_definition: "api".into(),
                desired_count: 1,
                network_configuration: Some(
                    json!({"awsvpcConfiguration": {"subnets": ["private-a"]}}),
                ),
                service_registries: Some(json!([{"emulName": "api.prod.local"}])),
                ..NewService::default()
            },
            0.0,
        )
        .unwrap();
    });
    ecs
}

/// A task of service `api` at `10.0.1.<last>`, RUNNING, with its health
/// check passed when `healthy`.
fn add_task(ecs: &Ecs, last: u8, healthy: bool) -> String {
    ecs.write(&scope(), |r| {
        let td = r.task_definition("api").unwrap().clone();
        let id = r.create_task(
            &td,
            NewTask {
                cluster: "prod".into(),
                service: Some("api".into()),
                ..Default::default()
            },
            1.0,
        );
        let t = r.tasks.get_mut(&id).unwrap();
        t.eni = Some(EniAttachment {
            id: format!("att-{last}"),
            ip: Ipv4Addr::new(10, 0, 1, last),
            subnet: "private-a".into(),
            eni_id: format!("eni-{last}"),
            mac: "02:00:00:00:00:01".into(),
        });
        t.advance(TaskStatus::Running, 2.0);
        if healthy {
            t.containers[0].health_status = "HEALTHY".into();
        }
        t.recompute_health();
        id
    })
}

/// An upstream resolver that answers every A query with 192.0.2.7.
async fn fake_upstream() -> SocketAddr {
    let socket = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
    let addr = socket.local_addr().unwrap();
    tokio::spawn(async move {
        let mut buf = [0u8; 512];
        while let Ok((n, peer)) = socket.recv_from(&mut buf).await {
            if let Ok(q) = emul::dataplane::dns::message::Query::parse(&buf[..n]) {
                let _ = socket
                    .send_to(&q.answer(&[Ipv4Addr::new(192, 0, 2, 7)], 300), peer)
                    .await;
            }
        }
    });
    addr
}

async fn resolver(ecs: &Arc<Ecs>, upstreams: Vec<SocketAddr>) -> VpcResolver {
    BoundResolver::bind(Ipv4Addr::LOCALHOST, 0)
        .await
        .unwrap()
        .serve(
            Zone::new(ecs.clone(), ["Prod.Local.".to_string()]),
            upstreams,
        )
}

async fn ask_udp(server: SocketAddr, msg: &[u8]) -> Vec<u8> {
    let socket = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
    socket.connect(server).await.unwrap();
    socket.send(msg).await.unwrap();
    let mut buf = vec![0u8; 4096];
    let n = tokio::time::timeout(Duration::from_secs(5), socket.recv(&mut buf))
        .await
        .expect("an answer within 5 s")
        .unwrap();
    buf.truncate(n);
    buf
}

async fn ask(server: SocketAddr, name: &str, qtype: u16) -> (u8, Vec<Ipv4Addr>) {
    let reply = ask_udp(server, &build_query(0x4242, name, qtype)).await;
    assert_eq!(&reply[..2], &[0x42, 0x42], "the id is echoed");
    (rcode_of(&reply).unwrap(), a_records(&reply))
}

fn ip(last: u8) -> Ipv4Addr {
    Ipv4Addr::new(10, 0, 1, last)
}

#[tokio::test]
async fn discovery_names_follow_task_health_and_lifecycle() {
    let ecs = ecs_with_api_service();
    let server = resolver(&ecs, vec![]).await;
    let at = server.local_addr();

    // The service exists but no task runs yet: the name exists, no records.
    assert_eq!(ask(at, "api.prod.local", TYPE_A).await, (0, vec![]));
    // Running but its health check has not passed: not an instance yet.
    let starting = add_task(&ecs, 5, false);
    assert_eq!(ask(at, "api.prod.local", TYPE_A).await, (0, vec![]));
    let healthy = add_task(&ecs, 6, true);
    assert_eq!(ask(at, "API.prod.local.", TYPE_A).await, (0, vec![ip(6)]));
    // The first one passes its check: both, in some order.
    ecs.write(&scope(), |r| {
        let t = r.tasks.get_mut(&starting).unwrap();
        t.containers[0].health_status = "HEALTHY".into();
        t.recompute_health();
    });
    let (rcode, mut both) = ask(at, "api.prod.local", TYPE_A).await;
    both.sort();
    assert_eq!((rcode, both), (0, vec![ip(5), ip(6)]));
    // StopTask: deregistered at once, although the task still runs.
    ecs.write(&scope(), |r| r.stop_task("prod", &healthy, None, 3.0))
        .unwrap();
    assert_eq!(ask(at, "api.prod.local", TYPE_A).await, (0, vec![ip(5)]));
    // Unhealthy: out.
    ecs.write(&scope(), |r| {
        let t = r.tasks.get_mut(&starting).unwrap();
        t.containers[0].health_status = "UNHEALTHY".into();
        t.recompute_health();
    });
    assert_eq!(ask(at, "api.prod.local", TYPE_A).await, (0, vec![]));

    // Other types for an existing name: NOERROR, no records.
    add_task(&ecs, 7, true);
    assert_eq!(ask(at, "api.prod.local", TYPE_AAAA).await, (0, vec![]));
    // Inside the namespace, unregistered: NXDOMAIN; the apex exists.
    assert_eq!(ask(at, "nope.prod.local", TYPE_A).await.0, 3);
    assert_eq!(ask(at, "prod.local", TYPE_A).await, (0, vec![]));
    // Outside every namespace with no upstream: SERVFAIL.
    assert_eq!(ask(at, "example.com", TYPE_A).await.0, 2);
}

#[tokio::test]
async fn answers_carry_at_most_eight_records_and_rotate() {
    let ecs = ecs_with_api_service();
    for last in 10..20 {
        add_task(&ecs, last, true);
    }
    let server = resolver(&ecs, vec![]).await;
    let mut firsts = std::collections::BTreeSet::new();
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..10 {
        let (rcode, ips) = ask(server.local_addr(), "api.prod.local", TYPE_A).await;
        assert_eq!(rcode, 0);
        assert_eq!(
            ips.len(),
            8,
            "Cloud Map's multivalue answer carries up to eight"
        );
        firsts.insert(ips[0]);
        seen.extend(ips);
    }
    assert!(firsts.len() > 1, "answers rotate: {firsts:?}");
    assert_eq!(seen.len(), 10, "every healthy task is handed out");
}

#[tokio::test]
async fn other_names_are_forwarded_and_tcp_answers_as_udp() {
    let ecs = ecs_with_api_service();
    add_task(&ecs, 9, true);
    // A dead upstream first: the next one answers.
    let dead = {
        let s = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
        s.local_addr().unwrap()
    };
    let server = resolver(&ecs, vec![dead, fake_upstream().await]).await;
    let at = server.local_addr();
    assert_eq!(
        ask(at, "example.com", TYPE_A).await,
        (0, vec![Ipv4Addr::new(192, 0, 2, 7)])
    );

    // TCP: length-prefixed, several queries on one connection.
    let mut tcp = TcpStream::connect(at).await.unwrap();
    for (id, name, want) in [
        (1u16, "api.prod.local", vec![ip(9)]),
        (2, "example.com", vec![Ipv4Addr::new(192, 0, 2, 7)]),
    ] {
        let q = build_query(id, name, TYPE_A);
        tcp.write_u16(q.len() as u16).await.unwrap();
        tcp.write_all(&q).await.unwrap();
        let len = tcp.read_u16().await.unwrap() as usize;
        let mut reply = vec![0u8; len];
        tcp.read_exact(&mut reply).await.unwrap();
        assert_eq!(u16::from_be_bytes([reply[0], reply[1]]), id);
        assert_eq!(a_records(&reply), want, "{name} over TCP");
    }

    // A question that cannot be read: FORMERR with the id; a runt: dropped.
    let mut bad = build_query(0x0777, "api.prod.local", TYPE_A);
    bad.truncate(20);
    let reply = ask_udp(at, &bad).await;
    assert_eq!(
        (&reply[..2], rcode_of(&reply)),
        (&[0x07, 0x77][..], Some(1))
    );
}
