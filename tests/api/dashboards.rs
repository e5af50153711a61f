//! Dashboards staff can trust: every figure equals the count of the list it links to, on the day
//! asked for, and a back-dated correction changes the past figures it touches.

use crate::demo_data::{demo_app, get};
use crate::helpers::{Backend, TestApp};
use crate::on_both_databases;
use reqwest::Method;
use serde_json::{Value, json};

on_both_databases!(
    every_figure_of_the_demo_dashboard_lists_exactly_its_rows_on_several_days,
    a_back_dated_stage_change_moves_the_past_figures_and_changes_the_etag,
    a_bureau_dashboard_counts_only_the_bureau_and_bad_queries_are_problems,
    the_annual_report_lists_every_reform_under_its_bureau_and_the_teams_outcomes,
    the_tallies_the_writes_keep_equal_a_recount_from_the_records,
    writes_arriving_at_once_all_land_and_keep_the_tallies_exact,
);

/// Every `{count, list, path}` in the document, with where it was found.
fn figures(value: &Value, at: &str, found: &mut Vec<(String, Value)>) {
    match value {
        Value::Object(map) => {
            if map.contains_key("count") && map.contains_key("list") {
                found.push((at.to_owned(), value.clone()));
                return;
            }
            for (key, child) in map {
                figures(child, &format!("{at}/{key}"), found);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                figures(child, &format!("{at}/{i}"), found);
            }
        }
        _ => {}
    }
}

/// Opens the list behind each figure and compares its total with the figure.
async fn walk(app: &TestApp, token: &str, dashboard: &Value) -> usize {
    let mut found = Vec::new();
    figures(dashboard, "", &mut found);
    for (at, figure) in &found {
        let list = figure["list"].as_str().unwrap();
        assert!(list.starts_with("/api/v1/"), "{at}: {list}");
        assert_eq!(
            figure["path"].as_str().unwrap(),
            list.trim_start_matches("/api/v1"),
            "{at}"
        );
        let separator = if list.contains('?') { '&' } else { '?' };
        let page = get(app, token, &format!("{list}{separator}per_page=1")).await;
        assert_eq!(page["total"], figure["count"], "{at}: {list}");
    }
    found.len()
}

