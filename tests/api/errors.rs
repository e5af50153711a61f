//! Every failure is RFC 9457 problem+json with a stable code: the framework's own (bad JSON,
//! wrong content type, oversized body, unknown route, wrong method) as much as ours.

use crate::helpers::{Answer, Backend, spawn_app, spawn_app_with};
use crate::on_both_databases;
use serde_json::json;

on_both_databases!(
    malformed_json_is_a_400_problem,
    a_json_body_with_another_content_type_is_a_415_problem,
    a_body_over_the_documented_limit_is_a_413_problem,
    an_unknown_api_route_is_a_404_problem,
    a_wrong_method_is_a_405_problem_that_lists_the_allowed_ones,
    invalid_fields_are_a_422_problem_with_a_pointer_per_field,
    unknown_fields_and_values_of_the_wrong_type_point_at_themselves,
    a_nul_byte_or_other_control_character_is_refused_not_stored,
    huge_or_nonsense_pages_are_refused_with_the_documented_maximum,
    every_answer_carries_a_request_id_and_echoes_a_sane_one,
    problems_speak_japanese_by_default_and_english_when_asked,
    every_answer_carries_the_security_headers,
    an_internal_failure_is_an_opaque_500_with_only_the_request_id,
);

async fn malformed_json_is_a_400_problem(backend: Backend) {
    let app = spawn_app(backend).await;
    for body in [
        "{",
        "{\"email\": }",
        "[1, 2",
        "{\"email\":\"a@b.jp\",\"password\":\"x\"} trailing",
    ] {
        let answer = app
            .post_raw("/api/v1/auth/login", "application/json", body)
            .await;
        answer.assert_problem(400, "malformed_json");
        assert_eq!(answer.json["instance"], "/api/v1/auth/login");
    }
}

async fn a_json_body_with_another_content_type_is_a_415_problem(backend: Backend) {
    let app = spawn_app(backend).await;
    let body = r#"{"email":"a@b.jp","password":"x"}"#;
    for content_type in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    ] {
        app.post_raw("/api/v1/auth/login", content_type, body)
            .await
            .assert_problem(415, "unsupported_media_type");
    }
    let without = Answer::read(
        app.client
            .post(app.url("/api/v1/auth/login"))
            .body(body)
            .send()
            .await
            .unwrap(),
    )
    .await;
    without.assert_problem(415, "unsupported_media_type");
}

async fn a_body_over_the_documented_limit_is_a_413_problem(backend: Backend) {
    let app = spawn_app_with(backend, "[server]\njson_body_limit_bytes = 2048\n").await;
    let huge = json!({ "email": "a@b.jp", "password": "x".repeat(4096) });
    app.post_json("/api/v1/auth/login", &huge)
        .await
        .assert_problem(413, "payload_too_large");
}

async fn an_unknown_api_route_is_a_404_problem(backend: Backend) {
    let app = spawn_app(backend).await;
    for path in [
        "/api/v1/nothing-here",
        "/api/v2/me",
        "/api/",
        "/api/v1/me/extra",
    ] {
        app.get(path, None)
            .await
            .assert_problem(404, "route_not_found");
    }
}

