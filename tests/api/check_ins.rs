//! A policy issue's check-in: the owner's status word, a progress note and each milestone done or
//! slipped (with its reason) in one write that answers a round's item; a stale version, a slip
//! without a reason or a milestone of another issue writes nothing at all; broken, hidden-character
//! or oversized input and another bureau's editor are refused with problem+json.

use crate::helpers::{Answer, Backend, TestApp, spawn_app};
use crate::milestone_overdue::issue_of_year;
use crate::on_both_databases;
use crate::reforms::{Org, org, post};
use crate::rounds::{act, answer_item, draft, etag, request, requests_of, round_body, send};
use reqwest::Method;
use serde_json::{Value, json};

on_both_databases!(
    a_check_in_keeps_the_status_the_note_and_the_milestones_and_answers_the_round_item,
    a_stale_milestone_a_slip_without_reason_or_a_foreign_milestone_writes_nothing,
    a_milestone_slips_only_with_a_reason_and_keeps_it_only_while_slipped,
    bad_check_in_input_is_a_problem_and_another_bureaus_editor_is_refused,
);

pub(crate) struct Issue {
    pub(crate) id: i64,
    etag: String,
    pub(crate) milestones: Vec<Value>,
}

/// West ward's FY2025 policy with issue A(1) and two milestones of quarters 1 and 2.
pub(crate) async fn west_issue(app: &TestApp, o: &Org, token: &str) -> Issue {
    let id = issue_of_year(app, token, o.west, 2025).await;
    for (quarter, title) in [(1, "受付ルーム試行設置"), (2, "結果分析・評価")] {
        let made = post(
            app,
            &format!("/api/v1/policy-issues/{id}/milestones"),
            token,
            json!({ "workstream": "子ども受付ルーム", "quarter": quarter, "title": title, "state": "planned" }),
        )
        .await;
        assert_eq!(made.status, 201, "{}", made.text);
    }
    read_issue(app, token, id).await
}

/// A planned milestone of `quarter` under issue #`issue`, as the server answers it.
pub(crate) async fn planned_milestone(
    app: &TestApp,
    token: &str,
    issue: i64,
    quarter: u8,
    title: &str,
) -> Value {
    let made = post(
        app,
        &format!("/api/v1/policy-issues/{issue}/milestones"),
        token,
        json!({ "quarter": quarter, "title": title, "state": "planned" }),
    )
    .await;
    assert_eq!(made.status, 201, "{}", made.text);
    made.json
}

async fn read_issue(app: &TestApp, token: &str, id: i64) -> Issue {
    let answer = app
        .get(&format!("/api/v1/policy-issues/{id}"), Some(token))
        .await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    Issue {
        id,
        etag: etag(&answer),
        milestones: answer.json["milestones"].as_array().unwrap().clone(),
    }
}

async fn check_in(app: &TestApp, token: &str, issue: &Issue, body: Value) -> Answer {
    send(
        app,
        Method::POST,
        &format!("/api/v1/policy-issues/{}/check-ins", issue.id),
        token,
        Some(body),
        Some(&issue.etag),
    )
    .await
}

fn moved(milestone: &Value, state: &str, reason: Option<&str>) -> Value {
    json!({ "id": milestone["id"], "version": milestone["version"], "state": state, "slip_reason": reason })
}

