//! The test-only namespace helper (`support/netns.rs`) on its own, run once
//! here rather than in every test binary that includes it.

#[path = "support/netns.rs"]
mod netns;

use std::time::Duration;

use netns::NetNs;

#[tokio::test]
async fn own_namespace_connects_like_a_plain_socket() {
    // Entering our own namespace needs the same privilege as entering a
    // container's, so skip quietly where the tests do not run as root.
    if !nix::unistd::geteuid().is_root() {
        eprintln!("skipped: entering a network namespace needs root");
        return;
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let ns = NetNs::of_pid(std::process::id());
    let (client, accepted) =
        tokio::join!(ns.connect(addr, Duration::from_secs(2)), listener.accept());
    let client = client.unwrap();
    let (_, peer) = accepted.unwrap();
    assert_eq!(client.local_addr().unwrap(), peer);
}

#[tokio::test]
async fn a_missing_namespace_is_a_clear_error() {
    let err = NetNs::from_path("/proc/0/ns/net").tcp_socket().unwrap_err();
    assert!(err.to_string().contains("/proc/0/ns/net"), "{err}");
}

#[tokio::test]
async fn silent_destination_times_out() {
    if !nix::unistd::geteuid().is_root() {
        eprintln!("skipped: entering a network namespace needs root");
        return;
    }
    // 192.0.2.0/24 is TEST-NET-1: never routed, so the SYN goes unanswered
    // (or the route is missing and the error comes at once).
    let ns = NetNs::of_pid(std::process::id());
    let started = std::time::Instant::now();
    let result = ns
        .connect("192.0.2.1:9".parse().unwrap(), Duration::from_millis(200))
        .await;
    assert!(result.is_err());
    assert!(started.elapsed() < Duration::from_secs(2));
}
