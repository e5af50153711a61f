//! `Idempotency-Key` on the POSTs that create records: an internal system that retries a create
//! gets the first answer again and one record, not two; a key reused for another request, or
//! retried while the first is still running, is refused; a failed request does not use up its key.

use crate::data_exchange::upload;
use crate::helpers::{Answer, Backend, PASSWORD, TestApp, spawn_app};
use crate::on_both_databases;
use crate::reforms::{org, reform};
use serde_json::{Value, json};

on_both_databases!(
    a_retried_create_with_the_same_key_makes_one_record_and_replays_the_first_answer,
    the_same_key_with_another_body_is_refused_and_creates_nothing,
    a_failed_request_does_not_use_up_its_key,
    a_retry_while_the_first_request_is_in_flight_is_a_409_problem,
    keys_belong_to_their_caller,
    a_malformed_key_is_a_400_problem_and_creates_nothing,
    an_expired_key_may_be_used_afresh,
    an_import_retried_with_its_key_starts_one_job,
);

async fn post_keyed(app: &TestApp, path: &str, token: &str, key: &str, body: &Value) -> Answer {
    let response = app
        .client
        .post(app.url(path))
        .bearer_auth(token)
        .header("content-type", "application/json")
        .header("idempotency-key", key)
        .body(serde_json::to_vec(body).unwrap())
        .send()
        .await
        .unwrap();
    Answer::read(response).await
}

async fn keyed_upload(app: &TestApp, token: &str, csv: &str) -> Answer {
    let boundary = "----platina-test-boundary";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"r.csv\"\r\nContent-Type: text/csv\r\n\r\n{csv}\r\n--{boundary}--\r\n"
    );
    let response = app
        .client
        .post(app.url("/api/v1/imports?kind=reforms"))
        .bearer_auth(token)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .header("idempotency-key", "import-2025-04")
        .body(body)
        .send()
        .await
        .unwrap();
    Answer::read(response).await
}

async fn total(app: &TestApp, token: &str, list: &str) -> i64 {
    let answer = app.get(list, Some(token)).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    answer.json["total"].as_i64().unwrap()
}

async fn a_retried_create_with_the_same_key_makes_one_record_and_replays_the_first_answer(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let org = org(&app).await;
    let key = "\"8e03978e-40d5-43e8-bc93-6894a57f9324\"";
    let body = reform(org.west, "窓口の待ち時間表示");

    let first = post_keyed(&app, "/api/v1/reforms", &org.admin, key, &body).await;
    assert_eq!(first.status, 201, "{}", first.text);
    assert_eq!(first.header("idempotent-replayed"), None);
    let retried = post_keyed(&app, "/api/v1/reforms", &org.admin, key, &body).await;

    assert_eq!(retried.status, 201, "{}", retried.text);
    assert_eq!(retried.header("idempotent-replayed"), Some("true"));
    assert_eq!(retried.json, first.json);
    assert_eq!(retried.header("location"), first.header("location"));
    assert_eq!(retried.header("etag"), first.header("etag"));
    assert!(retried.content_type().starts_with("application/json"));
    assert!(retried.header("x-request-id").is_some());
    assert_ne!(retried.header("x-request-id"), first.header("x-request-id"));
    assert_eq!(total(&app, &org.admin, "/api/v1/reforms").await, 1);

    // The same holds for every create, e.g. a bureau, whose key is a bare token here.
    let bureau = json!({ "name": "若松区役所" });
    let a = post_keyed(&app, "/api/v1/bureaus", &org.admin, "bureau-1", &bureau).await;
    let b = post_keyed(&app, "/api/v1/bureaus", &org.admin, "bureau-1", &bureau).await;
    assert_eq!((a.status, b.status), (201, 201), "{} {}", a.text, b.text);
    assert_eq!(a.json["id"], b.json["id"]);
    assert_eq!(b.header("idempotent-replayed"), Some("true"));
}

