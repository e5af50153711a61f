//! Bureau X policies: issues in areas A/B/C, quarterly milestones marked done with If-Match,
//! progress notes, and KPIs whose change comes out with the percentages the city printed.

use crate::helpers::{Backend, TestApp, spawn_app};
use crate::on_both_databases;
use crate::reforms::{org, post};
use reqwest::Method;
use serde_json::{Value, json};

on_both_databases!(
    the_kpi_table_of_the_digital_city_office_comes_out_with_the_percentages_it_printed,
    a_milestone_is_marked_done_with_the_etag_and_is_overdue_only_while_planned_past_its_quarter,
    a_bureau_has_one_policy_a_year_and_each_issue_code_once,
    only_editors_of_the_bureau_or_its_sections_write_its_policy,
    policy_issues_are_found_by_area_field_impact_urgency_and_text,
    bad_policy_input_is_refused_with_pointers,
    a_kpi_name_and_a_workstream_as_long_as_the_api_allows_are_stored,
);

async fn new_policy(app: &TestApp, token: &str, bureau_id: i64, year: i32) -> Value {
    let a = post(
        app,
        "/api/v1/policies",
        token,
        json!({ "bureau_id": bureau_id, "fiscal_year": year, "mission": "とどける みつける つなげる 八幡西区" }),
    )
    .await;
    assert_eq!(a.status, 201, "{}", a.text);
    a.json
}

async fn new_issue(app: &TestApp, token: &str, policy_id: i64, body: Value) -> Value {
    let a = post(
        app,
        &format!("/api/v1/policies/{policy_id}/issues"),
        token,
        body,
    )
    .await;
    assert_eq!(a.status, 201, "{}", a.text);
    a.json
}

fn issue(area: &str, number: i32, title: &str) -> Value {
    json!({ "area": area, "number": number, "title": title })
}

async fn the_kpi_table_of_the_digital_city_office_comes_out_with_the_percentages_it_printed(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let o = org(&app).await;
    let a = &o.admin;
    let policy = new_policy(&app, a, o.moji, 2024).await;
    let policy_id = policy["id"].as_i64().unwrap();
    let issue = new_issue(
        &app,
        a,
        policy_id,
        issue("A", 2, "AI・RPA・ローコードツール等による業務効率化の拡大"),
    )
    .await;
    assert_eq!(issue["code"], "A(2)");
    let issue_id = issue["id"].as_i64().unwrap();
    for (name, unit, baseline, actual, percent) in [
        ("デジラボ RPA 削減時間", "時間", 948.0, 1002.0, 5.7),
        ("AI音声議事録 削減時間", "時間", 6560.0, 8509.0, 29.7),
        ("デジラボ 合計 削減時間", "時間", 7508.0, 9511.0, 26.7),
        (
            "ローコードツール 本運用システム数",
            "システム",
            69.0,
            136.0,
            97.1,
        ),
    ] {
        let kpi = post(
            &app,
            &format!("/api/v1/policy-issues/{issue_id}/kpis"),
            a,
            json!({ "name": name, "unit": unit, "baseline_value": baseline, "baseline_on": "2023-11-30" }),
        )
        .await;
        assert_eq!(kpi.status, 201, "{}", kpi.text);
        assert_eq!(kpi.json["change_percent"], Value::Null, "no actual yet");
        let kpi_id = kpi.json["id"].as_i64().unwrap();
        let measured = post(
            &app,
            &format!("/api/v1/kpis/{kpi_id}/actuals"),
            a,
            json!({ "value": actual, "measured_on": "2024-11-30" }),
        )
        .await;
        assert_eq!(measured.status, 201, "{}", measured.text);
        assert_eq!(measured.json["change_percent"], json!(percent), "{name}");
        assert_eq!(measured.json["change_value"], json!(actual - baseline));
        assert_eq!(measured.json["latest_on"], "2024-11-30");
        assert_eq!(
            measured.header("etag"),
            Some("\"2\""),
            "an actual moves the KPI on"
        );
    }
    let whole = app
        .get(&format!("/api/v1/policies/{policy_id}"), Some(a))
        .await;
    assert_eq!(whole.status, 200, "{}", whole.text);
    let percents: Vec<f64> = whole.json["issues"][0]["kpis"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["change_percent"].as_f64().unwrap())
        .collect();
    assert_eq!(percents, vec![5.7, 29.7, 26.7, 97.1]);
    assert_eq!(whole.json["fiscal_year_label"], "令和6年度");

    let note = post(
        &app,
        &format!("/api/v1/policy-issues/{issue_id}/progress-notes"),
        a,
        json!({ "as_of": "2024-11-30", "body": "前年同月比で26.7%削減時間数が増加" }),
    )
    .await;
    assert_eq!(note.status, 201, "{}", note.text);
    assert_eq!(note.json["as_of_label"], "令和6年11月時点");
}

