//! Reporting rounds (照会): a round goes draft → open → closed and reopens with a reason; the
//! preview counts exactly what opening creates; an editor sees and answers only the requests of
//! their own section or bureau; `changed` needs a real write through the record's own endpoint,
//! whose audit events the item then carries; submitting with unanswered items is refused and
//! lists them; a returned request reaches its owner's notifications and is answered again; a
//! closed round takes no answers; bad rounds are 422 at their fields.

use crate::helpers::{Answer, Backend, TestApp, spawn_app_with};
use crate::on_both_databases;
use crate::reforms::{Org, org, post};
use persistence::ConnectionTrait;
use reqwest::Method;
use serde_json::{Value, json};
use std::time::Duration;

on_both_databases!(
    a_round_goes_from_draft_to_open_to_closed_and_reopens_only_with_a_reason,
    the_preview_counts_exactly_the_requests_and_records_that_opening_creates,
    an_editor_sees_and_answers_only_the_requests_of_their_own_section,
    changed_without_a_write_is_refused_and_a_write_through_the_record_tags_its_audit_events,
    submitting_with_unanswered_items_is_a_409_that_lists_them,
    a_returned_request_reaches_its_owner_and_is_answered_and_submitted_again,
    a_closed_round_takes_no_answers,
    a_bad_round_is_a_422_pointing_at_each_field,
);

/// A server whose job runner looks for work often, so notifications arrive quickly.
async fn app(backend: Backend) -> TestApp {
    spawn_app_with(backend, "[jobs]\npoll_interval_ms = 50\n").await
}

pub(crate) async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    token: &str,
    body: Option<Value>,
    if_match: Option<&str>,
) -> Answer {
    app.send(method, path, token, body, if_match).await
}

pub(crate) fn etag(answer: &Answer) -> String {
    answer.header("etag").unwrap().to_owned()
}

async fn created_id(app: &TestApp, token: &str, path: &str, body: Value) -> i64 {
    let answer = post(app, path, token, body).await;
    assert_eq!(answer.status, 201, "{path}: {}", answer.text);
    answer.json["id"].as_i64().unwrap()
}

/// A reform of one section, FY2025.
pub(crate) async fn reform(app: &TestApp, o: &Org, section: i64, bureau: i64, title: &str) -> i64 {
    created_id(
        app,
        &o.admin,
        "/api/v1/reforms",
        json!({ "fiscal_year": 2025, "bureau_id": bureau, "section_ids": [section], "title": title }),
    )
    .await
}

async fn system(app: &TestApp, o: &Org, section: i64, name: &str) -> i64 {
    created_id(
        app,
        &o.admin,
        "/api/v1/digital-systems",
        json!({ "name": name, "section_id": section, "platform": "kintone", "built_in_house": true, "status": "trial" }),
    )
    .await
}

pub(crate) fn round_body(kinds: &[&str], bureaus: &[i64], sections: &[i64]) -> Value {
    json!({
        "title": "令和7年度 第3四半期 進捗照会",
        "as_of": "2025-12-31",
        "due_on": "2026-01-16",
        "record_kinds": kinds,
        "bureau_ids": bureaus,
        "section_ids": sections,
    })
}

/// A draft round; answers (id, ETag).
pub(crate) async fn draft(app: &TestApp, admin: &str, body: Value) -> (i64, String) {
    let answer = post(app, "/api/v1/rounds", admin, body).await;
    assert_eq!(answer.status, 201, "{}", answer.text);
    assert_eq!(answer.json["state"], "draft");
    (answer.json["id"].as_i64().unwrap(), etag(&answer))
}

pub(crate) async fn act(app: &TestApp, admin: &str, round: i64, step: &str, etag: &str) -> Answer {
    let body = (step == "reopen").then(|| json!({ "reason": "回答の訂正の申出" }));
    send(
        app,
        Method::POST,
        &format!("/api/v1/rounds/{round}/{step}"),
        admin,
        body,
        Some(etag),
    )
    .await
}

/// Opens a new round over `body`; answers its id.
async fn opened(app: &TestApp, admin: &str, body: Value) -> i64 {
    let (round, tag) = draft(app, admin, body).await;
    let answer = act(app, admin, round, "open", &tag).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    round
}

