//! Self-initiated reforms: entered by the editors of their bureau or sections, read by everyone,
//! numbered per bureau as the annual report numbers them, and found by every filter.

use crate::helpers::{Answer, Backend, TestApp, spawn_app};
use crate::on_both_databases;
use reqwest::Method;
use serde_json::{Value, json};

on_both_databases!(
    an_editor_of_a_ward_enters_a_reform_with_its_period_effects_and_tags_and_everyone_reads_it,
    reforms_are_numbered_per_bureau_in_the_order_of_the_report,
    reform_filters_find_by_section_classification_status_tag_year_period_and_japanese_text,
    editors_write_only_the_reforms_of_their_bureau_or_sections_and_readers_none,
    bad_reform_input_is_refused_with_pointers_and_nothing_is_stored,
    reform_updates_need_the_etag_last_read_and_deletes_take_the_links_along,
    a_reform_is_numbered_on_any_page_and_alone_as_in_its_whole_bureau_listing,
    a_renamed_bureau_or_section_shows_on_the_next_reform_read,
);

/// An organisation to work in: two bureaus with a section each.
pub struct Org {
    pub admin: String,
    pub west: i64,
    pub west_section: i64,
    pub moji: i64,
    pub moji_section: i64,
}

pub async fn org(app: &TestApp) -> Org {
    let admin = app.signed_in("admin@city.example.jp", "admin").await;
    let bureau = |name: &'static str| {
        let admin = admin.clone();
        async move {
            let a = post(app, "/api/v1/bureaus", &admin, json!({ "name": name })).await;
            assert_eq!(a.status, 201, "{}", a.text);
            a.json["id"].as_i64().unwrap()
        }
    };
    let section = |bureau_id: i64, name: &'static str| {
        let admin = admin.clone();
        async move {
            let a = post(
                app,
                "/api/v1/sections",
                &admin,
                json!({ "bureau_id": bureau_id, "name": name, "effective_from": "2019-04-01" }),
            )
            .await;
            assert_eq!(a.status, 201, "{}", a.text);
            a.json["id"].as_i64().unwrap()
        }
    };
    let west = bureau("八幡西区役所").await;
    let west_section = section(west, "国保年金課").await;
    let moji = bureau("門司区役所").await;
    let moji_section = section(moji, "総務企画課").await;
    Org {
        admin,
        west,
        west_section,
        moji,
        moji_section,
    }
}

pub async fn post(app: &TestApp, path: &str, token: &str, body: Value) -> Answer {
    app.send(Method::POST, path, token, Some(body), None).await
}

pub fn reform(bureau_id: i64, title: &str) -> Value {
    json!({ "fiscal_year": 2025, "bureau_id": bureau_id, "title": title })
}

/// The titles a reform list query finds, sorted, checked against the reported total.
async fn titles(app: &TestApp, token: &str, query: &str) -> Vec<String> {
    let a = app
        .get(&format!("/api/v1/reforms?{query}"), Some(token))
        .await;
    assert_eq!(a.status, 200, "{query}: {}", a.text);
    let mut titles: Vec<String> = a.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["title"].as_str().unwrap().to_owned())
        .collect();
    titles.sort();
    assert_eq!(a.json["total"].as_u64().unwrap() as usize, titles.len());
    titles
}

pub async fn new_reform(app: &TestApp, token: &str, body: Value) -> Value {
    let a = post(app, "/api/v1/reforms", token, body).await;
    assert_eq!(a.status, 201, "{}", a.text);
    a.json
}

