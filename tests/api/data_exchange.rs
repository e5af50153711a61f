//! Data in and out: lists exported as Excel-safe CSV, XLSX and NDJSON with their filters, and
//! imported back from CSV (UTF-8, BOM, Shift_JIS), XLSX or JSON with a dry run per row and one
//! transaction for the real thing.

use crate::helpers::{Answer, Backend, TestApp, spawn_app};
use crate::on_both_databases;
use crate::reforms::{Org, org, post, reform};
use reqwest::Method;
use serde_json::{Value, json};

on_both_databases!(
    exports_are_excel_safe_csv_xlsx_and_ndjson_and_keep_the_list_filters,
    exported_csv_xlsx_and_ndjson_import_back_as_unchanged,
    a_shift_jis_file_with_one_bad_row_changes_nothing_until_it_is_fixed,
    imports_check_columns_roles_scope_and_ownership,
    the_published_import_columns_are_the_columns_the_exports_write,
    a_proposal_export_longer_than_a_batch_holds_every_row_once_in_order_with_its_own_sections,
);

pub struct Download {
    pub status: u16,
    pub content_type: String,
    pub disposition: String,
    pub bytes: Vec<u8>,
}

pub async fn download(app: &TestApp, path: &str, token: &str) -> Download {
    let response = app
        .client
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    let content_type = header("content-type");
    let disposition = header("content-disposition");
    let status = response.status().as_u16();
    Download {
        status,
        content_type,
        disposition,
        bytes: response.bytes().await.unwrap().to_vec(),
    }
}

