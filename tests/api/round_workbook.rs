//! Answering a round's request by Excel: the workbook downloaded, edited here with the server's
//! own XLSX writer, previewed by a dry run, then applied in one transaction (or refused whole).

use crate::helpers::{Answer, Backend, TestApp, spawn_app_with};
use crate::on_both_databases;
use crate::reforms::{Org, org, post};
use crate::rounds::{act, draft, etag, reform, request, request_of_section, round_body, send};
use api::tabular::cells::{Cell, CellKind};
use api::tabular::columns::Head;
use api::tabular::formats::{XlsxSheet, xlsx_sheets};
use api::tabular::import::read_workbook;
use reqwest::Method;
use serde_json::{Value, json};

on_both_databases!(
    a_workbook_answer_is_previewed_then_written_audited_and_answers_each_item,
    a_stale_row_refuses_the_whole_upload_and_changes_nothing,
    a_status_word_that_names_no_status_is_refused_on_its_cell_for_reforms_and_systems,
    another_sections_request_is_404_a_file_that_is_no_workbook_is_422_and_a_closed_round_takes_none,
    kpi_actuals_and_progress_notes_are_answered_as_of_the_round_date,
);

/// A worksheet as read back: its name, its headers and its rows of text.
struct Page {
    name: String,
    headers: Vec<String>,
    rows: Vec<(u32, Vec<String>)>,
}

impl Page {
    fn column(&self, header: &str) -> usize {
        self.headers
            .iter()
            .position(|h| h == header)
            .unwrap_or_else(|| panic!("no column {header} in {:?}", self.headers))
    }

    /// Sets `header` of the row of record `record_id`.
    fn set(&mut self, record_id: i64, header: &str, value: &str) {
        let record = self.column("記録ID");
        let column = self.column(header);
        let width = self.headers.len();
        let row = self
            .rows
            .iter_mut()
            .find(|(_, cells)| {
                cells.get(record).map(String::as_str) == Some(&record_id.to_string())
            })
            .unwrap_or_else(|| panic!("no row of record {record_id} on {}", self.name));
        row.1.resize(width, String::new());
        row.1[column] = value.to_owned();
    }

    fn get(&self, record_id: i64, header: &str) -> String {
        let record = self.column("記録ID");
        let column = self.column(header);
        self.rows
            .iter()
            .find(|(_, cells)| {
                cells.get(record).map(String::as_str) == Some(&record_id.to_string())
            })
            .and_then(|(_, cells)| cells.get(column).cloned())
            .unwrap_or_default()
    }
}

fn read(bytes: &[u8]) -> Vec<Page> {
    read_workbook(bytes)
        .unwrap()
        .into_iter()
        .map(|(name, mut sheet)| Page {
            name,
            headers: sheet.headers.clone(),
            rows: sheet.next_batch(usize::MAX).unwrap(),
        })
        .collect()
}

/// The pages written back as a workbook, every cell as text (as staff type it).
fn write(pages: &[Page]) -> Vec<u8> {
    let heads: Vec<Vec<Head>> = pages
        .iter()
        .map(|p| {
            p.headers
                .iter()
                .map(|h| {
                    let ja: &'static str = Box::leak(h.clone().into_boxed_str());
                    Head::new(ja, ja, CellKind::Text)
                })
                .collect()
        })
        .collect();
    let rows: Vec<Vec<Vec<Cell>>> = pages
        .iter()
        .map(|p| {
            p.rows
                .iter()
                .map(|(_, cells)| {
                    cells
                        .iter()
                        .map(|c| {
                            if c.is_empty() {
                                Cell::Empty
                            } else {
                                Cell::text(c.clone())
                            }
                        })
                        .collect()
                })
                .collect()
        })
        .collect();
    let sheets: Vec<XlsxSheet<'_>> = pages
        .iter()
        .zip(&heads)
        .zip(&rows)
        .map(|((p, columns), rows)| XlsxSheet {
            name: &p.name,
            columns,
            rows,
        })
        .collect();
    xlsx_sheets(&sheets).unwrap()
}

