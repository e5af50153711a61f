//! Computed health of milestones and policy issues: worked out from the milestones and their
//! quarters as of today, with the thresholds of `[health]`, answered beside the owner's status
//! word and never written by anyone.

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
