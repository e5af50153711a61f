//! Search across everything: proposals, reforms, policy issues, digital systems and KPIs found by
//! Japanese substrings of any length after NFKC, the same on both databases, ranked, highlighted,
//! and within each caller's reach.

use crate::helpers::{Backend, TestApp, spawn_app};
use crate::on_both_databases;
use crate::reforms::{org, post, reform};
use serde_json::{Value, json};

on_both_databases!(
    a_table_of_japanese_queries_finds_the_same_records_on_either_database,
    hits_are_ranked_highlighted_and_carry_their_kind_bureau_and_page,
    proposers_find_only_their_own_proposals_and_bad_queries_are_refused,
    records_leave_the_search_when_deleted_and_change_in_it_when_edited,
);

/// Every kind of record, with texts that the query table below is about.
async fn records(app: &TestApp, admin: &str, bureau: i64, section: i64) {
    let created = |path: &'static str, body: Value| async move {
        let a = post(app, path, admin, body).await;
        assert_eq!(a.status, 201, "{path}: {}", a.text);
        a.json["id"].as_i64().unwrap()
    };
    created(
        "/api/v1/proposals",
        json!({ "fiscal_year": 2025, "theme": "職員の困りごと", "title": "ｶｲｶｸの進め方を共有したい",
                "pain_point": "ＡＩの使い方が分からない" }),
    )
    .await;
    let mut body = reform(bureau, "キントーンで届出を電子化");
    body["action"] = json!("申請の100%を電子化し、手数料_半額とした");
    created("/api/v1/reforms", body).await;
    let mut body = reform(bureau, "窓口の混雑緩和");
    body["effect"] = json!("待ち時間を短縮（Kintone活用）");
    created("/api/v1/reforms", body).await;
    let mut body = reform(bureau, "紙の削減");
    body["problem"] = json!("C:\\共有\\台帳.xlsx を手で更新している");
    created("/api/v1/reforms", body).await;
    let policy = created(
        "/api/v1/policies",
        json!({ "bureau_id": bureau, "fiscal_year": 2025 }),
    )
    .await;
    let issue = post(
        app,
        &format!("/api/v1/policies/{policy}/issues"),
        admin,
        json!({ "area": "A", "number": 1, "title": "行政手続きのデジタル化", "content": "カイカクを全庁へ" }),
    )
    .await;
    assert_eq!(issue.status, 201, "{}", issue.text);
    let issue = issue.json["id"].as_i64().unwrap();
    let kpi = post(
        app,
        &format!("/api/v1/policy-issues/{issue}/kpis"),
        admin,
        json!({ "name": "電子申請件数", "unit": "件", "baseline_value": 10, "baseline_on": "2025-04-01" }),
    )
    .await;
    assert_eq!(kpi.status, 201, "{}", kpi.text);
    created(
        "/api/v1/digital-systems",
        json!({ "name": "AI議事録アプリ", "section_id": section, "platform": "kintone",
                "built_in_house": true, "status": "trial" }),
    )
    .await;
}

/// The titles of every hit, as "kind:title", sorted.
async fn found(app: &TestApp, token: &str, q: &str) -> Vec<String> {
    let answer = app
        .get(
            &format!("/api/v1/search?per_page=100&q={}", urlencoding(q)),
            Some(token),
        )
        .await;
    assert_eq!(answer.status, 200, "{q}: {}", answer.text);
    let hits = answer.json["hits"].as_array().unwrap();
    assert_eq!(
        answer.json["total"].as_u64().unwrap() as usize,
        hits.len(),
        "{q}"
    );
    let mut titles: Vec<String> = hits
        .iter()
        .map(|h| {
            let title: String = h["title"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f["text"].as_str().unwrap())
                .collect();
            format!("{}:{title}", h["kind"].as_str().unwrap())
        })
        .collect();
    titles.sort();
    titles
}