pub(crate) async fn requests_of(app: &TestApp, token: &str, round: i64) -> Vec<Value> {
    let answer = app
        .get(
            &format!("/api/v1/rounds/{round}/requests?per_page=200"),
            Some(token),
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    answer.json["items"].as_array().unwrap().clone()
}

/// The request of `round` owned by the section `section`.
pub(crate) async fn request_of_section(
    app: &TestApp,
    admin: &str,
    round: i64,
    section: i64,
) -> i64 {
    requests_of(app, admin, round)
        .await
        .iter()
        .find(|r| r["owner_kind"] == "section" && r["owner_id"] == section)
        .unwrap_or_else(|| panic!("no request for section {section}"))["id"]
        .as_i64()
        .unwrap()
}

pub(crate) async fn request(app: &TestApp, token: &str, id: i64) -> Answer {
    app.get(&format!("/api/v1/round-requests/{id}"), Some(token))
        .await
}

pub(crate) async fn answer_item(
    app: &TestApp,
    token: &str,
    request: i64,
    item: i64,
    outcome: &str,
) -> Answer {
    send(
        app,
        Method::PUT,
        &format!("/api/v1/round-requests/{request}/items/{item}"),
        token,
        Some(json!({ "outcome": outcome })),
        None,
    )
    .await
}

pub(crate) async fn submit(app: &TestApp, token: &str, request_id: i64) -> Answer {
    let current = request(app, token, request_id).await;
    assert_eq!(current.status, 200, "{}", current.text);
    send(
        app,
        Method::POST,
        &format!("/api/v1/round-requests/{request_id}/submit"),
        token,
        None,
        Some(&etag(&current)),
    )
    .await
}

pub(crate) fn item_ids(detail: &Answer) -> Vec<i64> {
    detail.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_i64().unwrap())
        .collect()
}

async fn a_round_goes_from_draft_to_open_to_closed_and_reopens_only_with_a_reason(
    backend: Backend,
) {
    let app = app(backend).await;
    let o = org(&app).await;
    reform(&app, &o, o.west_section, o.west, "窓口予約の電子化").await;
    system(&app, &o, o.moji_section, "電子申請アプリ").await;
    let (round, tag) = draft(&app, &o.admin, round_body(&["reform"], &[], &[])).await;

    let edited = send(
        &app,
        Method::PUT,
        &format!("/api/v1/rounds/{round}"),
        &o.admin,
        Some(round_body(&["reform", "digital_system"], &[], &[])),
        Some(&tag),
    )
    .await;
    assert_eq!(edited.status, 200, "{}", edited.text);
    assert_eq!(
        edited.json["record_kinds"],
        json!(["reform", "digital_system"])
    );
    assert_eq!(edited.json["fiscal_year"], 2025);
    let stale = act(&app, &o.admin, round, "open", &tag).await;
    stale.assert_problem(412, "precondition_failed");

    let open = act(&app, &o.admin, round, "open", &etag(&edited)).await;
    assert_eq!(open.status, 200, "{}", open.text);
    assert_eq!(open.json["state"], "open");
    assert_eq!(open.json["request_counts"]["unanswered"], 2);
    assert_eq!(open.json["request_counts"]["total"], 2);
    act(&app, &o.admin, round, "open", &etag(&open))
        .await
        .assert_problem(409, "conflict");
    send(
        &app,
        Method::DELETE,
        &format!("/api/v1/rounds/{round}"),
        &o.admin,
        None,
        Some(&etag(&open)),
    )
    .await
    .assert_problem(409, "conflict");

    let closed = act(&app, &o.admin, round, "close", &etag(&open)).await;
    assert_eq!(closed.status, 200, "{}", closed.text);
    assert_eq!(closed.json["state"], "closed");
    assert!(closed.json["closed_at"].is_string());

    let without_reason = send(
        &app,
        Method::POST,
        &format!("/api/v1/rounds/{round}/reopen"),
        &o.admin,
        Some(json!({ "reason": " " })),
        Some(&etag(&closed)),
    )
    .await;
    let problem = without_reason.assert_problem(422, "validation_failed");
    assert_eq!(problem["errors"][0]["pointer"], "/reason");
    let reopened = act(&app, &o.admin, round, "reopen", &etag(&closed)).await;
    assert_eq!(reopened.status, 200, "{}", reopened.text);
    assert_eq!(reopened.json["state"], "open");
    assert_eq!(reopened.json["reopen_reason"], "回答の訂正の申出");
    assert!(reopened.json["closed_at"].is_null());

    let trail = app
        .get(
            &format!("/api/v1/audit-events?entity_type=round&entity_id={round}"),
            Some(&o.admin),
        )
        .await;
    let mut actions: Vec<&str> = trail.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    actions.reverse();
    assert_eq!(
        actions,
        [
            "round.create",
            "round.update",
            "round.open",
            "round.close",
            "round.reopen"
        ]
    );

    // A draft that was never opened can go.
    let (other, tag) = draft(&app, &o.admin, round_body(&["kpi"], &[], &[])).await;
    let deleted = send(
        &app,
        Method::DELETE,
        &format!("/api/v1/rounds/{other}"),
        &o.admin,
        None,
        Some(&tag),
    )
    .await;
    assert_eq!(deleted.status, 204, "{}", deleted.text);
    app.get(&format!("/api/v1/rounds/{other}"), Some(&o.admin))
        .await
        .assert_problem(404, "not_found");
}

