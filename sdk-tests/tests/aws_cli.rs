//! The AWS CLI (`pip install awscli`) against `emul serve` through
//! `AWS_ENDPOINT_URL`, exactly as users run it: create-secret,
//! get-secret-value, put-secret-value, list-secrets, describe-secret,
//! delete-secret, restore-secret, and an error exit.
//!
//! When `aws` is not on PATH these tests print a skip message and pass,
//! unless `EMUL_REQUIRE_AWS_CLI=1` (CI sets it), in which case they fail.

use sdk_tests::Emul;

use sdk_tests::aws_cli::{find as aws_cli, json as aws_json, run as aws};

#[test]
fn aws_cli_secret_lifecycle() {
    let Some(cli) = aws_cli() else { return };
    let emul = Emul::start();
    let home = tempfile::tempdir().unwrap();
    let home = home.path();
    let run = |args: &[&str]| aws_json(&cli, &emul.endpoint, home, args);

    let created = run(&[
        "secretsmanager",
        "create-secret",
        "--name",
        "cli/db",
        "--description",
        "from the CLI",
        "--secret-string",
        r#"{"username":"app","password":"p1"}"#,
    ]);
    let arn = created["ARN"].as_str().expect("ARN").to_string();
    assert!(
        arn.starts_with("arn:aws:secretsmanager:us-east-1:000000000000:secret:cli/db-"),
        "{arn}"
    );
    assert_eq!(
        arn.len(),
        "arn:aws:secretsmanager:us-east-1:000000000000:secret:cli/db-".len() + 6
    );
    assert_eq!(created["Name"], "cli/db");
    let v1 = created["VersionId"]
        .as_str()
        .expect("VersionId")
        .to_string();

    let got = run(&[
        "secretsmanager",
        "get-secret-value",
        "--secret-id",
        "cli/db",
    ]);
    assert_eq!(got["SecretString"], r#"{"username":"app","password":"p1"}"#);
    assert_eq!(got["VersionId"], v1.as_str());
    assert_eq!(got["VersionStages"], serde_json::json!(["AWSCURRENT"]));
    assert_eq!(got["ARN"], arn.as_str());
    assert!(got.get("CreatedDate").is_some());

    let put = run(&[
        "secretsmanager",
        "put-secret-value",
        "--secret-id",
        &arn,
        "--secret-string",
        "p2",
    ]);
    let v2 = put["VersionId"].as_str().expect("VersionId").to_string();
    assert_ne!(v1, v2);
    assert_eq!(put["VersionStages"], serde_json::json!(["AWSCURRENT"]));
    let prev = run(&[
        "secretsmanager",
        "get-secret-value",
        "--secret-id",
        "cli/db",
        "--version-stage",
        "AWSPREVIOUS",
    ]);
    assert_eq!(prev["VersionId"], v1.as_str());

    let described = run(&["secretsmanager", "describe-secret", "--secret-id", "cli/db"]);
    assert_eq!(described["Description"], "from the CLI");
    assert_eq!(
        described["VersionIdsToStages"][&v1],
        serde_json::json!(["AWSPREVIOUS"])
    );
    assert_eq!(
        described["VersionIdsToStages"][&v2],
        serde_json::json!(["AWSCURRENT"])
    );

    run(&[
        "secretsmanager",
        "create-secret",
        "--name",
        "cli/other",
        "--secret-string",
        "x",
    ]);
    let listed = run(&["secretsmanager", "list-secrets"]);
    let mut names: Vec<&str> = listed["SecretList"]
        .as_array()
        .expect("SecretList")
        .iter()
        .map(|s| s["Name"].as_str().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["cli/db", "cli/other"]);
    // The CLI paginates list-secrets itself; a tiny page size exercises NextToken.
    let paged = run(&["secretsmanager", "list-secrets", "--page-size", "1"]);
    assert_eq!(paged["SecretList"].as_array().unwrap().len(), 2);

    let deleted = run(&[
        "secretsmanager",
        "delete-secret",
        "--secret-id",
        "cli/db",
        "--recovery-window-in-days",
        "7",
    ]);
    assert_eq!(deleted["ARN"], arn.as_str());
    assert_eq!(deleted["Name"], "cli/db");
    assert!(deleted.get("DeletionDate").is_some());
    let described = run(&["secretsmanager", "describe-secret", "--secret-id", "cli/db"]);
    assert!(described.get("DeletedDate").is_some(), "{described}");
    let listed = run(&["secretsmanager", "list-secrets"]);
    assert_eq!(listed["SecretList"].as_array().unwrap().len(), 1);

    let restored = run(&["secretsmanager", "restore-secret", "--secret-id", "cli/db"]);
    assert_eq!(restored["ARN"], arn.as_str());
    assert_eq!(restored["Name"], "cli/db");
    let got = run(&[
        "secretsmanager",
        "get-secret-value",
        "--secret-id",
        "cli/db",
    ]);
    assert_eq!(got["SecretString"], "p2");
}

#[test]
fn aws_cli_reports_aws_errors() {
    let Some(cli) = aws_cli() else { return };
    let emul = Emul::start();
    let home = tempfile::tempdir().unwrap();
    let out = aws(
        &cli,
        &emul.endpoint,
        home.path(),
        &[
            "secretsmanager",
            "get-secret-value",
            "--secret-id",
            "missing",
        ],
    );
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("(ResourceNotFoundException)")
            && stderr.contains("Secrets Manager can't find the specified secret."),
        "{stderr}"
    );
}

#[test]
fn aws_cli_binary_secret_and_version_listing() {
    let Some(cli) = aws_cli() else { return };
    let emul = Emul::start();
    let home = tempfile::tempdir().unwrap();
    let home = home.path();
    let blob = home.join("blob.bin");
    std::fs::write(&blob, [0u8, 1, 2, 253, 254, 255]).unwrap();
    let fileb = format!("fileb://{}", blob.display());
    let run = |args: &[&str]| aws_json(&cli, &emul.endpoint, home, args);

    run(&[
        "secretsmanager",
        "create-secret",
        "--name",
        "cli/bin",
        "--secret-binary",
        &fileb,
    ]);
    let got = run(&[
        "secretsmanager",
        "get-secret-value",
        "--secret-id",
        "cli/bin",
    ]);
    // The CLI prints blobs base64-encoded: [0,1,2,253,254,255] → "AAEC/f7/".
    assert_eq!(got["SecretBinary"], "AAEC/f7/");
    assert!(got.get("SecretString").is_none());

    run(&[
        "secretsmanager",
        "put-secret-value",
        "--secret-id",
        "cli/bin",
        "--secret-string",
        "now text",
    ]);
    let versions = run(&[
        "secretsmanager",
        "list-secret-version-ids",
        "--secret-id",
        "cli/bin",
        "--include-deprecated",
    ]);
    let mut stages: Vec<String> = versions["Versions"]
        .as_array()
        .expect("Versions")
        .iter()
        .map(|v| v["VersionStages"].to_string())
        .collect();
    stages.sort();
    assert_eq!(stages, [r#"["AWSCURRENT"]"#, r#"["AWSPREVIOUS"]"#]);
}
