//! The digital-system ledger and the city-wide targets: where the city stands is computed from
//! the ledger, and figures published without item detail are dated measurements, not items.

use crate::helpers::{Backend, TestApp, spawn_app};
use crate::on_both_databases;
use crate::reforms::{org, post};
use reqwest::Method;
use serde_json::{Value, json};

on_both_databases!(
    where_the_city_stands_is_computed_from_the_ledger_against_its_targets,
    a_ledger_entry_carries_the_dates_its_status_needs_and_is_written_by_its_sections_editors,
    the_ledger_is_found_by_bureau_platform_status_in_house_and_text,
    only_admins_set_targets_and_record_their_published_figures,
    a_system_name_and_a_target_name_as_long_as_the_api_allows_are_stored,
    a_stale_write_to_a_system_changes_nothing_and_each_accepted_one_is_audited_before_and_after,
);

fn system(
    section_id: i64,
    name: &str,
    status: &str,
    in_house: bool,
    started: Option<&str>,
    hours: f64,
) -> Value {
    json!({
        "name": name, "section_id": section_id, "platform": "kintone", "built_in_house": in_house,
        "status": status, "production_started_on": started, "annual_hours_saved": hours,
        "cost_effect_yen": 1_000_000,
        "retired_on": if status == "retired" { json!("2025-03-31") } else { Value::Null },
    })
}

async fn new_system(app: &TestApp, token: &str, body: Value) -> Value {
    let a = post(app, "/api/v1/digital-systems", token, body).await;
    assert_eq!(a.status, 201, "{}", a.text);
    a.json
}

async fn where_the_city_stands_is_computed_from_the_ledger_against_its_targets(backend: Backend) {
    let app = spawn_app(backend).await;
    let o = org(&app).await;
    let a = &o.admin;
    new_system(
        &app,
        a,
        system(
            o.west_section,
            "発生届システム",
            "production",
            true,
            Some("2023-06-01"),
            30_000.0,
        ),
    )
    .await;
    new_system(
        &app,
        a,
        system(
            o.moji_section,
            "委託RPA",
            "production",
            false,
            Some("2024-10-01"),
            10_000.0,
        ),
    )
    .await;
    new_system(
        &app,
        a,
        system(o.moji_section, "試行アプリ", "trial", true, None, 5_000.0),
    )
    .await;
    new_system(
        &app,
        a,
        system(
            o.west_section,
            "旧アプリ",
            "retired",
            true,
            Some("2022-04-01"),
            9_000.0,
        ),
    )
    .await;

    let hours = post(
        &app,
        "/api/v1/targets",
        a,
        json!({ "code": "annual-hours-saved", "name": "年間削減作業時間", "metric": "annual_hours_saved",
                "unit": "時間", "target_value": 100000, "due_on": "2026-03-31" }),
    )
    .await;
    assert_eq!(hours.status, 201, "{}", hours.text);
    let systems = post(
        &app,
        "/api/v1/targets",
        a,
        json!({ "code": "systems-in-operation", "name": "運用システム数", "metric": "systems_in_operation", "unit": "システム" }),
    )
    .await;
    assert_eq!(systems.status, 201, "{}", systems.text);
    let published = post(
        &app,
        &format!("/api/v1/targets/{}/measurements", systems.json["id"]),
        a,
        json!({ "value": 307, "measured_on": "2024-03-31", "fiscal_year": 2023, "source": "kintone 事例 7 取組の効果・費用", "note": "うち内製281" }),
    )
    .await;
    assert_eq!(published.status, 201, "{}", published.text);

    let answer = app.get("/api/v1/targets", Some(a)).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    let ledger = &answer.json["ledger"];
    assert_eq!(
        ledger["systems_total"], 4,
        "the 307 published are a measurement, not items"
    );
    assert_eq!(ledger["systems_in_production"], 2);
    assert_eq!(
        ledger["annual_hours_saved"], 40_000.0,
        "production systems only"
    );
    assert_eq!(ledger["cost_effect_yen"], 2_000_000);
    assert_eq!(
        ledger["in_house_rate_percent"], 66.7,
        "2 of the 3 in operation"
    );
    assert_eq!(ledger["by_bureau"][0]["bureau_name"], "八幡西区役所");
    assert_eq!(ledger["by_bureau"][0]["annual_hours_saved"], 30_000.0);
    let years: Vec<(Value, Value)> = ledger["by_fiscal_year"]
        .as_array()
        .unwrap()
        .iter()
        .map(|y| {
            (
                y["fiscal_year_label"].clone(),
                y["cumulative_hours_saved"].clone(),
            )
        })
        .collect();
    assert_eq!(
        years,
        vec![
            (json!("令和5年度"), json!(30_000.0)),
            (json!("令和6年度"), json!(40_000.0)),
        ]
    );
    let targets = answer.json["targets"].as_array().unwrap();
    assert_eq!(targets[0]["ledger_value"], 40_000.0);
    assert_eq!(targets[0]["progress_percent"], 40.0);
    assert_eq!(targets[0]["due_label"], "令和8年3月31日");
    assert_eq!(
        targets[1]["ledger_value"], 3.0,
        "trial and production are in operation"
    );
    assert_eq!(targets[1]["measurements"][0]["value"], 307.0);
    assert_eq!(
        targets[1]["measurements"][0]["fiscal_year_label"],
        "令和5年度"
    );
}