async fn the_same_key_with_another_body_is_refused_and_creates_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let org = org(&app).await;
    let first = post_keyed(
        &app,
        "/api/v1/reforms",
        &org.admin,
        "order-7",
        &reform(org.west, "一件目"),
    )
    .await;
    assert_eq!(first.status, 201, "{}", first.text);

    let other_body = post_keyed(
        &app,
        "/api/v1/reforms",
        &org.admin,
        "order-7",
        &reform(org.west, "二件目"),
    )
    .await;
    other_body.assert_problem(422, "idempotency_key_reused");
    let other_path = post_keyed(
        &app,
        "/api/v1/bureaus",
        &org.admin,
        "order-7",
        &json!({ "name": "戸畑区役所" }),
    )
    .await;
    other_path.assert_problem(422, "idempotency_key_reused");

    assert_eq!(total(&app, &org.admin, "/api/v1/reforms").await, 1);
    let bureaus = app.get("/api/v1/bureaus", Some(&org.admin)).await;
    assert!(!bureaus.text.contains("戸畑区役所"), "{}", bureaus.text);
}

async fn a_failed_request_does_not_use_up_its_key(backend: Backend) {
    let app = spawn_app(backend).await;
    let org = org(&app).await;
    let invalid = reform(org.west, "   ");
    let refused = post_keyed(&app, "/api/v1/reforms", &org.admin, "k-1", &invalid).await;
    refused.assert_problem(422, "validation_failed");
    // Retried unchanged, it is checked again, not answered from a record of the failure.
    let again = post_keyed(&app, "/api/v1/reforms", &org.admin, "k-1", &invalid).await;
    again.assert_problem(422, "validation_failed");
    assert_eq!(again.header("idempotent-replayed"), None);

    let fixed = reform(org.west, "直した取組");
    let created = post_keyed(&app, "/api/v1/reforms", &org.admin, "k-1", &fixed).await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(created.header("idempotent-replayed"), None);
    let replayed = post_keyed(&app, "/api/v1/reforms", &org.admin, "k-1", &fixed).await;
    assert_eq!(replayed.header("idempotent-replayed"), Some("true"));
    assert_eq!(total(&app, &org.admin, "/api/v1/reforms").await, 1);
}

async fn a_retry_while_the_first_request_is_in_flight_is_a_409_problem(backend: Backend) {
    let app = spawn_app(backend).await;
    let org = org(&app).await;
    let system_id = app
        .create_user("system@city.example.jp", "admin", vec![])
        .await;
    let login = app.login("system@city.example.jp", PASSWORD).await;
    let token = login.json["access_token"].as_str().unwrap().to_owned();
    let body = reform(org.west, "処理中の取組");
    // The first request with this key is being processed right now: its claim is in the table,
    // without an answer yet.
    let now = chrono::Utc::now();
    let fingerprint = api::idempotency::fingerprint(
        &actix_web::http::Method::POST,
        "/api/v1/reforms",
        &serde_json::to_vec(&body).unwrap(),
    );
    let claim = persistence::idempotency::claim(
        &app.app_db.conn,
        &persistence::idempotency::KeyClaim {
            principal: &format!("user:{system_id}"),
            key: "busy",
            fingerprint: &fingerprint,
            request_id: "first-request",
            now,
            expires_at: now + chrono::Duration::hours(24),
        },
    )
    .await
    .unwrap();
    assert_eq!(claim, persistence::idempotency::Claim::Acquired);

    let retry = post_keyed(&app, "/api/v1/reforms", &token, "busy", &body).await;

    retry.assert_problem(409, "idempotency_key_in_flight");
    assert_eq!(total(&app, &token, "/api/v1/reforms").await, 0);
}

