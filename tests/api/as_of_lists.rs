//! Lists as of a past day: they are read from the stage and bureau spans the writes keep, and on
//! every day, with every filter the dashboard links with, they hold exactly the proposals that
//! replaying the recorded stage events gives — after edits, back-dated corrections, a stage moving
//! back, a deletion and a restore.

use crate::demo_data::{demo_app, get};
use crate::helpers::{Backend, TestApp, spawn_app};
use crate::on_both_databases;
use chrono::NaiveDate;
use persistence::dashboard::{ProposalState, proposal_states};
use reqwest::Method;
use serde_json::{Value, json};
use std::collections::BTreeSet;

on_both_databases!(
    lists_as_of_any_day_hold_what_replaying_the_events_gives,
    the_spans_the_writes_keep_equal_a_recount_and_come_back_with_a_restore,
);

async fn send_ok(app: &TestApp, method: Method, path: &str, token: &str, body: Value) -> Value {
    let answer = app.send(method, path, token, Some(body), None).await;
    assert!(
        answer.status < 300,
        "{path}: {} {}",
        answer.status,
        answer.text
    );
    answer.json
}

/// Every id of the list, page by page.
async fn list_ids(app: &TestApp, token: &str, query: &str) -> BTreeSet<i64> {
    let mut ids = BTreeSet::new();
    for page in 1.. {
        let answer = get(
            app,
            token,
            &format!("/api/v1/proposals?{query}&per_page=200&page={page}"),
        )
        .await;
        let items = answer["items"].as_array().unwrap();
        ids.extend(items.iter().map(|p| p["id"].as_i64().unwrap()));
        if items.len() < 200 {
            assert_eq!(
                answer["total"].as_u64().unwrap(),
                ids.len() as u64,
                "{query}"
            );
            break;
        }
    }
    ids
}

fn ids_where(states: &[ProposalState], keep: impl Fn(&ProposalState) -> bool) -> BTreeSet<i64> {
    states.iter().filter(|s| keep(s)).map(|s| s.id).collect()
}

fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

