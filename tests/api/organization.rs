//! Bureaus and sections: admins write, everyone reads, and a renamed section keeps its identity
//! with each name answering for its own dates.

use crate::helpers::{Answer, Backend, TestApp, spawn_app};
use crate::on_both_databases;
use serde_json::{Value, json};

on_both_databases!(
    admins_create_bureaus_and_sections_that_everyone_signed_in_reads,
    a_renamed_section_keeps_its_id_and_answers_to_each_name_on_its_dates,
    a_section_is_left_out_of_lists_as_of_a_date_before_it_existed,
    updates_need_the_etag_last_read_and_refuse_a_stale_one,
    only_admins_may_change_the_organisation,
    bad_organisation_input_is_refused_with_pointers_and_nothing_is_stored,
    every_organisation_write_is_in_the_audit_trail_with_before_and_after,
);

async fn post(app: &TestApp, path: &str, token: &str, body: Value) -> Answer {
    app.send(reqwest::Method::POST, path, token, Some(body), None)
        .await
}

async fn send(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    token: &str,
    body: Option<Value>,
    if_match: Option<&str>,
) -> Answer {
    app.send(method, path, token, body, if_match).await
}

async fn new_bureau(app: &TestApp, token: &str, name: &str) -> i64 {
    let answer = post(app, "/api/v1/bureaus", token, json!({ "name": name })).await;
    assert_eq!(answer.status, 201, "{}", answer.text);
    answer.json["id"].as_i64().unwrap()
}

async fn new_section(app: &TestApp, token: &str, bureau_id: i64, name: &str, from: &str) -> Answer {
    let answer = post(
        app,
        "/api/v1/sections",
        token,
        json!({ "bureau_id": bureau_id, "name": name, "effective_from": from }),
    )
    .await;
    assert_eq!(answer.status, 201, "{}", answer.text);
    answer
}

async fn admins_create_bureaus_and_sections_that_everyone_signed_in_reads(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.signed_in("admin@city.example.jp", "admin").await;
    let viewer = app.signed_in("viewer@city.example.jp", "viewer").await;

    let ward = post(
        &app,
        "/api/v1/bureaus",
        &admin,
        json!({ "name": "八幡西区役所", "sort_order": 27 }),
    )
    .await;
    assert_eq!(ward.status, 201, "{}", ward.text);
    assert_eq!(
        ward.json["kind"], "ward_office",
        "the kind follows the name"
    );
    assert_eq!(ward.json["kind_label"], "区役所");
    assert_eq!(ward.header("etag"), Some("\"1\""));
    let mayor = new_bureau(&app, &admin, "市長公室").await;
    new_section(&app, &admin, mayor, "広報戦略課", "2019-04-01").await;

    let bureaus = app.get("/api/v1/bureaus", Some(&viewer)).await;
    assert_eq!(bureaus.status, 200);
    let names: Vec<&str> = bureaus
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        vec!["市長公室", "八幡西区役所"],
        "ordered by sort_order"
    );

    let sections = app
        .get(
            &format!("/api/v1/sections?bureau_id={mayor}"),
            Some(&viewer),
        )
        .await;
    assert_eq!(sections.json.as_array().unwrap().len(), 1);
    assert_eq!(sections.json[0]["name"], "広報戦略課");
    let other = app
        .get(
            &format!("/api/v1/sections?bureau_id={}", ward.json["id"]),
            Some(&viewer),
        )
        .await;
    assert_eq!(other.json, json!([]));
}

