//! Import jobs are kept in the database and run by the durable job runner: any instance answers
//! for them and any instance's runner runs them, and an import that nothing will run any more
//! (its job cancelled or dead, or left from before the runner) shows as interrupted, to the
//! person who started it and to admins only.

use crate::data_exchange::upload;
use crate::helpers::{Backend, spawn_app, spawn_app_with};
use crate::on_both_databases;
use crate::reforms::org;

on_both_databases!(
    an_import_started_on_one_instance_is_followed_on_another,
    an_import_accepted_by_an_instance_that_runs_no_jobs_is_run_by_another,
    an_import_whose_job_an_admin_cancelled_shows_as_interrupted,
    an_import_left_without_a_job_to_run_it_shows_as_interrupted_to_its_owner_and_admins,
);

async fn an_import_started_on_one_instance_is_followed_on_another(backend: Backend) {
    let first = spawn_app(backend).await;
    let org = org(&first).await;
    let second = first.another_instance().await;
    let file = "年度,局・区,所管課,取組名\r\n2025,八幡西区役所,国保年金課,西の取組\r\n2025,門司区役所,,門司の取組\r\n";
    let started = upload(
        &first,
        &org.admin,
        "kind=reforms",
        "two.csv",
        file.as_bytes(),
    )
    .await;
    assert_eq!(started.status, 202, "{}", started.text);
    let location = started.header("location").unwrap().to_owned();
    let mut job = second.get(&location, Some(&org.admin)).await;
    for _ in 0..400 {
        assert_eq!(
            job.status, 200,
            "the other instance knows the job: {}",
            job.text
        );
        if job.json["state"] != "running" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        job = second.get(&location, Some(&org.admin)).await;
    }
    assert_eq!(job.json["state"], "succeeded", "{}", job.text);
    assert_eq!(job.json["summary"]["created"], 2);
    assert_eq!(job.json["rows"].as_array().unwrap().len(), 2);
    assert!(job.json["rows"][0]["record_id"].as_i64().is_some());
    // Imports are an admin's and an editor's work: a viewer is turned away before any job is
    // looked up, on whichever instance they ask.
    let viewer = second.signed_in("viewer@city.example.jp", "viewer").await;
    second
        .get(&location, Some(&viewer))
        .await
        .assert_problem(403, "forbidden");
}

async fn an_import_left_without_a_job_to_run_it_shows_as_interrupted_to_its_owner_and_admins(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let org = org(&app).await;
    let owner = app
        .editor_for("west@city.example.jp", vec![org.west_section], vec![])
        .await;
    let other = app
        .editor_for("moji@city.example.jp", vec![org.moji_section], vec![])
        .await;
    let owner_id = app.get("/api/v1/me", Some(&owner)).await.json["id"]
        .as_i64()
        .unwrap();
    // An import marked running with no job queued or held to run it: what a server from before
    // the job runner left behind, or what remains when its job died.
    let silent_since = chrono::Utc::now() - chrono::Duration::minutes(2);
    persistence::import_jobs::insert(
        &app.app_db.conn,
        persistence::import_jobs::ImportJob {
            id: "00000000-0000-4000-8000-000000000001".into(),
            kind: "reforms".into(),
            dry_run: false,
            file_name: "killed.csv".into(),
            format: "csv".into(),
            encoding: Some("UTF-8".into()),
            owner_kind: Some("user".into()),
            owner_id: Some(owner_id),
            state: "running".into(),
            total_rows: 500,
            processed_rows: 120,
            created: 0,
            updated: 0,
            unchanged: 0,
            rejected: 0,
            column_mapping: "[]".into(),
            row_outcomes: None,
            message: None,
            created_at: silent_since,
            finished_at: None,
            heartbeat_at: silent_since,
            phases: None,
        },
    )
    .await
    .unwrap();
    let path = "/api/v1/imports/00000000-0000-4000-8000-000000000001";
    app.get(path, Some(&other))
        .await
        .assert_problem(404, "not_found");
    let seen = app.get(path, Some(&owner)).await;
    assert_eq!(seen.status, 200, "{}", seen.text);
    assert_eq!(seen.json["state"], "interrupted");
    assert_eq!(seen.json["processed_rows"], 120);
    assert!(seen.json["finished_at"].is_string());
    assert!(
        seen.json["message"]
            .as_str()
            .is_some_and(|m| m.contains("中断") && m.contains("interrupted")),
        "{}",
        seen.text
    );
    let admin_sees = app.get(path, Some(&org.admin)).await;
    assert_eq!(admin_sees.json["state"], "interrupted");
}