async fn an_editor_of_a_ward_enters_a_reform_with_its_period_effects_and_tags_and_everyone_reads_it(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let o = org(&app).await;
    let editor = app
        .editor_for("west@city.example.jp", vec![], vec![o.west])
        .await;
    let viewer = app.signed_in("viewer@city.example.jp", "viewer").await;

    let created = post(
        &app,
        "/api/v1/reforms",
        &editor,
        json!({
            "fiscal_year": 2025,
            "bureau_id": o.west,
            "section_ids": [o.west_section],
            "report_number": 97,
            "classification": "ii",
            "title": "大規模小売店舗立地法の届出審査事務の改善",
            "problem": "紙の届出書類が多い",
            "action": "kintoneで審査を電子化",
            "effect": "紙 約5万枚/年、150時間/年の削減",
            "period": "R7.4~ R8.2",
            "tags": ["kintone", "ペーパーレス", "ｋｉｎｔｏｎｅ"],
            "featured": true,
            "effects": [
                { "kind": "sheets_per_year", "value": 50000, "unit": "枚/年", "basis": "紙 約5万枚/年" },
                { "kind": "hours_per_year", "value": 150, "unit": "時間/年", "basis": "150時間/年" }
            ]
        }),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(created.header("etag"), Some("\"1\""));
    let r = &created.json;
    assert_eq!(r["bureau_name"], "八幡西区役所");
    assert_eq!(r["sections"][0]["name"], "国保年金課");
    assert_eq!(r["number_in_bureau"], 1);
    assert_eq!(r["period"]["original"], "R7.4~ R8.2");
    assert_eq!(r["period"]["display"], "令和7年4月～令和8年2月");
    assert_eq!(r["period"]["start"]["earliest"], "2025-04-01");
    assert_eq!(r["period"]["end"]["latest"], "2026-02-28");
    assert_eq!(
        r["status"], "done",
        "a period over before today implies the reform is done"
    );
    assert_eq!(
        r["tags"],
        json!(["kintone", "ペーパーレス"]),
        "the full-width duplicate tag is the same tag"
    );
    assert_eq!(r["effects"][0]["value"], 50000.0);
    assert_eq!(r["effects"][1]["kind_label"], "削減時間（年間）");
    assert_eq!(r["can_edit"], true);

    let id = r["id"].as_i64().unwrap();
    let read = app
        .get(&format!("/api/v1/reforms/{id}"), Some(&viewer))
        .await;
    assert_eq!(read.status, 200, "{}", read.text);
    assert_eq!(
        read.json["title"],
        "大規模小売店舗立地法の届出審査事務の改善"
    );
    assert_eq!(
        read.json["can_edit"], false,
        "a viewer reads but may not edit"
    );
    assert_eq!(read.json["links"], json!([]));

    let audit = app
        .get("/api/v1/audit-events?entity_type=reform", Some(&o.admin))
        .await;
    assert_eq!(audit.status, 200, "{}", audit.text);
    assert_eq!(audit.json["items"][0]["action"], "reform.create");
}

async fn reforms_are_numbered_per_bureau_in_the_order_of_the_report(backend: Backend) {
    let app = spawn_app(backend).await;
    let o = org(&app).await;
    for (bureau, number, title) in [
        (o.west, 12, "三番目"),
        (o.moji, 5, "門司の一番目"),
        (o.west, 10, "一番目"),
        (o.west, 11, "二番目"),
    ] {
        let mut body = reform(bureau, title);
        body["report_number"] = json!(number);
        new_reform(&app, &o.admin, body).await;
    }
    new_reform(&app, &o.admin, reform(o.west, "番号なし")).await;

    let listed = app
        .get(
            &format!("/api/v1/bureaus/{}/reforms", o.west),
            Some(&o.admin),
        )
        .await;
    assert_eq!(listed.status, 200, "{}", listed.text);
    let rows: Vec<(String, i64)> = listed.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["title"].as_str().unwrap().to_owned(),
                r["number_in_bureau"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            ("一番目".to_owned(), 1),
            ("二番目".to_owned(), 2),
            ("三番目".to_owned(), 3),
            ("番号なし".to_owned(), 4),
        ]
    );
    assert_eq!(listed.json["total"], 4);

    let moji = app
        .get(
            &format!("/api/v1/bureaus/{}/reforms", o.moji),
            Some(&o.admin),
        )
        .await;
    assert_eq!(moji.json["items"][0]["number_in_bureau"], 1);
    let missing = app
        .get("/api/v1/bureaus/999999/reforms", Some(&o.admin))
        .await;
    missing.assert_problem(404, "not_found");
}

