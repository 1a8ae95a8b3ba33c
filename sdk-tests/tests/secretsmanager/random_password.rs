//! GetRandomPassword: every option (aws-reference.md §3.5 GetRandomPassword).
//! Randomness is checked over several draws so a lucky draw cannot pass a
//! "requires each type" assertion by chance.

use aws_sdk_secretsmanager::Client;
use aws_sdk_secretsmanager::operation::get_random_password::builders::GetRandomPasswordFluentBuilder;
use sdk_tests::assert_aws_error_code;

use crate::setup;

/// The default punctuation set from the API reference.
const PUNCTUATION: &str = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
const DRAWS: usize = 20;

fn is_punct(c: char) -> bool {
    PUNCTUATION.contains(c)
}

async fn draw(builder: GetRandomPasswordFluentBuilder) -> String {
    builder
        .send()
        .await
        .expect("GetRandomPassword")
        .random_password()
        .expect("RandomPassword")
        .to_string()
}

async fn draws(
    client: &Client,
    configure: impl Fn(GetRandomPasswordFluentBuilder) -> GetRandomPasswordFluentBuilder,
) -> Vec<String> {
    let mut out = Vec::new();
    for _ in 0..DRAWS {
        out.push(draw(configure(client.get_random_password())).await);
    }
    out
}

#[tokio::test]
async fn default_is_32_chars_with_every_type_and_no_space() {
    let (_emul, client) = setup().await;
    for pw in draws(&client, |b| b).await {
        assert_eq!(pw.chars().count(), 32, "{pw:?}");
        assert!(
            pw.chars().any(|c| c.is_ascii_uppercase()),
            "uppercase in {pw:?}"
        );
        assert!(
            pw.chars().any(|c| c.is_ascii_lowercase()),
            "lowercase in {pw:?}"
        );
        assert!(pw.chars().any(|c| c.is_ascii_digit()), "digit in {pw:?}");
        assert!(pw.chars().any(is_punct), "punctuation in {pw:?}");
        assert!(
            pw.chars().all(|c| c.is_ascii_alphanumeric() || is_punct(c)),
            "only the four classes: {pw:?}"
        );
    }
}

#[tokio::test]
async fn length_bounds() {
    let (_emul, client) = setup().await;
    let pw = draw(client.get_random_password().password_length(4096)).await;
    assert_eq!(pw.chars().count(), 4096);
    let pw = draw(
        client
            .get_random_password()
            .password_length(1)
            .require_each_included_type(false),
    )
    .await;
    assert_eq!(pw.chars().count(), 1);
    // Four required types cannot fit in three characters.
    assert_aws_error_code(
        client.get_random_password().password_length(3).send().await,
        "InvalidParameterException",
    );
    for bad in [0, 4097] {
        let err = client
            .get_random_password()
            .password_length(bad)
            .send()
            .await;
        let err = err.expect_err(&format!("PasswordLength {bad} is out of range"));
        let code = aws_sdk_secretsmanager::error::ProvideErrorMetadata::code(&err);
        assert!(
            matches!(
                code,
                Some("InvalidParameterException" | "ValidationException")
            ),
            "PasswordLength {bad}: {err:?}"
        );
    }
}

#[tokio::test]
async fn exclusions_remove_whole_classes() {
    let (_emul, client) = setup().await;
    for pw in draws(&client, |b| b.exclude_punctuation(true)).await {
        assert!(pw.chars().all(|c| c.is_ascii_alphanumeric()), "{pw:?}");
        assert!(
            pw.chars().any(|c| c.is_ascii_digit())
                && pw.chars().any(|c| c.is_ascii_uppercase())
                && pw.chars().any(|c| c.is_ascii_lowercase())
        );
    }
    for pw in draws(&client, |b| b.exclude_numbers(true)).await {
        assert!(!pw.chars().any(|c| c.is_ascii_digit()), "{pw:?}");
        assert!(pw.chars().any(is_punct));
    }
    for pw in draws(&client, |b| b.exclude_uppercase(true)).await {
        assert!(!pw.chars().any(|c| c.is_ascii_uppercase()), "{pw:?}");
    }
    for pw in draws(&client, |b| b.exclude_lowercase(true)).await {
        assert!(!pw.chars().any(|c| c.is_ascii_lowercase()), "{pw:?}");
    }
    for pw in draws(&client, |b| {
        b.exclude_lowercase(true)
            .exclude_uppercase(true)
            .exclude_punctuation(true)
            .password_length(50)
    })
    .await
    {
        assert_eq!(pw.len(), 50);
        assert!(
            pw.chars().all(|c| c.is_ascii_digit()),
            "digits only: {pw:?}"
        );
    }
}

