//! `runtime::netns` against real containers: a socket created in a pause
//! container's namespace leaves from that container's address.

use std::process::Command;
use std::time::Duration;

use emul::runtime::Engine;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn docker(args: &[&str]) -> String {
    let out = Command::new("docker")
        .args(args)
        .output()
        .expect("docker CLI");
    assert!(
        out.status.success(),
        "docker {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Removes the test's containers and network even when an assertion fails.
struct Cleanup(&'static str);
impl Drop for Cleanup {
    fn drop(&mut self) {
        let _ = Command::new("docker")
            .args([
                "rm",
                "-f",
                &format!("{}-pause", self.0),
                &format!("{}-app", self.0),
            ])
            .output();
        let _ = Command::new("docker")
            .args(["network", "rm", self.0])
            .output();
    }
}

#[tokio::test]
async fn docker_socket_from_a_pause_namespace_leaves_from_its_address() {
    let name = "emul-test-netns";
    let _cleanup = Cleanup(name);
    drop(Cleanup(name)); // leftovers of an interrupted run
    docker(&[
        "network",
        "create",
        "--label",
        "io.emul.test=1",
        "--subnet",
        "10.213.0.0/24",
        name,
    ]);
    docker(&[
        "run",
        "-d",
        "--name",
        &format!("{name}-pause"),
        "--label",
        "io.emul.test=1",
        "--network",
        name,
        "--ip",
        "10.213.0.10",
        "emul/pause:latest",
    ]);
    docker(&[
        "run",
        "-d",
        "--name",
        &format!("{name}-app"),
        "--label",
        "io.emul.test=1",
        "--network",
        name,
        "--ip",
        "10.213.0.20",
        "-e",
        "PORT=8080",
        "emul/testapp:latest",
    ]);

    let engine = Engine::connect().await.expect("engine");
    let ns = engine
        .container_netns(&format!("{name}-pause"))
        .await
        .expect("netns");

    // The app may need a moment to bind; retry the connect briefly.
    let mut stream = None;
    for _ in 0..50 {
        match ns
            .connect(
                "10.213.0.20:8080".parse().unwrap(),
                Duration::from_millis(500),
            )
            .await
        {
            Ok(s) => {
                stream = Some(s);
                break;
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
    let mut stream = stream.expect("connect from the pause namespace");
    assert_eq!(stream.local_addr().unwrap().ip().to_string(), "10.213.0.10");
    stream
        .write_all(b"GET /whoami HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut body = String::new();
    stream.read_to_string(&mut body).await.unwrap();
    assert!(body.starts_with("HTTP/1.1 200"), "{body}");
    assert!(
        body.contains("10.213.0.10"),
        "the app must see the pause address as its peer: {body}"
    );

    // A stopped container has no namespace: a clear error, not a stale path.
    docker(&["stop", "-t", "1", &format!("{name}-pause")]);
    let err = engine
        .container_netns(&format!("{name}-pause"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("is not running"), "{err}");
}