async fn reform_filters_find_by_section_classification_status_tag_year_period_and_japanese_text(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let o = org(&app).await;
    let bodies = [
        json!({ "fiscal_year": 2025, "bureau_id": o.west, "section_ids": [o.west_section], "classification": "i",
                "title": "キントーンで申請を電子化", "period": "R7.4~ R8.2", "tags": ["kintone"], "status": "done" }),
        json!({ "fiscal_year": 2025, "bureau_id": o.west, "classification": "ii",
                "title": "窓口の傘立て", "period": "R8.4~", "tags": ["窓口改善"], "status": "planned", "featured": true }),
        json!({ "fiscal_year": 2024, "bureau_id": o.moji, "section_ids": [o.moji_section], "classification": "ii",
                "title": "100%ペーパーレス会議", "period": "実施中", "tags": ["ペーパーレス"], "status": "in_progress" }),
        json!({ "fiscal_year": 2025, "bureau_id": o.moji, "classification": "iii",
                "title": "AI議事録 a_b", "period": "R6.10.1", "tags": ["AI"], "status": "done" }),
    ];
    for body in bodies {
        new_reform(&app, &o.admin, body).await;
    }
    assert_eq!(
        titles(&app, &o.admin, &format!("bureau_id={}", o.west))
            .await
            .len(),
        2
    );
    assert_eq!(
        titles(&app, &o.admin, &format!("section_id={}", o.moji_section)).await,
        vec!["100%ペーパーレス会議"]
    );
    assert_eq!(titles(&app, &o.admin, "classification=ii").await.len(), 2);
    assert_eq!(
        titles(&app, &o.admin, "status=planned").await,
        vec!["窓口の傘立て"]
    );
    assert_eq!(
        titles(&app, &o.admin, "fiscal_year=2024").await,
        vec!["100%ペーパーレス会議"]
    );
    assert_eq!(
        titles(&app, &o.admin, "featured=true").await,
        vec!["窓口の傘立て"]
    );
    assert_eq!(
        titles(
            &app,
            &o.admin,
            "tag=%EF%BC%AB%EF%BC%A9%EF%BC%AE%EF%BC%B4%EF%BC%AF%EF%BC%AE%EF%BC%A5"
        )
        .await,
        vec!["キントーンで申請を電子化"],
        "a full-width ＫＩＮＴＯＮＥ tag finds kintone"
    );
    assert_eq!(
        titles(
            &app,
            &o.admin,
            "q=%EF%BD%B7%EF%BE%9D%EF%BE%84%EF%BD%B0%EF%BE%9D"
        )
        .await,
        vec!["キントーンで申請を電子化"],
        "half-width ｷﾝﾄｰﾝ finds キントーン"
    );
    assert_eq!(
        titles(&app, &o.admin, "q=%E5%82%98").await,
        vec!["窓口の傘立て"],
        "one kanji is enough"
    );
    assert_eq!(
        titles(&app, &o.admin, "q=%25").await,
        vec!["100%ペーパーレス会議"],
        "% is literal"
    );
    assert_eq!(
        titles(&app, &o.admin, "q=_").await,
        vec!["AI議事録 a_b"],
        "_ is literal"
    );
    assert_eq!(
        titles(
            &app,
            &o.admin,
            "period_from=2026-01-01&period_to=2026-03-31"
        )
        .await,
        vec!["キントーンで申請を電子化"],
        "only readable periods that share a day with the range"
    );
    assert_eq!(
        titles(&app, &o.admin, "period_from=2026-05-01").await,
        vec!["窓口の傘立て"],
        "an open end runs on"
    );
    let sorted = app.get("/api/v1/reforms?sort=-title", Some(&o.admin)).await;
    assert_eq!(sorted.status, 200);
    assert_eq!(sorted.json["items"][0]["title"], "窓口の傘立て");
}

async fn editors_write_only_the_reforms_of_their_bureau_or_sections_and_readers_none(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let o = org(&app).await;
    let west_editor = app
        .editor_for("west@city.example.jp", vec![], vec![o.west])
        .await;
    let section_editor = app
        .editor_for("kokuho@city.example.jp", vec![o.west_section], vec![])
        .await;
    let moji_editor = app
        .editor_for("moji@city.example.jp", vec![], vec![o.moji])
        .await;
    let viewer = app.signed_in("viewer@city.example.jp", "viewer").await;
    let proposer = app.signed_in("proposer@city.example.jp", "proposer").await;

    let r = new_reform(&app, &west_editor, reform(o.west, "区の取組")).await;
    let id = r["id"].as_i64().unwrap();
    post(
        &app,
        "/api/v1/reforms",
        &moji_editor,
        reform(o.west, "他区の取組"),
    )
    .await
    .assert_problem(403, "forbidden");
    post(
        &app,
        "/api/v1/reforms",
        &section_editor,
        reform(o.west, "課の指定なし"),
    )
    .await
    .assert_problem(403, "forbidden");
    let mut own_section = reform(o.west, "課の取組");
    own_section["section_ids"] = json!([o.west_section]);
    new_reform(&app, &section_editor, own_section).await;
    for token in [&viewer, &proposer] {
        post(&app, "/api/v1/reforms", token, reform(o.west, "閲覧者"))
            .await
            .assert_problem(403, "forbidden");
    }
    let path = format!("/api/v1/reforms/{id}");
    app.send(
        Method::PUT,
        &path,
        &moji_editor,
        Some(reform(o.moji, "乗っ取り")),
        Some("\"1\""),
    )
    .await
    .assert_problem(403, "forbidden");
    app.send(Method::DELETE, &path, &moji_editor, None, Some("\"1\""))
        .await
        .assert_problem(403, "forbidden");
    let seen_by_moji = app.get(&path, Some(&moji_editor)).await;
    assert_eq!(seen_by_moji.json["can_edit"], false);
    assert_eq!(seen_by_moji.json["title"], "区の取組", "nothing changed");
}

