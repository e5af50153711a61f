//! The admin view of the job queue: admins list jobs by kind and state with the queue's counts,
//! read one job with its last error, retry a dead or cancelled job and cancel a queued one; every
//! other state answers 409, an unknown job 404, and everyone but admins 403. Retry and cancel
//! are in the audit trail.

use crate::helpers::{Backend, TestApp, spawn_app};
use crate::on_both_databases;
use crate::reforms::post;
use persistence::jobs::{self as queue, AfterFailure, NewJob};
use serde_json::{Value, json};

on_both_databases!(
    admins_list_jobs_by_kind_and_state_with_the_counts_of_the_whole_queue,
    admins_read_one_job_with_its_last_error_and_an_unknown_job_is_not_found,
    a_dead_job_retried_by_an_admin_is_queued_again_with_fresh_attempts_and_audited,
    a_queued_job_cancelled_by_an_admin_can_be_retried_and_a_running_one_cannot_be_cancelled,
    only_admins_see_and_change_the_job_queue,
);

/// No server handles jobs of these kinds, so they stay as the tests put them.
const MAIL: &str = "test.mail";
const HOOK: &str = "test.hook";

/// A job queued for far ahead, so nothing takes it up.
pub async fn queued_job(app: &TestApp, kind: &str) -> i64 {
    let later = chrono::Utc::now() + chrono::Duration::days(365);
    queue::enqueue(
        &app.app_db.conn,
        NewJob::new(kind, json!({ "to": 1 })).at(later),
    )
    .await
    .unwrap()
    .unwrap()
}

/// A job claimed by a worker that is still working on it.
async fn running_job(app: &TestApp, kind: &str) -> i64 {
    let id = queue::enqueue(&app.app_db.conn, NewJob::new(kind, json!({ "to": 2 })))
        .await
        .unwrap()
        .unwrap();
    let now = persistence::clock::now();
    let claimed = queue::claim(
        &app.app_db.conn,
        kind,
        "test-worker",
        100,
        now,
        now + chrono::Duration::hours(1),
    )
    .await
    .unwrap();
    assert!(claimed.iter().any(|j| j.id == id));
    id
}

/// A job whose only attempt failed for good, with `error`.
pub async fn dead_job(app: &TestApp, kind: &str, error: &str) -> i64 {
    let id = queue::enqueue(
        &app.app_db.conn,
        NewJob::new(kind, json!({ "to": 3 })).attempts(1),
    )
    .await
    .unwrap()
    .unwrap();
    let now = persistence::clock::now();
    let claimed = queue::claim(
        &app.app_db.conn,
        kind,
        "test-worker",
        100,
        now,
        now + chrono::Duration::hours(1),
    )
    .await
    .unwrap();
    let job = claimed.into_iter().find(|j| j.id == id).unwrap();
    let recorded = queue::fail(
        &app.app_db.conn,
        &job,
        "test-worker",
        error,
        AfterFailure::GiveUp,
        now,
    )
    .await
    .unwrap();
    assert!(recorded);
    id
}

fn count(list: &Value, kind: &str, state: &str) -> i64 {
    list["counts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == kind && c["state"] == state)
        .map_or(0, |c| c["count"].as_i64().unwrap())
}

fn ids(list: &Value) -> Vec<i64> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["id"].as_i64().unwrap())
        .collect()
}

