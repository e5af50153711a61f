//! The daily sweep: a milestone whose quarter ended without it being done is announced once, as
//! a `milestone.overdue` event owned by its bureau; done milestones and quarters still running
//! are not, and running the sweep again announces nothing twice.

use crate::helpers::{Backend, TestApp, spawn_app};
use crate::on_both_databases;
use crate::reforms::{org, post};
use persistence::ConnectionTrait;
use serde_json::{Value, json};
use std::time::Duration;

on_both_databases!(a_milestone_past_its_quarter_and_not_done_is_announced_once);

async fn milestone(app: &TestApp, token: &str, issue_id: i64, quarter: i32, state: &str) -> i64 {
    let created = post(
        app,
        &format!("/api/v1/policy-issues/{issue_id}/milestones"),
        token,
        json!({ "quarter": quarter, "title": format!("第{quarter}四半期の取組"), "state": state }),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.text);
    created.json["id"].as_i64().unwrap()
}

/// Issue A(1) of a new policy of `bureau_id` for fiscal `year`; answers its id.
pub(crate) async fn issue_of_year(app: &TestApp, token: &str, bureau_id: i64, year: i32) -> i64 {
    let policy = post(
        app,
        "/api/v1/policies",
        token,
        json!({ "bureau_id": bureau_id, "fiscal_year": year }),
    )
    .await;
    assert_eq!(policy.status, 201, "{}", policy.text);
    let issue = post(
        app,
        &format!("/api/v1/policies/{}/issues", policy.json["id"]),
        token,
        json!({ "area": "A", "number": 1, "title": "区民に寄り添う、まちの窓口" }),
    )
    .await;
    assert_eq!(issue.status, 201, "{}", issue.text);
    issue.json["id"].as_i64().unwrap()
}

/// The ids of the milestones announced overdue so far, each as often as it was announced.
async fn announced(app: &TestApp) -> Vec<i64> {
    let rows = app
        .app_db
        .conn
        .query_all_raw(sea_orm::Statement::from_string(
            app.app_db.conn.get_database_backend(),
            "SELECT record_id FROM events WHERE kind = 'milestone.overdue' ORDER BY record_id",
        ))
        .await
        .unwrap();
    rows.iter()
        .map(|row| row.try_get_by_index::<i64>(0).unwrap())
        .collect()
}

/// Queues a sweep now and waits until the runner has finished it.
async fn sweep(app: &TestApp) {
    let id = persistence::jobs::enqueue(
        &app.app_db.conn,
        persistence::jobs::NewJob::new(api::jobs::recurring::MILESTONE_OVERDUE_SWEEP, json!({})),
    )
    .await
    .unwrap()
    .unwrap();
    for _ in 0..200 {
        let job = persistence::jobs::find(&app.app_db.conn, id)
            .await
            .unwrap()
            .unwrap();
        if job.state == "succeeded" {
            return;
        }
        assert_ne!(job.state, "dead", "{job:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the sweep did not finish in 10 s");
}

async fn a_milestone_past_its_quarter_and_not_done_is_announced_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let o = org(&app).await;
    let admin = o.admin.clone();
    let last_year = issue_of_year(&app, &admin, o.west, 2025).await;
    let slipped_past = milestone(&app, &admin, last_year, 1, "planned").await;
    let done_past = milestone(&app, &admin, last_year, 2, "done").await;
    let far_ahead = issue_of_year(&app, &admin, o.west, 2030).await;
    let not_yet_due = milestone(&app, &admin, far_ahead, 1, "planned").await;

    sweep(&app).await;
    assert_eq!(announced(&app).await, vec![slipped_past]);
    sweep(&app).await;
    assert_eq!(
        announced(&app).await,
        vec![slipped_past],
        "a second sweep announces nothing again"
    );

    let event: Value = {
        let row = app
            .app_db
            .conn
            .query_one_raw(sea_orm::Statement::from_string(
                app.app_db.conn.get_database_backend(),
                "SELECT owner, link, title FROM events WHERE kind = 'milestone.overdue'",
            ))
            .await
            .unwrap()
            .unwrap();
        json!({
            "owner": serde_json::from_str::<Value>(&row.try_get_by_index::<String>(0).unwrap()).unwrap(),
            "link": row.try_get_by_index::<String>(1).unwrap(),
            "title": row.try_get_by_index::<String>(2).unwrap(),
        })
    };
    assert_eq!(event["owner"]["kind"], "bureau", "{event}");
    assert_eq!(event["owner"]["of"]["bureau_id"], o.west, "{event}");
    assert_eq!(event["link"], format!("/policy-issues/{last_year}"));
    assert!(
        event["title"].as_str().unwrap().contains("第1四半期"),
        "{event}"
    );
    let _ = (done_past, not_yet_due);
}