async fn the_preview_counts_exactly_the_requests_and_records_that_opening_creates(
    backend: Backend,
) {
    let app = app(backend).await;
    let o = org(&app).await;
    // West: two reforms of its section, one of two sections (the bureau's), a system, a
    // policy with an issue and a KPI, a proposal assigned at ① and another at ④ (finished).
    let west_second = created_id(
        &app,
        &o.admin,
        "/api/v1/sections",
        json!({ "bureau_id": o.west, "name": "保護課", "effective_from": "2019-04-01" }),
    )
    .await;
    reform(&app, &o, o.west_section, o.west, "申請書の電子化").await;
    reform(&app, &o, o.west_section, o.west, "押印の見直し").await;
    created_id(
        &app,
        &o.admin,
        "/api/v1/reforms",
        json!({ "fiscal_year": 2025, "bureau_id": o.west, "section_ids": [o.west_section, west_second], "title": "区役所全体の会議改革" }),
    )
    .await;
    created_id(
        &app,
        &o.admin,
        "/api/v1/reforms",
        json!({ "fiscal_year": 2024, "bureau_id": o.west, "section_ids": [o.west_section], "title": "前年度の取組" }),
    )
    .await;
    system(&app, &o, o.west_section, "窓口予約アプリ").await;
    let policy = created_id(
        &app,
        &o.admin,
        "/api/v1/policies",
        json!({ "bureau_id": o.west, "fiscal_year": 2025 }),
    )
    .await;
    let issue = created_id(
        &app,
        &o.admin,
        &format!("/api/v1/policies/{policy}/issues"),
        json!({ "area": "A", "number": 1, "title": "子育て世帯の手続き" }),
    )
    .await;
    created_id(
        &app,
        &o.admin,
        &format!("/api/v1/policy-issues/{issue}/kpis"),
        json!({ "name": "予約件数", "unit": "件", "baseline_value": 10, "baseline_on": "2024-11-30" }),
    )
    .await;
    for stage in [1, 4] {
        let proposal = created_id(
            &app,
            &o.admin,
            "/api/v1/proposals",
            json!({ "fiscal_year": 2025, "theme": "職員の困りごと", "title": format!("提案 {stage}") }),
        )
        .await;
        let routed = post(
            &app,
            &format!("/api/v1/proposals/{proposal}/assignments"),
            &o.admin,
            json!({ "section_id": o.west_section, "stage": stage, "effective_on": "2025-06-01" }),
        )
        .await;
        assert_eq!(routed.status, 201, "{}", routed.text);
    }
    // Moji: one system, outside the bureau scope below.
    system(&app, &o, o.moji_section, "文書管理RPA").await;

    let all = [
        "policy_issue",
        "kpi",
        "proposal_assignment",
        "reform",
        "digital_system",
    ];
    let (round, tag) = draft(&app, &o.admin, round_body(&all, &[o.west], &[])).await;
    let preview = app
        .get(&format!("/api/v1/rounds/{round}/preview"), Some(&o.admin))
        .await;
    assert_eq!(preview.status, 200, "{}", preview.text);
    let mut previewed: Vec<(String, i64, i64)> = preview.json["owners"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["owner_kind"].as_str().unwrap().to_owned(),
                o["owner_id"].as_i64().unwrap(),
                o["items"].as_i64().unwrap(),
            )
        })
        .collect();
    previewed.sort();
    // The bureau: its issue, its KPI and the reform of two sections; the section: two reforms,
    // the system and the unfinished assignment.
    let mut expected = vec![
        ("bureau".to_owned(), o.west, 3),
        ("section".to_owned(), o.west_section, 4),
    ];
    expected.sort();
    assert_eq!(previewed, expected, "{}", preview.text);
    assert_eq!(preview.json["requests"], 2);
    assert_eq!(preview.json["items"], 7);
    let section_name = preview.json["owners"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["owner_kind"] == "section")
        .unwrap()["owner_name"]
        .clone();
    assert_eq!(section_name, "国保年金課");
    // Previewing wrote nothing.
    assert!(requests_of(&app, &o.admin, round).await.is_empty());

    let open = act(&app, &o.admin, round, "open", &tag).await;
    assert_eq!(open.status, 200, "{}", open.text);
    let mut created: Vec<(String, i64, i64)> = requests_of(&app, &o.admin, round)
        .await
        .iter()
        .map(|r| {
            (
                r["owner_kind"].as_str().unwrap().to_owned(),
                r["owner_id"].as_i64().unwrap(),
                r["item_count"].as_i64().unwrap(),
            )
        })
        .collect();
    created.sort();
    assert_eq!(created, expected);
    let section_request = request_of_section(&app, &o.admin, round, o.west_section).await;
    let detail = request(&app, &o.admin, section_request).await;
    let mut kinds: Vec<&str> = detail.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["record_kind"].as_str().unwrap())
        .collect();
    kinds.sort_unstable();
    assert_eq!(
        kinds,
        ["digital_system", "proposal_assignment", "reform", "reform"]
    );
    for item in detail.json["items"].as_array().unwrap() {
        assert!(item["record_version"].as_i64().is_some(), "{item}");
        assert_eq!(item["outcome"], "none");
    }
}

