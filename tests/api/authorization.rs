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