async fn a_milestone_is_marked_done_with_the_etag_and_is_overdue_only_while_planned_past_its_quarter(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let o = org(&app).await;
    let editor = app
        .editor_for("west@city.example.jp", vec![], vec![o.west])
        .await;
    let policy = new_policy(&app, &editor, o.west, 2025).await;
    let issue = new_issue(
        &app,
        &editor,
        policy["id"].as_i64().unwrap(),
        issue("A", 1, "区民に寄り添う、まちの窓口"),
    )
    .await;
    let planned = json!({ "workstream": "子ども受付ルーム", "quarter": 1, "title": "受付ルーム試行設置", "state": "planned" });
    let created = post(
        &app,
        &format!("/api/v1/policy-issues/{}/milestones", issue["id"]),
        &editor,
        planned.clone(),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let m = &created.json;
    assert_eq!(m["quarter_label"], "第1四半期（4～6月）");
    assert_eq!(m["due_on"], "2025-06-30");
    assert_eq!(m["overdue"], true, "planned and past 2025-06-30");
    let path = format!("/api/v1/milestones/{}", m["id"]);

    let mut done = planned.clone();
    done["state"] = json!("done");
    app.send(Method::PUT, &path, &editor, Some(done.clone()), None)
        .await
        .assert_problem(428, "precondition_required");
    let marked = app
        .send(
            Method::PUT,
            &path,
            &editor,
            Some(done.clone()),
            Some("\"1\""),
        )
        .await;
    assert_eq!(marked.status, 200, "{}", marked.text);
    assert_eq!(marked.json["state_label"], "完了");
    assert!(
        marked.json["done_on"].is_string(),
        "done today when no date is given"
    );
    assert_eq!(marked.json["overdue"], false);
    app.send(Method::PUT, &path, &editor, Some(done), Some("\"1\""))
        .await
        .assert_problem(412, "precondition_failed");

    let mut dated_plan = planned;
    dated_plan["done_on"] = json!("2025-05-01");
    let refused = app
        .send(Method::PUT, &path, &editor, Some(dated_plan), Some("\"2\""))
        .await;
    assert_eq!(
        refused.assert_problem(422, "validation_failed")["errors"][0]["pointer"],
        "/done_on"
    );
    let whole = app
        .get(
            &format!("/api/v1/policy-issues/{}", issue["id"]),
            Some(&editor),
        )
        .await;
    assert_eq!(
        whole.json["milestones"][0]["state"], "done",
        "the refused change left it done"
    );
}

async fn a_bureau_has_one_policy_a_year_and_each_issue_code_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let o = org(&app).await;
    let a = &o.admin;
    let policy = new_policy(&app, a, o.west, 2025).await;
    let again = post(
        &app,
        "/api/v1/policies",
        a,
        json!({ "bureau_id": o.west, "fiscal_year": 2025 }),
    )
    .await;
    again.assert_problem(409, "conflict");
    new_policy(&app, a, o.west, 2026).await;
    let policy_id = policy["id"].as_i64().unwrap();
    new_issue(&app, a, policy_id, issue("A", 1, "一つ目")).await;
    let dup = post(
        &app,
        &format!("/api/v1/policies/{policy_id}/issues"),
        a,
        issue("A", 1, "同じ番号"),
    )
    .await;
    assert_eq!(
        dup.assert_problem(422, "validation_failed")["errors"][0]["pointer"],
        "/number"
    );
    new_issue(&app, a, policy_id, issue("B", 1, "別の領域")).await;
    let listed = app
        .get(&format!("/api/v1/policies?bureau_id={}", o.west), Some(a))
        .await;
    assert_eq!(listed.json["total"], 2);
    assert_eq!(listed.json["items"][0]["fiscal_year"], 2026, "newest first");
    assert_eq!(listed.json["items"][1]["issue_count"], 2);
}