async fn an_editor_sees_and_answers_only_the_requests_of_their_own_section(backend: Backend) {
    let app = app(backend).await;
    let o = org(&app).await;
    reform(&app, &o, o.west_section, o.west, "窓口予約の電子化").await;
    reform(&app, &o, o.moji_section, o.moji, "文書の電子化").await;
    let west_editor = app
        .editor_for("west.editor@city.example.jp", vec![o.west_section], vec![])
        .await;
    let round = opened(&app, &o.admin, round_body(&["reform"], &[], &[])).await;
    let west = request_of_section(&app, &o.admin, round, o.west_section).await;
    let moji = request_of_section(&app, &o.admin, round, o.moji_section).await;

    let inbox = app
        .get("/api/v1/me/round-requests", Some(&west_editor))
        .await;
    assert_eq!(inbox.status, 200, "{}", inbox.text);
    let listed: Vec<i64> = inbox.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect();
    assert_eq!(listed, [west]);
    assert_eq!(inbox.json["items"][0]["due_on"], Value::Null);
    assert_eq!(inbox.json["items"][0]["round"]["due_on"], "2026-01-16");
    assert_eq!(inbox.json["items"][0]["item_count"], 1);
    assert_eq!(inbox.json["items"][0]["answered_count"], 0);
    assert!(inbox.json["items"][0]["overdue"].is_boolean());
    assert_eq!(inbox.json["items"][0]["can_answer"], true);
    let seen: Vec<i64> = requests_of(&app, &west_editor, round)
        .await
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect();
    assert_eq!(seen, [west]);

    request(&app, &west_editor, moji)
        .await
        .assert_problem(404, "not_found");
    let moji_detail = request(&app, &o.admin, moji).await;
    let moji_item = item_ids(&moji_detail)[0];
    answer_item(&app, &west_editor, moji, moji_item, "unchanged")
        .await
        .assert_problem(404, "not_found");

    let detail = request(&app, &west_editor, west).await;
    assert_eq!(detail.status, 200, "{}", detail.text);
    let answered = answer_item(&app, &west_editor, west, item_ids(&detail)[0], "unchanged").await;
    assert_eq!(answered.status, 200, "{}", answered.text);
    assert_eq!(answered.json["request"]["state"], "in_progress");
    assert_eq!(answered.json["request"]["answered_count"], 1);
    assert_eq!(answered.json["item"]["outcome"], "unchanged");
    // An item of another request, named under one's own, is no item of it.
    answer_item(&app, &west_editor, west, moji_item, "unchanged")
        .await
        .assert_problem(404, "not_found");
}