fn stage_counts(dashboard: &Value) -> Vec<u64> {
    dashboard["proposals"]["stage_totals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["count"].as_u64().unwrap())
        .collect()
}

async fn every_figure_of_the_demo_dashboard_lists_exactly_its_rows_on_several_days(
    backend: Backend,
) {
    let (app, token) = demo_app(backend).await;
    // The PT progress report of 2025-11-28: 10 at ①, 23 at ②, none at ③, 1 at ④. The reform
    // listing is the annual report's of 2026-03-31, so it was not registered yet.
    let on_progress_day = get(
        &app,
        &token,
        "/api/v1/dashboard?fiscal_year=2025&as_of=2025-11-25",
    )
    .await;
    assert_eq!(stage_counts(&on_progress_day), [10, 23, 0, 1]);
    assert_eq!(on_progress_day["proposals"]["total"]["count"], 34);
    assert_eq!(on_progress_day["reforms"]["total"]["count"], 0);
    walk(&app, &token, &on_progress_day).await;

    let on_report_day = get(
        &app,
        &token,
        "/api/v1/dashboard?fiscal_year=2025&as_of=2026-03-31",
    )
    .await;
    assert_eq!(stage_counts(&on_report_day), [10, 23, 0, 1]);
    assert_eq!(on_report_day["reforms"]["total"]["count"], 130);
    let by_bureau = on_report_day["reforms"]["by_bureau"].as_array().unwrap();
    let west = by_bureau
        .iter()
        .find(|b| b["label"] == "八幡西区役所")
        .unwrap();
    assert_eq!(west["figure"]["count"], 27);
    let months: u64 = on_report_day["implementations"]["by_month"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["figure"]["count"].as_u64().unwrap())
        .sum();
    let apart = on_report_day["implementations"]["text_only"]["count"]
        .as_u64()
        .unwrap()
        + on_report_day["implementations"]["missing"]["count"]
            .as_u64()
            .unwrap();
    assert_eq!(
        months + apart,
        130,
        "every reform is counted once by month or apart"
    );
    assert_eq!(on_report_day["hours_saved"]["target_hours"], 100000.0);
    assert_eq!(on_report_day["hours_saved"]["published"]["hours"], 40355.0);
    let walked = walk(&app, &token, &on_report_day).await;
    assert!(walked > 60, "only {walked} figures");

    // Before the discussions began, every proposal was still at ① (or already handled).
    let early = get(
        &app,
        &token,
        "/api/v1/dashboard?fiscal_year=2025&as_of=2025-10-15",
    )
    .await;
    assert_eq!(stage_counts(&early), [33, 0, 0, 1]);
    walk(&app, &token, &early).await;

    // The PT made its proposals on the day it presented them: the day before, there were none.
    let before = get(
        &app,
        &token,
        "/api/v1/dashboard?fiscal_year=2025&as_of=2025-09-30",
    )
    .await;
    assert_eq!(before["proposals"]["total"]["count"], 0);
    walk(&app, &token, &before).await;

    // The R6 year: 13 proposals at ②, none stale within 60 days of the discussions.
    let r6 = get(
        &app,
        &token,
        "/api/v1/dashboard?fiscal_year=2024&as_of=2024-12-01",
    )
    .await;
    assert_eq!(stage_counts(&r6), [0, 13, 0, 0]);
    assert_eq!(r6["stale"]["proposals"]["count"], 0);
    let r6_later = get(
        &app,
        &token,
        "/api/v1/dashboard?fiscal_year=2024&as_of=2025-03-31&stale_days=90",
    )
    .await;
    assert_eq!(r6_later["stale"]["proposals"]["count"], 13);
    walk(&app, &token, &r6_later).await;
}

async fn a_back_dated_stage_change_moves_the_past_figures_and_changes_the_etag(backend: Backend) {
    let (app, token) = demo_app(backend).await;
    let sections = get(&app, &token, "/api/v1/sections").await;
    let section = sections.as_array().unwrap()[0]["id"].as_i64().unwrap();
    let created = app
        .send(
            Method::POST,
            "/api/v1/proposals",
            &token,
            Some(json!({ "fiscal_year": 2026, "theme": "職員の困りごと", "title": "遡って訂正する提案" })),
            None,
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let proposal = created.json["id"].as_i64().unwrap();
    let assigned = app
        .send(
            Method::POST,
            &format!("/api/v1/proposals/{proposal}/assignments"),
            &token,
            Some(json!({ "section_id": section, "effective_on": "2026-05-01" })),
            None,
        )
        .await;
    assert_eq!(assigned.status, 201, "{}", assigned.text);
    let assignment = assigned.json["assignments"][0]["id"].as_i64().unwrap();

    let url = "/api/v1/dashboard?fiscal_year=2026&as_of=2026-06-15";
    let first = app.get(url, Some(&token)).await;
    assert_eq!(first.status, 200, "{}", first.text);
    assert_eq!(stage_counts(&first.json), [1, 0, 0, 0]);
    // Before its section had it, it existed only as made today: not on 04-30.
    let unassigned = get(
        &app,
        &token,
        "/api/v1/dashboard?fiscal_year=2026&as_of=2026-04-30",
    )
    .await;
    assert_eq!(unassigned["proposals"]["total"]["count"], 0);
    let etag = first.header("etag").unwrap().to_owned();
    let unchanged = app
        .client
        .get(app.url(url))
        .bearer_auth(&token)
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(unchanged.status(), 304);

    // Recorded today, in force since 2026-06-01: the past as of 06-15 changes, 05-20 does not.
    let moved = app
        .send(
            Method::POST,
            &format!("/api/v1/proposals/{proposal}/assignments/{assignment}/transitions"),
            &token,
            Some(json!({ "to_stage": 2, "effective_on": "2026-06-01" })),
            None,
        )
        .await;
    assert_eq!(moved.status, 201, "{}", moved.text);
    let after = app.get(url, Some(&token)).await;
    assert_eq!(stage_counts(&after.json), [0, 1, 0, 0]);
    assert_ne!(after.header("etag").unwrap(), etag);
    let changed = app
        .client
        .get(app.url(url))
        .bearer_auth(&token)
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), 200);
    let earlier = get(
        &app,
        &token,
        "/api/v1/dashboard?fiscal_year=2026&as_of=2026-05-20",
    )
    .await;
    assert_eq!(stage_counts(&earlier), [1, 0, 0, 0]);
    walk(&app, &token, &after.json).await;
    walk(&app, &token, &earlier).await;

    // A proposal no section has yet counts apart as not presented, and its list finds it.
    let waiting = app
        .send(
            Method::POST,
            "/api/v1/proposals",
            &token,
            Some(json!({ "fiscal_year": 2026, "theme": "職員の困りごと", "title": "まだ所管課のない提案" })),
            None,
        )
        .await;
    assert_eq!(waiting.status, 201, "{}", waiting.text);
    let today = get(&app, &token, "/api/v1/dashboard?fiscal_year=2026").await;
    assert_eq!(today["proposals"]["not_presented"]["count"], 1);
    assert_eq!(today["proposals"]["total"]["count"], 2);
    walk(&app, &token, &today).await;

    // With nothing recorded for more than 30 days after 06-01, it is stale by 07-15.
    let stale = get(
        &app,
        &token,
        "/api/v1/dashboard?fiscal_year=2026&as_of=2026-07-15&stale_days=30",
    )
    .await;
    assert_eq!(stale["stale"]["proposals"]["count"], 1);
    walk(&app, &token, &stale).await;
}