async fn admins_list_jobs_by_kind_and_state_with_the_counts_of_the_whole_queue(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.signed_in("admin@city.example.jp", "admin").await;
    let mail_queued = [queued_job(&app, MAIL).await, queued_job(&app, MAIL).await];
    let mail_dead = dead_job(&app, MAIL, "SMTP 550 宛先不明").await;
    let hook_dead = dead_job(&app, HOOK, "HTTP 500").await;

    let all = app
        .get("/api/v1/admin/jobs?per_page=200", Some(&admin))
        .await;
    assert_eq!(all.status, 200, "{}", all.text);
    assert_eq!(count(&all.json, MAIL, "queued"), 2);
    assert_eq!(count(&all.json, MAIL, "dead"), 1);
    assert_eq!(count(&all.json, HOOK, "dead"), 1);
    assert_eq!(count(&all.json, HOOK, "queued"), 0);
    let listed = ids(&all.json);
    for id in mail_queued.iter().chain([&mail_dead, &hook_dead]) {
        assert!(listed.contains(id), "{id} in {listed:?}");
    }
    assert!(
        listed.windows(2).all(|w| w[0] > w[1]),
        "newest first: {listed:?}"
    );

    let dead_mail = app
        .get(
            &format!("/api/v1/admin/jobs?kind={MAIL}&state=dead"),
            Some(&admin),
        )
        .await;
    assert_eq!(dead_mail.status, 200, "{}", dead_mail.text);
    assert_eq!(ids(&dead_mail.json), vec![mail_dead]);
    assert_eq!(dead_mail.json["total"], 1);
    let item = &dead_mail.json["items"][0];
    assert_eq!(item["last_error"], "SMTP 550 宛先不明");
    assert_eq!(item["can_retry"], true);
    assert_eq!(item["can_cancel"], false);
    assert_eq!(
        count(&dead_mail.json, HOOK, "dead"),
        1,
        "the counts cover the whole queue, not the filter"
    );

    let paged = app
        .get(
            &format!("/api/v1/admin/jobs?kind={MAIL}&per_page=2&page=2"),
            Some(&admin),
        )
        .await;
    assert_eq!(paged.status, 200, "{}", paged.text);
    assert_eq!(paged.json["total"], 3);
    assert_eq!(ids(&paged.json), vec![mail_queued[0]]);

    app.get("/api/v1/admin/jobs?state=stuck", Some(&admin))
        .await
        .assert_problem(422, "validation_failed");
    app.get("/api/v1/admin/jobs?per_page=201", Some(&admin))
        .await
        .assert_problem(422, "validation_failed");
    let unknown = app.get("/api/v1/admin/jobs?sort=id", Some(&admin)).await;
    assert_eq!(unknown.status / 100, 4, "{}", unknown.text);
}

async fn admins_read_one_job_with_its_last_error_and_an_unknown_job_is_not_found(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.signed_in("admin@city.example.jp", "admin").await;
    let id = dead_job(&app, HOOK, "接続が拒否されました").await;
    let one = app
        .get(&format!("/api/v1/admin/jobs/{id}"), Some(&admin))
        .await;
    assert_eq!(one.status, 200, "{}", one.text);
    assert_eq!(one.json["id"], id);
    assert_eq!(one.json["kind"], HOOK);
    assert_eq!(one.json["state"], "dead");
    assert_eq!(one.json["attempts"], 1);
    assert_eq!(one.json["max_attempts"], 1);
    assert_eq!(one.json["last_error"], "接続が拒否されました");
    assert_eq!(one.json["payload"], json!({ "to": 3 }));
    assert!(one.json["finished_at"].is_string());

    app.get("/api/v1/admin/jobs/987654", Some(&admin))
        .await
        .assert_problem(404, "not_found");
    app.get("/api/v1/admin/jobs/not-a-number", Some(&admin))
        .await
        .assert_problem(400, "invalid_path");
}

async fn audit_actions(app: &TestApp, admin: &str, id: i64) -> Vec<Value> {
    let trail = app
        .get(
            &format!("/api/v1/audit-events?entity_type=job&entity_id={id}"),
            Some(admin),
        )
        .await;
    assert_eq!(trail.status, 200, "{}", trail.text);
    let mut events = trail.json["items"].as_array().unwrap().clone();
    events.reverse();
    events
}

async fn a_dead_job_retried_by_an_admin_is_queued_again_with_fresh_attempts_and_audited(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let admin = app.signed_in("admin@city.example.jp", "admin").await;
    let id = dead_job(&app, MAIL, "SMTP タイムアウト").await;
    let before = chrono::Utc::now() - chrono::Duration::seconds(1);

    let retried = post(
        &app,
        &format!("/api/v1/admin/jobs/{id}/retry"),
        &admin,
        json!({}),
    )
    .await;
    assert_eq!(retried.status, 200, "{}", retried.text);
    assert_eq!(retried.json["state"], "queued");
    assert_eq!(retried.json["attempts"], 0);
    assert_eq!(retried.json["can_cancel"], true);
    assert!(retried.json["finished_at"].is_null());
    let run_at: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(retried.json["run_at"].clone()).unwrap();
    assert!(
        run_at >= before && run_at <= chrono::Utc::now(),
        "due now: {run_at}"
    );
    let stored = queue::find(&app.app_db.conn, id).await.unwrap().unwrap();
    assert_eq!((stored.state.as_str(), stored.attempts), ("queued", 0));

    let events = audit_actions(&app, &admin, id).await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["action"], "retry");
    assert_eq!(events[0]["before"]["state"], "dead");
    assert_eq!(events[0]["after"]["state"], "queued");
    assert_eq!(events[0]["actor_kind"], "user");

    let again = post(
        &app,
        &format!("/api/v1/admin/jobs/{id}/retry"),
        &admin,
        json!({}),
    )
    .await;
    let problem = again.assert_problem(409, "conflict");
    assert!(
        problem["detail"].as_str().unwrap().contains("queued"),
        "{problem}"
    );
    let running = running_job(&app, HOOK).await;
    post(
        &app,
        &format!("/api/v1/admin/jobs/{running}/retry"),
        &admin,
        json!({}),
    )
    .await
    .assert_problem(409, "conflict");
    post(&app, "/api/v1/admin/jobs/987654/retry", &admin, json!({}))
        .await
        .assert_problem(404, "not_found");
    assert_eq!(
        audit_actions(&app, &admin, id).await.len(),
        1,
        "refusals are not audited"
    );
}

