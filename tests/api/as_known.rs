//! The second time axis: figures "as of 基準日, as known at T" count only what was recorded by T.
//! Corrections recorded after T (back-dated or not, deletions included) change the live figures
//! and leave the ones as known at T exactly as they were; as known now, the computation equals
//! the live endpoints; a round's report kept at its close is the report recomputed as known then.

use crate::helpers::{Backend, TestApp, spawn_app};
use crate::on_both_databases;
use crate::reforms::{org, post};
use chrono::{DateTime, Datelike, Duration, NaiveDate, SecondsFormat, Utc};
use persistence::as_known::{self, Report};
use reqwest::Method;
use serde_json::{Value, json};

on_both_databases!(
    corrections_recorded_after_the_moment_change_the_live_figures_and_not_those_known_then,
    figures_as_known_now_equal_the_live_endpoints_and_a_kept_report_equals_its_recomputation,
    the_demo_city_as_known_now_shows_every_dashboard_figure_the_tallies_show,
);

fn today() -> NaiveDate {
    (Utc::now() + Duration::hours(9)).date_naive()
}

fn fiscal_year_of(day: NaiveDate) -> i32 {
    if day.month() >= 4 {
        day.year()
    } else {
        day.year() - 1
    }
}

async fn get(app: &TestApp, token: &str, path: &str) -> Value {
    let answer = app.get(path, Some(token)).await;
    assert_eq!(answer.status, 200, "{path}: {}", answer.text);
    answer.json
}

/// The document without its `as_known_at` stamp, to compare the figures alone.
fn figures(mut doc: Value) -> Value {
    if let Some(map) = doc.as_object_mut() {
        map.remove("as_known_at");
    }
    doc
}

fn stage_totals(progress: &Value) -> Value {
    progress["totals"]["counts"].clone()
}

fn at_param(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
        .replace('+', "%2B")
}

/// What the scenario made: ids and the bodies it wrote them with.
pub(crate) struct City {
    pub(crate) token: String,
    pub(crate) bureau: i64,
    pub(crate) fiscal_year: i32,
    pub(crate) as_of: NaiveDate,
    pub(crate) proposal: i64,
    pub(crate) assignment: i64,
    pub(crate) milestone: i64,
    pub(crate) kpi: i64,
    pub(crate) kept_reform: (i64, Value),
    pub(crate) deleted_reform: i64,
    pub(crate) system: (i64, Value),
}