pub fn urlencoding(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn a_table_of_japanese_queries_finds_the_same_records_on_either_database(backend: Backend) {
    let app = spawn_app(backend).await;
    let org = org(&app).await;
    records(&app, &org.admin, org.west, org.west_section).await;
    let table: [(&str, &[&str]); 14] = [
        // Half-width katakana meets full-width, and the other way round.
        (
            "カイカク",
            &[
                "policy_issue:行政手続きのデジタル化",
                "proposal:ｶｲｶｸの進め方を共有したい",
            ],
        ),
        (
            "ｶｲｶｸ",
            &[
                "policy_issue:行政手続きのデジタル化",
                "proposal:ｶｲｶｸの進め方を共有したい",
            ],
        ),
        // Full-width Latin meets ASCII, regardless of case.
        (
            "ai",
            &[
                "digital_system:AI議事録アプリ",
                "proposal:ｶｲｶｸの進め方を共有したい",
            ],
        ),
        (
            "ＡＩ",
            &[
                "digital_system:AI議事録アプリ",
                "proposal:ｶｲｶｸの進め方を共有したい",
            ],
        ),
        // kintone and キントーン are the same product, in any width or case.
        (
            "kintone",
            &[
                "digital_system:AI議事録アプリ",
                "reform:キントーンで届出を電子化",
                "reform:窓口の混雑緩和",
            ],
        ),
        (
            "ｷﾝﾄｰﾝ",
            &[
                "digital_system:AI議事録アプリ",
                "reform:キントーンで届出を電子化",
                "reform:窓口の混雑緩和",
            ],
        ),
        // One and two characters, without the trigram index.
        ("紙", &["reform:紙の削減"]),
        (
            "電子",
            &["kpi:電子申請件数", "reform:キントーンで届出を電子化"],
        ),
        // Every word must match.
        ("電子 届出", &["reform:キントーンで届出を電子化"]),
        // LIKE wildcards and the escape character are literal.
        ("%", &["reform:キントーンで届出を電子化"]),
        ("100%", &["reform:キントーンで届出を電子化"]),
        ("_", &["reform:キントーンで届出を電子化"]),
        ("\\共有\\", &["reform:紙の削減"]),
        ("存在しない言葉", &[]),
    ];
    for (query, expected) in table {
        assert_eq!(
            found(&app, &org.admin, query).await,
            expected,
            "query {query}"
        );
    }
}

async fn hits_are_ranked_highlighted_and_carry_their_kind_bureau_and_page(backend: Backend) {
    let app = spawn_app(backend).await;
    let org = org(&app).await;
    records(&app, &org.admin, org.west, org.west_section).await;
    let answer = app.get("/api/v1/search?q=kintone", Some(&org.admin)).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    let hits = answer.json["hits"].as_array().unwrap();
    // The title match ranks above the body matches.
    assert_eq!(hits[0]["kind"], "reform");
    assert_eq!(
        hits[0]["title"],
        json!([{ "text": "キントーン", "highlighted": true }, { "text": "で届出を電子化", "highlighted": false }])
    );
    assert_eq!(hits[0]["bureau_name"], "八幡西区役所");
    assert_eq!(hits[0]["fiscal_year_label"], "令和7年度");
    assert_eq!(hits[0]["path"], format!("/reforms/{}", hits[0]["id"]));
    let window = hits
        .iter()
        .find(|h| h["path"].as_str().unwrap().starts_with("/reforms/") && h["id"] != hits[0]["id"])
        .unwrap();
    assert!(
        window["snippet"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["highlighted"] == true && f["text"] == "Kintone"),
        "{window}"
    );
    assert_eq!(answer.json["terms"], json!(["kintone", "キントーン"]));
    let counts: Vec<(String, u64)> = answer.json["counts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["kind"].as_str().unwrap().to_owned(),
                c["count"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        counts,
        vec![
            ("proposal".to_owned(), 0),
            ("reform".to_owned(), 2),
            ("policy_issue".to_owned(), 0),
            ("digital_system".to_owned(), 1),
            ("kpi".to_owned(), 0),
        ]
    );
    let systems = app
        .get(
            "/api/v1/search?q=kintone&kind=digital_system",
            Some(&org.admin),
        )
        .await;
    assert_eq!(systems.json["total"], 1);
    assert_eq!(systems.json["hits"][0]["kind"], "digital_system");
    let second_page = app
        .get(
            "/api/v1/search?q=kintone&per_page=2&page=2",
            Some(&org.admin),
        )
        .await;
    assert_eq!(second_page.json["hits"].as_array().unwrap().len(), 1);
}

async fn proposers_find_only_their_own_proposals_and_bad_queries_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let org = org(&app).await;
    records(&app, &org.admin, org.west, org.west_section).await;
    let proposer = app.signed_in("proposer@city.example.jp", "proposer").await;
    let own = post(
        &app,
        "/api/v1/proposals",
        &proposer,
        json!({ "fiscal_year": 2025, "theme": "職員の困りごと", "title": "カイカクの相談窓口" }),
    )
    .await;
    assert_eq!(own.status, 201, "{}", own.text);
    assert_eq!(
        found(&app, &proposer, "カイカク").await,
        vec![
            "policy_issue:行政手続きのデジタル化",
            "proposal:カイカクの相談窓口"
        ]
    );
    for (query, pointer) in [
        ("q=", Some("/q")),
        ("q=%20%E3%80%80", Some("/q")),
        ("q=a&per_page=101", Some("/per_page")),
        ("q=a&kind=user", None),
    ] {
        let answer = app
            .get(&format!("/api/v1/search?{query}"), Some(&org.admin))
            .await;
        let problem = answer.assert_problem(422, "validation_failed");
        if let Some(pointer) = pointer {
            assert_eq!(problem["errors"][0]["pointer"], pointer, "{query}");
        }
    }
    let nul = app
        .get("/api/v1/search?q=%00%E7%B4%99", Some(&org.admin))
        .await;
    assert_eq!(nul.status, 200, "{}", nul.text);
    assert_eq!(nul.json["total"], 1);
    let anonymous = app.get("/api/v1/search?q=紙", None).await;
    assert_eq!(anonymous.status, 401);
}

async fn records_leave_the_search_when_deleted_and_change_in_it_when_edited(backend: Backend) {
    let app = spawn_app(backend).await;
    let org = org(&app).await;
    let created = post(
        &app,
        "/api/v1/reforms",
        &org.admin,
        reform(org.west, "押印の廃止"),
    )
    .await;
    let id = created.json["id"].as_i64().unwrap();
    let etag = created.header("etag").unwrap().to_owned();
    assert_eq!(
        found(&app, &org.admin, "押印の廃止").await,
        vec!["reform:押印の廃止"]
    );
    let renamed = app
        .send(
            reqwest::Method::PUT,
            &format!("/api/v1/reforms/{id}"),
            &org.admin,
            Some(reform(org.west, "署名の電子化")),
            Some(&etag),
        )
        .await;
    assert_eq!(renamed.status, 200, "{}", renamed.text);
    assert!(found(&app, &org.admin, "押印の廃止").await.is_empty());
    assert_eq!(
        found(&app, &org.admin, "署名の電子化").await,
        vec!["reform:署名の電子化"]
    );
    let etag = renamed.header("etag").unwrap().to_owned();
    let deleted = app
        .send(
            reqwest::Method::DELETE,
            &format!("/api/v1/reforms/{id}"),
            &org.admin,
            None,
            Some(&etag),
        )
        .await;
    assert_eq!(deleted.status, 204, "{}", deleted.text);
    assert!(found(&app, &org.admin, "署名の電子化").await.is_empty());
}
