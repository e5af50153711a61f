//! Deny by default: each endpoint names the roles allowed, and others get 403.

use crate::helpers::{Backend, spawn_app};
use crate::on_both_databases;

on_both_databases!(
    only_admins_may_list_users_or_read_the_audit_trail,
    every_role_may_read_its_own_account,
    the_openapi_document_names_the_roles_each_endpoint_allows,
);

async fn only_admins_may_list_users_or_read_the_audit_trail(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.signed_in("admin@city.example.jp", "admin").await;
    for (email, role) in [
        ("viewer@city.example.jp", "viewer"),
        ("proposer@city.example.jp", "proposer"),
        ("editor@city.example.jp", "editor"),
    ] {
        let token = app.signed_in(email, role).await;
        app.get("/api/v1/users", Some(&token))
            .await
            .assert_problem(403, "forbidden");
        app.get("/api/v1/audit-events", Some(&token))
            .await
            .assert_problem(403, "forbidden");
    }

    let users = app.get("/api/v1/users?per_page=2", Some(&admin)).await;
    assert_eq!(users.status, 200, "{}", users.text);
    assert_eq!(users.json["total"], 4);
    assert_eq!(users.json["items"].as_array().unwrap().len(), 2);
    assert_eq!(users.json["per_page"], 2);
}

async fn every_role_may_read_its_own_account(backend: Backend) {
    let app = spawn_app(backend).await;
    for (email, role) in [
        ("a@city.example.jp", "admin"),
        ("e@city.example.jp", "editor"),
        ("p@city.example.jp", "proposer"),
        ("v@city.example.jp", "viewer"),
    ] {
        let token = app.signed_in(email, role).await;
        let me = app.get("/api/v1/me", Some(&token)).await;
        assert_eq!(me.status, 200, "{role}: {}", me.text);
        assert_eq!(me.json["role"], role);
    }
}

async fn the_openapi_document_names_the_roles_each_endpoint_allows(backend: Backend) {
    let app = spawn_app(backend).await;
    let doc = app.get("/api/openapi.json", None).await.json;
    assert_eq!(
        doc["paths"]["/api/v1/users"]["get"]["security"][0]["bearer"],
        serde_json::json!(["admin"])
    );
    assert_eq!(
        doc["paths"]["/api/v1/me"]["get"]["security"][0]["bearer"],
        serde_json::json!(["admin", "editor", "proposer", "viewer"])
    );
    assert!(
        doc["paths"]["/api/v1/auth/login"]["post"]
            .get("security")
            .is_none()
    );
}

mod accounts {
    use crate::helpers::{Backend, spawn_app};
    use crate::on_both_databases;
    use reqwest::Method;
    use serde_json::json;

    on_both_databases!(
        an_admin_creates_a_scoped_editor_who_can_then_sign_in,
        account_creation_refuses_bad_input_and_non_admins
    );

    async fn an_admin_creates_a_scoped_editor_who_can_then_sign_in(backend: Backend) {
        let app = spawn_app(backend).await;
        let admin = app.signed_in("admin@city.example.jp", "admin").await;
        let body = json!({ "email": "Hanako@City.example.jp", "display_name": "北九州 花子", "role": "editor", "section_ids": [3], "password": "a long enough password" });

        let created = app
            .send(Method::POST, "/api/v1/users", &admin, Some(body), None)
            .await;

        assert_eq!(created.status, 201, "{}", created.text);
        assert_eq!(created.json["email"], "hanako@city.example.jp");
        assert_eq!(created.json["scopes"]["section_ids"], json!([3]));
        let login = app
            .login("hanako@city.example.jp", "a long enough password")
            .await;
        assert_eq!(login.json["user"]["role"], "editor");
        let trail = app
            .get("/api/v1/audit-events?entity_type=user", Some(&admin))
            .await;
        assert_eq!(trail.json["items"][0]["actor_kind"], "user");
        assert!(!trail.text.contains("a long enough password"));
    }

    async fn account_creation_refuses_bad_input_and_non_admins(backend: Backend) {
        let app = spawn_app(backend).await;
        let admin = app.signed_in("admin@city.example.jp", "admin").await;
        let viewer = app.signed_in("viewer@city.example.jp", "viewer").await;
        let valid = json!({ "email": "x@city.example.jp", "display_name": "X", "role": "viewer", "password": "a long enough password" });
        app.send(
            Method::POST,
            "/api/v1/users",
            &viewer,
            Some(valid.clone()),
            None,
        )
        .await
        .assert_problem(403, "forbidden");
        for (patch, pointer) in [
            (json!({ "password": "short" }), "/password"),
            (json!({ "email": "not-mail" }), "/email"),
            (json!({ "role": "editor" }), "/section_ids"),
            (json!({ "section_ids": [1] }), "/section_ids"),
            (json!({ "display_name": "\u{0}" }), "/display_name"),
            (json!({ "role": "root" }), "/role"),
        ] {
            let mut body = valid.clone();
            for (k, v) in patch.as_object().unwrap() {
                body[k] = v.clone();
            }
            let answer = app
                .send(Method::POST, "/api/v1/users", &admin, Some(body), None)
                .await;
            assert_eq!(
                answer.assert_problem(422, "validation_failed")["errors"][0]["pointer"],
                pointer,
                "{}",
                answer.text
            );
        }
        assert_eq!(
            app.send(
                Method::POST,
                "/api/v1/users",
                &admin,
                Some(valid.clone()),
                None
            )
            .await
            .status,
            201
        );
        app.send(Method::POST, "/api/v1/users", &admin, Some(valid), None)
            .await
            .assert_problem(409, "conflict");
        assert_eq!(
            app.get("/api/v1/users", Some(&admin)).await.json["total"],
            3
        );
    }
}
