//! A closed round's report never changes: closing freezes the figures as of 基準日 as known at
//! the close, and back-dated corrections recorded afterwards change the live view (which lists
//! exactly them) and never the frozen report, its exports included; reopening and closing again
//! keeps a new version beside the old one. The report is computed outside the close's write
//! transaction; a close whose request was cut off before keeping it is frozen by its job, once.
//! The live view is computed once for the requests that ask while nothing is written.

use crate::as_known::{City, city, correct_everything};
use crate::helpers::{Answer, Backend, TestApp, spawn_app};
use crate::on_both_databases;
use crate::reforms::post;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use persistence::as_known;
use reqwest::Method;
use serde_json::{Value, json};
use std::collections::BTreeSet;

on_both_databases!(
    a_back_dated_correction_after_closing_changes_the_live_report_and_not_the_closed_one,
    a_round_never_closed_has_no_report_and_reopening_then_closing_keeps_a_new_version,
    a_close_cut_off_before_its_report_was_kept_is_frozen_by_its_job_once,
    the_live_view_is_computed_once_while_nothing_is_written_and_again_after_a_write,
);

/// A draft round of `bureau`'s reforms as of `as_of`.
pub(crate) async fn draft_round(app: &TestApp, token: &str, as_of: NaiveDate, bureau: i64) -> i64 {
    let body = json!({
        "title": "令和7年度 第3四半期 進捗照会", "as_of": as_of,
        "due_on": as_of + Duration::days(14), "record_kinds": ["reform"], "bureau_ids": [bureau]
    });
    let answer = post(app, "/api/v1/rounds", token, body).await;
    assert_eq!(answer.status, 201, "{}", answer.text);
    answer.json["id"].as_i64().unwrap()
}

async fn step(app: &TestApp, token: &str, round: i64, what: &str) -> Answer {
    let current = app
        .get(&format!("/api/v1/rounds/{round}"), Some(token))
        .await;
    let etag = current.headers["etag"].to_str().unwrap().to_owned();
    let body = (what == "reopen").then(|| json!({ "reason": "回答の訂正の申出" }));
    let answer = app
        .send(
            Method::POST,
            &format!("/api/v1/rounds/{round}/{what}"),
            token,
            body,
            Some(&etag),
        )
        .await;
    assert_eq!(answer.status, 200, "{what}: {}", answer.text);
    answer
}

async fn closed_round(app: &TestApp, c: &City) -> i64 {
    let round = draft_round(app, &c.token, c.as_of, c.bureau).await;
    step(app, &c.token, round, "open").await;
    step(app, &c.token, round, "close").await;
    round
}

async fn report(app: &TestApp, token: &str, path: &str) -> Answer {
    let answer = app.get(path, Some(token)).await;
    assert_eq!(answer.status, 200, "{path}: {}", answer.text);
    answer
}

/// The figures alone: the live report says it was computed as known now (`known_at` null).
fn figures(report: &Value) -> Value {
    let mut figures = report.clone();
    figures["known_at"] = Value::Null;
    figures
}

fn csv_line(csv: &str, start: &str) -> String {
    csv.lines()
        .find(|l| l.starts_with(start))
        .unwrap_or_else(|| panic!("no line {start} in {csv}"))
        .to_owned()
}