const TWO_REFORMS: &str = "年度,局・区,所管課,取組名\r\n2025,八幡西区役所,国保年金課,西の取組\r\n2025,門司区役所,,門司の取組\r\n";

/// The runner's job that runs the import at `location`.
async fn run_job_of(
    app: &crate::helpers::TestApp,
    admin: &str,
    location: &str,
) -> serde_json::Value {
    let id = location.rsplit('/').next().unwrap();
    let jobs = app
        .get(
            "/api/v1/admin/jobs?kind=import.run&per_page=200",
            Some(admin),
        )
        .await;
    assert_eq!(jobs.status, 200, "{}", jobs.text);
    jobs.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|job| job["payload"]["import_id"] == id)
        .cloned()
        .unwrap_or_else(|| panic!("no import.run job for {id}: {}", jobs.text))
}

async fn an_import_accepted_by_an_instance_that_runs_no_jobs_is_run_by_another(backend: Backend) {
    let front = spawn_app_with(backend, "[jobs]\nenabled = false\n").await;
    let org = org(&front).await;
    let started = upload(
        &front,
        &org.admin,
        "kind=reforms",
        "two.csv",
        TWO_REFORMS.as_bytes(),
    )
    .await;
    assert_eq!(started.status, 202, "{}", started.text);
    let location = started.header("location").unwrap().to_owned();
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let waiting = front.get(&location, Some(&org.admin)).await;
    assert_eq!(
        waiting.json["state"], "running",
        "queued, not abandoned: {}",
        waiting.text
    );
    assert_eq!(
        run_job_of(&front, &org.admin, &location).await["state"],
        "queued"
    );

    let worker = front.another_instance().await;
    let mut job = front.get(&location, Some(&org.admin)).await;
    for _ in 0..400 {
        if job.json["state"] != "running" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        job = front.get(&location, Some(&org.admin)).await;
    }
    assert_eq!(job.json["state"], "succeeded", "{}", job.text);
    assert_eq!(job.json["summary"]["created"], 2);
    let run = run_job_of(&front, &org.admin, &location).await;
    assert_eq!(run["state"], "succeeded", "{run}");
    assert_eq!(run["attempts"], 1);
    drop(worker);
}

async fn an_import_whose_job_an_admin_cancelled_shows_as_interrupted(backend: Backend) {
    let app = spawn_app_with(backend, "[jobs]\nenabled = false\n").await;
    let org = org(&app).await;
    let owner = app
        .editor_for("west@city.example.jp", vec![org.west_section], vec![])
        .await;
    let file = "年度,局・区,所管課,取組名\r\n2025,八幡西区役所,国保年金課,西の取組\r\n";
    let started = upload(&app, &owner, "kind=reforms", "west.csv", file.as_bytes()).await;
    assert_eq!(started.status, 202, "{}", started.text);
    let location = started.header("location").unwrap().to_owned();
    let run = run_job_of(&app, &org.admin, &location).await;
    let cancelled = crate::reforms::post(
        &app,
        &format!("/api/v1/admin/jobs/{}/cancel", run["id"]),
        &org.admin,
        serde_json::json!({}),
    )
    .await;
    assert_eq!(cancelled.status, 200, "{}", cancelled.text);

    let seen = app.get(&location, Some(&owner)).await;
    assert_eq!(seen.status, 200, "{}", seen.text);
    assert_eq!(seen.json["state"], "interrupted", "{}", seen.text);
    assert!(seen.json["finished_at"].is_string());
}