async fn a_renamed_section_keeps_its_id_and_answers_to_each_name_on_its_dates(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.signed_in("admin@city.example.jp", "admin").await;
    let mayor = new_bureau(&app, &admin, "市長公室").await;
    let created = new_section(&app, &admin, mayor, "広報戦略課", "2019-04-01").await;
    let id = created.json["id"].as_i64().unwrap();

    let renamed = send(
        &app,
        reqwest::Method::POST,
        &format!("/api/v1/sections/{id}/renames"),
        &admin,
        Some(json!({ "name": "企画・マーケティング課", "effective_from": "2026-04-01" })),
        created.header("etag"),
    )
    .await;
    assert_eq!(renamed.status, 201, "{}", renamed.text);
    assert_eq!(renamed.json["id"], id);
    assert_eq!(renamed.header("etag"), Some("\"2\""));

    let before = app
        .get("/api/v1/sections?as_of=2026-03-31", Some(&admin))
        .await;
    let after = app
        .get("/api/v1/sections?as_of=2026-04-01", Some(&admin))
        .await;
    assert_eq!(before.json[0]["name"], "広報戦略課");
    assert_eq!(after.json[0]["name"], "企画・マーケティング課");
    assert_eq!(before.json[0]["id"], after.json[0]["id"]);

    let detail = app
        .get(
            &format!("/api/v1/sections/{id}?as_of=2025-11-25"),
            Some(&admin),
        )
        .await;
    assert_eq!(detail.json["name"], "広報戦略課");
    assert_eq!(
        detail.json["names"],
        json!([
            { "name": "広報戦略課", "effective_from": "2019-04-01" },
            { "name": "企画・マーケティング課", "effective_from": "2026-04-01" }
        ])
    );
}

