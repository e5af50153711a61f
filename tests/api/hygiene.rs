//! Input and output hygiene: invisible formatting characters never reach stored text (by the API
//! or an import), search terms lose them, broken query strings and over-long addresses are
//! problems, authenticated answers are not cached, and CSV cells that Excel would run as a
//! formula are neutralised in any width.

use crate::data_exchange::{download, import};
use crate::helpers::{Answer, Backend, TestApp, spawn_app};
use crate::on_both_databases;
use crate::reforms::{org, post, reform};
use reqwest::Method;
use serde_json::json;

on_both_databases!(
    a_right_to_left_override_or_zero_width_space_is_refused_in_titles_names_and_tags,
    a_joiner_inside_an_emoji_is_kept_in_free_text_but_not_in_a_title,
    an_import_row_with_an_invisible_character_is_rejected_and_nothing_is_stored,
    a_search_term_with_a_zero_width_space_still_finds_what_it_shows,
    an_invalid_percent_escape_in_the_query_is_a_400_problem,
    an_over_long_request_target_is_a_414_problem,
    authenticated_answers_tell_caches_not_to_keep_them,
    a_full_width_equals_sign_is_neutralised_in_a_csv_export,
);

fn field_codes(answer: &Answer) -> Vec<(String, String)> {
    answer.json["errors"]
        .as_array()
        .unwrap_or(&Vec::new())
        .iter()
        .map(|e| {
            (
                e["pointer"].as_str().unwrap_or_default().to_owned(),
                e["code"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

fn percent_encoded(text: &str) -> String {
    text.bytes().map(|b| format!("%{b:02X}")).collect()
}

async fn total_reforms(app: &TestApp, token: &str) -> i64 {
    let list = app.get("/api/v1/reforms", Some(token)).await;
    assert_eq!(list.status, 200, "{}", list.text);
    list.json["total"].as_i64().unwrap()
}

async fn a_right_to_left_override_or_zero_width_space_is_refused_in_titles_names_and_tags(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let org = org(&app).await;
    for title in [
        "申請書\u{202E}fdp.exe",
        "電子\u{200B}申請",
        "\u{2066}隔離\u{2069}",
        "\u{FEFF}先頭",
    ] {
        let answer = post(&app, "/api/v1/reforms", &org.admin, reform(org.west, title)).await;
        answer.assert_problem(422, "validation_failed");
        assert_eq!(
            field_codes(&answer),
            vec![("/title".to_owned(), "invisible_character".to_owned())],
            "{title:?}"
        );
    }
    let mut tagged = reform(org.west, "タグの確認");
    tagged["tags"] = json!(["kintone", "AI\u{200D}"]);
    let answer = post(&app, "/api/v1/reforms", &org.admin, tagged).await;
    answer.assert_problem(422, "validation_failed");
    assert_eq!(
        field_codes(&answer),
        vec![("/tags/1".to_owned(), "invisible_character".to_owned())]
    );
    let mut long_text = reform(org.west, "本文の確認");
    long_text["problem"] = json!("【課題】\n承認\u{202E}済み");
    let answer = post(&app, "/api/v1/reforms", &org.admin, long_text).await;
    assert_eq!(
        field_codes(&answer),
        vec![("/problem".to_owned(), "invisible_character".to_owned())]
    );
    assert_eq!(total_reforms(&app, &org.admin).await, 0);

    let bureau = post(
        &app,
        "/api/v1/bureaus",
        &org.admin,
        json!({ "name": "総務\u{202E}局" }),
    )
    .await;
    assert_eq!(
        field_codes(&bureau),
        vec![("/name".to_owned(), "invisible_character".to_owned())]
    );
    let user = post(
        &app,
        "/api/v1/users",
        &org.admin,
        json!({ "email": "hanako@city.example.jp", "display_name": "花子\u{200B}", "role": "viewer", "password": "correct horse battery" }),
    )
    .await;
    assert_eq!(
        field_codes(&user),
        vec![("/display_name".to_owned(), "invisible_character".to_owned())]
    );
}

async fn a_joiner_inside_an_emoji_is_kept_in_free_text_but_not_in_a_title(backend: Backend) {
    let app = spawn_app(backend).await;
    let org = org(&app).await;
    let family = "子育て世帯 👨\u{200D}👩\u{200D}👧 の手続を一度に";
    let mut body = reform(org.west, "子育て手続の一括化");
    body["effect"] = json!(family);
    let created = post(&app, "/api/v1/reforms", &org.admin, body).await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(created.json["effect"], family);

    let titled = post(
        &app,
        "/api/v1/reforms",
        &org.admin,
        reform(org.west, family),
    )
    .await;
    assert_eq!(
        field_codes(&titled),
        vec![("/title".to_owned(), "invisible_character".to_owned())]
    );
}

async fn an_import_row_with_an_invisible_character_is_rejected_and_nothing_is_stored(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let org = org(&app).await;
    let csv = "年度,局・区,取組名\r\n\
               2025,八幡西区役所,普通の取組\r\n\
               2025,八幡西区役所,請求書\u{202E}fdp.exe\r\n";
    let job = import(&app, &org.admin, "kind=reforms", "rows.csv", csv.as_bytes()).await;
    assert_eq!(job.json["state"], "rejected", "{}", job.text);
    let row = &job.json["rows"][1];
    assert_eq!(row["outcome"], "rejected", "{}", job.text);
    assert_eq!(row["errors"][0]["column"], "取組名");
    assert_eq!(row["errors"][0]["code"], "invisible_character");
    assert_eq!(total_reforms(&app, &org.admin).await, 0);
}

async fn a_search_term_with_a_zero_width_space_still_finds_what_it_shows(backend: Backend) {
    let app = spawn_app(backend).await;
    let org = org(&app).await;
    let created = post(
        &app,
        "/api/v1/reforms",
        &org.admin,
        reform(org.west, "電子申請の受付を拡大"),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let pasted = "電子\u{200B}申請";
    let q = percent_encoded(pasted);
    let list = app
        .get(&format!("/api/v1/reforms?q={q}"), Some(&org.admin))
        .await;
    assert_eq!(list.status, 200, "{}", list.text);
    assert_eq!(list.json["total"], 1, "{}", list.text);
    let search = app
        .get(&format!("/api/v1/search?q={q}"), Some(&org.admin))
        .await;
    assert_eq!(search.status, 200, "{}", search.text);
    assert_eq!(search.json["terms"], json!(["電子申請"]), "{}", search.text);
    assert_eq!(search.json["total"], 1, "{}", search.text);
    assert_eq!(
        search.json["hits"][0]["path"],
        format!("/reforms/{}", created.json["id"])
    );
}

async fn an_invalid_percent_escape_in_the_query_is_a_400_problem(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.signed_in("taro@city.example.jp", "viewer").await;
    for query in ["q=%ZZ", "q=%E9%9B", "q=%FF", "q=100%", "page=1&q=%C0%AF"] {
        for path in ["/api/v1/reforms", "/api/v1/search", "/api/v1/proposals"] {
            let answer = app.get(&format!("{path}?{query}"), Some(&token)).await;
            answer.assert_problem(400, "invalid_query");
            assert_eq!(answer.json["instance"], path);
        }
    }
    let fine = app
        .get("/api/v1/reforms?q=%E9%9B%BB%E5%AD%90", Some(&token))
        .await;
    assert_eq!(fine.status, 200, "{}", fine.text);
}

async fn an_over_long_request_target_is_a_414_problem(backend: Backend) {
    let app = spawn_app(backend).await;
    let token = app.signed_in("taro@city.example.jp", "viewer").await;
    let long_query = format!("/api/v1/reforms?q={}", "a".repeat(20_000));
    let answer = app.get(&long_query, Some(&token)).await;
    answer.assert_problem(414, "uri_too_long");
    let long_path = format!("/api/v1/{}", "x".repeat(9_000));
    app.get(&long_path, None)
        .await
        .assert_problem(414, "uri_too_long");
    let just_under = format!("/api/v1/reforms?q={}", "a".repeat(150));
    assert_eq!(app.get(&just_under, Some(&token)).await.status, 200);
}

async fn authenticated_answers_tell_caches_not_to_keep_them(backend: Backend) {
    let app = spawn_app(backend).await;
    let org = org(&app).await;
    let me = app.get("/api/v1/me", Some(&org.admin)).await;
    assert_eq!(me.status, 200);
    assert_eq!(me.header("cache-control"), Some("no-store"));
    let list = app.get("/api/v1/reforms", Some(&org.admin)).await;
    assert_eq!(list.header("cache-control"), Some("no-store"));
    let created = post(
        &app,
        "/api/v1/reforms",
        &org.admin,
        reform(org.west, "キャッシュ"),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(created.header("cache-control"), Some("private, no-cache"));
    let id = created.json["id"].as_i64().unwrap();
    let one = app
        .get(&format!("/api/v1/reforms/{id}"), Some(&org.admin))
        .await;
    assert!(one.header("etag").is_some());
    // Kept only by the caller's own browser, and revalidated before every use.
    assert_eq!(one.header("cache-control"), Some("private, no-cache"));
    let refused = app.get("/api/v1/reforms", None).await;
    refused.assert_problem(401, "unauthenticated");
    assert_eq!(refused.header("cache-control"), Some("no-store"));
    let changed = app
        .send(
            Method::DELETE,
            &format!("/api/v1/reforms/{id}"),
            &org.admin,
            None,
            one.header("etag"),
        )
        .await;
    assert!(changed.status < 300, "{}", changed.text);
    assert!(changed.header("cache-control").is_some());
}

async fn a_full_width_equals_sign_is_neutralised_in_a_csv_export(backend: Backend) {
    let app = spawn_app(backend).await;
    let org = org(&app).await;
    let titles = ["＝1+1", "＋81-90", "－5件", "＠SUM(A1)"];
    for title in titles {
        let created = post(&app, "/api/v1/reforms", &org.admin, reform(org.west, title)).await;
        assert_eq!(created.status, 201, "{}", created.text);
        assert_eq!(created.json["title"], title, "stored as sent");
    }
    let csv = download(&app, "/api/v1/reforms/export?format=csv", &org.admin).await;
    assert_eq!(csv.status, 200);
    let text = String::from_utf8(csv.bytes).unwrap();
    for title in titles {
        assert!(
            text.contains(&format!(",'{title},")),
            "{title} unguarded in {text}"
        );
    }
}
