//! Repeated failed sign-ins pause the account and the client address briefly, with 429 and
//! Retry-After, and the real user gets back in once the pause is over.

use crate::helpers::{Backend, PASSWORD, spawn_app_with};
use crate::on_both_databases;

on_both_databases!(
    repeated_failures_pause_the_account_with_retry_after,
    the_pause_ends_and_the_real_user_signs_in_again,
    many_accounts_tried_from_one_address_pause_the_address,
);

const STRICT: &str = "[auth.throttle]\naccount_max_failures = 3\naddress_max_failures = 50\nwindow_seconds = 600\nblock_seconds = 60\n";

async fn repeated_failures_pause_the_account_with_retry_after(backend: Backend) {
    let app = spawn_app_with(backend, STRICT).await;
    app.create_user("taro@city.example.jp", "viewer", vec![])
        .await;
    for _ in 0..3 {
        app.login("taro@city.example.jp", "guess")
            .await
            .assert_problem(401, "invalid_credentials");
    }

    let paused = app.login("taro@city.example.jp", PASSWORD).await;

    let problem = paused.assert_problem(429, "too_many_requests");
    let retry_after: u64 = paused.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    assert_eq!(problem["retry_after_seconds"], retry_after);
    let other = app
        .create_user("hanako@city.example.jp", "viewer", vec![])
        .await;
    assert!(other > 0);
    assert_eq!(
        app.login("hanako@city.example.jp", PASSWORD).await.status,
        200,
        "other accounts are not paused"
    );
}

async fn the_pause_ends_and_the_real_user_signs_in_again(backend: Backend) {
    let app = spawn_app_with(
        backend,
        "[auth.throttle]\naccount_max_failures = 2\nwindow_seconds = 600\nblock_seconds = 1\n",
    )
    .await;
    app.create_user("taro@city.example.jp", "viewer", vec![])
        .await;
    for _ in 0..2 {
        app.login("taro@city.example.jp", "guess").await;
    }
    assert_eq!(
        app.login("taro@city.example.jp", PASSWORD).await.status,
        429
    );

    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;

    let answer = app.login("taro@city.example.jp", PASSWORD).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
}

async fn many_accounts_tried_from_one_address_pause_the_address(backend: Backend) {
    let app = spawn_app_with(
        backend,
        "[auth.throttle]\naccount_max_failures = 100\naddress_max_failures = 4\nwindow_seconds = 600\nblock_seconds = 60\n",
    )
    .await;
    app.create_user("taro@city.example.jp", "viewer", vec![])
        .await;
    for n in 0..4 {
        app.login(&format!("user{n}@city.example.jp"), "guess")
            .await;
    }

    app.login("taro@city.example.jp", PASSWORD)
        .await
        .assert_problem(429, "too_many_requests");
}