/// Compares, for one year and day, every list the dashboard links to (all, each stage, each
/// bureau, stale after some days) and the progress report with the replay of the events.
async fn compare_with_replay(app: &TestApp, token: &str, year: i32, on: NaiveDate) -> usize {
    let states = proposal_states(&app.app_db.conn, Some(year), on)
        .await
        .unwrap();
    let base = format!("fiscal_year={year}&as_of={on}");
    let mut compared = 0;
    assert_eq!(
        list_ids(app, token, &base).await,
        ids_where(&states, |_| true),
        "{base}"
    );
    for stage in 0..=4_u8 {
        let expected = ids_where(&states, |s| s.stage.map_or(0, |s| s.number()) == stage);
        compared += expected.len();
        assert_eq!(
            list_ids(app, token, &format!("{base}&stage={stage}")).await,
            expected,
            "{base}&stage={stage}"
        );
    }
    let bureaus: BTreeSet<i64> = states
        .iter()
        .flat_map(|s| s.bureau_ids.iter().copied())
        .collect();
    for bureau in &bureaus {
        let expected = ids_where(&states, |s| s.bureau_ids.contains(bureau));
        assert_eq!(
            list_ids(app, token, &format!("{base}&bureau_id={bureau}")).await,
            expected,
            "{base}&bureau_id={bureau}"
        );
        let at_two = ids_where(&states, |s| {
            s.bureau_ids.contains(bureau) && s.stage.map(|s| s.number()) == Some(2)
        });
        assert_eq!(
            list_ids(app, token, &format!("{base}&bureau_id={bureau}&stage=2")).await,
            at_two,
            "{base}&bureau_id={bureau}&stage=2"
        );
    }
    for days in [1, 10, 30, 90] {
        let expected = ids_where(&states, |s| s.is_stale(on, days));
        compared += expected.len();
        assert_eq!(
            list_ids(app, token, &format!("{base}&stale_days={days}")).await,
            expected,
            "{base}&stale_days={days}"
        );
    }
    let report = get(
        app,
        token,
        &format!("/api/v1/reports/proposal-progress?fiscal_year={year}&as_of={on}"),
    )
    .await;
    let reported: BTreeSet<(i64, u64)> = report["proposals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["id"].as_i64().unwrap(), p["stage"].as_u64().unwrap_or(0)))
        .collect();
    let replayed: BTreeSet<(i64, u64)> = states
        .iter()
        .map(|s| (s.id, s.stage.map_or(0, |s| u64::from(s.number()))))
        .collect();
    assert_eq!(reported, replayed, "progress report {year} {on}");
    compared + states.len()
}

/// Proposals that move forward, back-dated and back again across two sections of different
/// bureaus, one handled at once, one without a section that changes year, and a deleted reform.
async fn write_a_history(app: &TestApp, token: &str) -> Vec<NaiveDate> {
    let sections = get(app, token, "/api/v1/sections").await;
    let sections: Vec<(i64, i64)> = sections
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["id"].as_i64().unwrap(), s["bureau_id"].as_i64().unwrap()))
        .collect();
    let first = sections[0];
    let elsewhere = *sections.iter().find(|s| s.1 != first.1).unwrap();

    let moving = send_ok(
        app,
        Method::POST,
        "/api/v1/proposals",
        token,
        json!({ "fiscal_year": 2025, "theme": "職員の困りごと", "title": "段階が行き来する提案" }),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let assigned = send_ok(
        app,
        Method::POST,
        &format!("/api/v1/proposals/{moving}/assignments"),
        token,
        json!({ "section_id": first.0, "effective_on": "2025-11-01" }),
    )
    .await;
    let assignment = assigned["assignments"][0]["id"].as_i64().unwrap();
    send_ok(
        app,
        Method::POST,
        &format!("/api/v1/proposals/{moving}/assignments"),
        token,
        json!({ "section_id": elsewhere.0, "effective_on": "2025-12-01" }),
    )
    .await;
    let transitions = format!("/api/v1/proposals/{moving}/assignments/{assignment}/transitions");
    for body in [
        json!({ "to_stage": 2, "effective_on": "2026-01-10" }),
        // Back-dated: in force before the ② recorded first.
        json!({ "to_stage": 2, "effective_on": "2025-11-20" }),
        json!({ "to_stage": 3, "decision": "continue", "effective_on": "2026-01-20" }),
        // A decision to continue takes the stage back to ②.
        json!({ "to_stage": 2, "effective_on": "2026-02-01" }),
    ] {
        send_ok(app, Method::POST, &transitions, token, body).await;
    }
    send_ok(
        app,
        Method::POST,
        &format!("/api/v1/proposals/{moving}/consultations"),
        token,
        json!({ "held_on": "2026-02-20", "participants": "PT", "note": "協議" }),
    )
    .await;

    let handled = send_ok(
        app,
        Method::POST,
        "/api/v1/proposals",
        token,
        json!({ "fiscal_year": 2025, "theme": "ユーザーの困りごと", "title": "既に対応済みの提案" }),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    send_ok(
        app,
        Method::POST,
        &format!("/api/v1/proposals/{handled}/assignments"),
        token,
        json!({ "section_id": elsewhere.0, "effective_on": "2025-10-05", "stage": 4 }),
    )
    .await;

    // A proposal without a section, moved from 2025 to 2024 and to another theme.
    let moved = send_ok(
        app,
        Method::POST,
        "/api/v1/proposals",
        token,
        json!({ "fiscal_year": 2025, "theme": "職員の困りごと", "title": "年度を移る提案" }),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let path = format!("/api/v1/proposals/{moved}");
    let version = app
        .get(&path, Some(token))
        .await
        .header("etag")
        .map(str::to_owned);
    let updated = app
        .send(
            Method::PUT,
            &path,
            token,
            Some(json!({ "fiscal_year": 2024, "theme": "ワークスタイル", "title": "年度を移る提案", "implementation_status": "planned" })),
            version.as_deref(),
        )
        .await;
    assert_eq!(updated.status, 200, "{}", updated.text);

    let reforms = get(app, token, "/api/v1/reforms?fiscal_year=2025&per_page=1").await;
    let deleted = reforms["items"][0]["id"].as_i64().unwrap();
    let path = format!("/api/v1/reforms/{deleted}");
    let version = app
        .get(&path, Some(token))
        .await
        .header("etag")
        .map(str::to_owned);
    let answer = app
        .send(Method::DELETE, &path, token, None, version.as_deref())
        .await;
    assert!(answer.status < 300, "{}", answer.text);

    [
        "2024-12-01",
        "2025-03-31",
        "2025-09-30",
        "2025-10-01",
        "2025-10-04",
        "2025-10-05",
        "2025-10-31",
        "2025-11-01",
        "2025-11-19",
        "2025-11-20",
        "2025-11-25",
        "2025-11-30",
        "2025-12-01",
        "2025-12-31",
        "2026-01-09",
        "2026-01-10",
        "2026-01-20",
        "2026-01-31",
        "2026-02-01",
        "2026-02-20",
        "2026-03-21",
        "2026-03-31",
        "2026-06-30",
    ]
    .into_iter()
    .map(day)
    .collect()
}

async fn lists_as_of_any_day_hold_what_replaying_the_events_gives(backend: Backend) {
    let (app, token) = demo_app(backend).await;
    let days = write_a_history(&app, &token).await;
    let mut compared = 0;
    for year in [2024, 2025] {
        for on in &days {
            compared += compare_with_replay(&app, &token, year, *on).await;
        }
    }
    assert!(compared > 1000, "only {compared} rows compared");

    // The same lists as files: the export takes the list's filters, as of the day too.
    let export = app
        .get(
            "/api/v1/proposals/export?format=ndjson&fiscal_year=2025&as_of=2025-11-25&stage=2",
            Some(&token),
        )
        .await;
    assert_eq!(export.status, 200);
    let exported: BTreeSet<i64> = export
        .text
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["id"]
                .as_i64()
                .unwrap()
        })
        .collect();
    assert_eq!(
        exported,
        list_ids(&app, &token, "fiscal_year=2025&as_of=2025-11-25&stage=2").await
    );
    // Seed 003's 23 at ② as of 11/25, and the proposal back-dated to ② from 11/20.
    assert_eq!(exported.len(), 24);
}

