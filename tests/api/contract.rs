//! The API does what its OpenAPI document says: every status an operation answers is documented,
//! the document carries the limits the validators enforce, parameters it does not list are refused,
//! and who may act is decided before what they sent is looked at. Schemathesis checks the same at
//! large (`tests/contract/run.sh`); these pin each finding it made.

use crate::helpers::{Answer, Backend, spawn_app, spawn_app_with};
use crate::on_both_databases;
use reqwest::Method;
use serde_json::{Value, json};

on_both_databases!(
    an_unparsable_id_is_a_400_that_every_operation_with_an_id_documents,
    a_child_route_of_a_missing_parent_is_a_404_that_its_operation_documents,
    a_delete_without_if_match_is_a_428_that_the_delete_documents,
    the_document_carries_the_limits_the_validators_enforce,
    exports_take_no_paging_parameters,
    the_user_list_refuses_parameters_it_does_not_know,
    a_wrong_method_on_a_probe_is_a_405_with_allow_while_the_app_is_served,
    a_wrong_method_on_an_export_is_a_405_not_a_bad_id,
    a_broken_body_is_refused_before_if_match_is_compared,
    a_viewer_may_not_move_a_stage_whatever_they_send,
    a_caller_without_a_token_is_a_401_whatever_they_send,
    a_fiscal_year_past_the_calendar_is_refused_not_a_dropped_connection,
    a_whole_number_written_with_a_fraction_is_taken_as_the_integer,
);

async fn document(app: &crate::helpers::TestApp) -> Value {
    let doc = app.get("/api/openapi.json", None).await;
    assert_eq!(doc.status, 200);
    doc.json
}

/// Every (path, method, operation) of the document.
fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            out.push((path.clone(), method.clone(), operation.clone()));
        }
    }
    out
}

fn has_parameter(operation: &Value, location: &str, name: &str) -> bool {
    operation["parameters"]
        .as_array()
        .is_some_and(|ps| ps.iter().any(|p| p["in"] == location && p["name"] == name))
}

fn documents(operation: &Value, status: &str) -> bool {
    operation["responses"].get(status).is_some()
}

async fn an_unparsable_id_is_a_400_that_every_operation_with_an_id_documents(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.signed_in("admin@city.example.jp", "admin").await;
    for path in [
        "/api/v1/reforms/9223372036854775808",
        "/api/v1/bureaus/abc",
        "/api/v1/proposals/1.5/history",
    ] {
        app.get(path, Some(&admin))
            .await
            .assert_problem(400, "invalid_path");
    }
    let doc = document(&app).await;
    let with_path_ids: Vec<_> = operations(&doc)
        .into_iter()
        .filter(|(path, _, _)| path.contains('{'))
        .collect();
    assert!(with_path_ids.len() > 30, "{}", with_path_ids.len());
    for (path, method, operation) in with_path_ids {
        assert!(documents(&operation, "400"), "{method} {path} lacks 400");
        assert!(documents(&operation, "404"), "{method} {path} lacks 404");
    }
}

async fn a_child_route_of_a_missing_parent_is_a_404_that_its_operation_documents(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.signed_in("admin@city.example.jp", "admin").await;
    let doc = document(&app).await;
    let actual = json!({ "measured_on": "2025-11-30", "value": 3 });
    app.send(
        Method::POST,
        "/api/v1/kpis/424242/actuals",
        &admin,
        Some(actual),
        None,
    )
    .await
    .assert_problem(404, "not_found");
    assert!(documents(
        &doc["paths"]["/api/v1/kpis/{id}/actuals"]["post"],
        "404"
    ));
    for child in ["consultations", "history"] {
        app.get(&format!("/api/v1/proposals/424242/{child}"), Some(&admin))
            .await
            .assert_problem(404, "not_found");
        assert!(documents(
            &doc["paths"][format!("/api/v1/proposals/{{id}}/{child}")]["get"],
            "404"
        ));
    }
}