async fn a_wrong_method_is_a_405_problem_that_lists_the_allowed_ones(backend: Backend) {
    let app = spawn_app(backend).await;
    let delete = Answer::read(
        app.client
            .delete(app.url("/api/v1/me"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    delete.assert_problem(405, "method_not_allowed");
    assert_eq!(delete.header("allow"), Some("GET"));

    let trace = Answer::read(
        app.client
            .request(reqwest::Method::TRACE, app.url("/api/v1/auth/login"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    trace.assert_problem(405, "method_not_allowed");
    assert_eq!(trace.header("allow"), Some("POST"));
    assert_eq!(trace.json["allowed_methods"], json!(["POST"]));
}

async fn invalid_fields_are_a_422_problem_with_a_pointer_per_field(backend: Backend) {
    let app = spawn_app(backend).await;
    let answer = app
        .post_json(
            "/api/v1/auth/login",
            &json!({ "email": "not-an-address", "password": "" }),
        )
        .await;
    let problem = answer.assert_problem(422, "validation_failed");
    let errors = problem["errors"].as_array().unwrap();
    let pointers: Vec<&str> = errors
        .iter()
        .map(|e| e["pointer"].as_str().unwrap())
        .collect();
    assert_eq!(pointers, vec!["/email", "/password"]);
    assert_eq!(errors[0]["code"], "invalid_email");
    assert_eq!(errors[0]["location"], "body");
    assert!(
        errors
            .iter()
            .all(|e| !e["message"].as_str().unwrap().is_empty())
    );

    let missing = app
        .post_json("/api/v1/auth/login", &json!({ "email": "a@b.jp" }))
        .await;
    missing.assert_problem(422, "validation_failed");
}

async fn unknown_fields_and_values_of_the_wrong_type_point_at_themselves(backend: Backend) {
    let app = spawn_app(backend).await;
    let wrong_type = app
        .post_json(
            "/api/v1/auth/login",
            &json!({ "email": 42, "password": "x" }),
        )
        .await;
    assert_eq!(
        wrong_type.assert_problem(422, "validation_failed")["errors"][0]["pointer"],
        "/email"
    );

    let unknown = app
        .post_json(
            "/api/v1/auth/login",
            &json!({ "email": "a@b.jp", "password": "x", "admin": true }),
        )
        .await;
    let problem = unknown.assert_problem(422, "validation_failed");
    assert!(
        problem["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("admin")
    );
}

async fn a_nul_byte_or_other_control_character_is_refused_not_stored(backend: Backend) {
    let app = spawn_app(backend).await;
    for (email, password) in [
        ("a\u{0}@b.jp", "x"),
        ("a@b.jp", "pass\u{0}word"),
        ("a@b.jp", "line\nbreak"),
    ] {
        let answer = app
            .post_json(
                "/api/v1/auth/login",
                &json!({ "email": email, "password": password }),
            )
            .await;
        let problem = answer.assert_problem(422, "validation_failed");
        assert!(
            problem["errors"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["code"] == "control_character"),
            "{}",
            answer.text
        );
    }
}

async fn huge_or_nonsense_pages_are_refused_with_the_documented_maximum(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.signed_in("admin@city.example.jp", "admin").await;

    let huge = app
        .get("/api/v1/users?per_page=1000000", Some(&admin))
        .await;
    let problem = huge.assert_problem(422, "validation_failed");
    assert_eq!(problem["errors"][0]["pointer"], "/per_page");
    assert_eq!(problem["errors"][0]["location"], "query");
    assert!(
        problem["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("200")
    );

    app.get("/api/v1/users?page=0", Some(&admin))
        .await
        .assert_problem(422, "validation_failed");
    app.get("/api/v1/users?page=abc", Some(&admin))
        .await
        .assert_problem(422, "validation_failed");
    app.get("/api/v1/users?page=99999999999999999999999", Some(&admin))
        .await
        .assert_problem(422, "validation_failed");

    let beyond_the_end = app.get("/api/v1/users?page=1000000", Some(&admin)).await;
    assert_eq!(beyond_the_end.status, 200, "{}", beyond_the_end.text);
    assert_eq!(beyond_the_end.json["items"], json!([]));
    assert_eq!(beyond_the_end.json["total"], 1);
}

async fn every_answer_carries_a_request_id_and_echoes_a_sane_one(backend: Backend) {
    let app = spawn_app(backend).await;
    let generated = app.get("/healthz", None).await;
    assert!(
        generated
            .header("x-request-id")
            .is_some_and(|id| id.len() >= 16)
    );

    let echoed = app
        .client
        .get(app.url("/api/v1/me"))
        .header("X-Request-Id", "lb-7f3a.42")
        .send()
        .await
        .unwrap();
    assert_eq!(echoed.headers()["x-request-id"], "lb-7f3a.42");
    let echoed = Answer::read(echoed).await;
    assert_eq!(echoed.json["request_id"], "lb-7f3a.42");

    let hostile = app
        .client
        .get(app.url("/healthz"))
        .header("X-Request-Id", "x\" onerror=alert(1)")
        .send()
        .await
        .unwrap();
    assert_ne!(hostile.headers()["x-request-id"], "x\" onerror=alert(1)");
}

async fn problems_speak_japanese_by_default_and_english_when_asked(backend: Backend) {
    let app = spawn_app(backend).await;
    let japanese = app.get("/api/v1/me", None).await;
    assert_eq!(japanese.json["title"], "サインインが必要です");

    let english = Answer::read(
        app.client
            .get(app.url("/api/v1/me"))
            .header("Accept-Language", "en-GB,en;q=0.9,ja;q=0.5")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(english.json["title"], "Sign-in required");
    assert_eq!(english.json["code"], japanese.json["code"]);
}

async fn every_answer_carries_the_security_headers(backend: Backend) {
    let app = spawn_app(backend).await;
    for answer in [
        app.get("/healthz", None).await,
        app.get("/api/v1/nothing", None).await,
    ] {
        assert_eq!(answer.header("x-content-type-options"), Some("nosniff"));
        assert_eq!(answer.header("x-frame-options"), Some("DENY"));
        assert!(answer.header("referrer-policy").is_some());
        let csp = answer.header("content-security-policy").unwrap();
        assert!(
            csp.contains("frame-ancestors 'none'") && csp.contains("default-src 'self'"),
            "{csp}"
        );
    }
}

async fn an_internal_failure_is_an_opaque_500_with_only_the_request_id(backend: Backend) {
    use sea_orm::ConnectionTrait;
    let app = spawn_app(backend).await;
    let token = app.signed_in("taro@city.example.jp", "viewer").await;
    // A row no version of Platina writes: reading it must fail loudly in the log, quietly on the wire.
    app.app_db
        .conn
        .execute_unprepared(
            "UPDATE users SET role = 'superuser' WHERE email = 'taro@city.example.jp'",
        )
        .await
        .unwrap();

    let answer = app.get("/api/v1/me", Some(&token)).await;

    let problem = answer.assert_problem(500, "internal_error");
    assert!(problem.get("detail").is_none(), "{}", answer.text);
    assert!(!answer.text.contains("superuser"), "{}", answer.text);
    assert_eq!(
        problem["request_id"].as_str(),
        answer.header("x-request-id")
    );
}