/// A bureau's year of work, all recorded before the moment the tests call T.
pub(crate) async fn city(app: &TestApp) -> City {
    let o = org(app).await;
    let token = o.admin.clone();
    let as_of = today();
    let fiscal_year = fiscal_year_of(as_of);
    let year_start = NaiveDate::from_ymd_opt(fiscal_year, 4, 1).unwrap();
    let ok = |a: &crate::helpers::Answer| assert!(a.status < 300, "{}", a.text);

    let proposal = post(
        app,
        "/api/v1/proposals",
        &token,
        json!({ "fiscal_year": fiscal_year, "theme": "職員の困りごと", "title": "押印の見直し" }),
    )
    .await;
    ok(&proposal);
    let proposal = proposal.json["id"].as_i64().unwrap();
    let assigned = post(
        app,
        &format!("/api/v1/proposals/{proposal}/assignments"),
        &token,
        json!({ "section_id": o.west_section, "effective_on": year_start }),
    )
    .await;
    ok(&assigned);
    let assignment = assigned.json["assignments"][0]["id"].as_i64().unwrap();
    let discussed = post(
        app,
        &format!("/api/v1/proposals/{proposal}/assignments/{assignment}/transitions"),
        &token,
        json!({ "to_stage": 2, "effective_on": year_start }),
    )
    .await;
    ok(&discussed);

    let policy = post(
        app,
        "/api/v1/policies",
        &token,
        json!({ "bureau_id": o.west, "fiscal_year": fiscal_year }),
    )
    .await;
    ok(&policy);
    let issue = post(
        app,
        &format!("/api/v1/policies/{}/issues", policy.json["id"]),
        &token,
        json!({ "area": "A", "number": 1, "title": "区民に寄り添う、まちの窓口" }),
    )
    .await;
    ok(&issue);
    let issue = issue.json["id"].as_i64().unwrap();
    let milestone = post(
        app,
        &format!("/api/v1/policy-issues/{issue}/milestones"),
        &token,
        json!({ "quarter": 1, "title": "受付ルーム試行設置", "state": "planned" }),
    )
    .await;
    ok(&milestone);
    let note = post(
        app,
        &format!("/api/v1/policy-issues/{issue}/progress-notes"),
        &token,
        json!({ "as_of": year_start, "body": "試行の準備を進めている" }),
    )
    .await;
    ok(&note);
    let kpi = post(
        app,
        &format!("/api/v1/policy-issues/{issue}/kpis"),
        &token,
        json!({ "name": "電子申請件数", "unit": "件", "baseline_value": 100, "baseline_on": "2023-11-30" }),
    )
    .await;
    ok(&kpi);
    let kpi = kpi.json["id"].as_i64().unwrap();
    ok(&post(
        app,
        &format!("/api/v1/kpis/{kpi}/actuals"),
        &token,
        json!({ "value": 120, "measured_on": year_start }),
    )
    .await);

    let reform_body = |title: &str, status: &str| {
        json!({
            "fiscal_year": fiscal_year, "bureau_id": o.west, "section_ids": [o.west_section],
            "title": title, "status": status,
            "effects": [{ "kind": "hours_per_year", "value": 150, "unit": "時間/年" }]
        })
    };
    let kept_body = reform_body("届出審査の電子化", "planned");
    let kept = post(app, "/api/v1/reforms", &token, kept_body.clone()).await;
    ok(&kept);
    let deleted = post(
        app,
        "/api/v1/reforms",
        &token,
        reform_body("会議のペーパーレス化", "done"),
    )
    .await;
    ok(&deleted);

    let system_body = json!({
        "name": "届出管理アプリ", "section_id": o.west_section, "platform": "kintone",
        "built_in_house": true, "status": "production", "production_started_on": year_start,
        "annual_hours_saved": 100.0, "cost_effect_yen": 1_000_000
    });
    let system = post(app, "/api/v1/digital-systems", &token, system_body.clone()).await;
    ok(&system);

    City {
        token,
        bureau: o.west,
        fiscal_year,
        as_of,
        proposal,
        assignment,
        milestone: milestone.json["id"].as_i64().unwrap(),
        kpi,
        kept_reform: (kept.json["id"].as_i64().unwrap(), kept_body),
        deleted_reform: deleted.json["id"].as_i64().unwrap(),
        system: (system.json["id"].as_i64().unwrap(), system_body),
    }
}

/// A moment strictly between what was recorded before and what is recorded after.
pub(crate) async fn moment() -> DateTime<Utc> {
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let at = persistence::clock::now();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    at
}

/// Corrections of every kind, all recorded now, all in force on or before 基準日.
pub(crate) async fn correct_everything(app: &TestApp, c: &City) {
    let ok = |a: crate::helpers::Answer| assert!(a.status < 300, "{}", a.text);
    let year_start = NaiveDate::from_ymd_opt(c.fiscal_year, 4, 1).unwrap();
    // A back-dated stage change: decided, in force since the year began.
    ok(post(
        app,
        &format!(
            "/api/v1/proposals/{}/assignments/{}/transitions",
            c.proposal, c.assignment
        ),
        &c.token,
        json!({ "to_stage": 3, "decision": "continue", "effective_on": year_start }),
    )
    .await);
    // The milestone marked done, done on the first day of the year.
    ok(app
        .send(
            Method::PUT,
            &format!("/api/v1/milestones/{}", c.milestone),
            &c.token,
            Some(json!({ "quarter": 1, "title": "受付ルーム試行設置", "state": "done", "done_on": year_start })),
            Some("\"1\""),
        )
        .await);
    // A KPI actual measured before 基準日, recorded only now.
    ok(post(
        app,
        &format!("/api/v1/kpis/{}/actuals", c.kpi),
        &c.token,
        json!({ "value": 150, "measured_on": c.as_of }),
    )
    .await);
    // A reform's status, a system's hours, and a reform deleted.
    let mut done = c.kept_reform.1.clone();
    done["status"] = json!("done");
    ok(app
        .send(
            Method::PUT,
            &format!("/api/v1/reforms/{}", c.kept_reform.0),
            &c.token,
            Some(done),
            Some("\"1\""),
        )
        .await);
    let mut more_hours = c.system.1.clone();
    more_hours["annual_hours_saved"] = json!(300.0);
    ok(app
        .send(
            Method::PUT,
            &format!("/api/v1/digital-systems/{}", c.system.0),
            &c.token,
            Some(more_hours),
            Some("\"1\""),
        )
        .await);
    ok(app
        .send(
            Method::DELETE,
            &format!("/api/v1/reforms/{}", c.deleted_reform),
            &c.token,
            None,
            Some("\"1\""),
        )
        .await);
}

