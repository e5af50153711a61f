//! Probes, the served OpenAPI document and the offline API docs.

use crate::helpers::{Backend, spawn_app};
use crate::on_both_databases;

on_both_databases!(
    healthz_and_readyz_answer_ok_on_a_migrated_database,
    readyz_answers_503_when_the_database_is_unreachable,
    the_served_openapi_document_is_the_committed_one,
    the_interactive_api_docs_are_served_without_network_access,
);

async fn healthz_and_readyz_answer_ok_on_a_migrated_database(backend: Backend) {
    let app = spawn_app(backend).await;
    let health = app.get("/healthz", None).await;
    assert_eq!(
        (health.status, health.json["status"].as_str()),
        (200, Some("ok"))
    );
    let ready = app.get("/readyz", None).await;
    assert_eq!(
        (ready.status, ready.json["status"].as_str()),
        (200, Some("ok")),
        "{}",
        ready.text
    );
}

async fn readyz_answers_503_when_the_database_is_unreachable(backend: Backend) {
    let app = spawn_app(backend).await;
    assert_eq!(app.get("/readyz", None).await.status, 200);

    app.app_db.close().await.unwrap();

    app.get("/readyz", None)
        .await
        .assert_problem(503, "service_unavailable");
    assert_eq!(
        app.get("/healthz", None).await.status,
        200,
        "liveness does not need the database"
    );
    app.login("a@b.jp", "whatever-password")
        .await
        .assert_problem(503, "service_unavailable");
}

async fn the_served_openapi_document_is_the_committed_one(backend: Backend) {
    let app = spawn_app(backend).await;
    let served = app.get("/api/openapi.json", None).await;
    assert_eq!(served.status, 200);
    let committed = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../openapi/openapi.json"
    ))
    .unwrap();
    assert_eq!(served.text, committed);
    assert_eq!(served.json["openapi"], "3.1.0");
}

async fn the_interactive_api_docs_are_served_without_network_access(backend: Backend) {
    let app = spawn_app(backend).await;
    let redirect = app.get("/api/docs", None).await;
    assert!(
        matches!(redirect.status, 301 | 302 | 307 | 308),
        "{}",
        redirect.status
    );
    let page = app.get("/api/docs/", None).await;
    assert_eq!(page.status, 200);
    assert!(page.text.contains("swagger"), "{}", page.text);
    assert!(
        !page.text.contains("https://"),
        "the page must not load anything from the network"
    );
    let initializer = app.get("/api/docs/swagger-initializer.js", None).await;
    assert_eq!(initializer.status, 200);
    assert!(initializer.text.contains("/api/openapi.json"));
}