async fn a_ledger_entry_carries_the_dates_its_status_needs_and_is_written_by_its_sections_editors(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let o = org(&app).await;
    let section_editor = app
        .editor_for("kokuho@city.example.jp", vec![o.west_section], vec![])
        .await;
    let viewer = app.signed_in("viewer@city.example.jp", "viewer").await;
    let mut no_date = system(o.west_section, "本運用", "production", true, None, 1.0);
    let refused = post(
        &app,
        "/api/v1/digital-systems",
        &section_editor,
        no_date.clone(),
    )
    .await;
    assert_eq!(
        refused.assert_problem(422, "validation_failed")["errors"][0]["pointer"],
        "/production_started_on"
    );
    no_date["status"] = json!("trial");
    no_date["retired_on"] = json!("2025-01-01");
    let refused = post(&app, "/api/v1/digital-systems", &section_editor, no_date).await;
    assert_eq!(
        refused.assert_problem(422, "validation_failed")["errors"][0]["pointer"],
        "/retired_on"
    );
    let mut backwards = system(
        o.west_section,
        "逆順",
        "production",
        true,
        Some("2024-01-01"),
        1.0,
    );
    backwards["trial_started_on"] = json!("2024-06-01");
    post(&app, "/api/v1/digital-systems", &section_editor, backwards)
        .await
        .assert_problem(422, "validation_failed");
    let mut negative = system(o.west_section, "負の時間", "trial", true, None, 1.0);
    negative["annual_hours_saved"] = json!(-5);
    post(&app, "/api/v1/digital-systems", &section_editor, negative)
        .await
        .assert_problem(422, "validation_failed");
    post(
        &app,
        "/api/v1/digital-systems",
        &section_editor,
        system(o.moji_section, "他区", "trial", true, None, 1.0),
    )
    .await
    .assert_problem(403, "forbidden");
    post(
        &app,
        "/api/v1/digital-systems",
        &viewer,
        system(o.west_section, "閲覧者", "trial", true, None, 1.0),
    )
    .await
    .assert_problem(403, "forbidden");

    let created = new_system(
        &app,
        &section_editor,
        system(o.west_section, "国保届出アプリ", "trial", true, None, 120.5),
    )
    .await;
    assert_eq!(created["status_label"], "試行");
    assert_eq!(created["bureau_name"], "八幡西区役所");
    let path = format!("/api/v1/digital-systems/{}", created["id"]);
    let promoted = system(
        o.west_section,
        "国保届出アプリ",
        "production",
        true,
        Some("2025-10-01"),
        120.5,
    );
    app.send(
        Method::PUT,
        &path,
        &section_editor,
        Some(promoted.clone()),
        None,
    )
    .await
    .assert_problem(428, "precondition_required");
    let updated = app
        .send(
            Method::PUT,
            &path,
            &section_editor,
            Some(promoted),
            Some("\"1\""),
        )
        .await;
    assert_eq!(updated.status, 200, "{}", updated.text);
    assert_eq!(updated.json["status_label"], "本運用");
    let seen = app.get(&path, Some(&viewer)).await;
    assert_eq!(seen.json["can_edit"], false);
    assert_eq!(seen.json["links"], json!([]));
    app.send(Method::DELETE, &path, &viewer, None, Some("\"2\""))
        .await
        .assert_problem(403, "forbidden");
    let deleted = app
        .send(Method::DELETE, &path, &section_editor, None, Some("\"2\""))
        .await;
    assert_eq!(deleted.status, 204, "{}", deleted.text);
}

