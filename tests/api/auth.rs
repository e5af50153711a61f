//! Signing in and out as a person, and the refresh-token rotation that keeps a session alive.

use crate::helpers::{Backend, PASSWORD, spawn_app};
use crate::on_both_databases;

on_both_databases!(
    signing_in_returns_a_short_lived_bearer_token_the_user_and_a_strict_http_only_cookie,
    an_unknown_address_and_a_wrong_password_get_the_same_answer,
    a_full_width_upper_case_address_signs_in_to_the_same_account,
    me_returns_the_signed_in_user_with_role_and_scopes,
    refresh_rotates_the_cookie_and_a_reused_one_ends_the_whole_family,
    signing_out_ends_the_session,
    a_disabled_user_is_refused_at_once_even_with_a_live_token,
    signing_in_records_nothing_in_the_audit_trail_but_creating_a_user_does,
);

async fn signing_in_returns_a_short_lived_bearer_token_the_user_and_a_strict_http_only_cookie(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    app.create_user("hanako@city.example.jp", "viewer", vec![])
        .await;

    let answer = app.login("hanako@city.example.jp", PASSWORD).await;

    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(answer.json["token_type"], "Bearer");
    let expires_in = answer.json["expires_in"].as_u64().unwrap();
    assert!(expires_in > 0 && expires_in <= 900);
    assert_eq!(answer.json["user"]["email"], "hanako@city.example.jp");
    assert_eq!(answer.json["user"]["role"], "viewer");
    assert_eq!(answer.header("cache-control"), Some("no-store"));
    let cookie = answer.set_cookie_header();
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Strict"), "{cookie}");
    assert!(cookie.contains("Path=/api/v1/auth"), "{cookie}");
    // The test talks to 127.0.0.1, where browsers accept the cookie without TLS.
    assert!(!cookie.contains("Secure"), "{cookie}");
}

async fn an_unknown_address_and_a_wrong_password_get_the_same_answer(backend: Backend) {
    let app = spawn_app(backend).await;
    app.create_user("taro@city.example.jp", "viewer", vec![])
        .await;

    let wrong_password = app.login("taro@city.example.jp", "not the password").await;
    let unknown_address = app.login("nobody@city.example.jp", PASSWORD).await;

    wrong_password.assert_problem(401, "invalid_credentials");
    unknown_address.assert_problem(401, "invalid_credentials");
    assert_eq!(wrong_password.json["title"], unknown_address.json["title"]);
    assert_eq!(
        wrong_password.json.get("detail"),
        unknown_address.json.get("detail")
    );
    assert!(wrong_password.refresh_cookie().is_none());
}

async fn a_full_width_upper_case_address_signs_in_to_the_same_account(backend: Backend) {
    let app = spawn_app(backend).await;
    app.create_user("taro@city.example.jp", "viewer", vec![])
        .await;

    let answer = app.login("ＴＡＲＯ＠City.Example.JP", PASSWORD).await;

    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(answer.json["user"]["email"], "taro@city.example.jp");
}

async fn me_returns_the_signed_in_user_with_role_and_scopes(backend: Backend) {
    let app = spawn_app(backend).await;
    app.create_user("editor@city.example.jp", "editor", vec![4, 7])
        .await;
    let token = app.login("editor@city.example.jp", PASSWORD).await.json["access_token"]
        .as_str()
        .unwrap()
        .to_owned();

    let me = app.get("/api/v1/me", Some(&token)).await;

    assert_eq!(me.status, 200, "{}", me.text);
    assert_eq!(me.json["kind"], "user");
    assert_eq!(me.json["email"], "editor@city.example.jp");
    assert_eq!(me.json["role"], "editor");
    assert_eq!(me.json["scopes"]["section_ids"], serde_json::json!([4, 7]));
}

async fn refresh_rotates_the_cookie_and_a_reused_one_ends_the_whole_family(backend: Backend) {
    let app = spawn_app(backend).await;
    app.create_user("taro@city.example.jp", "viewer", vec![])
        .await;
    let first = app
        .login("taro@city.example.jp", PASSWORD)
        .await
        .refresh_cookie()
        .unwrap();

    let rotated = app.post_with_cookie("/api/v1/auth/refresh", &first).await;
    assert_eq!(rotated.status, 200, "{}", rotated.text);
    let second = rotated.refresh_cookie().unwrap();
    assert_ne!(first, second);
    let token = rotated.json["access_token"].as_str().unwrap().to_owned();
    assert_eq!(app.get("/api/v1/me", Some(&token)).await.status, 200);

    let reused = app.post_with_cookie("/api/v1/auth/refresh", &first).await;
    reused.assert_problem(401, "refresh_token_reused");
    assert!(
        reused.set_cookie_header().contains("Max-Age=0"),
        "the cookie is cleared"
    );

    let after_reuse = app.post_with_cookie("/api/v1/auth/refresh", &second).await;
    after_reuse.assert_problem(401, "refresh_token_reused");
}

async fn signing_out_ends_the_session(backend: Backend) {
    let app = spawn_app(backend).await;
    app.create_user("taro@city.example.jp", "viewer", vec![])
        .await;
    let cookie = app
        .login("taro@city.example.jp", PASSWORD)
        .await
        .refresh_cookie()
        .unwrap();

    let logout = app.post_with_cookie("/api/v1/auth/logout", &cookie).await;
    assert_eq!(logout.status, 204);
    assert!(logout.set_cookie_header().contains("Max-Age=0"));

    let refresh = app.post_with_cookie("/api/v1/auth/refresh", &cookie).await;
    assert_eq!(refresh.status, 401);
    let without_cookie = app
        .post_raw("/api/v1/auth/refresh", "application/json", "")
        .await;
    without_cookie.assert_problem(401, "unauthenticated");
}

async fn a_disabled_user_is_refused_at_once_even_with_a_live_token(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.signed_in("leaver@city.example.jp", "viewer").await;
    assert_eq!(app.get("/api/v1/me", Some(&token)).await.status, 200);

    platina_server::commands::disable_user(&app.app_db, "leaver@city.example.jp")
        .await
        .unwrap();

    app.get("/api/v1/me", Some(&token))
        .await
        .assert_problem(401, "invalid_token");
    app.login("leaver@city.example.jp", PASSWORD)
        .await
        .assert_problem(401, "invalid_credentials");
}

async fn signing_in_records_nothing_in_the_audit_trail_but_creating_a_user_does(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.signed_in("admin@city.example.jp", "admin").await;
    app.create_user("new@city.example.jp", "proposer", vec![])
        .await;

    let trail = app
        .get("/api/v1/audit-events?entity_type=user", Some(&admin))
        .await;

    assert_eq!(trail.status, 200, "{}", trail.text);
    assert_eq!(trail.json["total"], 2);
    let newest = &trail.json["items"][0];
    assert_eq!(newest["action"], "user.create");
    assert_eq!(newest["after"]["email"], "new@city.example.jp");
    assert_eq!(newest["actor_kind"], "command_line");
    assert!(
        newest["after"].get("password_hash").is_none(),
        "hashes never enter the trail"
    );
    assert!(newest["before"].is_null());
}