async fn only_editors_of_the_bureau_or_its_sections_write_its_policy(backend: Backend) {
    let app = spawn_app(backend).await;
    let o = org(&app).await;
    let moji_editor = app
        .editor_for("moji@city.example.jp", vec![], vec![o.moji])
        .await;
    let section_editor = app
        .editor_for("kokuho@city.example.jp", vec![o.west_section], vec![])
        .await;
    let viewer = app.signed_in("viewer@city.example.jp", "viewer").await;
    post(
        &app,
        "/api/v1/policies",
        &moji_editor,
        json!({ "bureau_id": o.west, "fiscal_year": 2025 }),
    )
    .await
    .assert_problem(403, "forbidden");
    let policy = new_policy(&app, &section_editor, o.west, 2025).await;
    let policy_id = policy["id"].as_i64().unwrap();
    let i = new_issue(
        &app,
        &section_editor,
        policy_id,
        issue("C", 1, "地域とつながる"),
    )
    .await;
    post(
        &app,
        &format!("/api/v1/policy-issues/{}/milestones", i["id"]),
        &moji_editor,
        json!({ "quarter": 2, "title": "検討", "state": "planned" }),
    )
    .await
    .assert_problem(403, "forbidden");
    post(
        &app,
        &format!("/api/v1/policy-issues/{}/kpis", i["id"]),
        &viewer,
        json!({ "name": "参加者", "unit": "人", "baseline_value": 1, "baseline_on": "2025-04-01" }),
    )
    .await
    .assert_problem(403, "forbidden");
    let seen = app
        .get(&format!("/api/v1/policies/{policy_id}"), Some(&viewer))
        .await;
    assert_eq!(seen.status, 200);
    assert_eq!(seen.json["can_edit"], false);
    assert_eq!(seen.json["issues"][0]["can_edit"], false);
    let own = app
        .get(
            &format!("/api/v1/policies/{policy_id}"),
            Some(&section_editor),
        )
        .await;
    assert_eq!(own.json["can_edit"], true);
}

async fn policy_issues_are_found_by_area_field_impact_urgency_and_text(backend: Backend) {
    let app = spawn_app(backend).await;
    let o = org(&app).await;
    let a = &o.admin;
    let west = new_policy(&app, a, o.west, 2025).await["id"]
        .as_i64()
        .unwrap();
    let moji = new_policy(&app, a, o.moji, 2025).await["id"]
        .as_i64()
        .unwrap();
    new_issue(&app, a, west, json!({ "area": "A", "number": 2, "title": "区役所初！フリーアドレス", "policy_field": "働き方改革", "impact": "high", "urgency": "low" })).await;
    new_issue(&app, a, west, json!({ "area": "B", "number": 1, "title": "あらゆる「区民のこえ」の可視化", "policy_field": "行政の透明性", "impact": "high", "urgency": "low" })).await;
    new_issue(&app, a, moji, json!({ "area": "A", "number": 1, "title": "ﾍﾟｰﾊﾟｰﾚｽ会議", "policy_field": "働き方改革", "impact": "low", "urgency": "high" })).await;
    let count = |query: &'static str| {
        let app = &app;
        let token = a.clone();
        async move {
            let answer = app
                .get(&format!("/api/v1/policy-issues?{query}"), Some(&token))
                .await;
            assert_eq!(answer.status, 200, "{query}: {}", answer.text);
            answer.json["total"].as_u64().unwrap()
        }
    };
    assert_eq!(count("area=A").await, 2);
    assert_eq!(count("impact=high&urgency=low").await, 2);
    assert_eq!(
        count("policy_field=%E5%83%8D%E3%81%8D%E6%96%B9%E6%94%B9%E9%9D%A9").await,
        2
    );
    assert_eq!(
        count("q=%E3%83%9A%E3%83%BC%E3%83%91%E3%83%BC").await,
        1,
        "ペーパー finds ﾍﾟｰﾊﾟｰ"
    );
    assert_eq!(count("q=A(2)").await, 1, "the issue code is searchable");
    let by_bureau = app
        .get(
            &format!(
                "/api/v1/policy-issues?bureau_id={}&fiscal_year=2025",
                o.west
            ),
            Some(a),
        )
        .await;
    assert_eq!(by_bureau.json["total"], 2);
    let in_text = app
        .get("/api/v1/policies?q=%E5%8F%AF%E8%A6%96%E5%8C%96", Some(a))
        .await;
    assert_eq!(
        in_text.json["total"], 1,
        "a policy is found by its issues' text"
    );
}

