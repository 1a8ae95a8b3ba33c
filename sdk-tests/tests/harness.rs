//! The harness itself: the ready line gives a working endpoint, the guard
//! kills the server on drop, and a restart on the same state directory works.

use std::path::Path;
use std::time::{Duration, Instant};

use sdk_tests::{Emul, ServeOptions};

fn process_exists(pid: u32) -> bool {
    // A reaped process has no /proc entry; a zombie would show state Z.
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => !stat.contains(") Z "),
        Err(_) => false,
    }
}

#[tokio::test]
async fn guard_kills_the_server_on_drop() {
    let emul = Emul::start();
    let pid = emul.pid();
    let endpoint = emul.endpoint.clone();
    assert!(process_exists(pid));
    let health = emul.raw().health().await.expect("health");
    assert_eq!(health.status, 200);
    drop(emul);
    let deadline = Instant::now() + Duration::from_secs(5);
    while process_exists(pid) {
        assert!(
            Instant::now() < deadline,
            "emul serve (pid {pid}) survived its guard"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let after = sdk_tests::RawClient::new(&endpoint).health().await;
    assert!(after.is_err(), "nothing listens on {endpoint} any more");
}

#[tokio::test]
async fn state_lives_under_the_given_directory() {
    let dir = tempfile::tempdir().unwrap();
    let options = ServeOptions {
        state_dir: Some(dir.path().to_path_buf()),
        ..ServeOptions::default()
    };
    let emul = Emul::start_with(options.clone());
    let client = emul.sm_client("us-east-1").await;
    client
        .create_secret()
        .name("persisted")
        .secret_string("v")
        .send()
        .await
        .unwrap();
    // contracts.md: state lives in <state-dir>/secretsmanager/...
    assert!(
        dir_has_files(&dir.path().join("secretsmanager")),
        "no files under {}/secretsmanager",
        dir.path().display()
    );
    drop(emul);
    let emul = Emul::start_with(options);
    let client = emul.sm_client("us-east-1").await;
    let got = client
        .get_secret_value()
        .secret_id("persisted")
        .send()
        .await
        .expect("secret survives a restart");
    assert_eq!(got.secret_string(), Some("v"));
}

fn dir_has_files(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|mut entries| entries.next().is_some())
}