async fn a_queued_job_cancelled_by_an_admin_can_be_retried_and_a_running_one_cannot_be_cancelled(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let admin = app.signed_in("admin@city.example.jp", "admin").await;
    let id = queued_job(&app, MAIL).await;

    let cancelled = post(
        &app,
        &format!("/api/v1/admin/jobs/{id}/cancel"),
        &admin,
        json!({}),
    )
    .await;
    assert_eq!(cancelled.status, 200, "{}", cancelled.text);
    assert_eq!(cancelled.json["state"], "cancelled");
    assert_eq!(cancelled.json["can_retry"], true);
    assert_eq!(cancelled.json["can_cancel"], false);
    assert!(cancelled.json["finished_at"].is_string());

    let twice = post(
        &app,
        &format!("/api/v1/admin/jobs/{id}/cancel"),
        &admin,
        json!({}),
    )
    .await;
    let problem = twice.assert_problem(409, "conflict");
    assert!(
        problem["detail"].as_str().unwrap().contains("cancelled"),
        "{problem}"
    );

    let running = running_job(&app, HOOK).await;
    post(
        &app,
        &format!("/api/v1/admin/jobs/{running}/cancel"),
        &admin,
        json!({}),
    )
    .await
    .assert_problem(409, "conflict");
    assert_eq!(
        queue::find(&app.app_db.conn, running)
            .await
            .unwrap()
            .unwrap()
            .state,
        "running",
        "a running job is not interrupted"
    );
    let dead = dead_job(&app, HOOK, "HTTP 410").await;
    post(
        &app,
        &format!("/api/v1/admin/jobs/{dead}/cancel"),
        &admin,
        json!({}),
    )
    .await
    .assert_problem(409, "conflict");
    post(&app, "/api/v1/admin/jobs/987654/cancel", &admin, json!({}))
        .await
        .assert_problem(404, "not_found");

    let retried = post(
        &app,
        &format!("/api/v1/admin/jobs/{id}/retry"),
        &admin,
        json!({}),
    )
    .await;
    assert_eq!(retried.status, 200, "{}", retried.text);
    assert_eq!(retried.json["state"], "queued");
    let actions: Vec<Value> = audit_actions(&app, &admin, id)
        .await
        .iter()
        .map(|e| e["action"].clone())
        .collect();
    assert_eq!(actions, vec![json!("cancel"), json!("retry")]);
}

async fn only_admins_see_and_change_the_job_queue(backend: Backend) {
    let app = spawn_app(backend).await;
    let queued = queued_job(&app, MAIL).await;
    let dead = dead_job(&app, MAIL, "失敗").await;
    let mut tokens = Vec::new();
    for (n, role) in ["editor", "proposer", "viewer"].into_iter().enumerate() {
        tokens.push(
            app.signed_in(&format!("user{n}@city.example.jp"), role)
                .await,
        );
    }
    for token in &tokens {
        app.get("/api/v1/admin/jobs", Some(token))
            .await
            .assert_problem(403, "forbidden");
        app.get(&format!("/api/v1/admin/jobs/{queued}"), Some(token))
            .await
            .assert_problem(403, "forbidden");
        post(
            &app,
            &format!("/api/v1/admin/jobs/{dead}/retry"),
            token,
            json!({}),
        )
        .await
        .assert_problem(403, "forbidden");
        post(
            &app,
            &format!("/api/v1/admin/jobs/{queued}/cancel"),
            token,
            json!({}),
        )
        .await
        .assert_problem(403, "forbidden");
    }
    assert_eq!(app.get("/api/v1/admin/jobs", None).await.status, 401);
    let untouched = (
        queue::find(&app.app_db.conn, queued)
            .await
            .unwrap()
            .unwrap()
            .state,
        queue::find(&app.app_db.conn, dead)
            .await
            .unwrap()
            .unwrap()
            .state,
    );
    assert_eq!(untouched, ("queued".to_owned(), "dead".to_owned()));
}