async fn the_ledger_is_found_by_bureau_platform_status_in_house_and_text(backend: Backend) {
    let app = spawn_app(backend).await;
    let o = org(&app).await;
    let a = &o.admin;
    new_system(
        &app,
        a,
        system(o.west_section, "ｷﾝﾄｰﾝ 届出", "trial", true, None, 1.0),
    )
    .await;
    let mut rpa = system(
        o.moji_section,
        "請求書RPA",
        "production",
        false,
        Some("2024-04-01"),
        2.0,
    );
    rpa["platform"] = json!("rpa");
    new_system(&app, a, rpa).await;
    let count = |query: String| {
        let app = &app;
        let token = a.clone();
        async move {
            let answer = app
                .get(&format!("/api/v1/digital-systems?{query}"), Some(&token))
                .await;
            assert_eq!(answer.status, 200, "{query}: {}", answer.text);
            answer.json["total"].as_u64().unwrap()
        }
    };
    assert_eq!(count(format!("bureau_id={}", o.moji)).await, 1);
    assert_eq!(count("platform=rpa".into()).await, 1);
    assert_eq!(count("status=trial".into()).await, 1);
    assert_eq!(count("built_in_house=false".into()).await, 1);
    assert_eq!(
        count("q=%E3%82%AD%E3%83%B3%E3%83%88%E3%83%BC%E3%83%B3".into()).await,
        1,
        "キントーン finds ｷﾝﾄｰﾝ"
    );
    let sorted = app
        .get("/api/v1/digital-systems?sort=-annual_hours_saved", Some(a))
        .await;
    assert_eq!(sorted.json["items"][0]["name"], "請求書RPA");
    app.get("/api/v1/digital-systems?per_page=201", Some(a))
        .await
        .assert_problem(422, "validation_failed");
}

async fn only_admins_set_targets_and_record_their_published_figures(backend: Backend) {
    let app = spawn_app(backend).await;
    let o = org(&app).await;
    let editor = app
        .editor_for("west@city.example.jp", vec![], vec![o.west])
        .await;
    let target = json!({ "code": "cost-effect", "name": "節減効果額", "metric": "cost_effect_yen", "unit": "円", "target_value": 10_000_000_000_i64, "due_on": "2026-03-31" });
    post(&app, "/api/v1/targets", &editor, target.clone())
        .await
        .assert_problem(403, "forbidden");
    let created = post(&app, "/api/v1/targets", &o.admin, target.clone()).await;
    assert_eq!(created.status, 201, "{}", created.text);
    let dup = post(&app, "/api/v1/targets", &o.admin, target).await;
    assert_eq!(
        dup.assert_problem(422, "validation_failed")["errors"][0]["pointer"],
        "/code"
    );
    let bad_code = post(
        &app,
        "/api/v1/targets",
        &o.admin,
        json!({ "code": "目標", "name": "x", "metric": "other", "unit": "件" }),
    )
    .await;
    bad_code.assert_problem(422, "validation_failed");
    let id = created.json["id"].as_i64().unwrap();
    let measured = post(
        &app,
        &format!("/api/v1/targets/{id}/measurements"),
        &o.admin,
        json!({ "value": 5_377_931_000_i64, "measured_on": "2024-03-31", "source": "kintone 事例" }),
    )
    .await;
    assert_eq!(measured.status, 201, "{}", measured.text);
    assert_eq!(measured.header("etag"), Some("\"2\""));
    let measurement_id = measured.json["measurements"][0]["id"].as_i64().unwrap();
    app.send(
        Method::DELETE,
        &format!("/api/v1/target-measurements/{measurement_id}"),
        &editor,
        None,
        None,
    )
    .await
    .assert_problem(403, "forbidden");
    let deleted = app
        .send(
            Method::DELETE,
            &format!("/api/v1/target-measurements/{measurement_id}"),
            &o.admin,
            None,
            None,
        )
        .await;
    assert_eq!(deleted.status, 204);
    let listed = app.get("/api/v1/targets", Some(&editor)).await;
    assert_eq!(listed.json["targets"][0]["measurements"], json!([]));
    assert_eq!(listed.json["targets"][0]["can_edit"], false);
}