#[tokio::test]
async fn exclude_characters_are_never_used() {
    let (_emul, client) = setup().await;
    // Part of every class is excluded; what is left of each class is still
    // required (RequireEachIncludedType defaults to true).
    let excluded = "aeiouAEIOU0123456!@#$%^&*()";
    for pw in draws(&client, |b| {
        b.exclude_characters(excluded).password_length(64)
    })
    .await
    {
        assert_eq!(pw.chars().count(), 64);
        assert!(
            !pw.chars().any(|c| excluded.contains(c)),
            "{pw:?} uses an excluded char"
        );
        assert!(
            pw.chars().any(|c| c.is_ascii_uppercase())
                && pw.chars().any(|c| c.is_ascii_lowercase())
        );
        assert!(
            pw.chars().any(|c| "789".contains(c)),
            "a remaining digit in {pw:?}"
        );
        assert!(pw.chars().any(is_punct));
    }
}

#[tokio::test]
async fn include_space_and_require_each_included_type() {
    let (_emul, client) = setup().await;
    // RequireEachIncludedType covers upper, lower, number and punctuation
    // (the API reference lists those four); IncludeSpace adds the space to
    // the alphabet. Over 20 draws of 200 characters a space shows up.
    let with_space = draws(&client, |b| b.include_space(true).password_length(200)).await;
    for pw in &with_space {
        assert_eq!(pw.chars().count(), 200);
        assert!(
            pw.chars().any(|c| c.is_ascii_uppercase())
                && pw.chars().any(|c| c.is_ascii_lowercase())
        );
        assert!(pw.chars().any(|c| c.is_ascii_digit()) && pw.chars().any(is_punct));
        assert!(
            pw.chars()
                .all(|c| c == ' ' || c.is_ascii_alphanumeric() || is_punct(c)),
            "{pw:?}"
        );
    }
    assert!(
        with_space.iter().any(|pw| pw.contains(' ')),
        "IncludeSpace never produced a space"
    );

    // Four characters, four required types: one of each, every time.
    let classes = |pw: &str| {
        [
            pw.chars().any(|c| c.is_ascii_uppercase()),
            pw.chars().any(|c| c.is_ascii_lowercase()),
            pw.chars().any(|c| c.is_ascii_digit()),
            pw.chars().any(is_punct),
        ]
    };
    for pw in draws(&client, |b| b.password_length(4)).await {
        assert_eq!(classes(&pw), [true; 4], "one of each type in {pw:?}");
    }
    // Without the requirement, four random characters usually miss a type.
    let free = draws(&client, |b| {
        b.password_length(4).require_each_included_type(false)
    })
    .await;
    assert!(
        free.iter().any(|pw| classes(pw) != [true; 4]),
        "RequireEachIncludedType=false still forced every type in 20 draws: {free:?}"
    );
    // Without the requirement a 5-char lowercase+digit password may miss a
    // class; it still only uses the included classes.
    for pw in draws(&client, |b| {
        b.require_each_included_type(false)
            .exclude_uppercase(true)
            .exclude_punctuation(true)
            .password_length(5)
    })
    .await
    {
        assert_eq!(pw.len(), 5);
        assert!(
            pw.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()),
            "{pw:?}"
        );
    }
    // Space is never used unless included.
    for pw in draws(&client, |b| b.password_length(200)).await {
        assert!(!pw.contains(' '));
    }
}