async fn bad_reform_input_is_refused_with_pointers_and_nothing_is_stored(backend: Backend) {
    let app = spawn_app(backend).await;
    let o = org(&app).await;
    let a = &o.admin;
    let raw = app
        .client
        .post(app.url("/api/v1/reforms"))
        .bearer_auth(a)
        .header("content-type", "application/json")
        .body("{\"title\": ")
        .send()
        .await
        .unwrap();
    Answer::read(raw)
        .await
        .assert_problem(400, "malformed_json");

    let cases: Vec<(Value, &str)> = vec![
        (
            json!({ "fiscal_year": 2025, "bureau_id": o.west, "title": "改\u{0}革" }),
            "/title",
        ),
        (
            json!({ "fiscal_year": 2025, "bureau_id": o.west, "title": "" }),
            "/title",
        ),
        (
            json!({ "fiscal_year": 2025, "bureau_id": 999999, "title": "存在しない局" }),
            "/bureau_id",
        ),
        (
            json!({ "fiscal_year": 2025, "bureau_id": o.west, "section_ids": [o.moji_section], "title": "他局の課" }),
            "/section_ids/0",
        ),
        (
            json!({ "fiscal_year": 2025, "bureau_id": o.west, "classification": "ii", "source_proposal_id": 1, "title": "分類違い" }),
            "/source_proposal_id",
        ),
        (
            json!({ "fiscal_year": 2025, "bureau_id": o.west, "classification": "iii", "source_proposal_id": 999999, "title": "提案なし" }),
            "/source_proposal_id",
        ),
        (
            json!({ "fiscal_year": 2025, "bureau_id": o.west, "title": "巨大な値", "effects": [{ "kind": "hours_per_year", "value": 1e300, "unit": "時間" }] }),
            "/effects/0/value",
        ),
        (
            json!({ "fiscal_year": 2025, "bureau_id": o.west, "title": "種類違い", "effects": [{ "kind": "minutes", "value": 1, "unit": "分" }] }),
            "/effects/0/kind",
        ),
        (
            json!({ "fiscal_year": 1800, "bureau_id": o.west, "title": "昔" }),
            "/fiscal_year",
        ),
        (
            json!({ "fiscal_year": 2025, "bureau_id": o.west, "title": "分類", "classification": "iv" }),
            "/classification",
        ),
        (
            json!({ "fiscal_year": 2025, "bureau_id": o.west, "title": "余計", "colour": "red" }),
            "",
        ),
    ];
    for (body, pointer) in cases {
        let answer = post(&app, "/api/v1/reforms", a, body.clone()).await;
        let problem = answer.assert_problem(422, "validation_failed");
        if !pointer.is_empty() {
            assert_eq!(problem["errors"][0]["pointer"], pointer, "{body}");
        }
    }
    let mut numbered = reform(o.west, "番号1");
    numbered["report_number"] = json!(1);
    new_reform(&app, a, numbered.clone()).await;
    numbered["title"] = json!("番号1の重複");
    let dup = post(&app, "/api/v1/reforms", a, numbered).await;
    assert_eq!(
        dup.assert_problem(422, "validation_failed")["errors"][0]["pointer"],
        "/report_number"
    );
    for query in [
        "per_page=100000",
        "sort=colour",
        "period_from=R7.4",
        "classification=v",
    ] {
        let answer = app.get(&format!("/api/v1/reforms?{query}"), Some(a)).await;
        assert!(
            answer.status == 422 || answer.status == 400,
            "{query}: {}",
            answer.text
        );
    }
    let all = app.get("/api/v1/reforms", Some(a)).await;
    assert_eq!(all.json["total"], 1, "only the one good reform was stored");
}