/// The API takes these names up to 300 characters; PostgreSQL's columns were 200 wide and
/// answered such a write with a 500.
async fn a_system_name_and_a_target_name_as_long_as_the_api_allows_are_stored(backend: Backend) {
    let app = spawn_app(backend).await;
    let o = org(&app).await;
    let longest = "台".repeat(300);
    let created = new_system(
        &app,
        &o.admin,
        system(o.west_section, &longest, "trial", true, None, 10.0),
    )
    .await;
    assert_eq!(created["name"], json!(longest));
    let target = post(
        &app,
        "/api/v1/targets",
        &o.admin,
        json!({ "code": "long-name", "name": longest, "metric": "other", "unit": "件" }),
    )
    .await;
    assert_eq!(target.status, 201, "{}", target.text);
    assert_eq!(target.json["name"], json!(longest));
}

async fn a_stale_write_to_a_system_changes_nothing_and_each_accepted_one_is_audited_before_and_after(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let o = org(&app).await;
    let admin = o.admin.clone();
    let created = new_system(
        &app,
        &admin,
        system(o.west_section, "窓口予約", "trial", true, None, 10.0),
    )
    .await;
    let id = created["id"].as_i64().unwrap();
    let path = format!("/api/v1/digital-systems/{id}");
    let renamed = system(
        o.west_section,
        "窓口予約システム",
        "trial",
        true,
        None,
        10.0,
    );
    app.send(
        Method::PUT,
        &path,
        &admin,
        Some(renamed.clone()),
        Some("\"7\""),
    )
    .await
    .assert_problem(412, "precondition_failed");
    let updated = app
        .send(Method::PUT, &path, &admin, Some(renamed), Some("\"1\""))
        .await;
    assert_eq!(updated.status, 200, "{}", updated.text);
    app.send(Method::DELETE, &path, &admin, None, Some("\"1\""))
        .await
        .assert_problem(412, "precondition_failed");
    assert_eq!(
        app.get(&path, Some(&admin)).await.json["name"],
        "窓口予約システム"
    );
    let deleted = app
        .send(Method::DELETE, &path, &admin, None, Some("\"2\""))
        .await;
    assert_eq!(deleted.status, 204, "{}", deleted.text);

    let trail = app
        .get(
            &format!("/api/v1/audit-events?entity_type=digital_system&entity_id={id}"),
            Some(&admin),
        )
        .await;
    let events = trail.json["items"].as_array().unwrap();
    let actions: Vec<&str> = events.iter().filter_map(|e| e["action"].as_str()).collect();
    assert_eq!(
        actions,
        [
            "digital_system.delete",
            "digital_system.update",
            "digital_system.create"
        ],
        "{}",
        trail.text
    );
    assert_eq!(events[0]["before"]["version"], 2);
    assert_eq!(events[0]["after"], Value::Null);
    assert_eq!(events[1]["before"]["name"], "窓口予約");
    assert_eq!(events[1]["after"]["name"], "窓口予約システム");
    assert_eq!(events[1]["after"]["version"], 2);
}
