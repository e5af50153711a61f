//! Internal systems exchange a client id and secret for an access token carrying their role.

use crate::helpers::{Answer, Backend, spawn_app};
use crate::on_both_databases;
use domain::Role;

on_both_databases!(
    a_service_account_gets_a_token_with_its_role_by_form_or_json,
    a_wrong_secret_or_unknown_client_or_grant_is_refused,
);

async fn a_service_account_gets_a_token_with_its_role_by_form_or_json(backend: Backend) {
    let app = spawn_app(backend).await;
    let (account, secret) = platina_server::commands::create_service_account(
        &app.app_db,
        "分析基盤",
        Role::Viewer,
        vec![],
        vec![],
    )
    .await
    .unwrap();

    let form = app
        .post_raw(
            "/api/v1/auth/token",
            "application/x-www-form-urlencoded",
            format!(
                "grant_type=client_credentials&client_id={}&client_secret={secret}",
                account.client_id
            ),
        )
        .await;
    assert_eq!(form.status, 200, "{}", form.text);
    assert_eq!(form.json["token_type"], "Bearer");
    assert!(
        form.refresh_cookie().is_none(),
        "systems get no refresh token"
    );
    let token = form.json["access_token"].as_str().unwrap();

    let me = app.get("/api/v1/me", Some(token)).await;
    assert_eq!(me.json["kind"], "service_account");
    assert_eq!(me.json["role"], "viewer");
    assert_eq!(me.json["display_name"], "分析基盤");
    assert!(me.json["email"].is_null());
    app.get("/api/v1/users", Some(token))
        .await
        .assert_problem(403, "forbidden");

    let json = app
        .post_json(
            "/api/v1/auth/token",
            &serde_json::json!({ "grant_type": "client_credentials", "client_id": account.client_id, "client_secret": secret }),
        )
        .await;
    assert_eq!(json.status, 200, "{}", json.text);
}

async fn a_wrong_secret_or_unknown_client_or_grant_is_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let (account, _secret) = platina_server::commands::create_service_account(
        &app.app_db,
        "連携システム",
        Role::Viewer,
        vec![],
        vec![],
    )
    .await
    .unwrap();
    let ask = |client_id: String, secret: &str, grant: &str| {
        let body = serde_json::json!({ "grant_type": grant, "client_id": client_id, "client_secret": secret });
        let app = &app;
        async move { app.post_json("/api/v1/auth/token", &body).await }
    };

    let wrong: Answer = ask(account.client_id.clone(), "wrong", "client_credentials").await;
    wrong.assert_problem(401, "invalid_credentials");
    let unknown = ask("svc_unknown".into(), "wrong", "client_credentials").await;
    unknown.assert_problem(401, "invalid_credentials");
    let grant = ask(account.client_id.clone(), "wrong", "password").await;
    assert_eq!(
        grant.assert_problem(422, "validation_failed")["errors"][0]["pointer"],
        "/grant_type"
    );
}