async fn reform_updates_need_the_etag_last_read_and_deletes_take_the_links_along(backend: Backend) {
    let app = spawn_app(backend).await;
    let o = org(&app).await;
    let a = &o.admin;
    let r = new_reform(&app, a, reform(o.west, "元の名前")).await;
    let id = r["id"].as_i64().unwrap();
    let path = format!("/api/v1/reforms/{id}");
    let renamed = reform(o.west, "新しい名前");
    app.send(Method::PUT, &path, a, Some(renamed.clone()), None)
        .await
        .assert_problem(428, "precondition_required");
    app.send(Method::PUT, &path, a, Some(renamed.clone()), Some("\"7\""))
        .await
        .assert_problem(412, "precondition_failed");
    let updated = app
        .send(Method::PUT, &path, a, Some(renamed), Some("\"1\""))
        .await;
    assert_eq!(updated.status, 200, "{}", updated.text);
    assert_eq!(updated.header("etag"), Some("\"2\""));
    assert_eq!(updated.json["title"], "新しい名前");

    let system = post(
        &app,
        "/api/v1/digital-systems",
        a,
        json!({ "name": "届出管理アプリ", "section_id": o.west_section, "platform": "kintone",
                "built_in_house": true, "status": "trial" }),
    )
    .await;
    assert_eq!(system.status, 201, "{}", system.text);
    let system_id = system.json["id"].as_i64().unwrap();
    let link = post(
        &app,
        "/api/v1/links",
        a,
        json!({ "from_kind": "reform", "from_id": id, "to_kind": "digital_system", "to_id": system_id }),
    )
    .await;
    assert_eq!(link.status, 201, "{}", link.text);

    app.send(Method::DELETE, &path, a, None, Some("\"1\""))
        .await
        .assert_problem(412, "precondition_failed");
    let deleted = app
        .send(Method::DELETE, &path, a, None, Some("\"2\""))
        .await;
    assert_eq!(deleted.status, 204, "{}", deleted.text);
    app.get(&path, Some(a))
        .await
        .assert_problem(404, "not_found");
    let links = app
        .get(
            &format!("/api/v1/links?kind=digital_system&id={system_id}"),
            Some(a),
        )
        .await;
    assert_eq!(links.json, json!([]), "the reform's links went with it");
}