async fn bad_policy_input_is_refused_with_pointers(backend: Backend) {
    let app = spawn_app(backend).await;
    let o = org(&app).await;
    let a = &o.admin;
    let policy = new_policy(&app, a, o.west, 2025).await;
    let policy_id = policy["id"].as_i64().unwrap();
    let bad_issue = post(
        &app,
        &format!("/api/v1/policies/{policy_id}/issues"),
        a,
        json!({ "area": "A", "number": 1, "title": "中", "impact": "medium" }),
    )
    .await;
    assert_eq!(
        bad_issue.assert_problem(422, "validation_failed")["errors"][0]["pointer"],
        "/impact"
    );
    let bad_area = post(
        &app,
        &format!("/api/v1/policies/{policy_id}/issues"),
        a,
        json!({ "area": "D", "number": 1, "title": "領域外" }),
    )
    .await;
    bad_area.assert_problem(422, "validation_failed");
    let i = new_issue(&app, a, policy_id, issue("A", 1, "窓口")).await;
    let issue_id = i["id"].as_i64().unwrap();
    let bad_quarter = post(
        &app,
        &format!("/api/v1/policy-issues/{issue_id}/milestones"),
        a,
        json!({ "quarter": 5, "title": "第5四半期", "state": "planned" }),
    )
    .await;
    assert_eq!(
        bad_quarter.assert_problem(422, "validation_failed")["errors"][0]["pointer"],
        "/quarter"
    );
    let huge = post(
        &app,
        &format!("/api/v1/policy-issues/{issue_id}/kpis"),
        a,
        json!({ "name": "巨大", "unit": "件", "baseline_value": 1e20, "baseline_on": "2025-04-01" }),
    )
    .await;
    assert_eq!(
        huge.assert_problem(422, "validation_failed")["errors"][0]["pointer"],
        "/baseline_value"
    );
    let bad_date = post(
        &app,
        &format!("/api/v1/policy-issues/{issue_id}/kpis"),
        a,
        json!({ "name": "日付", "unit": "件", "baseline_value": 1, "baseline_on": "R7.4.1" }),
    )
    .await;
    bad_date.assert_problem(422, "validation_failed");
    post(
        &app,
        "/api/v1/policies/999999/issues",
        a,
        issue("A", 1, "無"),
    )
    .await
    .assert_problem(404, "not_found");
    let whole = app
        .get(&format!("/api/v1/policy-issues/{issue_id}"), Some(a))
        .await;
    assert_eq!(whole.json["milestones"], json!([]));
    assert_eq!(whole.json["kpis"], json!([]));
}

/// The API takes these names up to 300 characters; PostgreSQL's columns were 200 wide and
/// answered such a write with a 500.
async fn a_kpi_name_and_a_workstream_as_long_as_the_api_allows_are_stored(backend: Backend) {
    let app = spawn_app(backend).await;
    let o = org(&app).await;
    let policy = new_policy(&app, &o.admin, o.moji, 2024).await;
    let issue = new_issue(
        &app,
        &o.admin,
        policy["id"].as_i64().unwrap(),
        issue("A", 1, "業務効率化"),
    )
    .await;
    let longest = "指".repeat(300);
    let kpi = post(
        &app,
        &format!("/api/v1/policy-issues/{}/kpis", issue["id"]),
        &o.admin,
        json!({ "name": longest, "unit": "時間", "baseline_value": 1, "baseline_on": "2023-11-30" }),
    )
    .await;
    assert_eq!(kpi.status, 201, "{}", kpi.text);
    assert_eq!(kpi.json["name"], json!(longest));
    let milestone = post(
        &app,
        &format!("/api/v1/policy-issues/{}/milestones", issue["id"]),
        &o.admin,
        json!({ "workstream": longest, "quarter": 1, "title": "試行", "state": "planned" }),
    )
    .await;
    assert_eq!(milestone.status, 201, "{}", milestone.text);
    assert_eq!(milestone.json["workstream"], json!(longest));
    let too_long = post(
        &app,
        &format!("/api/v1/policy-issues/{}/kpis", issue["id"]),
        &o.admin,
        json!({ "name": format!("{longest}指"), "unit": "時間", "baseline_value": 1, "baseline_on": "2023-11-30" }),
    )
    .await;
    assert_eq!(
        too_long.assert_problem(422, "validation_failed")["errors"][0]["pointer"],
        "/name"
    );
}