async fn a_delete_without_if_match_is_a_428_that_the_delete_documents(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.signed_in("admin@city.example.jp", "admin").await;
    app.send(Method::DELETE, "/api/v1/reforms/1", &admin, None, None)
        .await
        .assert_problem(428, "precondition_required");
    let doc = document(&app).await;
    let conditional: Vec<_> = operations(&doc)
        .into_iter()
        .filter(|(_, _, operation)| has_parameter(operation, "header", "If-Match"))
        .collect();
    assert!(
        conditional.iter().filter(|(_, m, _)| m == "delete").count() >= 5,
        "the DELETEs take If-Match"
    );
    for (path, method, operation) in conditional {
        assert!(documents(&operation, "428"), "{method} {path} lacks 428");
        assert!(documents(&operation, "412"), "{method} {path} lacks 412");
    }
}

async fn the_document_carries_the_limits_the_validators_enforce(backend: Backend) {
    let app = spawn_app(backend).await;
    let doc = document(&app).await;
    let schemas = &doc["components"]["schemas"];
    let title = &schemas["ProposalIn"]["properties"]["title"];
    assert_eq!(title["maxLength"], 300, "{title}");
    assert!(title["pattern"].is_string(), "{title}");
    assert_eq!(
        schemas["ProposalIn"]["properties"]["fiscal_year"]["minimum"],
        2000
    );
    assert_eq!(
        schemas["ProposalIn"]["properties"]["fiscal_year"]["maximum"],
        2100
    );

    let list = &doc["paths"]["/api/v1/proposals"]["get"]["parameters"];
    let param = |name: &str| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .unwrap()["schema"]
            .clone()
    };
    assert_eq!(param("page")["minimum"], 1);
    assert_eq!(param("per_page")["maximum"], 200);
    let sorts = param("sort")["enum"].clone();
    assert!(
        sorts
            .as_array()
            .is_some_and(|s| s.contains(&json!("-updated_at"))),
        "{sorts}"
    );

    // What the document allows is accepted: the longest title and the last page size.
    let admin = app.signed_in("admin@city.example.jp", "admin").await;
    let listed = app
        .get(
            "/api/v1/proposals?per_page=200&sort=-updated_at",
            Some(&admin),
        )
        .await;
    assert_eq!(listed.status, 200, "{}", listed.text);
    // ...and what it forbids is refused.
    app.get("/api/v1/proposals?per_page=201", Some(&admin))
        .await
        .assert_problem(422, "validation_failed");
}

async fn exports_take_no_paging_parameters(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.signed_in("admin@city.example.jp", "admin").await;
    let doc = document(&app).await;
    for (path, _, operation) in operations(&doc) {
        if path.ends_with("/export") {
            assert!(!has_parameter(&operation, "query", "page"), "{path}");
            assert!(!has_parameter(&operation, "query", "per_page"), "{path}");
        }
    }
    let whole = app.get("/api/v1/proposals/export", Some(&admin)).await;
    assert_eq!(whole.status, 200, "{}", whole.text);
    let problem = app
        .get("/api/v1/proposals/export?page=2&per_page=5", Some(&admin))
        .await;
    problem.assert_problem(422, "validation_failed");
}

async fn the_user_list_refuses_parameters_it_does_not_know(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.signed_in("admin@city.example.jp", "admin").await;
    app.get("/api/v1/users?bogus=1", Some(&admin))
        .await
        .assert_problem(422, "validation_failed");
    app.get("/api/v1/reforms?bogus=1", Some(&admin))
        .await
        .assert_problem(422, "validation_failed");
    let page = app
        .get("/api/v1/users?page=1&per_page=5", Some(&admin))
        .await;
    assert_eq!(page.status, 200, "{}", page.text);
}

