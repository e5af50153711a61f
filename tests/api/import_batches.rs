//! Large imports write in batches: an import of more than two batches of reforms stores the same
//! records, report numbering, search hits, dashboard figures and audit trail as creating the same
//! reforms one by one through the API; a row that fails in a later batch leaves nothing behind;
//! a dry run of the same file writes nothing; a record named twice, rows apart, is found; the
//! job shows each phase's progress and reports a bounded number of rows, every rejected one
//! among them.

use crate::data_exchange::upload;
use crate::helpers::{Answer, Backend, TestApp, spawn_app};
use crate::on_both_databases;
use crate::reforms::{Org, org, post};
use serde_json::{Value, json};

on_both_databases!(
    an_import_of_several_batches_stores_what_creating_each_reform_stores,
    a_row_failing_in_a_later_batch_leaves_nothing_behind,
    a_dry_run_of_several_batches_writes_nothing,
    a_record_named_twice_a_thousand_rows_apart_is_rejected_and_nothing_is_written,
);

/// The accepted rows, and separately the rejected rows, a job lists one by one.
const REPORTED: usize = 1_000;

/// More than two batches of 500.
const ROWS: usize = 1_200;

/// One generated reform, as the API takes it and as a CSV row.
struct Generated {
    body: Value,
    cells: Vec<String>,
}

const HEADERS: &str =
    "年度,No.,局・区,所管課,分類,取組名,課題,取組,効果,実施時期,状況,注目,タグ,数値効果";

