//! Answering a round's request by Excel: the workbook downloaded, edited here with the server's
//! own XLSX writer, previewed by a dry run, then applied in one transaction (or refused whole).

use crate::check_ins::{Issue, west_issue};
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
    an_issues_status_and_milestones_are_answered_from_the_workbook_in_one_check_in,
    a_milestone_row_that_breaks_a_rule_refuses_the_upload_on_its_cell_and_writes_nothing,
    a_reforms_effect_rows_are_its_effects_added_changed_and_removed_in_the_workbook,
    a_sections_stage_and_the_proposals_outcome_are_answered_from_the_workbook,
    every_request_of_a_round_over_the_demo_data_uploads_its_own_workbook_as_no_answer,
    a_stage_recorded_after_the_round_date_sends_the_move_to_the_page,
    before_the_round_date_has_come_a_milestone_is_done_and_a_kpi_measured_today,
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
        self.set_where("記録ID", record_id, header, value);
    }

    /// Sets `header` of the first row whose `key` column holds `id` (a part sheet's rows are
    /// found by their milestone or item).
    fn set_where(&mut self, key: &str, id: i64, header: &str, value: &str) {
        let key_column = self.column(key);
        let column = self.column(header);
        let width = self.headers.len();
        let row = self
            .rows
            .iter_mut()
            .find(|(_, cells)| cells.get(key_column).map(String::as_str) == Some(&id.to_string()))
            .unwrap_or_else(|| panic!("no row of {key} {id} on {}", self.name));
        row.1.resize(width, String::new());
        row.1[column] = value.to_owned();
    }

    fn get(&self, record_id: i64, header: &str) -> String {
        self.get_where("記録ID", record_id, header)
    }

    fn get_where(&self, key: &str, id: i64, header: &str) -> String {
        let key_column = self.column(key);
        let column = self.column(header);
        self.rows
            .iter()
            .find(|(_, cells)| cells.get(key_column).map(String::as_str) == Some(&id.to_string()))
            .and_then(|(_, cells)| cells.get(column).cloned())
            .unwrap_or_default()
    }

    /// Adds a row holding these cells (by header), as staff add a line at the bottom.
    fn add(&mut self, cells: &[(&str, &str)]) {
        let mut row = vec![String::new(); self.headers.len()];
        for (header, value) in cells {
            row[self.column(header)] = (*value).to_owned();
        }
        let number = self.rows.last().map_or(2, |(n, _)| n + 1);
        self.rows.push((number, row));
    }

    /// Deletes the rows whose `key` column holds `id`.
    fn remove_where(&mut self, key: &str, id: i64) {
        let key_column = self.column(key);
        self.rows.retain(|(_, cells)| {
            cells.get(key_column).map(String::as_str) != Some(&id.to_string())
        });
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
    assert_eq!(names, ["自主改革取組", "改革の効果", "システム管理台帳"]);
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
    let (west, editor) =
        opened_for_the_ward(&app, &o, round_body(&["policy_issue", "kpi"], &[], &[])).await;

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

/// Opens a round drafted from `body` and answers the west ward's own request (the bureau's,
/// for its policy issues and KPIs) with the ward's editor: (request, editor).
async fn opened_for_the_ward(app: &TestApp, o: &Org, body: Value) -> (i64, String) {
    let (round, tag) = draft(app, &o.admin, body).await;
    let opened = act(app, &o.admin, round, "open", &tag).await;
    assert_eq!(opened.status, 200, "{}", opened.text);
    let requests = crate::rounds::requests_of(app, &o.admin, round).await;
    let west = requests
        .iter()
        .find(|r| r["owner_kind"] == "bureau" && r["owner_id"] == o.west)
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let editor = app
        .editor_for("west.bureau@city.example.jp", vec![], vec![o.west])
        .await;
    (west, editor)
}

/// West ward's issue with two planned milestones, a round over policy issues opened, and the
/// ward's request with the ward editor who answers it.
async fn west_issue_in_a_round(app: &TestApp, o: &Org) -> (Issue, i64, String) {
    let issue = west_issue(app, o, &o.admin).await;
    let (west, editor) = opened_for_the_ward(app, o, round_body(&["policy_issue"], &[], &[])).await;
    (issue, west, editor)
}

fn id_of(value: &Value) -> i64 {
    value["id"].as_i64().unwrap()
}

const STATE: &str = "状態（予定／完了／遅延）";
const ANSWER: &str = "回答（変更なし／変更あり）";

async fn an_issues_status_and_milestones_are_answered_from_the_workbook_in_one_check_in(
    backend: Backend,
) {
    let app = spawn_app_with(backend, "").await;
    let o = org(&app).await;
    let (issue, west, editor) = west_issue_in_a_round(&app, &o).await;
    let (first, second) = (id_of(&issue.milestones[0]), id_of(&issue.milestones[1]));

    let (status, bytes) = download(&app, &editor, west).await;
    assert_eq!(status, 200);
    let mut pages = read(&bytes);
    let names: Vec<&str> = pages.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["局区X方針の課題", "マイルストーン"]);
    let milestones = page(&mut pages, "マイルストーン");
    assert_eq!(milestones.rows.len(), 2);
    assert_eq!(
        milestones.get_where("マイルストーンID", first, STATE),
        "予定"
    );
    assert_eq!(
        milestones.get_where("マイルストーンID", first, "四半期"),
        "第1四半期"
    );
    assert_eq!(milestones.get_where("マイルストーンID", second, "版"), "1");
    milestones.set_where("マイルストーンID", first, STATE, "完了");
    milestones.set_where("マイルストーンID", second, STATE, "遅延");
    milestones.set_where(
        "マイルストーンID",
        second,
        "遅延の理由",
        "試行の結果を待つため",
    );
    let issues = page(&mut pages, "局区X方針の課題");
    assert_eq!(issues.get(issue.id, "状況"), "", "no status word yet");
    issues.set(issue.id, "状況", "実施中");
    issues.set(issue.id, ANSWER, "変更あり");
    let edited = write(&pages);

    let preview = upload(&app, &editor, west, true, &edited).await;
    assert_eq!(preview.status, 200, "{}", preview.text);
    assert_eq!(preview.json["errors"], json!([]), "{}", preview.text);
    let changes = preview.json["rows"][0]["changes"].as_array().unwrap();
    let labels: Vec<&str> = changes
        .iter()
        .map(|c| c["label"].as_str().unwrap())
        .collect();
    assert_eq!(
        labels,
        [
            "状況",
            "マイルストーン「第1四半期 受付ルーム試行設置」",
            "マイルストーン「第2四半期 結果分析・評価」"
        ]
    );
    assert_eq!(changes[0]["before"], Value::Null);
    assert_eq!(changes[0]["after"], "実施中");
    assert_eq!(changes[1]["before"], "予定");
    assert_eq!(changes[1]["after"], "完了（2025-12-31）", "done on 基準日");
    assert_eq!(changes[2]["after"], "遅延：試行の結果を待つため");
    let untouched = app
        .get(
            &format!("/api/v1/policy-issues/{}", issue.id),
            Some(&editor),
        )
        .await;
    assert_eq!(
        untouched.json["status"],
        Value::Null,
        "the dry run wrote nothing"
    );
    assert_eq!(untouched.json["milestones"][0]["state"], "planned");

    let applied = upload(&app, &editor, west, false, &edited).await;
    assert_eq!(applied.status, 200, "{}", applied.text);
    assert_eq!(applied.json["applied"], true);
    let written = app
        .get(
            &format!("/api/v1/policy-issues/{}", issue.id),
            Some(&editor),
        )
        .await;
    assert_eq!(written.json["status"], "in_progress");
    let moved = written.json["milestones"].as_array().unwrap();
    let by_id = |id: i64| moved.iter().find(|m| m["id"] == id).unwrap();
    assert_eq!(by_id(first)["state"], "done");
    assert_eq!(by_id(first)["done_on"], "2025-12-31");
    assert_eq!(by_id(first)["slip_reason"], Value::Null);
    assert_eq!(by_id(second)["state"], "slipped");
    assert_eq!(by_id(second)["slip_reason"], "試行の結果を待つため");
    let detail = request(&app, &editor, west).await;
    let item = item_of(&detail, issue.id, "policy_issue");
    assert_eq!(item["outcome"], "changed");
    assert_eq!(
        item["audit_event_ids"].as_array().unwrap().len(),
        3,
        "the status and the two milestones, each its own audited write: {item}"
    );
}