async fn a_back_dated_correction_after_closing_changes_the_live_report_and_not_the_closed_one(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let c = city(&app).await;
    let round = closed_round(&app, &c).await;
    let path = format!("/api/v1/rounds/{round}/report");

    let frozen = report(&app, &c.token, &path).await;
    let etag = frozen.headers["etag"].to_str().unwrap().to_owned();
    assert_eq!(frozen.json["version"], 1);
    assert_eq!(frozen.json["bureau_id"], c.bureau);
    assert_eq!(frozen.json["as_of"], json!(c.as_of));
    // What is served is the report recomputed as known at the close.
    let closed_at: DateTime<Utc> =
        serde_json::from_value(frozen.json["closed_at"].clone()).unwrap();
    let recomputed = as_known::report(&app.app_db.conn, c.as_of, Some(closed_at), Some(c.bureau))
        .await
        .unwrap();
    assert_eq!(
        frozen.json["report"],
        serde_json::to_value(&recomputed).unwrap()
    );
    assert_eq!(frozen.json["report"]["reforms"]["total"], 2);
    // Nothing recorded since: the live view shows the same figures and no corrections.
    let live = report(&app, &c.token, &format!("{path}?live=true")).await;
    assert_eq!(
        figures(&live.json["report"]),
        figures(&frozen.json["report"])
    );
    assert_eq!(live.json["corrections"], json!([]));
    let not_modified = app
        .client
        .get(format!("{}{path}", app.address))
        .bearer_auth(&c.token)
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(not_modified.status().as_u16(), 304);
    let csv_before = report(&app, &c.token, &format!("{path}.csv")).await.text;

    // A back-dated stage change, a milestone done, a KPI actual measured before 基準日, a
    // reform's status, a system's hours and a reform deleted, all recorded after the close.
    correct_everything(&app, &c).await;

    let after = report(&app, &c.token, &path).await;
    assert_eq!(after.text, frozen.text, "the closed report changed");
    assert_eq!(after.headers["etag"].to_str().unwrap(), etag);
    let live = report(&app, &c.token, &format!("{path}?live=true")).await;
    assert_ne!(
        figures(&live.json["report"]),
        figures(&frozen.json["report"])
    );
    assert_eq!(live.json["report"]["reforms"]["total"], 1);
    assert_eq!(
        live.json["report"]["bureaus"][0]["milestones"]["done"],
        frozen.json["report"]["bureaus"][0]["milestones"]["done"]
            .as_u64()
            .unwrap()
            + 1
    );
    let listed: BTreeSet<(String, String, bool)> = live.json["corrections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["kind"].as_str().unwrap().to_owned(),
                c["link"].as_str().unwrap().to_owned(),
                c["deleted"].as_bool().unwrap(),
            )
        })
        .collect();
    let issue_link = live.json["corrections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == "milestone")
        .map(|c| c["link"].as_str().unwrap().to_owned())
        .unwrap();
    let expected: BTreeSet<(String, String, bool)> = [
        ("stage_event", format!("/proposals/{}", c.proposal), false),
        ("milestone", issue_link.clone(), false),
        ("kpi_actual", issue_link, false),
        ("reform", format!("/reforms/{}", c.kept_reform.0), false),
        (
            "digital_system",
            format!("/digital-systems/{}", c.system.0),
            false,
        ),
        ("reform", format!("/reforms/{}", c.deleted_reform), true),
    ]
    .into_iter()
    .map(|(k, l, d)| (k.to_owned(), l, d))
    .collect();
    assert_eq!(listed, expected);

    // The exports carry the frozen figures, not the live ones.
    let csv = report(&app, &c.token, &format!("{path}.csv")).await;
    assert!(
        csv.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert!(csv.text.starts_with('\u{FEFF}'));
    assert_eq!(csv.text, csv_before);
    assert_eq!(csv_line(&csv.text, "改革,全体,件数,"), "改革,全体,件数,2,");
    let xlsx = app
        .client
        .get(format!("{}{path}.xlsx", app.address))
        .bearer_auth(&c.token)
        .send()
        .await
        .unwrap();
    assert_eq!(xlsx.status().as_u16(), 200);
    let bytes = xlsx.bytes().await.unwrap();
    assert!(bytes.starts_with(b"PK"), "not a workbook");
}

async fn a_round_never_closed_has_no_report_and_reopening_then_closing_keeps_a_new_version(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let c = city(&app).await;
    let round = draft_round(&app, &c.token, c.as_of, c.bureau).await;
    let path = format!("/api/v1/rounds/{round}/report");
    app.get(&path, Some(&c.token))
        .await
        .assert_problem(409, "conflict");
    app.get(&format!("{path}.csv"), Some(&c.token))
        .await
        .assert_problem(409, "conflict");
    app.get("/api/v1/rounds/999999/report", Some(&c.token))
        .await
        .assert_problem(404, "not_found");
    step(&app, &c.token, round, "open").await;
    step(&app, &c.token, round, "close").await;
    let first = report(&app, &c.token, &path).await;

    correct_everything(&app, &c).await;
    step(&app, &c.token, round, "reopen").await;
    // Reopened: the last close's report is still the round's report.
    assert_eq!(
        report(&app, &c.token, &path).await.json["report"],
        first.json["report"]
    );
    step(&app, &c.token, round, "close").await;

    let second = report(&app, &c.token, &path).await;
    assert_eq!(second.json["version"], 2);
    assert_eq!(second.json["versions"].as_array().unwrap().len(), 2);
    assert_eq!(second.json["report"]["reforms"]["total"], 1);
    assert_ne!(second.headers["etag"], first.headers["etag"]);
    let again = report(&app, &c.token, &format!("{path}?version=1")).await;
    assert_eq!(again.json["report"], first.json["report"]);
    assert_eq!(again.json["version"], 1);
    // Corrections are counted from the latest close: none since.
    let live = report(&app, &c.token, &format!("{path}?live=true")).await;
    assert_eq!(live.json["corrections"], json!([]));
    app.get(&format!("{path}?version=3"), Some(&c.token))
        .await
        .assert_problem(404, "not_found");
    app.get(&format!("{path}?version=0"), Some(&c.token))
        .await
        .assert_problem(422, "validation_failed");
}

async fn a_close_cut_off_before_its_report_was_kept_is_frozen_by_its_job_once(backend: Backend) {
    use persistence::entities::{job, round_report};
    use persistence::rounds::{self, Freezing};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};

    let app = spawn_app(backend).await;
    let c = city(&app).await;
    let round = closed_round(&app, &c).await;
    let path = format!("/api/v1/rounds/{round}/report");
    let kept = report(&app, &c.token, &path).await;
    let closed_at: DateTime<Utc> = serde_json::from_value(kept.json["closed_at"].clone()).unwrap();
    let conn = &app.app_db.conn;

    // The close's request kept it; freezing the same close again keeps nothing more.
    assert_eq!(
        rounds::freeze_report(conn, round, closed_at).await.unwrap(),
        Freezing::AlreadyFrozen
    );
    // The close wrote its fallback job, due a minute after the close.
    let jobs = job::Entity::find()
        .filter(job::Column::Kind.eq(rounds::FREEZE_REPORT_JOB))
        .all(conn)
        .await
        .unwrap();
    assert_eq!(jobs.len(), 1, "{jobs:?}");
    assert_eq!(jobs[0].state, "queued");
    assert_eq!(jobs[0].run_at, closed_at + rounds::FREEZE_REPORT_FALLBACK);

    // As if the request had been cut off right after the close committed.
    round_report::Entity::delete_many()
        .filter(round_report::Column::RoundId.eq(round))
        .exec(conn)
        .await
        .unwrap();
    app.get(&path, Some(&c.token))
        .await
        .assert_problem(409, "conflict");
    job::Entity::update_many()
        .col_expr(job::Column::RunAt, Expr::value(persistence::clock::now()))
        .filter(job::Column::Id.eq(jobs[0].id))
        .exec(conn)
        .await
        .unwrap();
    let mut state = String::new();
    for _ in 0..400 {
        state = job::Entity::find_by_id(jobs[0].id)
            .one(conn)
            .await
            .unwrap()
            .unwrap()
            .state;
        if state == "succeeded" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(state, "succeeded", "the freezing job did not run in 20 s");
    let frozen = report(&app, &c.token, &path).await;
    assert_eq!(frozen.json["version"], 1);
    assert_eq!(frozen.json["versions"].as_array().unwrap().len(), 1);
    assert_eq!(
        frozen.json["report"], kept.json["report"],
        "the same figures as known at the close"
    );

    // Reopened, that close has nothing left to freeze.
    step(&app, &c.token, round, "reopen").await;
    assert_eq!(
        rounds::freeze_report(conn, round, closed_at).await.unwrap(),
        Freezing::Superseded
    );
}

async fn the_live_view_is_computed_once_while_nothing_is_written_and_again_after_a_write(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let c = city(&app).await;
    let round = closed_round(&app, &c).await;
    let live_path = format!("/api/v1/rounds/{round}/report?live=true");
    let computed_at = |a: &Answer| -> DateTime<Utc> {
        serde_json::from_value(a.json["computed_at"].clone()).unwrap()
    };

    // Four at once share one computation, and a later request while nothing is written too.
    let ask = || report(&app, &c.token, &live_path);
    let (a, b, c3, d) = tokio::join!(ask(), ask(), ask(), ask());
    let together = [a, b, c3, d];
    let first = computed_at(&together[0]);
    for answer in &together {
        assert_eq!(computed_at(answer), first, "{}", answer.text);
    }
    let again = report(&app, &c.token, &live_path).await;
    assert_eq!(computed_at(&again), first);
    assert_eq!(again.json["corrections"], json!([]));
    // The frozen report says nothing of a computation.
    let frozen = report(&app, &c.token, &format!("/api/v1/rounds/{round}/report")).await;
    assert!(frozen.json.get("computed_at").is_none(), "{}", frozen.text);

    // One audited write since: the next live view is computed again and shows it.
    let mut changed = c.system.1.clone();
    changed["annual_hours_saved"] = json!(999.0);
    let written = app
        .send(
            Method::PUT,
            &format!("/api/v1/digital-systems/{}", c.system.0),
            &c.token,
            Some(changed),
            Some("\"1\""),
        )
        .await;
    assert_eq!(written.status, 200, "{}", written.text);
    let after = report(&app, &c.token, &live_path).await;
    assert!(computed_at(&after) > first, "{}", after.text);
    let corrected: Vec<&Value> = after.json["corrections"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|k| k["kind"] == "digital_system")
        .collect();
    assert_eq!(corrected.len(), 1, "{}", after.text);
}
