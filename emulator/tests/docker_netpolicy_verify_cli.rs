//! `emul verify` end to end, the real binary against real projects: every
//! seed fixture brought up on Docker under the enforcer must verify (exit 0),
//! and a project whose ENIs have no rules (enforcement switched off) must
//! fail (exit 4, UNENFORCED and MISMATCH lines).

#[path = "support/netpolicy.rs"]
mod np;

use std::time::Instant;

use emul::netpolicy::Enforcer;

#[tokio::test]
async fn docker_netpolicy_verify_cli_on_every_seed_fixture() {
    let engine = np::engine().await;
    let dir = tempfile::tempdir().unwrap();
    for (i, fixture) in [
        "fckdoomscroll",
        "social-flow",
        "rayman",
        "prod-infra",
        "wechat",
    ]
    .into_iter()
    .enumerate()
    {
        let project = format!("np-cli-{i}");
        let octet = 80 + i as u8;
        let text = np::topology_text(fixture, &project, octet, |t| t.to_string());
        let file = dir.path().join(format!("{fixture}.yaml"));
        std::fs::write(&file, &text).unwrap();
        let p = np::project(
            np::topology(fixture, &project, octet, |t| t.to_string()),
            false,
        );
        np::with_cleanup(&engine, &project, async {
            emul::runtime::reconcile::up(&engine, &p.plan, &np::up_options())
                .await
                .unwrap_or_else(|e| panic!("{fixture}: up: {e}"));
            if i == 0 {
                // Enforcement off: verify must notice.
                let (code, stdout, stderr) = np::emul_cli("verify", &file, &[]);
                assert_eq!(code, 4, "{fixture} unenforced: {stdout}\n{stderr}");
                assert!(stdout.contains("UNENFORCED eni/"), "{stdout}");
                assert!(stdout.contains("MISMATCH host → eni/rds/"), "{stdout}");
            }
            Enforcer::start(&p.topology, np::eni_infos(&engine, &p).await)
                .await
                .unwrap_or_else(|e| panic!("{fixture}: enforcer: {e}"));
            let started = Instant::now();
            let (code, stdout, stderr) = np::emul_cli("verify", &file, &[]);
            eprintln!("{fixture}: verify took {:?}\n{stdout}", started.elapsed());
            assert_eq!(code, 0, "{fixture}: {stdout}\n{stderr}");
            assert!(
                stdout.contains("OK: 0 mismatches, 0 unenforced ENIs"),
                "{stdout}"
            );
            if i == 0 {
                let (code, stdout, _) = np::emul_cli("verify", &file, &["--json"]);
                assert_eq!(code, 0);
                let v: serde_json::Value = serde_json::from_str(&stdout).unwrap();
                assert_eq!(v["ok"], true);
                assert_eq!(v["mismatches"].as_array().unwrap().len(), 0);
                assert!(!v["cells"].as_array().unwrap().is_empty());
            }
        })
        .await;
    }
}