async fn the_spans_the_writes_keep_equal_a_recount_and_come_back_with_a_restore(backend: Backend) {
    let (app, token) = demo_app(backend.clone()).await;
    write_a_history(&app, &token).await;
    let conn = &app.app_db.conn;
    let kept = persistence::tallies::stored_spans(conn).await.unwrap();
    assert!(kept.0.len() > 48, "every proposal has its stage spans");
    assert!(!kept.1.is_empty(), "and its bureaus");
    persistence::tallies::rebuild(conn).await.unwrap();
    assert_eq!(
        kept,
        persistence::tallies::stored_spans(conn).await.unwrap()
    );

    let mut bytes = Vec::new();
    persistence::backup::write_backup(&app.app_db, &mut bytes)
        .await
        .unwrap();
    let restored = spawn_app(backend).await;
    persistence::backup::restore_backup(&restored.app_db, Box::new(std::io::Cursor::new(bytes)))
        .await
        .unwrap();
    assert_eq!(
        kept,
        persistence::tallies::stored_spans(&restored.app_db.conn)
            .await
            .unwrap()
    );
    let login = restored
        .login("admin@platina.example", "platina-demo")
        .await;
    let token = login.json["access_token"].as_str().unwrap().to_owned();
    for on in ["2025-11-25", "2026-02-01"] {
        compare_with_replay(&restored, &token, 2025, day(on)).await;
    }
}