async fn changed_without_a_write_is_refused_and_a_write_through_the_record_tags_its_audit_events(
    backend: Backend,
) {
    let app = app(backend).await;
    let o = org(&app).await;
    let reform_id = reform(&app, &o, o.west_section, o.west, "窓口予約の電子化").await;
    let editor = app
        .editor_for("west.editor@city.example.jp", vec![o.west_section], vec![])
        .await;
    // Written before the round opened: no answer to it.
    let before = app
        .get(&format!("/api/v1/reforms/{reform_id}"), Some(&editor))
        .await;
    let early = send(
        &app,
        Method::PUT,
        &format!("/api/v1/reforms/{reform_id}"),
        &editor,
        Some(json!({ "fiscal_year": 2025, "bureau_id": o.west, "section_ids": [o.west_section], "title": "窓口予約の電子化（試行）" })),
        Some(&etag(&before)),
    )
    .await;
    assert_eq!(early.status, 200, "{}", early.text);
    let round = opened(&app, &o.admin, round_body(&["reform"], &[], &[])).await;
    let west = request_of_section(&app, &o.admin, round, o.west_section).await;
    let detail = request(&app, &editor, west).await;
    let item = &detail.json["items"][0];
    let item_id = item["id"].as_i64().unwrap();
    assert_eq!(item["record_id"], reform_id);

    answer_item(&app, &editor, west, item_id, "changed")
        .await
        .assert_problem(409, "conflict");

    let version = item["record_version"].as_i64().unwrap();
    let written = send(
        &app,
        Method::PUT,
        &format!("/api/v1/reforms/{reform_id}"),
        &editor,
        Some(json!({ "fiscal_year": 2025, "bureau_id": o.west, "section_ids": [o.west_section], "title": "窓口予約の電子化（本格実施）" })),
        Some(&format!("\"{version}\"")),
    )
    .await;
    assert_eq!(written.status, 200, "{}", written.text);

    let answered = answer_item(&app, &editor, west, item_id, "changed").await;
    assert_eq!(answered.status, 200, "{}", answered.text);
    assert_eq!(answered.json["item"]["outcome"], "changed");
    assert_eq!(
        answered.json["item"]["values"]["status"],
        written.json["status"]
    );
    let tagged: Vec<i64> = answered.json["item"]["audit_event_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|id| id.as_i64().unwrap())
        .collect();
    let trail = app
        .get(
            &format!("/api/v1/audit-events?entity_type=reform&entity_id={reform_id}"),
            Some(&o.admin),
        )
        .await;
    let updates: Vec<i64> = trail.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "reform.update")
        .map(|e| e["id"].as_i64().unwrap())
        .collect();
    assert_eq!(updates.len(), 2, "{}", trail.text);
    // Only the write made after the round opened answers it.
    assert_eq!(tagged, [*updates.iter().max().unwrap()]);
}