fn bureau_id(bureaus: &Value, name: &str) -> i64 {
    bureaus
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["name"] == name)
        .unwrap()["id"]
        .as_i64()
        .unwrap()
}

async fn a_bureau_dashboard_counts_only_the_bureau_and_bad_queries_are_problems(backend: Backend) {
    let (app, token) = demo_app(backend).await;
    let bureaus = get(&app, &token, "/api/v1/bureaus").await;
    let west = bureau_id(&bureaus, "八幡西区役所");
    let dashboard = get(
        &app,
        &token,
        &format!("/api/v1/bureaus/{west}/dashboard?fiscal_year=2025&as_of=2026-03-31"),
    )
    .await;
    assert_eq!(dashboard["bureau"]["name"], "八幡西区役所");
    assert_eq!(dashboard["reforms"]["total"]["count"], 27);
    assert_eq!(
        dashboard["reforms"]["by_bureau"].as_array().unwrap().len(),
        1
    );
    walk(&app, &token, &dashboard).await;

    // デジタル市役所推進室's X policy of 令和6年度 has ten KPIs: its table's six, each with its
    // latest change, and the four targets its texts state.
    let digital = bureau_id(&bureaus, "デジタル市役所推進室");
    let digital = get(
        &app,
        &token,
        &format!("/api/v1/bureaus/{digital}/dashboard?fiscal_year=2024&as_of=2026-03-31"),
    )
    .await;
    let kpis = digital["kpis"].as_array().unwrap();
    assert_eq!(kpis.len(), 10);
    assert!(kpis.iter().all(|k| k["bureau"] == "デジタル市役所推進室"));
    assert!(kpis.iter().any(|k| k["change"].is_number()));
    walk(&app, &token, &digital).await;

    let missing = app
        .get("/api/v1/bureaus/999999/dashboard", Some(&token))
        .await;
    missing.assert_problem(404, "not_found");
    for bad in [
        "/api/v1/dashboard?as_of=2025-13-01",
        "/api/v1/dashboard?stale_days=0",
        "/api/v1/dashboard?fiscal_year=R7",
        "/api/v1/dashboard?colour=red",
        "/api/v1/proposals?stage=5",
        "/api/v1/reforms?started_in=2025-4",
        "/api/v1/reforms?classification=iv",
    ] {
        let answer = app.get(bad, Some(&token)).await;
        assert_eq!(answer.status, 422, "{bad}: {}", answer.text);
        assert_eq!(answer.content_type(), "application/problem+json", "{bad}");
    }
    let anonymous = app.get("/api/v1/dashboard", None).await;
    assert_eq!(anonymous.status, 401);
}