fn csv_cell(text: &str) -> String {
    if text.contains([',', '"', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

/// Reforms of two bureaus over two years, some numbered and some not, with sections, tags,
/// quantified effects, explicit and derived statuses, and a search word in a known share.
fn generated(org: &Org, count: usize) -> Vec<Generated> {
    (0..count)
        .map(|i| {
            let year = if i % 3 == 0 { 2023 } else { 2024 };
            let number = (i % 5 != 0).then_some(i + 1);
            let (bureau_id, bureau, section_id, section) = if i % 2 == 0 {
                (org.west, "八幡西区役所", org.west_section, "国保年金課")
            } else {
                (org.moji, "門司区役所", org.moji_section, "総務企画課")
            };
            let sections: Vec<i64> = if i % 4 == 0 { vec![section_id] } else { vec![] };
            let word = if i % 7 == 0 { "電子申請化" } else { "手順の見直し" };
            let title = format!("窓口{i}番の{word}");
            let problem = format!("紙の様式で受け付けており、転記に時間を要していた（{i}）。");
            let classification = ["ii", "i", ""][i % 3];
            let period = ["R6.4~", "R6.7.1", "随時", ""][i % 4];
            let status = if i % 9 == 0 { "done" } else { "" };
            let featured = i % 11 == 0;
            let mut tags: Vec<&str> = Vec::new();
            if i % 3 == 0 {
                tags.push("kintone");
            }
            if i % 6 == 0 {
                tags.push("ペーパーレス");
            }
            let effects = if i % 10 == 0 {
                json!([{ "kind": "hours_per_year", "value": i as f64 + 0.5, "unit": "時間/年", "basis": "試算" }])
            } else {
                json!([])
            };
            let mut body = json!({
                "fiscal_year": year,
                "bureau_id": bureau_id,
                "section_ids": sections,
                "title": title,
                "problem": problem,
                "featured": featured,
                "tags": tags,
                "effects": effects,
            });
            if let Some(number) = number {
                body["report_number"] = json!(number);
            }
            if !classification.is_empty() {
                body["classification"] = json!(classification);
            }
            if !period.is_empty() {
                body["period"] = json!(period);
            }
            if !status.is_empty() {
                body["status"] = json!(status);
            }
            let cells = vec![
                year.to_string(),
                number.map(|n| n.to_string()).unwrap_or_default(),
                bureau.to_owned(),
                if sections.is_empty() { String::new() } else { section.to_owned() },
                classification.to_owned(),
                title,
                problem,
                String::new(),
                String::new(),
                period.to_owned(),
                status.to_owned(),
                if featured { "はい" } else { "いいえ" }.to_owned(),
                tags.join("、"),
                if i % 10 == 0 { effects.to_string() } else { String::new() },
            ];
            Generated { body, cells }
        })
        .collect()
}

fn csv_of(rows: &[Generated]) -> Vec<u8> {
    let mut text = format!("{HEADERS}\r\n");
    for row in rows {
        let cells: Vec<String> = row.cells.iter().map(|c| csv_cell(c)).collect();
        text.push_str(&cells.join(","));
        text.push_str("\r\n");
    }
    text.into_bytes()
}

/// Uploads and waits (up to a minute: a debug build on a busy machine) for the job to end.
async fn imported(app: &TestApp, token: &str, query: &str, bytes: &[u8]) -> Answer {
    let started = upload(app, token, query, "batches.csv", bytes).await;
    assert_eq!(started.status, 202, "{}", started.text);
    let location = started.header("location").unwrap().to_owned();
    for _ in 0..1200 {
        let job = app.get(&location, Some(token)).await;
        assert_eq!(job.status, 200, "{}", job.text);
        if job.json["state"] != "running" {
            return job;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the import did not finish");
}

/// Every page of a list, items only.
async fn all_items(app: &TestApp, token: &str, path: &str) -> Vec<Value> {
    let mut items = Vec::new();
    for page in 1.. {
        let separator = if path.contains('?') { '&' } else { '?' };
        let answer = app
            .get(
                &format!("{path}{separator}per_page=200&page={page}"),
                Some(token),
            )
            .await;
        assert_eq!(answer.status, 200, "{path}: {}", answer.text);
        let batch = answer.json["items"].as_array().unwrap().clone();
        if batch.is_empty() {
            break;
        }
        items.extend(batch);
    }
    items
}

/// A value without the keys that differ between two runs by their nature (times, versions of
/// the timestamp-derived ETag).
fn without_times(mut value: Value) -> Value {
    match &mut value {
        Value::Object(map) => {
            for key in ["created_at", "updated_at", "occurred_at", "generated_at"] {
                map.remove(key);
            }
            for v in map.values_mut() {
                *v = without_times(v.take());
            }
        }
        Value::Array(items) => {
            for v in items.iter_mut() {
                *v = without_times(v.take());
            }
        }
        _ => {}
    }
    value
}

/// What the stored reforms come to: the list with its numbering, search hits, dashboards and the
/// audit trail of reforms (action, record, the record after).
async fn stored(app: &TestApp, token: &str) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    let reforms = all_items(app, token, "/api/v1/reforms?sort=id").await;
    out.push(("reforms".into(), without_times(json!(reforms))));
    for query in [
        "/api/v1/reforms?q=%E9%9B%BB%E5%AD%90%E7%94%B3%E8%AB%8B&sort=id",
        "/api/v1/reforms?tag=kintone&sort=id",
        "/api/v1/reforms?q=%E8%A6%8B%E7%9B%B4&sort=id",
    ] {
        let ids: Vec<Value> = all_items(app, token, query)
            .await
            .into_iter()
            .map(|r| r["id"].clone())
            .collect();
        out.push((query.into(), json!(ids)));
    }
    let search = app
        .get(
            "/api/v1/search?q=%E9%9B%BB%E5%AD%90%E7%94%B3%E8%AB%8B",
            Some(token),
        )
        .await;
    assert_eq!(search.status, 200, "{}", search.text);
    out.push(("search total".into(), search.json["total"].clone()));
    for year in [2023, 2024] {
        let dashboard = app
            .get(
                &format!("/api/v1/dashboard?fiscal_year={year}"),
                Some(token),
            )
            .await;
        assert_eq!(dashboard.status, 200, "{}", dashboard.text);
        out.push((format!("dashboard {year}"), without_times(dashboard.json)));
    }
    let mut events: Vec<Value> = all_items(app, token, "/api/v1/audit-events?entity_type=reform")
        .await
        .into_iter()
        .map(|e| json!([e["action"], e["entity_id"], e["before"], e["after"]]))
        .collect();
    events.sort_by_key(|e| e[1].as_str().unwrap().parse::<i64>().unwrap());
    out.push(("audit".into(), json!(events)));
    out
}

async fn an_import_of_several_batches_stores_what_creating_each_reform_stores(backend: Backend) {
    let imported_app = spawn_app(backend.clone()).await;
    let org_a = org(&imported_app).await;
    let rows = generated(&org_a, ROWS);
    let job = imported(&imported_app, &org_a.admin, "kind=reforms", &csv_of(&rows)).await;
    assert_eq!(job.json["state"], "succeeded", "{}", job.text);
    assert_eq!(
        job.json["summary"],
        json!({ "created": ROWS, "updated": 0, "unchanged": 0, "rejected": 0 })
    );
    let reported = job.json["rows"].as_array().unwrap();
    assert_eq!(
        reported.len(),
        REPORTED,
        "the first rows are listed, the summary counts them all"
    );
    assert_eq!(reported[REPORTED - 1]["row"], REPORTED + 1);
    let ids: Vec<i64> = reported
        .iter()
        .map(|r| r["record_id"].as_i64().unwrap())
        .collect();
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    assert_eq!(ids, sorted, "records are created in the order of the file");
    let phases = job.json["phases"].as_array().unwrap();
    let names: Vec<&str> = phases
        .iter()
        .map(|p| p["phase"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["reading", "checking", "writing", "indexing"]);
    for phase in &phases[..3] {
        assert_eq!(phase["done"], ROWS, "{phase}");
        assert_eq!(phase["total"], ROWS, "{phase}");
        assert!(phase["finished_at"].is_string(), "{phase}");
    }
    assert!(phases[3]["finished_at"].is_string());
    assert!(job.json["phase"].is_null(), "no phase runs once it is done");

    let created_app = spawn_app(backend).await;
    let org_b = org(&created_app).await;
    assert_eq!(
        (org_a.west, org_a.moji, org_a.west_section),
        (org_b.west, org_b.moji, org_b.west_section)
    );
    for row in generated(&org_b, ROWS) {
        let answer = post(&created_app, "/api/v1/reforms", &org_b.admin, row.body).await;
        assert_eq!(answer.status, 201, "{}", answer.text);
    }

    let from_import = stored(&imported_app, &org_a.admin).await;
    let from_api = stored(&created_app, &org_b.admin).await;
    for ((what, a), (_, b)) in from_import.iter().zip(&from_api) {
        assert_eq!(
            a, b,
            "{what} differs between the import and one-by-one creation"
        );
    }
    let total = from_import[0].1.as_array().unwrap().len();
    assert_eq!(total, ROWS);
    let hits = from_import[1].1.as_array().unwrap().len();
    assert_eq!(hits, (0..ROWS).filter(|i| i % 7 == 0).count());
}

async fn a_row_failing_in_a_later_batch_leaves_nothing_behind(backend: Backend) {
    let app = spawn_app(backend).await;
    let org = org(&app).await;
    let before = stored(&app, &org.admin).await;

    // Rejected while checking: every row is still checked, and nothing is kept.
    let mut rows = generated(&org, ROWS);
    rows[1_100].cells[2] = "存在しない区役所".into();
    let job = imported(&app, &org.admin, "kind=reforms", &csv_of(&rows)).await;
    assert_eq!(job.json["state"], "rejected", "{}", job.text);
    assert_eq!(job.json["summary"]["rejected"], 1);
    assert_eq!(job.json["summary"]["created"], ROWS - 1);
    let reported = job.json["rows"].as_array().unwrap();
    assert_eq!(reported.len(), REPORTED + 1, "{}", job.text);
    let rejected: Vec<&Value> = reported
        .iter()
        .filter(|r| r["outcome"] == "rejected")
        .collect();
    assert_eq!(
        rejected.len(),
        1,
        "the rejected row is listed past the first rows"
    );
    assert_eq!(rejected[0]["row"], 1_102);
    assert_eq!(stored(&app, &org.admin).await, before);

    // Failing while writing, in the third batch, after two batches were written: a reform from
    // a proposal that does not exist. The whole import rolls back.
    let mut rows = generated(&org, ROWS);
    rows[1_150].cells[4] = "iii".into();
    let mut text = String::from_utf8(csv_of(&rows)).unwrap();
    text = text.replacen(HEADERS, &format!("{HEADERS},元の提案ID"), 1);
    let lines: Vec<String> = text
        .split("\r\n")
        .enumerate()
        .map(|(n, line)| match n {
            0 => line.to_owned(),
            _ if line.is_empty() => String::new(),
            1_151 => format!("{line},999999"),
            _ => format!("{line},"),
        })
        .collect();
    let job = imported(
        &app,
        &org.admin,
        "kind=reforms",
        lines.join("\r\n").as_bytes(),
    )
    .await;
    assert_eq!(job.json["state"], "failed", "{}", job.text);
    assert_eq!(stored(&app, &org.admin).await, before);

    // The same file without the bad row is imported whole.
    let rows = generated(&org, ROWS);
    let job = imported(&app, &org.admin, "kind=reforms", &csv_of(&rows)).await;
    assert_eq!(job.json["state"], "succeeded", "{}", job.text);
    let reforms = app.get("/api/v1/reforms", Some(&org.admin)).await;
    assert_eq!(reforms.json["total"], ROWS);
}

async fn a_dry_run_of_several_batches_writes_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let org = org(&app).await;
    let before = stored(&app, &org.admin).await;
    let rows = generated(&org, ROWS);
    let job = imported(
        &app,
        &org.admin,
        "kind=reforms&dry_run=true",
        &csv_of(&rows),
    )
    .await;
    assert_eq!(job.json["state"], "succeeded", "{}", job.text);
    assert_eq!(job.json["summary"]["created"], ROWS);
    assert!(
        job.json["rows"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["record_id"].is_null() && r["outcome"] == "created")
    );
    let phases = job.json["phases"].as_array().unwrap();
    assert_eq!(phases[1]["done"], ROWS, "every row is checked");
    assert!(
        phases[2]["started_at"].is_null(),
        "a dry run writes nothing"
    );
    assert!(phases[3]["started_at"].is_null());
    assert_eq!(stored(&app, &org.admin).await, before);
}

async fn a_record_named_twice_a_thousand_rows_apart_is_rejected_and_nothing_is_written(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let org = org(&app).await;
    let before = stored(&app, &org.admin).await;
    // Row 3 of the file is 2024 No.2; row 1,153 (in the third batch) names the same report
    // number of the same year.
    let mut rows = generated(&org, ROWS);
    assert_eq!(
        (&rows[1].cells[0][..], &rows[1].cells[1][..]),
        ("2024", "2")
    );
    assert_eq!(rows[1_151].cells[0], "2024");
    rows[1_151].cells[1] = "2".into();

    for query in ["kind=reforms&dry_run=true", "kind=reforms"] {
        let job = imported(&app, &org.admin, query, &csv_of(&rows)).await;
        let rejected: Vec<&Value> = job.json["rows"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["outcome"] == "rejected")
            .collect();
        assert_eq!(rejected.len(), 1, "{query}: {}", job.text);
        assert_eq!(rejected[0]["row"], 1_153, "{query}");
        assert_eq!(rejected[0]["errors"][0]["code"], "duplicate_row", "{query}");
        assert!(
            rejected[0]["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("3行目"),
            "{query}: {}",
            rejected[0]
        );
        assert_eq!(job.json["summary"]["rejected"], 1, "{query}");
        let state = if query.contains("dry_run") {
            "succeeded"
        } else {
            "rejected"
        };
        assert_eq!(job.json["state"], state, "{query}");
        assert_eq!(stored(&app, &org.admin).await, before, "{query}");
    }
}