async fn a_section_is_left_out_of_lists_as_of_a_date_before_it_existed(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.signed_in("admin@city.example.jp", "admin").await;
    let bureau = new_bureau(&app, &admin, "デジタル市役所推進室").await;
    new_section(&app, &admin, bureau, "DX推進課", "2021-04-01").await;

    assert_eq!(
        app.get("/api/v1/sections?as_of=2021-03-31", Some(&admin))
            .await
            .json,
        json!([])
    );
    assert_eq!(
        app.get("/api/v1/sections?as_of=2021-04-01", Some(&admin))
            .await
            .json
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

async fn updates_need_the_etag_last_read_and_refuse_a_stale_one(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.signed_in("admin@city.example.jp", "admin").await;
    let id = new_bureau(&app, &admin, "保健福祉局").await;
    let path = format!("/api/v1/bureaus/{id}");
    let change = |order: i32| Some(json!({ "sort_order": order }));

    let missing = send(&app, reqwest::Method::PATCH, &path, &admin, change(3), None).await;
    missing.assert_problem(428, "precondition_required");

    let first = send(
        &app,
        reqwest::Method::PATCH,
        &path,
        &admin,
        change(3),
        Some("\"1\""),
    )
    .await;
    assert_eq!(first.status, 200, "{}", first.text);
    assert_eq!(first.json["sort_order"], 3);
    assert_eq!(first.header("etag"), Some("\"2\""));

    let stale = send(
        &app,
        reqwest::Method::PATCH,
        &path,
        &admin,
        change(9),
        Some("\"1\""),
    )
    .await;
    stale.assert_problem(412, "precondition_failed");
    let garbage = send(
        &app,
        reqwest::Method::PATCH,
        &path,
        &admin,
        change(9),
        Some("yesterday"),
    )
    .await;
    garbage.assert_problem(412, "precondition_failed");

    let now = app.get(&path, Some(&admin)).await;
    assert_eq!(now.json["sort_order"], 3, "the stale write changed nothing");
    assert_eq!(now.header("etag"), Some("\"2\""));
}

async fn only_admins_may_change_the_organisation(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.signed_in("admin@city.example.jp", "admin").await;
    let id = new_bureau(&app, &admin, "環境局").await;
    for (email, role) in [
        ("e@city.example.jp", "editor"),
        ("v@city.example.jp", "viewer"),
        ("p@city.example.jp", "proposer"),
    ] {
        let token = app.signed_in(email, role).await;
        post(
            &app,
            "/api/v1/bureaus",
            &token,
            json!({ "name": "新しい局" }),
        )
        .await
        .assert_problem(403, "forbidden");
        post(
            &app,
            "/api/v1/sections",
            &token,
            json!({ "bureau_id": id, "name": "新しい課" }),
        )
        .await
        .assert_problem(403, "forbidden");
        assert_eq!(app.get("/api/v1/bureaus", Some(&token)).await.status, 200);
    }
    assert_eq!(app.get("/api/v1/bureaus", None).await.status, 401);
}

async fn bad_organisation_input_is_refused_with_pointers_and_nothing_is_stored(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.signed_in("admin@city.example.jp", "admin").await;
    let id = new_bureau(&app, &admin, "建築都市局").await;

    post(
        &app,
        "/api/v1/bureaus",
        &admin,
        json!({ "name": "建築都市局" }),
    )
    .await
    .assert_problem(409, "conflict");
    for (body, pointer) in [
        (json!({ "name": "" }), "/name"),
        (json!({ "name": "   " }), "/name"),
        (json!({ "name": "局\u{0}" }), "/name"),
        (json!({ "name": "長".repeat(101) }), "/name"),
        (json!({ "name": "局", "kind": "castle" }), "/kind"),
        (json!({ "name": "局", "sort_order": -1 }), "/sort_order"),
    ] {
        let answer = post(&app, "/api/v1/bureaus", &admin, body).await;
        assert_eq!(
            answer.assert_problem(422, "validation_failed")["errors"][0]["pointer"],
            pointer,
            "{}",
            answer.text
        );
    }
    let unknown_bureau = post(
        &app,
        "/api/v1/sections",
        &admin,
        json!({ "bureau_id": 999_999, "name": "幽霊課" }),
    )
    .await;
    assert_eq!(
        unknown_bureau.assert_problem(422, "validation_failed")["errors"][0]["pointer"],
        "/bureau_id"
    );
    let bad_date = post(
        &app,
        "/api/v1/sections",
        &admin,
        json!({ "bureau_id": id, "name": "課", "effective_from": "R8.4.1" }),
    )
    .await;
    assert_eq!(
        bad_date.assert_problem(422, "validation_failed")["errors"][0]["pointer"],
        "/effective_from"
    );
    app.get("/api/v1/sections?as_of=2026-13-01", Some(&admin))
        .await
        .assert_problem(422, "validation_failed");
    app.get("/api/v1/bureaus/abc", Some(&admin))
        .await
        .assert_problem(400, "invalid_path");
    app.get("/api/v1/bureaus/424242", Some(&admin))
        .await
        .assert_problem(404, "not_found");

    let section = new_section(&app, &admin, id, "ＤＸ推進課", "2020-04-01").await;
    let sid = section.json["id"].as_i64().unwrap();
    let same_day = send(
        &app,
        reqwest::Method::POST,
        &format!("/api/v1/sections/{sid}/renames"),
        &admin,
        Some(json!({ "name": "別名", "effective_from": "2020-04-01" })),
        Some("\"1\""),
    )
    .await;
    same_day.assert_problem(409, "conflict");

    let bureaus = app.get("/api/v1/bureaus", Some(&admin)).await;
    assert_eq!(
        bureaus.json.as_array().unwrap().len(),
        1,
        "nothing half-written: {}",
        bureaus.text
    );
    let sections = app.get("/api/v1/sections", Some(&admin)).await;
    assert_eq!(sections.json.as_array().unwrap().len(), 1);
    assert_eq!(sections.json[0]["names"].as_array().unwrap().len(), 1);
    assert_eq!(sections.json[0]["version"], 1);
}

async fn every_organisation_write_is_in_the_audit_trail_with_before_and_after(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.signed_in("admin@city.example.jp", "admin").await;
    let id = new_bureau(&app, &admin, "市長公室").await;
    let section = new_section(&app, &admin, id, "広報戦略課", "2019-04-01").await;
    let sid = section.json["id"].as_i64().unwrap();
    send(
        &app,
        reqwest::Method::POST,
        &format!("/api/v1/sections/{sid}/renames"),
        &admin,
        Some(json!({ "name": "企画・マーケティング課", "effective_from": "2026-04-01" })),
        Some("\"1\""),
    )
    .await;

    let trail = app
        .get(
            &format!("/api/v1/audit-events?entity_type=section&entity_id={sid}"),
            Some(&admin),
        )
        .await;
    let events = trail.json["items"].as_array().unwrap();
    assert_eq!(events.len(), 2, "{}", trail.text);
    assert_eq!(events[0]["action"], "section.rename");
    assert_eq!(events[0]["actor_kind"], "user");
    assert_eq!(events[0]["before"]["names"].as_array().unwrap().len(), 1);
    assert_eq!(events[0]["after"]["names"].as_array().unwrap().len(), 2);
    assert!(
        events[0]["request_id"]
            .as_str()
            .is_some_and(|r| !r.is_empty())
    );
    assert_eq!(events[1]["action"], "section.create");
}