async fn submitting_with_unanswered_items_is_a_409_that_lists_them(backend: Backend) {
    let app = app(backend).await;
    let o = org(&app).await;
    reform(&app, &o, o.west_section, o.west, "窓口予約の電子化").await;
    system(&app, &o, o.west_section, "窓口予約アプリ").await;
    let editor = app
        .editor_for("west.editor@city.example.jp", vec![o.west_section], vec![])
        .await;
    let round = opened(
        &app,
        &o.admin,
        round_body(&["reform", "digital_system"], &[], &[]),
    )
    .await;
    let west = request_of_section(&app, &o.admin, round, o.west_section).await;
    let items = item_ids(&request(&app, &editor, west).await);
    assert_eq!(items.len(), 2);

    let unanswered = submit(&app, &editor, west).await;
    let problem = unanswered.assert_problem(409, "conflict");
    let pointers: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["pointer"].as_str().unwrap())
        .collect();
    assert_eq!(
        pointers,
        [
            format!("/items/{}", items[0]),
            format!("/items/{}", items[1])
        ]
    );

    answer_item(&app, &editor, west, items[0], "unchanged").await;
    let one_missing = submit(&app, &editor, west).await;
    let problem = one_missing.assert_problem(409, "conflict");
    assert_eq!(
        problem["errors"][0]["pointer"],
        format!("/items/{}", items[1])
    );

    answer_item(&app, &editor, west, items[1], "unchanged").await;
    let submitted = submit(&app, &editor, west).await;
    assert_eq!(submitted.status, 200, "{}", submitted.text);
    assert_eq!(submitted.json["state"], "answered");
    assert!(submitted.json["submitted_at"].is_string());
    // Submitted: no more answers until the office returns it, and it left the inbox.
    answer_item(&app, &editor, west, items[0], "unchanged")
        .await
        .assert_problem(409, "conflict");
    let inbox = app.get("/api/v1/me/round-requests", Some(&editor)).await;
    assert_eq!(inbox.json["total"], 0, "{}", inbox.text);
}