fn page<'a>(pages: &'a mut [Page], name: &str) -> &'a mut Page {
    pages
        .iter_mut()
        .find(|p| p.name == name)
        .unwrap_or_else(|| panic!("no sheet {name}"))
}

async fn download(app: &TestApp, token: &str, request_id: i64) -> (u16, Vec<u8>) {
    let response = app
        .client
        .get(app.url(&format!("/api/v1/round-requests/{request_id}/workbook")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    if status == 200 {
        assert_eq!(
            response.headers()["content-type"],
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        );
    }
    (status, response.bytes().await.unwrap().to_vec())
}

async fn upload(
    app: &TestApp,
    token: &str,
    request_id: i64,
    dry_run: bool,
    bytes: &[u8],
) -> Answer {
    let boundary = "----platina-workbook-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"answer.xlsx\"\r\nContent-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend(format!("\r\n--{boundary}--\r\n").into_bytes());
    let response = app
        .client
        .post(app.url(&format!(
            "/api/v1/round-requests/{request_id}/workbook?dry_run={dry_run}"
        )))
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

async fn created_id(app: &TestApp, token: &str, path: &str, body: Value) -> i64 {
    let answer = post(app, path, token, body).await;
    assert_eq!(answer.status, 201, "{path}: {}", answer.text);
    answer.json["id"].as_i64().unwrap()
}

async fn system(app: &TestApp, o: &Org, section: i64, name: &str) -> i64 {
    created_id(
        app,
        &o.admin,
        "/api/v1/digital-systems",
        json!({ "name": name, "section_id": section, "platform": "kintone", "built_in_house": true, "status": "trial", "annual_hours_saved": 100.0 }),
    )
    .await
}

/// Opens a round over `kinds` and answers the west section's request, with the west editor.
async fn opened_for_west(app: &TestApp, o: &Org, kinds: &[&str]) -> (i64, String) {
    let (round, tag) = draft(app, &o.admin, round_body(kinds, &[], &[])).await;
    let opened = act(app, &o.admin, round, "open", &tag).await;
    assert_eq!(opened.status, 200, "{}", opened.text);
    let west = request_of_section(app, &o.admin, round, o.west_section).await;
    let editor = app
        .editor_for(
            "west.editor@city.example.jp",
            vec![o.west_section],
            vec![o.west],
        )
        .await;
    (west, editor)
}

fn item_of<'a>(detail: &'a Answer, record_id: i64, kind: &str) -> &'a Value {
    detail.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["record_id"] == record_id && i["record_kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} item {record_id}: {}", detail.text))
}

