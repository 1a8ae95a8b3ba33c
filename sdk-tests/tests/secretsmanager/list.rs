//! ListSecrets: pagination with the SDK paginator, filters, sort order, the
//! SecretVersionsToStages map (aws-reference.md §3.5 ListSecrets).

use std::time::Duration;

use aws_sdk_secretsmanager::Client;
use aws_sdk_secretsmanager::types::{Filter, FilterNameStringType, SortByType, SortOrderType, Tag};

use crate::{create, labels, setup};

fn filter(key: FilterNameStringType, values: &[&str]) -> Filter {
    Filter::builder()
        .key(key)
        .set_values(Some(labels(values)))
        .build()
}

async fn names(client: &Client, filters: Vec<Filter>) -> Vec<String> {
    let out = client
        .list_secrets()
        .set_filters(Some(filters))
        .send()
        .await
        .expect("ListSecrets");
    let mut names: Vec<String> = out
        .secret_list()
        .iter()
        .map(|s| s.name().unwrap().to_string())
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn paginator_walks_every_page() {
    let (_emul, client) = setup().await;
    for i in 0..25 {
        create(&client, &format!("page/secret-{i:02}"), "v").await;
    }
    let first = client.list_secrets().max_results(10).send().await.unwrap();
    assert!(first.secret_list().len() <= 10);
    assert!(first.next_token().is_some(), "more than one page");

    let mut pages = client
        .list_secrets()
        .max_results(10)
        .into_paginator()
        .send();
    let mut seen = Vec::new();
    let mut page_count = 0;
    while let Some(page) = pages.next().await {
        let page = page.expect("ListSecrets page");
        page_count += 1;
        assert!(page.secret_list().len() <= 10, "MaxResults respected");
        seen.extend(
            page.secret_list()
                .iter()
                .map(|s| s.name().unwrap().to_string()),
        );
        assert!(page_count < 50, "paginator does not terminate");
    }
    assert!(
        page_count >= 3,
        "25 secrets at 10 per page: {page_count} pages"
    );
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), seen.len(), "no secret listed twice");
    assert_eq!(unique.len(), 25);
}

#[tokio::test]
async fn list_entries_carry_secret_versions_to_stages() {
    let (_emul, client) = setup().await;
    let (arn, v1) = create(&client, "entry", "v").await;
    client
        .update_secret()
        .secret_id("entry")
        .description("described")
        .send()
        .await
        .unwrap();
    let out = client.list_secrets().send().await.unwrap();
    let entry = &out.secret_list()[0];
    assert_eq!(entry.arn(), Some(arn.as_str()));
    assert_eq!(entry.description(), Some("described"));
    assert!(entry.created_date().is_some() && entry.last_changed_date().is_some());
    let map = entry
        .secret_versions_to_stages()
        .expect("SecretVersionsToStages");
    assert_eq!(map.get(&v1), Some(&labels(&["AWSCURRENT"])));
}

#[tokio::test]
async fn sort_order_by_created_date_and_by_name() {
    let (_emul, client) = setup().await;
    for name in ["charlie", "alpha", "bravo"] {
        create(&client, name, "v").await;
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
    let listed = |order: Option<SortOrderType>, by: Option<SortByType>| {
        let client = client.clone();
        async move {
            let out = client
                .list_secrets()
                .set_sort_order(order)
                .set_sort_by(by)
                .send()
                .await
                .unwrap();
            out.secret_list()
                .iter()
                .map(|s| s.name().unwrap().to_string())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        listed(None, None).await,
        labels(&["charlie", "alpha", "bravo"]),
        "default: created, oldest first"
    );
    assert_eq!(
        listed(Some(SortOrderType::Asc), None).await,
        labels(&["charlie", "alpha", "bravo"])
    );
    assert_eq!(
        listed(Some(SortOrderType::Desc), None).await,
        labels(&["bravo", "alpha", "charlie"])
    );
    assert_eq!(
        listed(Some(SortOrderType::Asc), Some(SortByType::Name)).await,
        labels(&["alpha", "bravo", "charlie"])
    );
    assert_eq!(
        listed(Some(SortOrderType::Desc), Some(SortByType::Name)).await,
        labels(&["charlie", "bravo", "alpha"])
    );
}

async fn seed_for_filters(client: &Client) {
    let tag = |k: &str, v: &str| Tag::builder().key(k).value(v).build();
    client
        .create_secret()
        .name("prod/db")
        .description("Primary database password")
        .secret_string("v")
        .tags(tag("env", "prod"))
        .tags(tag("team", "payments"))
        .send()
        .await
        .unwrap();
    client
        .create_secret()
        .name("prod/api")
        .description("API key for partners")
        .secret_string("v")
        .tags(tag("env", "prod"))
        .send()
        .await
        .unwrap();
    client
        .create_secret()
        .name("staging/db")
        .description("Staging database")
        .secret_string("v")
        .tags(tag("env", "staging"))
        .tags(tag("team", "Payments"))
        .send()
        .await
        .unwrap();
    create(client, "Prod/upper", "v").await;
}

#[tokio::test]
async fn filters_by_name_tags_description_and_all() {
    let (_emul, client) = setup().await;
    seed_for_filters(&client).await;
    use FilterNameStringType as K;

    assert_eq!(
        names(&client, vec![filter(K::Name, &["prod"])]).await,
        labels(&["prod/api", "prod/db"]),
        "name: case-sensitive prefix"
    );
    assert_eq!(
        names(&client, vec![filter(K::Name, &["!prod"])]).await,
        labels(&["Prod/upper", "staging/db"]),
        "negation"
    );
    assert_eq!(
        names(&client, vec![filter(K::TagKey, &["team"])]).await,
        labels(&["prod/db", "staging/db"])
    );
    assert_eq!(
        names(&client, vec![filter(K::TagValue, &["pay"])]).await,
        labels(&["prod/db"]),
        "tag-value: case-sensitive prefix"
    );
    assert_eq!(
        names(&client, vec![filter(K::TagValue, &["pay", "Pay"])]).await,
        labels(&["prod/db", "staging/db"]),
        "values within a filter are ORed"
    );
    assert_eq!(
        names(
            &client,
            vec![filter(K::Name, &["prod"]), filter(K::TagKey, &["team"])]
        )
        .await,
        labels(&["prod/db"]),
        "filters are ANDed"
    );
    assert_eq!(
        names(&client, vec![filter(K::Description, &["primary"])]).await,
        labels(&["prod/db"]),
        "description: case-insensitive"
    );
    assert_eq!(
        names(&client, vec![filter(K::Description, &["staging"])]).await,
        labels(&["staging/db"])
    );
    assert_eq!(
        names(&client, vec![filter(K::All, &["payments"])]).await,
        labels(&["prod/db", "staging/db"]),
        "all: tag values, case-insensitive"
    );
    assert_eq!(
        names(&client, vec![filter(K::All, &["api"])]).await,
        labels(&["prod/api"]),
        "all: name words"
    );
    assert!(
        names(&client, vec![filter(K::Name, &["nothing-like-this"])])
            .await
            .is_empty()
    );
}