/// Waits until every queued fan-out has run.
pub(crate) async fn settle(app: &TestApp) {
    for _ in 0..400 {
        let row = app
            .app_db
            .conn
            .query_one_raw(sea_orm::Statement::from_string(
                app.app_db.conn.get_database_backend(),
                "SELECT COUNT(*) FROM jobs WHERE kind = 'event.fan_out' AND state IN ('queued', 'running')".to_owned(),
            ))
            .await
            .unwrap()
            .unwrap();
        if row.try_get_by_index::<i64>(0).unwrap() == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("fan-outs did not finish in 10 s");
}

pub(crate) async fn notifications_of(app: &TestApp, token: &str) -> Vec<(String, String)> {
    let answer = app.get("/api/v1/me/notifications", Some(token)).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    answer.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["kind"].as_str().unwrap().to_owned(),
                n["link"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

async fn a_returned_request_reaches_its_owner_and_is_answered_and_submitted_again(
    backend: Backend,
) {
    let app = app(backend).await;
    let o = org(&app).await;
    reform(&app, &o, o.west_section, o.west, "窓口予約の電子化").await;
    reform(&app, &o, o.moji_section, o.moji, "文書の電子化").await;
    let editor = app
        .editor_for("west.editor@city.example.jp", vec![o.west_section], vec![])
        .await;
    let other = app
        .editor_for("moji.editor@city.example.jp", vec![o.moji_section], vec![])
        .await;
    let round = opened(&app, &o.admin, round_body(&["reform"], &[], &[])).await;
    let west = request_of_section(&app, &o.admin, round, o.west_section).await;
    settle(&app).await;
    let link = format!("/inbox/requests/{west}");
    assert!(
        notifications_of(&app, &editor)
            .await
            .contains(&("round.request_opened".to_owned(), link.clone()))
    );

    let item = item_ids(&request(&app, &editor, west).await)[0];
    answer_item(&app, &editor, west, item, "unchanged").await;
    assert_eq!(submit(&app, &editor, west).await.status, 200);

    let current = request(&app, &o.admin, west).await;
    let returned = send(
        &app,
        Method::POST,
        &format!("/api/v1/round-requests/{west}/return"),
        &o.admin,
        Some(json!({ "comment": "効果の数値を基準日時点で記入してください" })),
        Some(&etag(&current)),
    )
    .await;
    assert_eq!(returned.status, 200, "{}", returned.text);
    assert_eq!(returned.json["state"], "returned");
    assert_eq!(
        returned.json["return_comment"],
        "効果の数値を基準日時点で記入してください"
    );
    settle(&app).await;
    assert!(
        notifications_of(&app, &editor)
            .await
            .contains(&("round.request_returned".to_owned(), link.clone()))
    );
    assert!(
        !notifications_of(&app, &other)
            .await
            .iter()
            .any(|(_, l)| *l == link),
        "another section's editor heard of the request"
    );

    let inbox = app.get("/api/v1/me/round-requests", Some(&editor)).await;
    assert_eq!(
        inbox.json["items"][0]["state"], "returned",
        "{}",
        inbox.text
    );
    let again = answer_item(&app, &editor, west, item, "unchanged").await;
    assert_eq!(again.status, 200, "{}", again.text);
    assert_eq!(again.json["request"]["state"], "returned");
    let resubmitted = submit(&app, &editor, west).await;
    assert_eq!(resubmitted.status, 200, "{}", resubmitted.text);
    assert_eq!(resubmitted.json["state"], "answered");

    let accepted = send(
        &app,
        Method::POST,
        &format!("/api/v1/round-requests/{west}/accept"),
        &o.admin,
        None,
        Some(&etag(&resubmitted)),
    )
    .await;
    assert_eq!(accepted.status, 200, "{}", accepted.text);
    assert_eq!(accepted.json["state"], "accepted");
    let round_now = app
        .get(&format!("/api/v1/rounds/{round}"), Some(&o.admin))
        .await;
    assert_eq!(round_now.json["request_counts"]["accepted"], 1);
    assert_eq!(round_now.json["request_counts"]["unanswered"], 1);
}

async fn a_closed_round_takes_no_answers(backend: Backend) {
    let app = app(backend).await;
    let o = org(&app).await;
    reform(&app, &o, o.west_section, o.west, "窓口予約の電子化").await;
    let editor = app
        .editor_for("west.editor@city.example.jp", vec![o.west_section], vec![])
        .await;
    let round = opened(&app, &o.admin, round_body(&["reform"], &[], &[])).await;
    let west = request_of_section(&app, &o.admin, round, o.west_section).await;
    let item = item_ids(&request(&app, &editor, west).await)[0];
    let current = app
        .get(&format!("/api/v1/rounds/{round}"), Some(&o.admin))
        .await;
    let closed = act(&app, &o.admin, round, "close", &etag(&current)).await;
    assert_eq!(closed.status, 200, "{}", closed.text);

    answer_item(&app, &editor, west, item, "unchanged")
        .await
        .assert_problem(409, "conflict");
    submit(&app, &editor, west)
        .await
        .assert_problem(409, "conflict");
    let detail = request(&app, &editor, west).await;
    assert_eq!(detail.json["request"]["can_answer"], false);
    assert_eq!(detail.json["items"][0]["outcome"], "none");
    let inbox = app.get("/api/v1/me/round-requests", Some(&editor)).await;
    assert_eq!(inbox.json["total"], 0, "{}", inbox.text);
}

async fn a_bad_round_is_a_422_pointing_at_each_field(backend: Backend) {
    let app = app(backend).await;
    let o = org(&app).await;
    let pointers = |answer: &Answer| -> Vec<String> {
        let problem = answer.assert_problem(422, "validation_failed");
        let mut p: Vec<String> = problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["pointer"].as_str().unwrap().to_owned())
            .collect();
        p.sort();
        p
    };
    let mut body = round_body(&["reform"], &[o.west, 999_999], &[o.moji_section, 888_888]);
    body["due_on"] = json!("2025-12-30");
    let answer = post(&app, "/api/v1/rounds", &o.admin, body).await;
    assert_eq!(
        pointers(&answer),
        ["/bureau_ids/1", "/due_on", "/section_ids/1"]
    );
    let unknown_kind = post(
        &app,
        "/api/v1/rounds",
        &o.admin,
        round_body(&["reform", "budget"], &[], &[]),
    )
    .await;
    assert_eq!(pointers(&unknown_kind), ["/record_kinds/1"]);
    let nothing_asked = post(&app, "/api/v1/rounds", &o.admin, round_body(&[], &[], &[])).await;
    assert_eq!(pointers(&nothing_asked), ["/record_kinds"]);
    let mut long_title = round_body(&["kpi"], &[], &[]);
    long_title["title"] = json!("あ".repeat(201));
    let too_long = post(&app, "/api/v1/rounds", &o.admin, long_title).await;
    assert_eq!(pointers(&too_long), ["/title"]);
    let bad_filter = app
        .get("/api/v1/rounds?state=finished", Some(&o.admin))
        .await;
    bad_filter.assert_problem(422, "validation_failed");
}