async fn the_annual_report_lists_every_reform_under_its_bureau_and_the_teams_outcomes(
    backend: Backend,
) {
    let (app, token) = demo_app(backend).await;
    let report = get(&app, &token, "/api/v1/reports/annual?fiscal_year=2025").await;
    assert_eq!(report["fiscal_year_label"], "令和7年度");
    assert_eq!(report["reform_total"], 130);
    let bureaus = report["bureaus"].as_array().unwrap();
    assert_eq!(bureaus.len(), crate::demo_data::REPORT_COUNTS.len());
    for ((name, count), bureau) in crate::demo_data::REPORT_COUNTS.iter().zip(bureaus) {
        assert_eq!(bureau["bureau"], *name, "the report's order of bureaus");
        assert_eq!(bureau["count"], *count, "{name}");
        let reforms = bureau["reforms"].as_array().unwrap();
        assert_eq!(reforms.len() as u64, *count, "{name}");
        assert!(reforms.iter().all(|r| r["bureau_name"] == *name), "{name}");
    }
    let numbers: Vec<i64> = bureaus
        .iter()
        .flat_map(|b| b["reforms"].as_array().unwrap().iter())
        .map(|r| r["report_number"].as_i64().unwrap())
        .collect();
    assert_eq!(
        numbers,
        (1..=130).collect::<Vec<_>>(),
        "Nos. 1 to 130 in order"
    );

    let teams = report["teams"].as_array().unwrap();
    assert_eq!(teams.len(), 2, "this year's PT and last year's");
    assert_eq!(teams[0]["team"]["fiscal_year"], 2025);
    assert_eq!(teams[0]["proposal_count"], 34);
    assert_eq!(teams[0]["proposals"].as_array().unwrap().len(), 15);
    assert_eq!(teams[1]["team"]["fiscal_year"], 2024);
    assert_eq!(teams[1]["proposals"].as_array().unwrap().len(), 13);
    assert_eq!(
        teams[1]["proposals"][0]["outcome_period"]["original"],
        "R8.4契約分から適用"
    );

    let html = app
        .get(
            "/api/v1/reports/annual?fiscal_year=2025&format=html",
            Some(&token),
        )
        .await;
    assert_eq!(html.status, 200);
    assert!(html.content_type().starts_with("text/html"));
    assert!(html.text.contains("<h1>令和7年度 プラチナレポート</h1>"));
    assert!(html.text.contains("八幡西区役所（27件）"));
    assert!(html.text.contains("R8.4契約分から適用"));
    assert!(html.text.contains("@media print"));
    let bad = app
        .get(
            "/api/v1/reports/annual?fiscal_year=2025&format=pdf",
            Some(&token),
        )
        .await;
    bad.assert_problem(422, "validation_failed");
}

async fn send_ok(
    app: &TestApp,
    method: Method,
    path: &str,
    token: &str,
    body: Option<Value>,
    version: Option<&str>,
) -> Value {
    let answer = app.send(method, path, token, body, version).await;
    assert!(
        answer.status < 300,
        "{path}: {} {}",
        answer.status,
        answer.text
    );
    answer.json
}

async fn section_ids(app: &TestApp, token: &str) -> Vec<i64> {
    get(app, token, "/api/v1/sections")
        .await
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_i64().unwrap())
        .collect()
}

/// The ETag a write must send as If-Match.
async fn current_version(app: &TestApp, token: &str, path: &str) -> Option<String> {
    app.get(path, Some(token))
        .await
        .header("etag")
        .map(str::to_owned)
}

async fn the_tallies_the_writes_keep_equal_a_recount_from_the_records(backend: Backend) {
    let (app, token) = demo_app(backend).await;
    let conn = &app.app_db.conn;
    let (loaded, _) = persistence::tallies::stored(conn).await.unwrap();
    assert!(!loaded.is_empty(), "the demo load kept tallies");

    let section_ids = section_ids(&app, &token).await;
    // A proposal moved through two sections, with a back-dated correction and a consultation…
    let proposal = send_ok(
        &app,
        Method::POST,
        "/api/v1/proposals",
        &token,
        Some(json!({ "fiscal_year": 2025, "theme": "職員の困りごと", "title": "集計の検証" })),
        None,
    )
    .await;
    let id = proposal["id"].as_i64().unwrap();
    let first = send_ok(
        &app,
        Method::POST,
        &format!("/api/v1/proposals/{id}/assignments"),
        &token,
        Some(json!({ "section_id": section_ids[0], "effective_on": "2025-11-01" })),
        None,
    )
    .await;
    let assignment = first["assignments"][0]["id"].as_i64().unwrap();
    send_ok(&app, Method::POST, &format!("/api/v1/proposals/{id}/assignments"), &token,
        Some(json!({ "section_id": section_ids[section_ids.len() - 1], "effective_on": "2025-12-01" })), None).await;
    send_ok(
        &app,
        Method::POST,
        &format!("/api/v1/proposals/{id}/assignments/{assignment}/transitions"),
        &token,
        Some(json!({ "to_stage": 2, "effective_on": "2026-01-10" })),
        None,
    )
    .await;
    send_ok(
        &app,
        Method::POST,
        &format!("/api/v1/proposals/{id}/assignments/{assignment}/transitions"),
        &token,
        Some(json!({ "to_stage": 2, "effective_on": "2025-11-20" })),
        None,
    )
    .await;
    send_ok(
        &app,
        Method::POST,
        &format!("/api/v1/proposals/{id}/consultations"),
        &token,
        Some(json!({ "held_on": "2025-12-15", "participants": "PT", "note": "協議" })),
        None,
    )
    .await;
    // …then moved to another theme and year with an outcome.
    let version = current_version(&app, &token, &format!("/api/v1/proposals/{id}")).await;
    send_ok(&app, Method::PUT, &format!("/api/v1/proposals/{id}"), &token,
        Some(json!({ "fiscal_year": 2024, "theme": "ワークスタイル", "title": "集計の検証", "implementation_status": "planned" })),
        version.as_deref()).await;
    // A demo reform re-tagged under another bureau, and another deleted.
    let reforms = get(&app, &token, "/api/v1/reforms?fiscal_year=2025&per_page=2").await;
    let moved = reforms["items"][0]["id"].as_i64().unwrap();
    let deleted = reforms["items"][1]["id"].as_i64().unwrap();
    let bureaus = get(&app, &token, "/api/v1/bureaus").await;
    let other_bureau = bureaus.as_array().unwrap().last().unwrap()["id"]
        .as_i64()
        .unwrap();
    let version = current_version(&app, &token, &format!("/api/v1/reforms/{moved}")).await;
    send_ok(&app, Method::PUT, &format!("/api/v1/reforms/{moved}"), &token,
        Some(json!({ "fiscal_year": 2025, "bureau_id": other_bureau, "classification": "iii", "title": "付け替え",
                     "period": "R7.10～", "tags": ["ｋｉｎｔｏｎｅ", "検証"], "status": "done" })),
        version.as_deref()).await;
    send_ok(
        &app,
        Method::DELETE,
        &format!("/api/v1/reforms/{deleted}"),
        &token,
        None,
        current_version(&app, &token, &format!("/api/v1/reforms/{deleted}"))
            .await
            .as_deref(),
    )
    .await;

    let kept = persistence::tallies::stored(conn).await.unwrap();
    persistence::tallies::rebuild(conn).await.unwrap();
    let recounted = persistence::tallies::stored(conn).await.unwrap();
    assert_eq!(kept.0, recounted.0, "figure tallies");
    assert_eq!(kept.1, recounted.1, "stale tallies");
    assert!(
        !recounted.1.is_empty(),
        "some proposals wait for a decision"
    );
    let today = get(
        &app,
        &token,
        "/api/v1/dashboard?fiscal_year=2024&stale_days=30",
    )
    .await;
    walk(&app, &token, &today).await;
    let today = get(
        &app,
        &token,
        "/api/v1/dashboard?fiscal_year=2025&as_of=2026-03-31",
    )
    .await;
    walk(&app, &token, &today).await;
}