async fn a_milestone_row_that_breaks_a_rule_refuses_the_upload_on_its_cell_and_writes_nothing(
    backend: Backend,
) {
    let app = spawn_app_with(backend, "").await;
    let o = org(&app).await;
    let (issue, west, editor) = west_issue_in_a_round(&app, &o).await;
    let (first, second) = (id_of(&issue.milestones[0]), id_of(&issue.milestones[1]));
    let (_, bytes) = download(&app, &editor, west).await;

    // 遅延 without its reason, and a day on a milestone that is not done.
    let mut pages = read(&bytes);
    let milestones = page(&mut pages, "マイルストーン");
    milestones.set_where("マイルストーンID", first, STATE, "遅延");
    milestones.set_where("マイルストーンID", second, "完了日", "R7.10.1");
    page(&mut pages, "局区X方針の課題").set(issue.id, ANSWER, "変更あり");
    let refused = upload(&app, &editor, west, false, &write(&pages)).await;
    refused.assert_problem(422, "validation_failed");
    let pointers: Vec<&str> = refused.json["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["pointer"].as_str().unwrap())
        .collect();
    assert_eq!(
        pointers,
        ["/マイルストーン/2/遅延の理由", "/マイルストーン/3/完了日"],
        "{}",
        refused.text
    );

    // A milestone of no issue of this request, and an unreadable state word.
    let mut pages = read(&bytes);
    let milestones = page(&mut pages, "マイルストーン");
    milestones.set_where("マイルストーンID", first, "マイルストーンID", "999999");
    milestones.set_where("マイルストーンID", second, STATE, "済み");
    page(&mut pages, "局区X方針の課題").set(issue.id, ANSWER, "変更あり");
    let refused = upload(&app, &editor, west, true, &write(&pages)).await;
    assert_eq!(refused.status, 200, "a dry run reports: {}", refused.text);
    let codes: Vec<&str> = refused.json["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        ["unknown_milestone", "invalid_value"],
        "{}",
        refused.text
    );
    assert_eq!(
        refused.json["rows"],
        json!([]),
        "the issue's row is refused with its parts"
    );

    // A milestone moved while the issue's own row was deleted from its sheet.
    let mut pages = read(&bytes);
    page(&mut pages, "マイルストーン").set_where("マイルストーンID", first, STATE, "完了");
    page(&mut pages, "局区X方針の課題").rows.clear();
    let refused = upload(&app, &editor, west, false, &write(&pages)).await;
    refused.assert_problem(422, "validation_failed");
    assert_eq!(
        refused.json["errors"][0]["code"], "item_row_missing",
        "{}",
        refused.text
    );

    // A milestone written since the download is stale, like a 412 of its own endpoint.
    let mut pages = read(&bytes);
    page(&mut pages, "マイルストーン").set_where("マイルストーンID", first, STATE, "完了");
    page(&mut pages, "局区X方針の課題").set(issue.id, ANSWER, "変更あり");
    let meanwhile = send(
        &app,
        Method::PUT,
        &format!("/api/v1/milestones/{first}"),
        &o.admin,
        Some(json!({ "workstream": "子ども受付ルーム", "quarter": 1, "title": "受付ルーム試行設置（改）", "state": "planned" })),
        Some("\"1\""),
    )
    .await;
    assert_eq!(meanwhile.status, 200, "{}", meanwhile.text);
    let refused = upload(&app, &editor, west, false, &write(&pages)).await;
    refused.assert_problem(412, "precondition_failed");

    let after = app
        .get(
            &format!("/api/v1/policy-issues/{}", issue.id),
            Some(&editor),
        )
        .await;
    let states: Vec<&str> = after.json["milestones"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["planned", "planned"], "nothing was written");
    let detail = request(&app, &editor, west).await;
    assert_eq!(
        item_of(&detail, issue.id, "policy_issue")["outcome"],
        "none"
    );
}

async fn a_reforms_effect_rows_are_its_effects_added_changed_and_removed_in_the_workbook(
    backend: Backend,
) {
    let app = spawn_app_with(backend, "").await;
    let o = org(&app).await;
    let with_effect = created_id(
        &app,
        &o.admin,
        "/api/v1/reforms",
        json!({ "fiscal_year": 2025, "bureau_id": o.west, "section_ids": [o.west_section], "title": "窓口予約の電子化",
                "effects": [{ "kind": "hours_per_year", "value": 120.0, "unit": "時間/年", "basis": "年間約120時間" }] }),
    )
    .await;
    let emptied = created_id(
        &app,
        &o.admin,
        "/api/v1/reforms",
        json!({ "fiscal_year": 2025, "bureau_id": o.west, "section_ids": [o.west_section], "title": "押印の廃止",
                "effects": [{ "kind": "sheets_per_year", "value": 5000.0, "unit": "枚/年" }] }),
    )
    .await;
    let (west, editor) = opened_for_west(&app, &o, &["reform"]).await;
    let (_, bytes) = download(&app, &editor, west).await;
    let mut pages = read(&bytes);
    let reforms = page(&mut pages, "自主改革取組");
    let item = |record: i64| reforms.get(record, "項目ID").parse::<i64>().unwrap();
    let (kept_item, emptied_item) = (item(with_effect), item(emptied));
    let effects = page(&mut pages, "改革の効果");
    assert_eq!(effects.rows.len(), 2);
    assert_eq!(
        effects.get_where("項目ID", kept_item, "種類"),
        "削減時間（年間）"
    );
    assert_eq!(effects.get_where("項目ID", kept_item, "値"), "120");
    effects.set_where("項目ID", kept_item, "値", "150");
    effects.add(&[
        ("項目ID", &kept_item.to_string()),
        ("種類", "削減額（年間）"),
        ("値", "300,000"),
        ("単位", "円/年"),
        ("根拠", "人件費換算"),
    ]);
    effects.remove_where("項目ID", emptied_item);
    let reforms = page(&mut pages, "自主改革取組");
    reforms.set(with_effect, ANSWER, "変更あり");
    reforms.set(emptied, ANSWER, "変更あり");
    let edited = write(&pages);

    let preview = upload(&app, &editor, west, true, &edited).await;
    assert_eq!(preview.status, 200, "{}", preview.text);
    assert_eq!(preview.json["errors"], json!([]), "{}", preview.text);
    let row_of = |record: i64| {
        preview.json["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["record_id"] == record)
            .unwrap()
            .clone()
    };
    let kept_change = &row_of(with_effect)["changes"][0];
    assert_eq!(kept_change["label"], "効果");
    assert_eq!(kept_change["before"], "削減時間（年間） 120 時間/年");
    assert_eq!(
        kept_change["after"],
        "削減時間（年間） 150 時間/年、削減額（年間） 300000 円/年"
    );
    assert_eq!(row_of(emptied)["changes"][0]["after"], Value::Null);

    let applied = upload(&app, &editor, west, false, &edited).await;
    assert_eq!(applied.status, 200, "{}", applied.text);
    let kept = app
        .get(&format!("/api/v1/reforms/{with_effect}"), Some(&editor))
        .await;
    let written = kept.json["effects"].as_array().unwrap();
    assert_eq!(written.len(), 2, "{}", kept.text);
    assert_eq!(written[0]["value"], 150.0);
    assert_eq!(written[0]["basis"], "年間約120時間");
    assert_eq!(written[1]["kind"], "yen_per_year");
    assert_eq!(written[1]["value"], 300000.0);
    let gone = app
        .get(&format!("/api/v1/reforms/{emptied}"), Some(&editor))
        .await;
    assert_eq!(gone.json["effects"], json!([]));

    // An effect of an unknown kind and without a unit is refused on its cells; without the
    // sheet, effects are left as they are and the preview says so.
    let (_, bytes) = download(&app, &editor, west).await;
    let mut pages = read(&bytes);
    let effects = page(&mut pages, "改革の効果");
    effects.set_where("項目ID", kept_item, "種類", "削減効果");
    effects.set_where("項目ID", kept_item, "単位", "");
    page(&mut pages, "自主改革取組").set(with_effect, "コメント", "");
    let refused = upload(&app, &editor, west, true, &write(&pages)).await;
    let columns: Vec<&str> = refused.json["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["column"].as_str().unwrap())
        .collect();
    assert_eq!(columns, ["種類", "単位"], "{}", refused.text);
    // A reform left out of the answer with its effect rows as downloaded asks nothing of it.
    let mut pages = read(&bytes);
    page(&mut pages, "自主改革取組").remove_where("記録ID", with_effect);
    let left_out = upload(&app, &editor, west, true, &write(&pages)).await;
    assert_eq!(left_out.json["errors"], json!([]), "{}", left_out.text);
    let mut pages = read(&bytes);
    pages.retain(|p| p.name != "改革の効果");
    let without = upload(&app, &editor, west, true, &write(&pages)).await;
    assert_eq!(without.json["errors"], json!([]), "{}", without.text);
    assert!(
        without.json["notes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n.as_str().unwrap().contains("効果は変更しません")),
        "{}",
        without.text
    );
}

/// A FY2025 proposal routed to the west section at ① on 2025-06-01: (proposal, assignment).
async fn presented_to_west(app: &TestApp, o: &Org, title: &str) -> (i64, i64) {
    let proposal = created_id(
        app,
        &o.admin,
        "/api/v1/proposals",
        json!({ "fiscal_year": 2025, "theme": "職員の困りごと", "title": title }),
    )
    .await;
    let routed = post(
        app,
        &format!("/api/v1/proposals/{proposal}/assignments"),
        &o.admin,
        json!({ "section_id": o.west_section, "stage": 1, "effective_on": "2025-06-01" }),
    )
    .await;
    assert_eq!(routed.status, 201, "{}", routed.text);
    let assignment = routed.json["assignments"][0]["id"].as_i64().unwrap();
    (proposal, assignment)
}

async fn a_sections_stage_and_the_proposals_outcome_are_answered_from_the_workbook(
    backend: Backend,
) {
    let app = spawn_app_with(backend, "").await;
    let o = org(&app).await;
    let (moved, moved_assignment) = presented_to_west(&app, &o, "見積書押印の廃止").await;
    let (_, skipped_assignment) = presented_to_west(&app, &o, "旅費精算の簡素化").await;
    let (west, editor) = opened_for_west(&app, &o, &["proposal_assignment"]).await;
    let (_, bytes) = download(&app, &editor, west).await;
    let mut pages = read(&bytes);
    let sheet = page(&mut pages, "PT提案の検討状況");
    assert_eq!(sheet.get(moved_assignment, "検討段階"), "①所管課に提示");
    assert_eq!(sheet.get(moved_assignment, "実施状況"), "");
    sheet.set(moved_assignment, "検討段階", "②");
    sheet.set(moved_assignment, "段階の備考", "PTと協議を開始");
    sheet.set(moved_assignment, "実施状況", "実施予定");
    sheet.set(moved_assignment, "実施時期", "R8.4～");
    sheet.set(moved_assignment, ANSWER, "変更あり");
    // ① cannot go straight to ③: the write itself refuses it, named on its row.
    sheet.set(skipped_assignment, "検討段階", "③継続／終了の判断");
    sheet.set(skipped_assignment, "判断", "継続");
    sheet.set(skipped_assignment, ANSWER, "変更あり");
    let refused = upload(&app, &editor, west, true, &write(&pages)).await;
    assert_eq!(refused.status, 200, "{}", refused.text);
    assert_eq!(
        refused.json["errors"][0]["code"], "illegal_stage",
        "{}",
        refused.text
    );
    assert!(
        refused.json["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("②PTと所管課で協議"),
        "the stages it may move to are named: {}",
        refused.text
    );
    let refused = upload(&app, &editor, west, false, &write(&pages)).await;
    refused.assert_problem(422, "validation_failed");
    let untouched = app
        .get(&format!("/api/v1/proposals/{moved}"), Some(&editor))
        .await;
    assert_eq!(
        untouched.json["assignments"][0]["stage"], 1,
        "nothing was written"
    );

    let sheet = page(&mut pages, "PT提案の検討状況");
    sheet.set(skipped_assignment, "検討段階", "①所管課に提示");
    sheet.set(skipped_assignment, "判断", "");
    sheet.set(skipped_assignment, ANSWER, "変更なし");
    let preview = upload(&app, &editor, west, true, &write(&pages)).await;
    assert_eq!(preview.json["errors"], json!([]), "{}", preview.text);
    let changes = &preview.json["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["record_id"] == moved_assignment)
        .unwrap()["changes"];
    assert_eq!(changes[0]["before"], "①所管課に提示");
    assert_eq!(changes[0]["after"], "②PTと所管課で協議");
    assert_eq!(changes[1]["after"], "実施予定");
    assert_eq!(changes[2]["after"], "R8.4～");
    let applied = upload(&app, &editor, west, false, &write(&pages)).await;
    assert_eq!(applied.status, 200, "{}", applied.text);
    assert_eq!(applied.json["request"]["answered_count"], 2);

    let written = app
        .get(&format!("/api/v1/proposals/{moved}"), Some(&editor))
        .await;
    assert_eq!(written.json["assignments"][0]["stage"], 2);
    assert_eq!(written.json["implementation_status"], "planned");
    assert_eq!(written.json["outcome_period"]["original"], "R8.4～");
    let history = app
        .get(&format!("/api/v1/proposals/{moved}/history"), Some(&editor))
        .await;
    let stage_two = history.json["items"]
        .as_array()
        .or_else(|| history.json.as_array())
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "stage" && e["stage"] == 2)
        .cloned()
        .unwrap_or_else(|| panic!("no move to ② in {}", history.text));
    assert_eq!(stage_two["date"], "2025-12-31", "effective on 基準日");
    assert_eq!(stage_two["text"], "PTと協議を開始");
    let detail = request(&app, &editor, west).await;
    let item = item_of(&detail, moved_assignment, "proposal_assignment");
    assert_eq!(item["outcome"], "changed");
    assert_eq!(
        item["audit_event_ids"].as_array().unwrap().len(),
        2,
        "the outcome's edit and the stage change: {item}"
    );
}

/// The city's own records (the demo dataset) as they come: milestones done without a day,
/// effects with their basis, proposals at every stage, seed 001's KPIs. A workbook uploaded as
/// downloaded changes nothing and answers nothing, for every request of a round over every kind
/// in FY2025 and in FY2024 (where the KPIs are).
async fn every_request_of_a_round_over_the_demo_data_uploads_its_own_workbook_as_no_answer(
    backend: Backend,
) {
    let (app, admin) = crate::demo_data::demo_app(backend).await;
    let every_kind = [
        "policy_issue",
        "kpi",
        "proposal_assignment",
        "reform",
        "digital_system",
    ];
    let mut sheets_seen = std::collections::BTreeSet::new();
    let mut requests_seen = 0;
    for (as_of, due_on) in [("2025-12-31", "2026-01-16"), ("2024-11-30", "2024-12-13")] {
        let mut body = round_body(&every_kind, &[], &[]);
        body["as_of"] = json!(as_of);
        body["due_on"] = json!(due_on);
        let (round, tag) = draft(&app, &admin, body).await;
        let opened = act(&app, &admin, round, "open", &tag).await;
        assert_eq!(opened.status, 200, "{}", opened.text);
        for listed in crate::rounds::requests_of(&app, &admin, round).await {
            let id = listed["id"].as_i64().unwrap();
            let (status, bytes) = download(&app, &admin, id).await;
            assert_eq!(status, 200);
            sheets_seen.extend(read(&bytes).into_iter().map(|p| p.name));
            let again = upload(&app, &admin, id, true, &bytes).await;
            assert_eq!(again.status, 200, "request {id}: {}", again.text);
            assert_eq!(
                again.json["errors"],
                json!([]),
                "request {id}: {}",
                again.text
            );
            assert_eq!(
                again.json["rows"],
                json!([]),
                "request {id}: {}",
                again.text
            );
            requests_seen += 1;
        }
    }
    assert!(requests_seen > 50, "{requests_seen} requests");
    assert_eq!(
        sheets_seen.into_iter().collect::<Vec<_>>(),
        [
            "KPI",
            "PT提案の検討状況",
            "システム管理台帳",
            "マイルストーン",
            "局区X方針の課題",
            "改革の効果",
            "自主改革取組"
        ]
    );
}

/// The sheet shows the stage as it stands today; a move taking effect on 基準日 under a stage
/// recorded later would be judged against another stage than the one shown, so it is refused.
async fn a_stage_recorded_after_the_round_date_sends_the_move_to_the_page(backend: Backend) {
    let app = spawn_app_with(backend, "").await;
    let o = org(&app).await;
    let (proposal, assignment) = presented_to_west(&app, &o, "見積書押印の廃止").await;
    let later = post(
        &app,
        &format!("/api/v1/proposals/{proposal}/assignments/{assignment}/transitions"),
        &o.admin,
        json!({ "to_stage": 2, "effective_on": "2026-01-05" }),
    )
    .await;
    assert_eq!(later.status, 201, "{}", later.text);
    let (west, editor) = opened_for_west(&app, &o, &["proposal_assignment"]).await;
    let (_, bytes) = download(&app, &editor, west).await;
    let mut pages = read(&bytes);
    let sheet = page(&mut pages, "PT提案の検討状況");
    assert_eq!(sheet.get(assignment, "検討段階"), "②PTと所管課で協議");
    sheet.set(assignment, "検討段階", "④");
    sheet.set(assignment, ANSWER, "変更あり");
    let refused = upload(&app, &editor, west, false, &write(&pages)).await;
    refused.assert_problem(422, "validation_failed");
    assert!(refused.text.contains("later_stage"), "{}", refused.text);
    let after = app
        .get(&format!("/api/v1/proposals/{proposal}"), Some(&editor))
        .await;
    assert_eq!(
        after.json["assignments"][0]["stage"], 2,
        "nothing was written"
    );
}

/// A round whose 基準日 is still ahead: what is answered is done or measured today, never on
/// a day that has not come.
async fn before_the_round_date_has_come_a_milestone_is_done_and_a_kpi_measured_today(
    backend: Backend,
) {
    let app = spawn_app_with(backend, "").await;
    let o = org(&app).await;
    let today = (chrono::Utc::now() + chrono::Duration::hours(9)).date_naive();
    let as_of = today + chrono::Duration::days(20);
    let fiscal_year = if chrono::Datelike::month(&as_of) >= 4 {
        chrono::Datelike::year(&as_of)
    } else {
        chrono::Datelike::year(&as_of) - 1
    };
    let issue = crate::milestone_overdue::issue_of_year(&app, &o.admin, o.west, fiscal_year).await;
    let milestone = crate::check_ins::planned_milestone(&app, &o.admin, issue, 1, "試行").await;
    let milestone = milestone["id"].as_i64().unwrap();
    let kpi = created_id(
        &app,
        &o.admin,
        &format!("/api/v1/policy-issues/{issue}/kpis"),
        json!({ "name": "予約件数", "unit": "件", "baseline_value": 0, "baseline_on": today.to_string() }),
    )
    .await;
    let mut body = round_body(&["policy_issue", "kpi"], &[], &[]);
    body["as_of"] = json!(as_of.to_string());
    body["due_on"] = json!((as_of + chrono::Duration::days(14)).to_string());
    let (west, editor) = opened_for_the_ward(&app, &o, body).await;
    let (_, bytes) = download(&app, &editor, west).await;
    let mut pages = read(&bytes);
    page(&mut pages, "マイルストーン").set_where("マイルストーンID", milestone, STATE, "完了");
    page(&mut pages, "局区X方針の課題").set(issue, ANSWER, "変更あり");
    let kpis = page(&mut pages, "KPI");
    kpis.set(kpi, "基準日の実績値", "12");
    kpis.set(kpi, ANSWER, "変更あり");
    let applied = upload(&app, &editor, west, false, &write(&pages)).await;
    assert_eq!(applied.status, 200, "{}", applied.text);
    let written = app
        .get(&format!("/api/v1/policy-issues/{issue}"), Some(&editor))
        .await;
    assert_eq!(written.json["milestones"][0]["done_on"], today.to_string());
    assert_eq!(written.json["milestones"][0]["health"], "done");
    let measured = app.get(&format!("/api/v1/kpis/{kpi}"), Some(&editor)).await;
    assert_eq!(
        measured.json["actuals"][0]["measured_on"],
        today.to_string()
    );
}