async fn a_workbook_answer_is_previewed_then_written_audited_and_answers_each_item(
    backend: Backend,
) {
    let app = spawn_app_with(backend, "").await;
    let o = org(&app).await;
    let reform_id = reform(&app, &o, o.west_section, o.west, "窓口予約の電子化").await;
    let system_id = system(&app, &o, o.west_section, "来庁予約システム").await;
    let (west, editor) = opened_for_west(&app, &o, &["reform", "digital_system"]).await;

    let (status, bytes) = download(&app, &editor, west).await;
    assert_eq!(status, 200);
    let mut pages = read(&bytes);
    let names: Vec<&str> = pages.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["自主改革取組", "システム管理台帳"]);
    let reforms = page(&mut pages, "自主改革取組");
    assert_eq!(reforms.get(reform_id, "状況"), "検討中");
    assert_eq!(reforms.get(reform_id, "版"), "1");
    reforms.set(reform_id, "状況", "実施済");
    reforms.set(reform_id, "実施期間", "R7.4～R8.3");
    reforms.set(reform_id, "回答（変更なし／変更あり）", "変更あり");
    let systems = page(&mut pages, "システム管理台帳");
    assert_eq!(systems.get(system_id, "年間削減作業時間"), "100");
    systems.set(system_id, "回答（変更なし／変更あり）", "変更なし");
    systems.set(system_id, "コメント", "前回から変わりありません");
    let edited = write(&pages);

    let preview = upload(&app, &editor, west, true, &edited).await;
    assert_eq!(preview.status, 200, "{}", preview.text);
    assert_eq!(preview.json["applied"], false);
    assert_eq!(preview.json["errors"], json!([]), "{}", preview.text);
    let rows = preview.json["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    let reform_row = rows
        .iter()
        .find(|r| r["record_kind"] == "reform" && r["record_id"] == reform_id)
        .unwrap();
    assert_eq!(reform_row["outcome"], "changed");
    assert_eq!(reform_row["changes"][0]["label"], "状況");
    assert_eq!(reform_row["changes"][0]["before"], "検討中");
    assert_eq!(reform_row["changes"][0]["after"], "実施済");
    assert_eq!(reform_row["changes"][1]["after"], "R7.4～R8.3");
    let system_row = rows
        .iter()
        .find(|r| r["record_kind"] == "digital_system" && r["record_id"] == system_id)
        .unwrap();
    assert_eq!(system_row["outcome"], "unchanged", "{}", preview.text);
    assert_eq!(system_row["changes"], json!([]));
    // The dry run wrote nothing.
    let untouched = app
        .get(&format!("/api/v1/reforms/{reform_id}"), Some(&editor))
        .await;
    assert_eq!(untouched.json["status"], "under_consideration");
    assert_eq!(untouched.json["version"], 1);
    let detail = request(&app, &editor, west).await;
    assert_eq!(item_of(&detail, reform_id, "reform")["outcome"], "none");

    let applied = upload(&app, &editor, west, false, &edited).await;
    assert_eq!(applied.status, 200, "{}", applied.text);
    assert_eq!(applied.json["applied"], true);
    assert_eq!(applied.json["request"]["answered_count"], 2);
    let written = app
        .get(&format!("/api/v1/reforms/{reform_id}"), Some(&editor))
        .await;
    assert_eq!(written.json["status"], "done");
    assert_eq!(written.json["period"]["original"], "R7.4～R8.3");
    assert_eq!(
        written.json["title"], "窓口予約の電子化",
        "the rest is kept"
    );
    let detail = request(&app, &editor, west).await;
    let reform_item = item_of(&detail, reform_id, "reform");
    assert_eq!(reform_item["outcome"], "changed");
    let system_item = item_of(&detail, system_id, "digital_system");
    assert_eq!(system_item["outcome"], "unchanged");
    assert_eq!(system_item["comment"], "前回から変わりありません");
    let trail = app
        .get(
            &format!("/api/v1/audit-events?entity_type=reform&entity_id={reform_id}"),
            Some(&o.admin),
        )
        .await;
    let update = trail.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "reform.update")
        .unwrap_or_else(|| panic!("no reform.update in {}", trail.text));
    assert_eq!(reform_item["audit_event_ids"], json!([update["id"]]));
}

async fn a_stale_row_refuses_the_whole_upload_and_changes_nothing(backend: Backend) {
    let app = spawn_app_with(backend, "").await;
    let o = org(&app).await;
    let reform_id = reform(&app, &o, o.west_section, o.west, "窓口予約の電子化").await;
    let system_id = system(&app, &o, o.west_section, "来庁予約システム").await;
    let (west, editor) = opened_for_west(&app, &o, &["reform", "digital_system"]).await;
    let (_, bytes) = download(&app, &editor, west).await;

    // Someone writes the reform on its page after the workbook was downloaded.
    let now = app
        .get(&format!("/api/v1/reforms/{reform_id}"), Some(&editor))
        .await;
    let moved = send(
        &app,
        Method::PUT,
        &format!("/api/v1/reforms/{reform_id}"),
        &editor,
        Some(json!({ "fiscal_year": 2025, "bureau_id": o.west, "section_ids": [o.west_section], "title": "窓口予約の電子化（改称）" })),
        Some(&etag(&now)),
    )
    .await;
    assert_eq!(moved.status, 200, "{}", moved.text);

    let mut pages = read(&bytes);
    let reforms = page(&mut pages, "自主改革取組");
    reforms.set(reform_id, "状況", "実施中");
    reforms.set(reform_id, "回答（変更なし／変更あり）", "変更あり");
    let systems = page(&mut pages, "システム管理台帳");
    systems.set(system_id, "年間削減作業時間", "250.5");
    systems.set(system_id, "回答（変更なし／変更あり）", "変更あり");
    let edited = write(&pages);

    let preview = upload(&app, &editor, west, true, &edited).await;
    assert_eq!(preview.status, 200, "{}", preview.text);
    let errors = preview.json["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{}", preview.text);
    assert_eq!(errors[0]["code"], "stale");
    assert_eq!(errors[0]["sheet"], "自主改革取組");
    assert_eq!(errors[0]["row"], 2);
    assert_eq!(errors[0]["column"], "版");

    let refused = upload(&app, &editor, west, false, &edited).await;
    let problem = refused.assert_problem(412, "precondition_failed");
    assert_eq!(problem["errors"][0]["pointer"], "/自主改革取組/2/版");
    assert_eq!(problem["errors"][0]["code"], "stale");
    // Not even the row that was not stale was written.
    let system_now = app
        .get(
            &format!("/api/v1/digital-systems/{system_id}"),
            Some(&editor),
        )
        .await;
    assert_eq!(system_now.json["annual_hours_saved"], 100.0);
    assert_eq!(system_now.json["version"], 1);
    let detail = request(&app, &editor, west).await;
    assert_eq!(detail.json["request"]["answered_count"], 0);
}