/// Uploads a file as multipart/form-data and waits for the import job to finish.
pub async fn import(
    app: &TestApp,
    token: &str,
    query: &str,
    file_name: &str,
    bytes: &[u8],
) -> Answer {
    let started = upload(app, token, query, file_name, bytes).await;
    if started.status != 202 {
        return started;
    }
    let location = started.header("location").unwrap().to_owned();
    // Generous: a thousand-row import on PostgreSQL takes seconds on a loaded machine.
    for _ in 0..2400 {
        let job = app.get(&location, Some(token)).await;
        assert_eq!(job.status, 200, "{}", job.text);
        if job.json["state"] != "running" {
            return job;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("the import did not finish");
}

pub async fn upload(
    app: &TestApp,
    token: &str,
    query: &str,
    file_name: &str,
    bytes: &[u8],
) -> Answer {
    let boundary = "----platina-test-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend(format!("\r\n--{boundary}--\r\n").into_bytes());
    let response = app
        .client
        .post(app.url(&format!("/api/v1/imports?{query}")))
        .bearer_auth(token)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    Answer::read(response).await
}

async fn created(app: &TestApp, token: &str, path: &str, body: Value) -> i64 {
    let answer = post(app, path, token, body).await;
    assert_eq!(answer.status, 201, "{path}: {}", answer.text);
    answer.json["id"].as_i64().unwrap()
}

/// Reforms and systems in two bureaus, some with text a spreadsheet would run as a formula.
async fn records(app: &TestApp, org: &Org) {
    let mut body = reform(org.west, "=HYPERLINK(\"http://example.com\",\"押して\")");
    body["report_number"] = json!(1);
    body["section_ids"] = json!([org.west_section]);
    body["problem"] = json!("-5件の差\n二行目, \"引用\"");
    body["period"] = json!("R7.4~ R8.2");
    body["tags"] = json!(["kintone", "ペーパーレス"]);
    body["featured"] = json!(true);
    body["classification"] = json!("ii");
    body["effects"] = json!([{ "kind": "hours_per_year", "value": 1200.5, "unit": "時間/年", "basis": "月100時間" }]);
    created(app, &org.admin, "/api/v1/reforms", body).await;
    let mut body = reform(org.west, "窓口の混雑緩和");
    body["report_number"] = json!(2);
    created(app, &org.admin, "/api/v1/reforms", body).await;
    let mut body = reform(org.moji, "@門司の取組");
    body["report_number"] = json!(3);
    created(app, &org.admin, "/api/v1/reforms", body).await;
    created(
        app,
        &org.admin,
        "/api/v1/digital-systems",
        json!({ "name": "+申請受付アプリ", "section_id": org.west_section, "platform": "kintone",
                "built_in_house": true, "status": "production", "production_started_on": "2025-06-01",
                "annual_hours_saved": 320.5, "cost_effect_yen": 120000 }),
    )
    .await;
}

fn csv_text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

async fn exports_are_excel_safe_csv_xlsx_and_ndjson_and_keep_the_list_filters(backend: Backend) {
    let app = spawn_app(backend).await;
    let org = org(&app).await;
    records(&app, &org).await;

    let csv = download(
        &app,
        &format!("/api/v1/reforms/export?format=csv&bureau_id={}", org.west),
        &org.admin,
    )
    .await;
    assert_eq!(csv.status, 200);
    assert_eq!(csv.content_type, "text/csv; charset=utf-8");
    assert!(
        csv.disposition
            .starts_with("attachment; filename=\"reforms_"),
        "{}",
        csv.disposition
    );
    // 自主改革 in UTF-8, percent-encoded as RFC 8187 wants.
    assert!(
        csv.disposition
            .contains("filename*=UTF-8''%E8%87%AA%E4%B8%BB%E6%94%B9%E9%9D%A9_"),
        "{}",
        csv.disposition
    );
    assert!(
        csv.bytes.starts_with(b"\xEF\xBB\xBF"),
        "a byte-order mark for Excel"
    );
    let text = csv_text(&csv.bytes);
    let header = text.trim_start_matches('\u{FEFF}').lines().next().unwrap();
    assert!(
        header.starts_with("ID,年度,No.,局・区,所管課,分類,取組名"),
        "{header}"
    );
    assert!(text.contains("\r\n"), "rows end in CRLF");
    assert!(
        text.contains(",\"'=HYPERLINK(\"\"http://example.com\"\",\"\"押して\"\")\","),
        "{text}"
    );
    assert!(
        text.contains("\"'-5件の差\n二行目, \"\"引用\"\"\""),
        "{text}"
    );
    assert!(!text.contains("門司の取組"), "the bureau filter holds");
    assert!(
        text.contains(",2025-04-01,2026-02-28,"),
        "the parsed period as dates: {text}"
    );

    let systems = download(&app, "/api/v1/digital-systems/export", &org.admin).await;
    assert!(csv_text(&systems.bytes).contains(",'+申請受付アプリ,"));

    let xlsx = download(&app, "/api/v1/reforms/export?format=xlsx", &org.admin).await;
    assert_eq!(xlsx.status, 200);
    assert_eq!(
        xlsx.content_type,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert!(xlsx.bytes.starts_with(b"PK\x03\x04"), "an XLSX is a ZIP");
    assert!(xlsx.disposition.contains(".xlsx"));

    let ndjson = download(
        &app,
        "/api/v1/reforms/export?format=ndjson&q=%E7%AA%93%E5%8F%A3",
        &org.admin,
    )
    .await;
    assert_eq!(ndjson.content_type, "application/x-ndjson");
    let lines: Vec<Value> = csv_text(&ndjson.bytes)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["title"], "窓口の混雑緩和");
    assert_eq!(lines[0]["report_number"], 2);
    assert_eq!(lines[0]["featured"], false);

    let all = download(&app, "/api/v1/reforms/export?format=ndjson", &org.admin).await;
    assert_eq!(csv_text(&all.bytes).lines().count(), 3);
    let first: Value = serde_json::from_str(csv_text(&all.bytes).lines().next().unwrap()).unwrap();
    assert_eq!(first["effects"][0]["value"], 1200.5);
    assert_eq!(first["tags"], "kintone、ペーパーレス");

    let viewer = app.signed_in("viewer@city.example.jp", "viewer").await;
    let audit = download(&app, "/api/v1/audit-events/export", &viewer).await;
    assert_eq!(audit.status, 403);
    let audit = download(
        &app,
        "/api/v1/audit-events/export?format=ndjson&entity_type=reform",
        &org.admin,
    )
    .await;
    assert_eq!(csv_text(&audit.bytes).lines().count(), 3);
    let bad = app
        .get("/api/v1/reforms/export?format=pdf", Some(&org.admin))
        .await;
    assert_eq!(
        bad.assert_problem(422, "validation_failed")["errors"][0]["pointer"],
        "/format"
    );
    let unknown = app
        .get("/api/v1/reforms/export?colour=red", Some(&org.admin))
        .await;
    unknown.assert_problem(422, "validation_failed");
    for path in [
        "/api/v1/policies/export",
        "/api/v1/policy-issues/export",
        "/api/v1/kpis/export",
        "/api/v1/proposals/export",
    ] {
        let file = download(&app, path, &viewer).await;
        assert_eq!(file.status, 200, "{path}");
        assert!(file.bytes.starts_with(b"\xEF\xBB\xBF"), "{path}");
    }
}

fn outcomes(job: &Value) -> Vec<String> {
    job["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["outcome"].as_str().unwrap().to_owned())
        .collect()
}

async fn exported_csv_xlsx_and_ndjson_import_back_as_unchanged(backend: Backend) {
    let app = spawn_app(backend).await;
    let org = org(&app).await;
    records(&app, &org).await;
    for (list, kind) in [
        ("reforms", "reforms"),
        ("digital-systems", "digital_systems"),
    ] {
        for format in ["csv", "xlsx", "ndjson"] {
            let file = download(
                &app,
                &format!("/api/v1/{list}/export?format={format}"),
                &org.admin,
            )
            .await;
            let job = import(
                &app,
                &org.admin,
                &format!("kind={kind}"),
                &format!("{list}.{format}"),
                &file.bytes,
            )
            .await;
            assert_eq!(
                job.json["state"], "succeeded",
                "{list} {format}: {}",
                job.text
            );
            assert!(
                outcomes(&job.json).iter().all(|o| o == "unchanged"),
                "{list} {format}: {}",
                job.text
            );
        }
    }
    let proposal = created(
        &app,
        &org.admin,
        "/api/v1/proposals",
        json!({ "fiscal_year": 2025, "number": "7", "theme": "職員の困りごと", "title": "-紙の申請が多い" }),
    )
    .await;
    let file = download(&app, "/api/v1/proposals/export", &org.admin).await;
    let job = import(
        &app,
        &org.admin,
        "kind=proposals",
        "proposals.csv",
        &file.bytes,
    )
    .await;
    assert_eq!(outcomes(&job.json), vec!["unchanged"], "{}", job.text);
    assert_eq!(job.json["rows"][0]["record_id"], proposal);
    // The stage and sections columns are for reading: the import says so.
    let ignored: Vec<&str> = job.json["columns"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["field"].is_null())
        .map(|c| c["header"].as_str().unwrap())
        .collect();
    assert_eq!(ignored, vec!["段階", "担当課", "版", "更新日時"]);
}

async fn a_shift_jis_file_with_one_bad_row_changes_nothing_until_it_is_fixed(backend: Backend) {
    let app = spawn_app(backend).await;
    let org = org(&app).await;
    let bad = "年度,局・区,所管課,取組名,実施時期,注目,タグ\r\n\
               令和7年度,八幡西区役所,国保年金課,①髙橋㈱との協定でｶﾀｶﾅ帳票を廃止,R7.4~,○,ペーパーレス\r\n\
               2025,八幡東区役所,総務課,存在しない区の取組,,,\r\n";
    let (encoded, _, unmappable) = encoding_rs::SHIFT_JIS.encode(bad);
    assert!(!unmappable);
    let dry = import(
        &app,
        &org.admin,
        "kind=reforms&dry_run=true",
        "kintone.csv",
        &encoded,
    )
    .await;
    assert_eq!(dry.json["state"], "succeeded", "{}", dry.text);
    assert_eq!(dry.json["encoding"], "Shift_JIS");
    assert_eq!(outcomes(&dry.json), vec!["created", "rejected"]);
    let rejected = &dry.json["rows"][1];
    assert_eq!(rejected["row"], 3);
    assert_eq!(rejected["errors"][0]["column"], "局・区");
    assert_eq!(rejected["errors"][0]["code"], "unknown_bureau");
    assert_eq!(
        dry.json["summary"],
        json!({ "created": 1, "updated": 0, "unchanged": 0, "rejected": 1 })
    );
    let none = app.get("/api/v1/reforms", Some(&org.admin)).await;
    assert_eq!(none.json["total"], 0, "a dry run changes nothing");

    let real = import(&app, &org.admin, "kind=reforms", "kintone.csv", &encoded).await;
    assert_eq!(real.json["state"], "rejected", "{}", real.text);
    let none = app.get("/api/v1/reforms", Some(&org.admin)).await;
    assert_eq!(none.json["total"], 0, "one bad row stops the whole import");

    let fixed = bad.replace("八幡東区役所,総務課", "門司区役所,総務企画課");
    let (encoded, _, _) = encoding_rs::SHIFT_JIS.encode(&fixed);
    let done = import(&app, &org.admin, "kind=reforms", "kintone.csv", &encoded).await;
    assert_eq!(done.json["state"], "succeeded", "{}", done.text);
    assert_eq!(outcomes(&done.json), vec!["created", "created"]);
    let id = done.json["rows"][0]["record_id"].as_i64().unwrap();
    let reform = app
        .get(&format!("/api/v1/reforms/{id}"), Some(&org.admin))
        .await;
    assert_eq!(reform.json["title"], "①髙橋㈱との協定でｶﾀｶﾅ帳票を廃止");
    assert_eq!(reform.json["fiscal_year"], 2025);
    assert_eq!(reform.json["featured"], true);
    assert_eq!(reform.json["period"]["original"], "R7.4~");
    assert_eq!(reform.json["sections"][0]["name"], "国保年金課");
    let audit = app
        .get(
            &format!("/api/v1/audit-events?entity_type=reform&entity_id={id}"),
            Some(&org.admin),
        )
        .await;
    let source = audit.json["items"][0]["source"].as_str().unwrap();
    assert!(
        source.starts_with("import ") && source.ends_with(" kintone.csv"),
        "{source}"
    );
    let found = app
        .get(
            "/api/v1/search?q=%EF%BD%B6%EF%BE%80%EF%BD%B6%EF%BE%85",
            Some(&org.admin),
        )
        .await;
    assert_eq!(found.json["total"], 1, "ｶﾀｶﾅ is found: {}", found.text);

    // The same file again, now with a BOM in UTF-8: every row matches, nothing changes.
    let mut with_bom = b"\xEF\xBB\xBF".to_vec();
    with_bom.extend(fixed.replace("令和7年度", "2025").into_bytes());
    let again = import(
        &app,
        &org.admin,
        "kind=reforms&dry_run=true",
        "again.csv",
        &with_bom,
    )
    .await;
    assert_eq!(again.json["encoding"], "UTF-8 (BOM)");
    // Without an ID or a No. the rows have no key to match, so they would be new records.
    assert_eq!(outcomes(&again.json), vec!["created", "created"]);
}

async fn imports_check_columns_roles_scope_and_ownership(backend: Backend) {
    let app = spawn_app(backend).await;
    let org = org(&app).await;
    let missing = upload(
        &app,
        &org.admin,
        "kind=reforms",
        "x.csv",
        "年度,局・区\r\n2025,門司区役所\r\n".as_bytes(),
    )
    .await;
    let problem = missing.assert_problem(422, "validation_failed");
    assert_eq!(problem["errors"][0]["pointer"], "/columns/取組名");
    let garbage = upload(
        &app,
        &org.admin,
        "kind=reforms",
        "x.csv",
        &[0x82, 0xA0, 0xFF, 0xFF, 0x00],
    )
    .await;
    assert_eq!(
        garbage.assert_problem(422, "validation_failed")["errors"][0]["pointer"],
        "/file"
    );
    let not_multipart = app
        .send(
            Method::POST,
            "/api/v1/imports?kind=reforms",
            &org.admin,
            Some(json!({})),
            None,
        )
        .await;
    not_multipart.assert_problem(415, "unsupported_media_type");
    let viewer = app.signed_in("viewer@city.example.jp", "viewer").await;
    let refused = upload(
        &app,
        &viewer,
        "kind=reforms",
        "x.csv",
        "取組名\r\nx\r\n".as_bytes(),
    )
    .await;
    refused.assert_problem(403, "forbidden");

    let editor = app
        .editor_for("west@city.example.jp", vec![org.west_section], vec![])
        .await;
    let proposals = upload(
        &app,
        &editor,
        "kind=proposals",
        "p.csv",
        "年度,テーマ,提案名\r\n2025,x,y\r\n".as_bytes(),
    )
    .await;
    proposals.assert_problem(403, "forbidden");
    let file = "年度,局・区,所管課,取組名\r\n2025,八幡西区役所,国保年金課,西の取組\r\n2025,門司区役所,,門司の取組\r\n";
    let job = import(
        &app,
        &editor,
        "kind=reforms&dry_run=true",
        "scope.csv",
        file.as_bytes(),
    )
    .await;
    assert_eq!(outcomes(&job.json), vec!["created", "rejected"]);
    assert_eq!(job.json["rows"][1]["errors"][0]["code"], "forbidden");
    let id = job.json["id"].as_str().unwrap();
    // Another editor's job is not there for them; a viewer may not read imports at all.
    let other_editor = app
        .editor_for("moji@city.example.jp", vec![org.west_section], vec![])
        .await;
    let someone_else = app
        .get(&format!("/api/v1/imports/{id}"), Some(&other_editor))
        .await;
    someone_else.assert_problem(404, "not_found");
    app.get(&format!("/api/v1/imports/{id}"), Some(&viewer))
        .await
        .assert_problem(403, "forbidden");
    let admin_reads = app
        .get(&format!("/api/v1/imports/{id}"), Some(&org.admin))
        .await;
    assert_eq!(admin_reads.status, 200);
}

/// The keys of a JSON object in the order they are written, which a JSON map would sort: each
/// key and value read in turn as the next JSON value of the text.
fn keys_in_order(object: &str) -> Vec<String> {
    let next_value = |text: &str| -> (Value, usize) {
        let mut values = serde_json::Deserializer::from_str(text).into_iter::<Value>();
        let value = values.next().unwrap().unwrap();
        (value, values.byte_offset())
    };
    let mut rest = object.trim().strip_prefix('{').unwrap();
    let mut keys = Vec::new();
    while !rest.trim_start().starts_with('}') {
        let (key, end) = next_value(rest);
        keys.push(key.as_str().unwrap().to_owned());
        rest = rest[end..].trim_start().strip_prefix(':').unwrap();
        let (_, end) = next_value(rest);
        rest = rest[end..].trim_start();
        rest = rest.strip_prefix(',').unwrap_or(rest);
    }
    keys
}

/// (Japanese header, English key) of each column an export writes: the CSV's header row beside
/// the keys of an NDJSON line, which follow the columns' order.
async fn exported_columns(app: &TestApp, token: &str, list: &str) -> Vec<(String, String)> {
    let csv = download(app, &format!("/api/v1/{list}/export"), token).await;
    let text = csv_text(&csv.bytes);
    let header = text.trim_start_matches('\u{FEFF}').lines().next().unwrap();
    let ndjson = download(app, &format!("/api/v1/{list}/export?format=ndjson"), token).await;
    let first = String::from_utf8(ndjson.bytes).unwrap();
    let first = first.lines().next().unwrap().to_owned();
    let keys = keys_in_order(&first);
    let headers: Vec<String> = header.split(',').map(str::to_owned).collect();
    assert_eq!(headers.len(), keys.len(), "{list}: {header} / {first}");
    headers.into_iter().zip(keys).collect()
}

async fn the_published_import_columns_are_the_columns_the_exports_write(backend: Backend) {
    let app = spawn_app(backend).await;
    let org = org(&app).await;
    records(&app, &org).await;
    created(
        &app,
        &org.admin,
        "/api/v1/proposals",
        json!({ "fiscal_year": 2025, "number": "7", "theme": "職員の困りごと", "title": "紙の申請" }),
    )
    .await;
    let viewer = app.signed_in("viewer@city.example.jp", "viewer").await;
    let published = app.get("/api/v1/imports/columns", Some(&viewer)).await;
    assert_eq!(published.status, 200, "{}", published.text);
    for (list, kind) in [
        ("reforms", "reforms"),
        ("proposals", "proposals"),
        ("digital-systems", "digital_systems"),
    ] {
        let exported = exported_columns(&app, &org.admin, list).await;
        let columns = published.json[kind].as_array().unwrap();
        assert!(!columns.is_empty(), "{kind}");
        // Every published column is written by the export, under the same headers and in the
        // same order; the export's other columns are for reading only.
        let mut rest = exported.iter();
        for column in columns {
            let pair = (
                column["header_ja"].as_str().unwrap().to_owned(),
                column["key"].as_str().unwrap().to_owned(),
            );
            assert!(
                rest.any(|written| *written == pair),
                "{kind}: {pair:?} is not written in order by the export: {exported:?}"
            );
        }
    }
    let required = |kind: &str| -> Vec<String> {
        published.json[kind]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["required"] == true)
            .map(|c| c["key"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(required("reforms"), ["fiscal_year", "bureau", "title"]);
    assert_eq!(required("proposals"), ["fiscal_year", "theme", "title"]);
    assert_eq!(
        required("digital_systems"),
        ["name", "bureau", "section", "platform", "status"]
    );
    let kind_of = |kind: &str, key: &str| {
        published.json[kind]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["key"] == key)
            .map(|c| c["kind"].clone())
    };
    assert_eq!(kind_of("reforms", "featured"), Some(json!("bool")));
    assert_eq!(kind_of("reforms", "effects"), Some(json!("json")));
    assert_eq!(
        kind_of("digital_systems", "annual_hours_saved"),
        Some(json!("number"))
    );
    // Written for reading, not read back: the stage and the computed period bounds.
    assert_eq!(kind_of("proposals", "stage"), None);
    assert_eq!(kind_of("reforms", "period_start"), None);
    app.get("/api/v1/imports/columns", None)
        .await
        .assert_problem(401, "unauthenticated");
}

/// The exports fetch 500 rows at a time; this list is longer, with sections on the rows at the
/// seam, so rows cannot go missing, repeat or swap their sections between batches.
async fn a_proposal_export_longer_than_a_batch_holds_every_row_once_in_order_with_its_own_sections(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let org = org(&app).await;
    let mut file = String::from("年度,番号,テーマ,提案名,困りごと\n");
    for i in 0..1_203 {
        // Quotes, a line break, a formula-like start and text beyond the BMP in some rows.
        let pain = match i % 4 {
            0 => String::new(),
            1 => format!("\"「窓口」で\"\"紙\"\"が{i}枚\""),
            2 => format!("\"一行目\n二行目 {i} 🏯\""),
            _ => format!("=SUM({i})"),
        };
        file.push_str(&format!("2025,B{i},職員の困りごと,提案{i},{pain}\n"));
    }
    let job = import(
        &app,
        &org.admin,
        "kind=proposals",
        "many.csv",
        file.as_bytes(),
    )
    .await;
    assert_eq!(job.json["state"], "succeeded", "{}", job.text);
    let mut listed: Vec<Value> = Vec::new();
    for page in 1.. {
        let answer = app
            .get(
                &format!("/api/v1/proposals?fiscal_year=2025&per_page=200&page={page}"),
                Some(&org.admin),
            )
            .await;
        let items = answer.json["items"].as_array().unwrap().clone();
        if items.is_empty() {
            break;
        }
        listed.extend(items);
    }
    assert_eq!(listed.len(), 1_203);
    // Sections on the rows either side of the first and second seams (ids in list order).
    for (at, section) in [
        (498, org.west_section),
        (499, org.moji_section),
        (500, org.west_section),
        (999, org.moji_section),
        (1_000, org.west_section),
    ] {
        let id = listed[at]["id"].as_i64().unwrap();
        let answer = post(
            &app,
            &format!("/api/v1/proposals/{id}/assignments"),
            &org.admin,
            json!({ "section_id": section, "effective_on": "2025-06-01" }),
        )
        .await;
        assert_eq!(answer.status, 201, "{}", answer.text);
    }
    let second = listed[500]["id"].as_i64().unwrap();
    let answer = post(
        &app,
        &format!("/api/v1/proposals/{second}/assignments"),
        &org.admin,
        json!({ "section_id": org.moji_section, "effective_on": "2025-06-02" }),
    )
    .await;
    assert_eq!(answer.status, 201, "{}", answer.text);
    let mut now: Vec<Value> = Vec::new();
    for page in 1..=7 {
        let answer = app
            .get(
                &format!("/api/v1/proposals?fiscal_year=2025&per_page=200&page={page}"),
                Some(&org.admin),
            )
            .await;
        now.extend(answer.json["items"].as_array().unwrap().clone());
    }

    let ndjson = download(
        &app,
        "/api/v1/proposals/export?format=ndjson&fiscal_year=2025",
        &org.admin,
    )
    .await;
    let text = String::from_utf8(ndjson.bytes).unwrap();
    assert!(text.ends_with('\n'));
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), now.len());
    for (line, proposal) in lines.iter().zip(&now) {
        for key in [
            "id",
            "fiscal_year",
            "number",
            "theme",
            "title",
            "pain_point",
            "version",
        ] {
            assert_eq!(line[key], proposal[key], "{key} of {}", proposal["id"]);
        }
        let sections: Vec<&str> = proposal["assignments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["section_name"].as_str().unwrap())
            .collect();
        let joined = sections.join("、");
        assert_eq!(
            line["sections"].as_str().unwrap_or_default(),
            joined,
            "sections of {}",
            proposal["id"]
        );
        let updated =
            chrono::DateTime::parse_from_rfc3339(proposal["updated_at"].as_str().unwrap()).unwrap();
        assert_eq!(
            line["updated_at"],
            updated.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            "updated_at of {}",
            proposal["id"]
        );
    }
    let seam = &lines[500];
    assert_eq!(seam["id"], second);
    assert!(seam["sections"].as_str().unwrap().contains('、'), "{seam}");

    // The CSV holds the same rows in the same order, one record each.
    let csv = download(
        &app,
        "/api/v1/proposals/export?format=csv&fiscal_year=2025",
        &org.admin,
    )
    .await;
    let mut reader = csv::ReaderBuilder::new().from_reader(&csv.bytes[3..]);
    let ids: Vec<i64> = reader
        .records()
        .map(|r| r.unwrap()[0].parse().unwrap())
        .collect();
    let expected: Vec<i64> = now.iter().map(|p| p["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, expected);
}
