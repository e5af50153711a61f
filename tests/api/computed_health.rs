//! Computed health of milestones, policy issues and KPIs: worked out from the milestones and
//! their quarters, or a KPI's measurements and path, as of today, with the thresholds of
//! `[health]`, answered beside the owner's status word and never written by anyone.

use crate::helpers::{Backend, TestApp, spawn_app_with};
use crate::milestone_overdue::issue_of_year;
use crate::on_both_databases;
use crate::reforms::{org, post};
use crate::rounds::send;
use chrono::Datelike;
use reqwest::Method;
use serde_json::{Value, json};

on_both_databases!(
    an_issue_and_its_milestones_are_judged_against_their_quarters_as_of_today,
    the_share_of_late_milestones_that_makes_an_issue_late_is_configured,
    a_kpi_is_judged_along_its_path_and_a_kept_one_by_its_band,
);

/// The fiscal year today (Asia/Tokyo) falls in: April to March.
fn this_fiscal_year() -> i32 {
    let today = (chrono::Utc::now() + chrono::Duration::hours(9)).date_naive();
    if today.month() >= 4 {
        today.year()
    } else {
        today.year() - 1
    }
}

async fn milestone(app: &TestApp, token: &str, issue: i64, quarter: u8, body: Value) {
    let mut body = body;
    body["quarter"] = json!(quarter);
    body["title"] = json!(format!("第{quarter}四半期の取組"));
    let made = post(
        app,
        &format!("/api/v1/policy-issues/{issue}/milestones"),
        token,
        body,
    )
    .await;
    assert_eq!(made.status, 201, "{}", made.text);
}

async fn issue(app: &TestApp, token: &str, id: i64) -> Value {
    let answer = app
        .get(&format!("/api/v1/policy-issues/{id}"), Some(token))
        .await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    answer.json
}

fn healths(issue: &Value) -> Vec<&str> {
    issue["milestones"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["health"].as_str().unwrap())
        .collect()
}

/// Last year's issue: Q1 never done, Q2 done in its quarter. 1 of the 2 counted is late.
async fn last_years_issue(app: &TestApp, token: &str, bureau: i64) -> i64 {
    let last_year = this_fiscal_year() - 1;
    let id = issue_of_year(app, token, bureau, last_year).await;
    milestone(app, token, id, 1, json!({ "state": "planned" })).await;
    let done_on = format!("{last_year}-08-20");
    milestone(
        app,
        token,
        id,
        2,
        json!({ "state": "done", "done_on": done_on }),
    )
    .await;
    id
}

async fn an_issue_and_its_milestones_are_judged_against_their_quarters_as_of_today(
    backend: Backend,
) {
    let app = spawn_app_with(backend, "").await;
    let o = org(&app).await;
    let past = issue(
        &app,
        &o.admin,
        last_years_issue(&app, &o.admin, o.west).await,
    )
    .await;
    assert_eq!(healths(&past), ["late", "done"], "{past}");
    assert_eq!(past["milestones"][0]["health_label"], "遅延");
    assert_eq!(past["health"], "late", "half of those counted is late");
    assert_eq!(past["health_label"], "遅延");
    assert_eq!(
        past["status"],
        Value::Null,
        "the owner's word is theirs alone"
    );

    let next_year = issue_of_year(&app, &o.admin, o.moji, this_fiscal_year() + 1).await;
    milestone(&app, &o.admin, next_year, 1, json!({ "state": "planned" })).await;
    let ahead = issue(&app, &o.admin, next_year).await;
    assert_eq!(healths(&ahead), ["not_started"]);
    assert_eq!(ahead["health"], "not_started");

    let bare = issue_of_year(&app, &o.admin, o.west, this_fiscal_year() + 2).await;
    assert_eq!(issue(&app, &o.admin, bare).await["health"], "not_assessed");

    // Health is computed, never written: the issue's own write refuses it as an unknown field.
    let current = issue(&app, &o.admin, bare).await;
    let refused = send(
        &app,
        Method::PUT,
        &format!("/api/v1/policy-issues/{bare}"),
        &o.admin,
        Some(json!({ "area": "A", "number": 1, "title": "区民に寄り添う、まちの窓口", "health": "on_track" })),
        Some(&format!("\"{}\"", current["version"])),
    )
    .await;
    refused.assert_problem(422, "validation_failed");
}

async fn the_share_of_late_milestones_that_makes_an_issue_late_is_configured(backend: Backend) {
    let app = spawn_app_with(backend, "[health]\nissue_late_share = 0.75\n").await;
    let o = org(&app).await;
    let past = issue(
        &app,
        &o.admin,
        last_years_issue(&app, &o.admin, o.west).await,
    )
    .await;
    assert_eq!(
        past["health"], "at_risk",
        "1 of 2 late is below three quarters"
    );
    assert_eq!(past["health_label"], "注意");
}