async fn keys_belong_to_their_caller(backend: Backend) {
    let app = spawn_app(backend).await;
    let org = org(&app).await;
    let other_admin = app.signed_in("other@city.example.jp", "admin").await;
    let body = reform(org.west, "同じ鍵");
    let mine = post_keyed(&app, "/api/v1/reforms", &org.admin, "shared", &body).await;
    let theirs = post_keyed(&app, "/api/v1/reforms", &other_admin, "shared", &body).await;
    assert_eq!((mine.status, theirs.status), (201, 201), "{}", theirs.text);
    assert_eq!(theirs.header("idempotent-replayed"), None);
    assert_ne!(mine.json["id"], theirs.json["id"]);
    assert_eq!(total(&app, &org.admin, "/api/v1/reforms").await, 2);
}

async fn a_malformed_key_is_a_400_problem_and_creates_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let org = org(&app).await;
    let body = reform(org.west, "鍵の形");
    let too_long = "k".repeat(256);
    for key in ["two words", "\"unterminated", "\"\"", too_long.as_str()] {
        post_keyed(&app, "/api/v1/reforms", &org.admin, key, &body)
            .await
            .assert_problem(400, "invalid_idempotency_key");
    }
    assert_eq!(total(&app, &org.admin, "/api/v1/reforms").await, 0);
}

async fn an_expired_key_may_be_used_afresh(backend: Backend) {
    let app = spawn_app(backend).await;
    let org = org(&app).await;
    let first = post_keyed(
        &app,
        "/api/v1/reforms",
        &org.admin,
        "daily-1",
        &reform(org.west, "昨日の取組"),
    )
    .await;
    assert_eq!(first.status, 201, "{}", first.text);
    // A day later (the default retention is 24 hours).
    {
        use persistence::entities::idempotency_key::{Column, Entity};
        use sea_orm::EntityTrait;
        use sea_orm::sea_query::Expr;
        Entity::update_many()
            .col_expr(
                Column::ExpiresAt,
                Expr::value(chrono::Utc::now() - chrono::Duration::hours(1)),
            )
            .exec(&app.app_db.conn)
            .await
            .unwrap();
    }

    let reused = post_keyed(
        &app,
        "/api/v1/reforms",
        &org.admin,
        "daily-1",
        &reform(org.west, "今日の取組"),
    )
    .await;

    assert_eq!(reused.status, 201, "{}", reused.text);
    assert_eq!(reused.header("idempotent-replayed"), None);
    assert_eq!(total(&app, &org.admin, "/api/v1/reforms").await, 2);
}

async fn an_import_retried_with_its_key_starts_one_job(backend: Backend) {
    let app = spawn_app(backend).await;
    let org = org(&app).await;
    let csv = "年度,局・区,取組名\r\n2025,八幡西区役所,取り込んだ取組\r\n";
    let first = keyed_upload(&app, &org.admin, csv).await;
    assert_eq!(first.status, 202, "{}", first.text);
    let retried = keyed_upload(&app, &org.admin, csv).await;
    assert_eq!(retried.status, 202, "{}", retried.text);
    assert_eq!(retried.header("idempotent-replayed"), Some("true"));
    assert_eq!(retried.header("location"), first.header("location"));
    assert_eq!(retried.json["id"], first.json["id"]);
    // Without the key, the same upload is a new job: the key is what makes a retry a retry.
    let unkeyed = upload(
        &app,
        &org.admin,
        "kind=reforms&dry_run=true",
        "r.csv",
        csv.as_bytes(),
    )
    .await;
    assert_eq!(unkeyed.status, 202, "{}", unkeyed.text);
    assert_ne!(unkeyed.json["id"], first.json["id"]);
    let location = first.header("location").unwrap().to_owned();
    for _ in 0..400 {
        let job = app.get(&location, Some(&org.admin)).await;
        if job.json["state"] != "running" {
            assert_eq!(job.json["state"], "succeeded", "{}", job.text);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    assert_eq!(total(&app, &org.admin, "/api/v1/reforms").await, 1);
}