async fn a_status_word_that_names_no_status_is_refused_on_its_cell_for_reforms_and_systems(
    backend: Backend,
) {
    let app = spawn_app_with(backend, "").await;
    let o = org(&app).await;
    let reform_id = reform(&app, &o, o.west_section, o.west, "窓口予約の電子化").await;
    let system_id = system(&app, &o, o.west_section, "来庁予約システム").await;
    let (west, editor) = opened_for_west(&app, &o, &["reform", "digital_system"]).await;
    let (_, bytes) = download(&app, &editor, west).await;

    let mut pages = read(&bytes);
    let reforms = page(&mut pages, "自主改革取組");
    reforms.set(reform_id, "状況", "たぶん完了");
    reforms.set(reform_id, "回答（変更なし／変更あり）", "変更あり");
    let systems = page(&mut pages, "システム管理台帳");
    systems.set(system_id, "状況", "稼働しているはず");
    systems.set(system_id, "回答（変更なし／変更あり）", "変更あり");
    let edited = write(&pages);

    let preview = upload(&app, &editor, west, true, &edited).await;
    assert_eq!(preview.status, 200, "{}", preview.text);
    let errors = preview.json["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 2, "{}", preview.text);
    for (error, sheet) in errors.iter().zip(["自主改革取組", "システム管理台帳"]) {
        assert_eq!(error["sheet"], sheet, "{}", preview.text);
        assert_eq!(error["column"], "状況");
        assert_eq!(error["code"], "invalid_value");
        assert!(
            error["message"].as_str().unwrap().starts_with("状況は "),
            "{error}"
        );
    }
    let refused = upload(&app, &editor, west, false, &edited).await;
    refused.assert_problem(422, "validation_failed");
    let detail = request(&app, &editor, west).await;
    assert_eq!(detail.json["request"]["answered_count"], 0);
}

async fn another_sections_request_is_404_a_file_that_is_no_workbook_is_422_and_a_closed_round_takes_none(
    backend: Backend,
) {
    let app = spawn_app_with(backend, "").await;
    let o = org(&app).await;
    reform(&app, &o, o.west_section, o.west, "窓口予約の電子化").await;
    reform(&app, &o, o.moji_section, o.moji, "文字情報の統一").await;
    let (west, editor) = opened_for_west(&app, &o, &["reform"]).await;
    let detail = request(&app, &editor, west).await;
    let round = detail.json["request"]["round"]["id"].as_i64().unwrap();
    let moji = request_of_section(&app, &o.admin, round, o.moji_section).await;

    let (status, _) = download(&app, &editor, moji).await;
    assert_eq!(status, 404);
    let (_, own) = download(&app, &editor, west).await;
    upload(&app, &editor, moji, true, &own)
        .await
        .assert_problem(404, "not_found");

    let garbage = upload(&app, &editor, west, true, b"PK\x03\x04 not really a zip").await;
    let problem = garbage.assert_problem(422, "validation_failed");
    assert_eq!(problem["errors"][0]["pointer"], "/file");
    assert_eq!(problem["errors"][0]["code"], "unreadable_file");

    // The office reads and downloads every request.
    let (status, _) = download(&app, &o.admin, moji).await;
    assert_eq!(status, 200);

    let current = app
        .get(&format!("/api/v1/rounds/{round}"), Some(&o.admin))
        .await;
    let closed = act(&app, &o.admin, round, "close", &etag(&current)).await;
    assert_eq!(closed.status, 200, "{}", closed.text);
    upload(&app, &editor, west, true, &own)
        .await
        .assert_problem(409, "conflict");
}

async fn kpi_actuals_and_progress_notes_are_answered_as_of_the_round_date(backend: Backend) {
    let app = spawn_app_with(backend, "").await;
    let o = org(&app).await;
    let policy = created_id(
        &app,
        &o.admin,
        "/api/v1/policies",
        json!({ "fiscal_year": 2025, "bureau_id": o.west }),
    )
    .await;
    let issue = created_id(
        &app,
        &o.admin,
        &format!("/api/v1/policies/{policy}/issues"),
        json!({ "area": "A", "number": 1, "title": "窓口のDX", "impact": "high" }),
    )
    .await;
    let kpi = created_id(
        &app,
        &o.admin,
        &format!("/api/v1/policy-issues/{issue}/kpis"),
        json!({ "name": "オンライン申請率", "unit": "%", "baseline_value": 10.0, "baseline_on": "2025-04-01" }),
    )
    .await;
    let (round, tag) = draft(
        &app,
        &o.admin,
        round_body(&["policy_issue", "kpi"], &[], &[]),
    )
    .await;
    let opened = act(&app, &o.admin, round, "open", &tag).await;
    assert_eq!(opened.status, 200, "{}", opened.text);
    let requests = crate::rounds::requests_of(&app, &o.admin, round).await;
    let west = requests
        .iter()
        .find(|r| r["owner_kind"] == "bureau" && r["owner_id"] == o.west)
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let editor = app
        .editor_for("west.bureau@city.example.jp", vec![], vec![o.west])
        .await;

    let (status, bytes) = download(&app, &editor, west).await;
    assert_eq!(status, 200);
    let mut pages = read(&bytes);
    let kpis = page(&mut pages, "KPI");
    kpis.set(kpi, "基準日の実績値", "23.5");
    kpis.set(kpi, "回答（変更なし／変更あり）", "変更あり");
    let issues = page(&mut pages, "局区X方針の課題");
    issues.set(issue, "基準日の進捗", "電子申請の対象手続を拡大した");
    issues.set(issue, "回答（変更なし／変更あり）", "変更あり");
    let edited = write(&pages);

    let preview = upload(&app, &editor, west, true, &edited).await;
    assert_eq!(preview.status, 200, "{}", preview.text);
    assert_eq!(preview.json["errors"], json!([]), "{}", preview.text);
    assert!(
        preview.json["notes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n.as_str().unwrap().contains("マイルストーン")),
        "{}",
        preview.text
    );
    let applied = upload(&app, &editor, west, false, &edited).await;
    assert_eq!(applied.status, 200, "{}", applied.text);
    let kpi_now = app.get(&format!("/api/v1/kpis/{kpi}"), Some(&editor)).await;
    let actual = &kpi_now.json["actuals"][0];
    assert_eq!(actual["value"], 23.5);
    assert_eq!(actual["measured_on"], "2025-12-31");
    let detail = request(&app, &editor, west).await;
    assert_eq!(item_of(&detail, kpi, "kpi")["outcome"], "changed");
    let issue_item = item_of(&detail, issue, "policy_issue");
    assert_eq!(issue_item["outcome"], "changed");
    assert_eq!(
        issue_item["values"]["latest_progress_note"]["body"],
        "電子申請の対象手続を拡大した"
    );
    assert_eq!(
        issue_item["values"]["latest_progress_note"]["as_of"],
        "2025-12-31"
    );
}