async fn a_reform_is_numbered_on_any_page_and_alone_as_in_its_whole_bureau_listing(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let o = org(&app).await;
    // Numbered and unnumbered reforms of two years, entered out of order, beside another bureau's.
    for (bureau, year, number, title) in [
        (o.west, 2025, Some(30), "西30"),
        (o.west, 2025, None, "西なしA"),
        (o.west, 2025, Some(4), "西4"),
        (o.moji, 2025, Some(5), "門司5"),
        (o.west, 2024, Some(1), "西R6の1"),
        (o.west, 2025, Some(17), "西17"),
        (o.west, 2025, None, "西なしB"),
        (o.west, 2024, None, "西R6なし"),
        (o.west, 2025, Some(9), "西9"),
    ] {
        let mut body = reform(bureau, title);
        body["fiscal_year"] = json!(year);
        body["report_number"] = json!(number);
        body["status"] = json!(if title.contains("なし") {
            "planned"
        } else {
            "in_progress"
        });
        new_reform(&app, &o.admin, body).await;
    }
    let numbers = |a: &Answer| -> Vec<(String, i64)> {
        a.json["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["title"].as_str().unwrap().to_owned(),
                    r["number_in_bureau"].as_i64().unwrap(),
                )
            })
            .collect()
    };
    let whole = app
        .get(
            &format!(
                "/api/v1/bureaus/{}/reforms?fiscal_year=2025&per_page=200",
                o.west
            ),
            Some(&o.admin),
        )
        .await;
    assert_eq!(whole.status, 200, "{}", whole.text);
    let whole = numbers(&whole);
    assert_eq!(
        whole,
        vec![
            ("西4".to_owned(), 1),
            ("西9".to_owned(), 2),
            ("西17".to_owned(), 3),
            ("西30".to_owned(), 4),
            ("西なしA".to_owned(), 5),
            ("西なしB".to_owned(), 6),
        ]
    );
    let position = |title: &str| whole.iter().find(|(t, _)| t == title).map(|(_, n)| *n);

    // Pages of two, newest first, filtered by status: each reform keeps its place in the bureau.
    for query in [
        "sort=-updated_at&per_page=2&page=1",
        "sort=-updated_at&per_page=2&page=2",
        "sort=title&per_page=2&page=3",
        "status=in_progress&sort=-updated_at&per_page=2",
        "status=planned&per_page=1&page=2",
        "q=西なし",
    ] {
        let page = app
            .get(
                &format!(
                    "/api/v1/reforms?bureau_id={}&fiscal_year=2025&{query}",
                    o.west
                ),
                Some(&o.admin),
            )
            .await;
        assert_eq!(page.status, 200, "{query}: {}", page.text);
        assert!(
            page.json["items"].as_array().is_some_and(|i| !i.is_empty()),
            "{query}"
        );
        for (title, number) in numbers(&page) {
            assert_eq!(Some(number), position(&title), "{query}: {title}");
        }
    }
    let past_the_end = app
        .get(
            &format!(
                "/api/v1/reforms?bureau_id={}&fiscal_year=2025&per_page=2&page=9",
                o.west
            ),
            Some(&o.admin),
        )
        .await;
    assert_eq!(past_the_end.json["items"], json!([]));
    assert_eq!(
        past_the_end.json["total"], 6,
        "a page past the end still tells the total"
    );

    // Alone, and in the other year, whose numbering is its own.
    let all = app
        .get("/api/v1/reforms?per_page=200", Some(&o.admin))
        .await;
    for r in all.json["items"].as_array().unwrap() {
        let one = app
            .get(&format!("/api/v1/reforms/{}", r["id"]), Some(&o.admin))
            .await;
        assert_eq!(
            one.json["number_in_bureau"], r["number_in_bureau"],
            "{}",
            r["title"]
        );
        if r["fiscal_year"] == 2025 && r["bureau_id"] == o.west {
            let title = r["title"].as_str().unwrap();
            assert_eq!(r["number_in_bureau"].as_i64(), position(title), "{title}");
        }
    }
    let year_2024 = app
        .get(
            &format!("/api/v1/bureaus/{}/reforms?fiscal_year=2024", o.west),
            Some(&o.admin),
        )
        .await;
    assert_eq!(
        numbers(&year_2024),
        vec![("西R6の1".to_owned(), 1), ("西R6なし".to_owned(), 2)]
    );
}

async fn a_renamed_bureau_or_section_shows_on_the_next_reform_read(backend: Backend) {
    let app = spawn_app(backend).await;
    let o = org(&app).await;
    let mut body = reform(o.west, "窓口の電子化");
    body["section_ids"] = json!([o.west_section]);
    let id = new_reform(&app, &o.admin, body).await["id"]
        .as_i64()
        .unwrap();
    let read = |path: String| {
        let app = &app;
        let admin = o.admin.clone();
        async move {
            let a = app.get(&path, Some(&admin)).await;
            assert_eq!(a.status, 200, "{path}: {}", a.text);
            a.json
        }
    };
    let detail = read(format!("/api/v1/reforms/{id}")).await;
    assert_eq!(detail["bureau_name"], "八幡西区役所");
    assert_eq!(detail["sections"][0]["name"], "国保年金課");

    let bureau = app
        .send(
            Method::PATCH,
            &format!("/api/v1/bureaus/{}", o.west),
            &o.admin,
            Some(json!({ "name": "八幡西区" })),
            Some("\"1\""),
        )
        .await;
    assert_eq!(bureau.status, 200, "{}", bureau.text);
    let section = app
        .send(
            Method::POST,
            &format!("/api/v1/sections/{}/renames", o.west_section),
            &o.admin,
            Some(json!({ "name": "保険年金課", "effective_from": "2020-04-01" })),
            Some("\"1\""),
        )
        .await;
    assert_eq!(section.status, 201, "{}", section.text);

    let detail = read(format!("/api/v1/reforms/{id}")).await;
    assert_eq!(detail["bureau_name"], "八幡西区");
    assert_eq!(detail["sections"][0]["name"], "保険年金課");
    let list = read(format!("/api/v1/reforms?bureau_id={}", o.west)).await;
    assert_eq!(list["items"][0]["bureau_name"], "八幡西区");
    assert_eq!(list["items"][0]["sections"][0]["name"], "保険年金課");
}