async fn a_wrong_method_on_a_probe_is_a_405_with_allow_while_the_app_is_served(backend: Backend) {
    let dist = std::env::temp_dir().join(format!("platina-dist-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dist).unwrap();
    std::fs::write(
        dist.join("index.html"),
        "<!doctype html><title>Platina</title>",
    )
    .unwrap();
    let app = spawn_app_with(
        backend,
        &format!("[server]\nweb_dist = \"{}\"\n", dist.display()),
    )
    .await;
    for path in ["/healthz", "/readyz"] {
        let answer = Answer::read(app.client.post(app.url(path)).send().await.unwrap()).await;
        answer.assert_problem(405, "method_not_allowed");
        assert_eq!(answer.header("allow"), Some("GET"), "{path}");
    }
    let screen = app.get("/proposals/12", None).await;
    assert_eq!(screen.status, 200, "the app still serves its screens");
    std::fs::remove_dir_all(&dist).unwrap();
}

async fn a_wrong_method_on_an_export_is_a_405_not_a_bad_id(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.signed_in("admin@city.example.jp", "admin").await;
    for path in ["/api/v1/proposals/export", "/api/v1/reforms/export"] {
        let answer = app.send(Method::PUT, path, &admin, None, None).await;
        answer.assert_problem(405, "method_not_allowed");
        assert_eq!(answer.header("allow"), Some("GET"), "{path}");
    }
}

async fn a_broken_body_is_refused_before_if_match_is_compared(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.signed_in("admin@city.example.jp", "admin").await;
    let answer = app
        .send(
            Method::PUT,
            "/api/v1/reforms/1",
            &admin,
            Some(json!({})),
            Some("\"99\""),
        )
        .await;
    answer.assert_problem(422, "validation_failed");
    let unreadable = app
        .send(Method::PUT, "/api/v1/reforms/1", &admin, None, Some(""))
        .await;
    unreadable.assert_problem(415, "unsupported_media_type");
}

async fn a_viewer_may_not_move_a_stage_whatever_they_send(backend: Backend) {
    let app = spawn_app(backend).await;
    let viewer = app.signed_in("viewer@city.example.jp", "viewer").await;
    let path = "/api/v1/proposals/1/assignments/1/transitions";
    for body in [json!({}), json!({ "to_stage": 9 }), json!([1, 2])] {
        app.send(Method::POST, path, &viewer, Some(body), None)
            .await
            .assert_problem(403, "forbidden");
    }
    let without_body = app.send(Method::POST, path, &viewer, None, None).await;
    without_body.assert_problem(403, "forbidden");
}

async fn a_caller_without_a_token_is_a_401_whatever_they_send(backend: Backend) {
    let app = spawn_app(backend).await;
    let answer = app
        .post_raw("/api/v1/reforms", "text/plain", "not even json")
        .await;
    answer.assert_problem(401, "unauthenticated");
}

async fn a_fiscal_year_past_the_calendar_is_refused_not_a_dropped_connection(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.signed_in("admin@city.example.jp", "admin").await;
    for path in [
        "/api/v1/digital-systems?production_fiscal_year=2147483647",
        "/api/v1/digital-systems/export?production_fiscal_year=2147483647",
    ] {
        app.get(path, Some(&admin))
            .await
            .assert_problem(422, "validation_failed");
    }
    let listed = app
        .get(
            "/api/v1/digital-systems?production_fiscal_year=2025",
            Some(&admin),
        )
        .await;
    assert_eq!(listed.status, 200, "{}", listed.text);
}

async fn a_whole_number_written_with_a_fraction_is_taken_as_the_integer(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.signed_in("admin@city.example.jp", "admin").await;
    let created = app
        .send(
            Method::POST,
            "/api/v1/bureaus",
            &admin,
            Some(json!({ "name": "保健福祉局", "sort_order": 3.0 })),
            None,
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(created.json["sort_order"], 3);
    app.send(
        Method::POST,
        "/api/v1/bureaus",
        &admin,
        Some(json!({ "name": "環境局", "sort_order": 3.5 })),
        None,
    )
    .await
    .assert_problem(422, "validation_failed");
}