async fn corrections_recorded_after_the_moment_change_the_live_figures_and_not_those_known_then(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let c = city(&app).await;
    let t = moment().await;
    let progress = format!(
        "/api/v1/reports/proposal-progress?fiscal_year={}&as_of={}",
        c.fiscal_year, c.as_of
    );
    let dashboard = format!("/api/v1/dashboard?as_of={}", c.as_of);
    let bureau_dashboard = format!("/api/v1/bureaus/{}/dashboard?as_of={}", c.bureau, c.as_of);
    let known = format!("&as_known_at={}", at_param(t));

    let live_progress = get(&app, &c.token, &progress).await;
    let live_dashboard = get(&app, &c.token, &dashboard).await;
    let known_progress = get(&app, &c.token, &format!("{progress}{known}")).await;
    let known_dashboard = get(&app, &c.token, &format!("{dashboard}{known}")).await;
    let known_bureau = get(&app, &c.token, &format!("{bureau_dashboard}{known}")).await;
    // Nothing was recorded since T: as known at T is what the live view shows.
    assert_eq!(
        figures(known_progress.clone()),
        figures(live_progress.clone())
    );
    assert_eq!(
        figures(known_dashboard.clone()),
        figures(live_dashboard.clone())
    );
    assert_eq!(
        figures(known_bureau.clone()),
        figures(get(&app, &c.token, &bureau_dashboard).await)
    );
    assert_eq!(stage_totals(&live_progress), json!([0, 1, 0, 0]));
    let report_at_t = as_known::report(&app.app_db.conn, c.as_of, Some(t), None)
        .await
        .unwrap();

    correct_everything(&app, &c).await;

    // Live: every correction shows.
    let progress_now = get(&app, &c.token, &progress).await;
    assert_eq!(stage_totals(&progress_now), json!([0, 0, 1, 0]));
    let now = get(&app, &c.token, &dashboard).await;
    assert_eq!(now["reforms"]["total"]["count"], 1);
    assert_eq!(now["hours_saved"]["hours"], 300.0);
    assert_eq!(now["kpis"][0]["latest_value"], 150.0);
    assert_eq!(now["stale"]["milestones"]["count"], 0);
    assert_eq!(live_dashboard["reforms"]["total"]["count"], 2);
    assert_eq!(live_dashboard["hours_saved"]["hours"], 100.0);
    assert_eq!(live_dashboard["kpis"][0]["latest_value"], 120.0);

    // As known at T: exactly the figures shown then, the deleted reform included.
    assert_eq!(
        get(&app, &c.token, &format!("{progress}{known}")).await,
        known_progress
    );
    assert_eq!(
        get(&app, &c.token, &format!("{dashboard}{known}")).await,
        known_dashboard
    );
    assert_eq!(
        get(&app, &c.token, &format!("{bureau_dashboard}{known}")).await,
        known_bureau
    );
    let report_later = as_known::report(&app.app_db.conn, c.as_of, Some(t), None)
        .await
        .unwrap();
    assert_eq!(report_later, report_at_t);
    assert_eq!(report_at_t.reforms.total, 2);
    assert_eq!(report_at_t.reforms.by_status["planned"], 1);
    assert_eq!(report_at_t.reforms.by_status["done"], 1);
    assert_eq!(report_at_t.ledger.annual_hours_saved, 100.0);
    let live_report = as_known::report(&app.app_db.conn, c.as_of, None, None)
        .await
        .unwrap();
    assert_eq!(live_report.reforms.total, 1);
    assert_eq!(live_report.reforms.by_status["done"], 1);
    assert_eq!(live_report.proposal_totals.counts, [0, 0, 1, 0]);
    assert_eq!(live_report.ledger.annual_hours_saved, 300.0);
    assert_eq!(live_report.bureaus[0].milestones.done, 1);
    assert_eq!(report_at_t.bureaus[0].milestones.done, 0);
    assert_eq!(live_report.bureaus[0].kpis[0].latest_value, Some(150.0));
    assert_eq!(live_report.bureaus[0].kpis[0].previous_value, Some(120.0));
    assert_eq!(report_at_t.bureaus[0].kpis[0].latest_value, Some(120.0));

    // By date: the end of yesterday in Japan knew none of it; the end of today knows it all.
    let yesterday = c.as_of - Duration::days(1);
    let before = get(
        &app,
        &c.token,
        &format!("{progress}&as_known_on={yesterday}"),
    )
    .await;
    assert_eq!(before["totals"]["total"], 0);
    let by_today = get(
        &app,
        &c.token,
        &format!("{progress}&as_known_on={}", c.as_of),
    )
    .await;
    assert_eq!(figures(by_today), figures(progress_now));

    // One axis at a time.
    app.get(
        &format!("{progress}&as_known_on={}{known}", c.as_of),
        Some(&c.token),
    )
    .await
    .assert_problem(422, "validation_failed");
}