async fn a_check_in_keeps_the_status_the_note_and_the_milestones_and_answers_the_round_item(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let o = org(&app).await;
    let editor = app
        .editor_for("west@city.example.jp", vec![], vec![o.west])
        .await;
    let issue = west_issue(&app, &o, &editor).await;
    let (round, tag) = draft(
        &app,
        &o.admin,
        round_body(&["policy_issue"], &[o.west], &[]),
    )
    .await;
    let opened = act(&app, &o.admin, round, "open", &tag).await;
    assert_eq!(opened.status, 200, "{}", opened.text);
    let west = requests_of(&app, &o.admin, round)
        .await
        .iter()
        .find(|r| r["owner_kind"] == "bureau" && r["owner_id"] == o.west)
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let item = request(&app, &editor, west).await.json["items"][0].clone();
    assert_eq!(item["record_id"], issue.id);

    let reason = "試行実施の結果を踏まえて検討するため、第3四半期に行います。";
    let answer = check_in(
        &app,
        &editor,
        &issue,
        json!({
            "status": "in_progress",
            "note": { "as_of": "2025-12-31", "body": "子ども受付ルームを試行設置しました。" },
            "milestones": [
                { "id": issue.milestones[0]["id"], "version": issue.milestones[0]["version"], "state": "done", "done_on": "2025-06-20" },
                moved(&issue.milestones[1], "slipped", Some(reason)),
            ],
        }),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(answer.json["status"], "in_progress");
    assert_eq!(answer.json["status_label"], "実施中");
    assert_eq!(answer.json["milestones"][0]["state"], "done");
    assert_eq!(answer.json["milestones"][0]["done_on"], "2025-06-20");
    assert_eq!(answer.json["milestones"][1]["state"], "slipped");
    assert_eq!(answer.json["milestones"][1]["slip_reason"], reason);
    assert_eq!(
        answer.json["progress_notes"][0]["as_of_label"],
        "令和7年12月時点"
    );
    assert_eq!(
        answer.json["version"], 2,
        "the status word moved the issue on"
    );
    assert_eq!(answer.header("etag"), Some("\"2\""));

    // The item sees the check-in's writes as the change that answers it.
    let answered = answer_item(&app, &editor, west, item["id"].as_i64().unwrap(), "changed").await;
    assert_eq!(answered.status, 200, "{}", answered.text);
    let values = &answered.json["item"]["values"];
    assert_eq!(values["status"], "in_progress");
    assert_eq!(values["milestones"][1]["slip_reason"], reason);
    let tagged = answered.json["item"]["audit_event_ids"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(
        tagged, 4,
        "the issue, two milestones and the note: {}",
        answered.text
    );
}

async fn a_stale_milestone_a_slip_without_reason_or_a_foreign_milestone_writes_nothing(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let o = org(&app).await;
    let issue = west_issue(&app, &o, &o.admin).await;
    let note = json!({ "as_of": "2025-12-31", "body": "順調です。" });
    let mut stale = moved(&issue.milestones[0], "done", None);
    stale["version"] = json!(7);
    let refused = check_in(
        &app,
        &o.admin,
        &issue,
        json!({ "status": "done", "note": note, "milestones": [moved(&issue.milestones[1], "done", None), stale] }),
    )
    .await;
    refused.assert_problem(412, "precondition_failed");

    let unexplained = check_in(
        &app,
        &o.admin,
        &issue,
        json!({ "status": "done", "note": note, "milestones": [moved(&issue.milestones[0], "slipped", None)] }),
    )
    .await;
    assert_eq!(
        unexplained.assert_problem(422, "validation_failed")["errors"][0]["pointer"],
        "/milestones/0/slip_reason"
    );

    let elsewhere = {
        let second = issue_of_year(&app, &o.admin, o.west, 2026).await;
        planned_milestone(&app, &o.admin, second, 1, "仕組みの検討").await
    };
    let foreign = check_in(
        &app,
        &o.admin,
        &issue,
        json!({ "note": note, "milestones": [moved(&issue.milestones[0], "done", None), moved(&elsewhere, "done", None)] }),
    )
    .await;
    assert_eq!(
        foreign.assert_problem(422, "validation_failed")["errors"][0]["pointer"],
        "/milestones/1/id"
    );

    check_in(&app, &o.admin, &issue, json!({}))
        .await
        .assert_problem(422, "validation_failed");
    send(
        &app,
        Method::POST,
        &format!("/api/v1/policy-issues/{}/check-ins", issue.id),
        &o.admin,
        Some(json!({ "note": note })),
        None,
    )
    .await
    .assert_problem(428, "precondition_required");

    let after = app
        .get(
            &format!("/api/v1/policy-issues/{}", issue.id),
            Some(&o.admin),
        )
        .await;
    assert_eq!(after.json["status"], Value::Null, "{}", after.text);
    assert_eq!(after.json["version"], 1);
    assert_eq!(after.json["progress_notes"], json!([]));
    for m in after.json["milestones"].as_array().unwrap() {
        assert_eq!(m["state"], "planned", "{m}");
        assert_eq!(m["version"], 1, "{m}");
    }
    let trail = app
        .get(
            "/api/v1/audit-events?entity_type=progress_note",
            Some(&o.admin),
        )
        .await;
    assert_eq!(trail.json["total"], 0, "{}", trail.text);
}

async fn a_milestone_slips_only_with_a_reason_and_keeps_it_only_while_slipped(backend: Backend) {
    let app = spawn_app(backend).await;
    let o = org(&app).await;
    let issue = west_issue(&app, &o, &o.admin).await;
    let path = format!("/api/v1/milestones/{}", issue.milestones[0]["id"]);
    let plan =
        json!({ "workstream": "子ども受付ルーム", "quarter": 1, "title": "受付ルーム試行設置" });
    let with = |state: &str, reason: Option<&str>| {
        let mut body = plan.clone();
        body["state"] = json!(state);
        body["slip_reason"] = json!(reason);
        body
    };
    let put = |body: Value, version: &'static str| {
        send(
            &app,
            Method::PUT,
            &path,
            &o.admin,
            Some(body),
            Some(version),
        )
    };
    assert_eq!(
        put(with("slipped", None), "\"1\"")
            .await
            .assert_problem(422, "validation_failed")["errors"][0]["pointer"],
        "/slip_reason"
    );
    assert_eq!(
        put(with("slipped", Some("   ")), "\"1\"")
            .await
            .assert_problem(422, "validation_failed")["errors"][0]["pointer"],
        "/slip_reason",
        "a blank reason is no reason"
    );
    assert_eq!(
        put(with("planned", Some("業者の都合")), "\"1\"")
            .await
            .assert_problem(422, "validation_failed")["errors"][0]["pointer"],
        "/slip_reason"
    );
    let slipped = put(with("slipped", Some("業者の選定が遅れたため")), "\"1\"").await;
    assert_eq!(slipped.status, 200, "{}", slipped.text);
    assert_eq!(slipped.json["slip_reason"], "業者の選定が遅れたため");
    assert_eq!(slipped.json["state_label"], "遅延");
    let done = put(with("done", None), "\"2\"").await;
    assert_eq!(done.status, 200, "{}", done.text);
    assert_eq!(done.json["slip_reason"], Value::Null);
}

/// The field a 422 points at first.
fn refused_at(answer: &Answer) -> Value {
    answer.assert_problem(422, "validation_failed")["errors"][0]["pointer"].clone()
}

async fn bad_check_in_input_is_a_problem_and_another_bureaus_editor_is_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let o = org(&app).await;
    let issue = west_issue(&app, &o, &o.admin).await;
    let path = format!("/api/v1/policy-issues/{}/check-ins", issue.id);

    let broken = app
        .client
        .post(format!("{}{path}", app.address))
        .bearer_auth(&o.admin)
        .header("If-Match", &issue.etag)
        .header("Content-Type", "application/json")
        .body(r#"{"note": {"as_of": "2025-12-31", "body": "途中"#)
        .send()
        .await
        .unwrap();
    Answer::read(broken)
        .await
        .assert_problem(400, "malformed_json");

    let hidden = check_in(
        &app,
        &o.admin,
        &issue,
        json!({ "milestones": [moved(&issue.milestones[0], "slipped", Some("業者の\u{0}選定"))] }),
    )
    .await;
    assert_eq!(refused_at(&hidden), "/milestones/0/slip_reason");
    let invisible = check_in(
        &app,
        &o.admin,
        &issue,
        json!({ "note": { "as_of": "2025-12-31", "body": "順調\u{200B}です" } }),
    )
    .await;
    assert_eq!(refused_at(&invisible), "/note/body");
    let too_many: Vec<Value> = (0..201)
        .map(|i| json!({ "id": i, "version": 1, "state": "done" }))
        .collect();
    let crowded = check_in(&app, &o.admin, &issue, json!({ "milestones": too_many })).await;
    assert_eq!(refused_at(&crowded), "/milestones");
    let twice = check_in(
        &app,
        &o.admin,
        &issue,
        json!({ "milestones": [moved(&issue.milestones[0], "done", None), moved(&issue.milestones[0], "planned", None)] }),
    )
    .await;
    assert_eq!(refused_at(&twice), "/milestones/1/id");

    // Full-width text is text: a reason written in full-width digits and letters is kept as typed.
    let reason = "業者選定が２か月遅れたため（ＲＦＰ再公告）";
    let kept = check_in(
        &app,
        &o.admin,
        &issue,
        json!({ "milestones": [moved(&issue.milestones[0], "slipped", Some(reason))] }),
    )
    .await;
    assert_eq!(kept.status, 200, "{}", kept.text);
    assert_eq!(kept.json["milestones"][0]["slip_reason"], reason);

    // 門司区役所's editor may not answer for 八幡西区役所's issue.
    let other = app
        .editor_for("moji@city.example.jp", vec![], vec![o.moji])
        .await;
    let current = read_issue(&app, &o.admin, issue.id).await;
    check_in(
        &app,
        &other,
        &current,
        json!({ "note": { "as_of": "2025-12-31", "body": "代わりに回答" } }),
    )
    .await
    .assert_problem(403, "forbidden");
    let after = app
        .get(
            &format!("/api/v1/policy-issues/{}", issue.id),
            Some(&o.admin),
        )
        .await;
    assert_eq!(after.json["progress_notes"], json!([]), "{}", after.text);
}