fn days_ago(days: i64) -> String {
    ((chrono::Utc::now() + chrono::Duration::hours(9)).date_naive() - chrono::Duration::days(days))
        .to_string()
}

/// A KPI of `issue` with one actual `value`, measured 100 days ago; answers the KPI.
async fn kpi_measured(app: &TestApp, token: &str, issue: i64, body: Value, value: f64) -> Value {
    let made = post(
        app,
        &format!("/api/v1/policy-issues/{issue}/kpis"),
        token,
        body,
    )
    .await;
    assert_eq!(made.status, 201, "{}", made.text);
    let id = made.json["id"].as_i64().unwrap();
    let measured = post(
        app,
        &format!("/api/v1/kpis/{id}/actuals"),
        token,
        json!({ "value": value, "measured_on": days_ago(100) }),
    )
    .await;
    assert_eq!(measured.status, 201, "{}", measured.text);
    let answer = app.get(&format!("/api/v1/kpis/{id}"), Some(token)).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    answer.json
}

async fn a_kpi_is_judged_along_its_path_and_a_kept_one_by_its_band(backend: Backend) {
    let app = spawn_app_with(backend, "").await;
    let o = org(&app).await;
    let id = issue_of_year(&app, &o.admin, o.west, this_fiscal_year()).await;
    // 0 → 100 between 400 and 200 days ago: the whole way was expected by the measurement.
    let rising = |name: &str| {
        json!({ "name": name, "unit": "件", "baseline_value": 0, "baseline_on": days_ago(400),
                "target_value": 100, "target_on": days_ago(200) })
    };
    let on_track = kpi_measured(&app, &o.admin, id, rising("予約件数A"), 95.0).await;
    assert_eq!(on_track["health"], "on_track", "{on_track}");
    assert_eq!(on_track["direction"], "increase");
    assert_eq!(
        on_track["direction_set"], false,
        "read from the baseline and target"
    );
    let between = kpi_measured(&app, &o.admin, id, rising("予約件数B"), 80.0).await;
    assert_eq!(between["health"], "at_risk");
    let behind = kpi_measured(&app, &o.admin, id, rising("予約件数C"), 50.0).await;
    assert_eq!(behind["health"], "late");
    assert_eq!(behind["health_label"], "遅延");
    let reached = kpi_measured(&app, &o.admin, id, rising("予約件数D"), 100.0).await;
    assert_eq!(reached["health"], "done");

    let kept = |name: &str| {
        json!({ "name": name, "unit": "%", "baseline_value": 100, "baseline_on": days_ago(400),
                "target_value": 100, "direction": "keep", "tolerance": 2 })
    };
    let within = kpi_measured(&app, &o.admin, id, kept("オンライン化率A"), 98.5).await;
    assert_eq!(within["health"], "on_track", "{within}");
    assert_eq!(within["direction_set"], true);
    assert_eq!(within["tolerance"], 2.0);
    let outside = kpi_measured(&app, &o.admin, id, kept("オンライン化率B"), 97.0).await;
    assert_eq!(outside["health"], "late");

    // The issue's own answer carries its KPIs' health too.
    let issue = issue(&app, &o.admin, id).await;
    let healths: Vec<&str> = issue["kpis"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["health"].as_str().unwrap())
        .collect();
    assert_eq!(
        healths,
        ["on_track", "at_risk", "late", "done", "on_track", "late"]
    );

    // A direction the target contradicts is refused.
    let contradicted = post(
        &app,
        &format!("/api/v1/policy-issues/{id}/kpis"),
        &o.admin,
        json!({ "name": "予約件数F", "unit": "件", "baseline_value": 100, "baseline_on": days_ago(10),
                "target_value": 50, "direction": "increase" }),
    )
    .await;
    let problem = contradicted.assert_problem(422, "validation_failed");
    assert_eq!(
        problem["errors"][0]["pointer"], "/direction",
        "{}",
        contradicted.text
    );

    // A band belongs to a kept KPI only.
    let refused = post(
        &app,
        &format!("/api/v1/policy-issues/{id}/kpis"),
        &o.admin,
        json!({ "name": "予約件数E", "unit": "件", "baseline_value": 0, "baseline_on": days_ago(10),
                "target_value": 100, "tolerance": 5 }),
    )
    .await;
    let problem = refused.assert_problem(422, "validation_failed");
    assert_eq!(
        problem["errors"][0]["pointer"], "/tolerance",
        "{}",
        refused.text
    );
}