/// The report's figures next to the endpoints' on the live axis.
fn assert_report_matches_the_endpoints(report: &Report, progress: &Value, dashboard: &Value) {
    let totals: Vec<u64> = progress["totals"]["counts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_u64().unwrap())
        .collect();
    assert_eq!(report.proposal_totals.counts.to_vec(), totals);
    assert_eq!(
        report.proposal_totals.total,
        progress["totals"]["total"].as_u64().unwrap()
    );
    for row in progress["rows"].as_array().unwrap() {
        let theme = row["theme"].as_str().unwrap();
        let ours = report
            .proposal_stages
            .iter()
            .find(|r| r.theme == theme)
            .unwrap();
        assert_eq!(json!(ours.counts), row["counts"], "{theme}");
    }
    assert_eq!(
        report.reforms.total,
        dashboard["reforms"]["total"]["count"].as_u64().unwrap()
    );
    for bucket in dashboard["reforms"]["by_status"].as_array().unwrap() {
        let key = bucket["key"].as_str().unwrap();
        assert_eq!(
            report.reforms.by_status[key],
            bucket["figure"]["count"].as_u64().unwrap(),
            "{key}"
        );
    }
    for bucket in dashboard["reforms"]["by_bureau"].as_array().unwrap() {
        let key: i64 = bucket["key"].as_str().unwrap().parse().unwrap();
        assert_eq!(
            report.reforms.by_bureau[&key],
            bucket["figure"]["count"].as_u64().unwrap()
        );
    }
    assert_eq!(
        report.ledger.systems_in_production,
        dashboard["hours_saved"]["systems"]["count"]
            .as_u64()
            .unwrap()
    );
    assert_eq!(
        json!(report.ledger.annual_hours_saved),
        dashboard["hours_saved"]["hours"]
    );
    let overdue: u64 = report.bureaus.iter().map(|b| b.milestones.overdue).sum();
    assert_eq!(
        overdue,
        dashboard["stale"]["milestones"]["count"].as_u64().unwrap()
    );
    let kpis: Vec<(i64, Option<f64>, Option<f64>)> = report
        .bureaus
        .iter()
        .flat_map(|b| &b.kpis)
        .map(|k| (k.id, k.latest_value, k.previous_value))
        .collect();
    let shown: Vec<(i64, Option<f64>, Option<f64>)> = dashboard["kpis"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| {
            (
                k["id"].as_i64().unwrap(),
                k["latest_value"].as_f64(),
                k["previous_value"].as_f64(),
            )
        })
        .collect();
    assert_eq!(kpis, shown);
}

async fn figures_as_known_now_equal_the_live_endpoints_and_a_kept_report_equals_its_recomputation(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let c = city(&app).await;
    let progress_path = format!(
        "/api/v1/reports/proposal-progress?fiscal_year={}&as_of={}",
        c.fiscal_year, c.as_of
    );
    let dashboard_path = format!("/api/v1/dashboard?as_of={}", c.as_of);
    let report = as_known::report(&app.app_db.conn, c.as_of, None, None)
        .await
        .unwrap();
    assert_report_matches_the_endpoints(
        &report,
        &get(&app, &c.token, &progress_path).await,
        &get(&app, &c.token, &dashboard_path).await,
    );
    assert_eq!(
        report.bureaus[0].issues[0]
            .latest_note
            .as_ref()
            .unwrap()
            .body,
        "試行の準備を進めている"
    );

    // Closed now: the report kept is the one recomputed as known at the close, before and after
    // later corrections.
    let round = crate::round_report::draft_round(&app, &c.token, c.as_of, c.bureau).await;
    let closed_at = moment().await;
    let kept = as_known::store_round_report(&app.app_db.conn, round, c.as_of, closed_at, None)
        .await
        .unwrap();
    correct_everything(&app, &c).await;
    let read = as_known::find_round_report(&app.app_db.conn, round, None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(read.report, kept.report);
    let recomputed = as_known::report(&app.app_db.conn, c.as_of, Some(closed_at), None)
        .await
        .unwrap();
    assert_eq!(recomputed, read.report);
    assert_eq!(read.known_at, closed_at);
    assert!(
        as_known::find_round_report(&app.app_db.conn, round + 1, None)
            .await
            .unwrap()
            .is_none()
    );

    // After the corrections the live report still equals the endpoints.
    let live = as_known::report(&app.app_db.conn, c.as_of, None, None)
        .await
        .unwrap();
    assert_report_matches_the_endpoints(
        &live,
        &get(&app, &c.token, &progress_path).await,
        &get(&app, &c.token, &dashboard_path).await,
    );
    assert_ne!(live.reforms, read.report.reforms);

    // Every record written through the API has its versions: a backfill finds nothing to add.
    assert_eq!(
        persistence::history::backfill(&app.app_db.conn)
            .await
            .unwrap(),
        0
    );
    // The history lists what changed since the close.
    let since = persistence::history::recorded_since(&app.app_db.conn, closed_at)
        .await
        .unwrap();
    assert!(
        since
            .iter()
            .any(|v| v.deleted && v.record_id == c.deleted_reform)
    );
}

async fn the_demo_city_as_known_now_shows_every_dashboard_figure_the_tallies_show(
    backend: Backend,
) {
    let (app, token) = crate::demo_data::demo_app(backend).await;
    let now = at_param(moment().await);
    for as_of in ["2025-10-15", "2025-11-25", "2026-03-31"] {
        let dashboard = format!("/api/v1/dashboard?fiscal_year=2025&as_of={as_of}");
        let live = get(&app, &token, &dashboard).await;
        let known = get(&app, &token, &format!("{dashboard}&as_known_at={now}")).await;
        assert_eq!(figures(known), figures(live.clone()), "{as_of}");
        let progress = format!("/api/v1/reports/proposal-progress?fiscal_year=2025&as_of={as_of}");
        let live_progress = get(&app, &token, &progress).await;
        let known = get(&app, &token, &format!("{progress}&as_known_at={now}")).await;
        assert_eq!(figures(known), figures(live_progress.clone()), "{as_of}");
        let report = as_known::report(
            &app.app_db.conn,
            NaiveDate::parse_from_str(as_of, "%Y-%m-%d").unwrap(),
            None,
            None,
        )
        .await
        .unwrap();
        assert_report_matches_the_endpoints(&report, &live_progress, &live);
    }
    // The PT progress report of 2025-11-28, as the demo's stage events recorded it.
    let table = get(
        &app,
        &token,
        &format!(
            "/api/v1/reports/proposal-progress?fiscal_year=2025&as_of=2025-11-25&as_known_at={now}"
        ),
    )
    .await;
    assert_eq!(stage_totals(&table), json!([10, 23, 0, 1]));
}