async fn writes_arriving_at_once_all_land_and_keep_the_tallies_exact(backend: Backend) {
    let (app, token) = demo_app(backend).await;
    let section_ids = section_ids(&app, &token).await;
    let body =
        json!({ "fiscal_year": 2025, "theme": "職員の困りごと", "title": "同時に書かれる提案" });
    let id = send_ok(
        &app,
        Method::POST,
        "/api/v1/proposals",
        &token,
        Some(body),
        None,
    )
    .await["id"]
        .as_i64()
        .unwrap();
    // Consultations and new sections for one proposal, and new proposals, all sent together:
    // SQLite must queue the writers rather than refuse one with "database is locked", and
    // PostgreSQL must not let two of them count the tallies from the same old state.
    let mut writes = tokio::task::JoinSet::new();
    for (i, section) in section_ids.iter().enumerate().take(24) {
        let (path, body) = match i % 3 {
            0 => (
                format!("/api/v1/proposals/{id}/consultations"),
                json!({ "held_on": format!("2025-11-{:02}", 1 + i), "participants": "PT", "note": "同時" }),
            ),
            1 => (
                format!("/api/v1/proposals/{id}/assignments"),
                json!({ "section_id": section, "effective_on": format!("2025-10-{:02}", 1 + i) }),
            ),
            _ => (
                "/api/v1/proposals".to_owned(),
                json!({ "fiscal_year": 2025, "theme": "職員の困りごと", "title": format!("同時の提案{i}") }),
            ),
        };
        let request = app
            .client
            .post(app.url(&path))
            .bearer_auth(&token)
            .json(&body);
        writes.spawn(async move { request.send().await.unwrap().status().as_u16() });
    }
    let statuses: Vec<u16> = writes.join_all().await;
    assert!(statuses.iter().all(|s| *s == 201), "{statuses:?}");
    let history = get(&app, &token, &format!("/api/v1/proposals/{id}")).await;
    assert_eq!(history["assignments"].as_array().unwrap().len(), 8);

    let conn = &app.app_db.conn;
    let kept = persistence::tallies::stored(conn).await.unwrap();
    persistence::tallies::rebuild(conn).await.unwrap();
    assert_eq!(kept, persistence::tallies::stored(conn).await.unwrap());
}
