//! Every operation of the served OpenAPI document, called by every kind of caller against
//! records owned by someone else, answers as `domain::access::expectations` says; the
//! `can_edit` / `can_act` flags of the answers promise what the table allows; and another
//! proposer never sees the author's proposal in any answer.
//!
//! The operations come from the document, so a new endpoint is walked without anyone listing it
//! here; what this module needs to know per operation is only how to make a valid request (which
//! record fills each path id, and a body that succeeds for a caller who may). Writes that use
//! up their record (deletes, stage moves, routing, new links) get a fresh record for every call,
//! so one caller's success never changes what the next caller is answered.

use crate::data_exchange::upload;
use crate::helpers::{Answer, Backend, PASSWORD, TestApp, spawn_app};
use crate::on_both_databases;
use crate::reforms::{org, post};
use domain::Role;
use domain::access::expectations::{Caller, EXPECTATIONS, Outcome, expectation};
use reqwest::Method;
use serde_json::{Value, json};
use std::collections::{BTreeSet, HashMap};
use std::time::Instant;

on_both_databases!(every_documented_operation_answers_every_caller_as_the_access_table_expects);

/// In the title of every proposal the author writes, so that any answer showing one of them to
/// another proposer is caught, whatever list, report or link list it hides in.
const MARKER: &str = "秘匿確認用の提案";
/// What the search looks for: in the author's proposals but not in their titles, which search
/// answers would otherwise cut into highlighted pieces that no longer spell the marker.
const SEARCHED: &str = "長く待つ";

/// One operation as the document describes it.
#[derive(Debug, Clone)]
struct Operation {
    method: Method,
    path: String,
    /// `"METHOD /path"`, the table's key.
    key: String,
    /// The roles of its `bearer` requirement; `None` when it needs no token.
    roles: Option<Vec<String>>,
    needs_if_match: bool,
    required_query: Vec<String>,
}

fn documented_operations(doc: &Value) -> Vec<Operation> {
    let mut operations = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in ["get", "post", "put", "patch", "delete"] {
            let Some(op) = item.get(method) else { continue };
            let parameters = op["parameters"].as_array().cloned().unwrap_or_default();
            let named_in = |place: &str| {
                parameters
                    .iter()
                    .filter(|p| p["in"] == place)
                    .collect::<Vec<_>>()
            };
            let roles = op.get("security").map(|requirements| {
                requirements
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter_map(|r| r["bearer"].as_array())
                    .flatten()
                    .map(|role| role.as_str().unwrap().to_owned())
                    .collect()
            });
            let upper = method.to_ascii_uppercase();
            operations.push(Operation {
                method: Method::from_bytes(upper.as_bytes()).unwrap(),
                path: path.clone(),
                key: format!("{upper} {path}"),
                roles,
                needs_if_match: named_in("header").iter().any(|p| p["name"] == "If-Match"),
                required_query: named_in("query")
                    .iter()
                    .filter(|p| p["required"] == true)
                    .map(|p| p["name"].as_str().unwrap().to_owned())
                    .collect(),
            });
        }
    }
    operations
}

/// The records every request works on, owned by the section `section` of bureau `bureau` (or,
/// for the proposal, written by the author and routed to that section).
#[derive(Debug, Clone)]
struct Records {
    bureau: i64,
    bureau_name: String,
    section: i64,
    section_name: String,
    team: i64,
    proposal: i64,
    assignment: i64,
    reform: i64,
    policy: i64,
    issue: i64,
    milestone: i64,
    note: i64,
    kpi: i64,
    actual: i64,
    system: i64,
    link: i64,
    target: i64,
    measurement: i64,
    import_job: String,
    /// A queued job of the runner (no server handles its kind, so it stays queued).
    job: i64,
    sent_mail: i64,
    webhook: i64,
    webhook_delivery: i64,
    /// A draft reporting round of the owning section.
    round: i64,
    /// The owning section's request in an open round, and one of its items.
    round_request: i64,
    round_item: i64,
}

impl Records {
    /// The record a path's `{id}` names, by the collection before it.
    fn id_for(&self, collection: &str) -> String {
        let id = match collection {
            "bureaus" => self.bureau,
            "sections" => self.section,
            "project-teams" => self.team,
            "proposals" => self.proposal,
            "assignments" => self.assignment,
            "reforms" => self.reform,
            "policies" => self.policy,
            "policy-issues" => self.issue,
            "milestones" => self.milestone,
            "progress-notes" => self.note,
            "kpis" => self.kpi,
            "kpi-actuals" => self.actual,
            "digital-systems" => self.system,
            "links" => self.link,
            "targets" => self.target,
            "target-measurements" => self.measurement,
            "sent-mail" => self.sent_mail,
            "imports" => return self.import_job.clone(),
            // No caller has a notification of this id: another person's notification is as
            // absent as one that never was.
            "notifications" => i64::from(i32::MAX),
            "jobs" => self.job,
            "webhooks" => self.webhook,
            "webhook-deliveries" => self.webhook_delivery,
            "rounds" => self.round,
            "round-requests" => self.round_request,
            "items" => self.round_item,
            other => panic!(
                "no record for `{other}` ids: add one to `Records` in tests/api/operations_by_role.rs"
            ),
        };
        id.to_string()
    }
}

/// A mail as the mail jobs record one, for the sent-mail view.
async fn recorded_mail(app: &TestApp) -> i64 {
    use persistence::mail::{NewSentMail, kind, transport};
    persistence::mail::record_sent(
        &app.app_db.conn,
        NewSentMail {
            to_address: "hanako@city.example.jp".into(),
            user_id: None,
            subject: "【Platina】提案の担当課への割当て".into(),
            body: "本文".into(),
            kind: kind::IMMEDIATE,
            notification_ids: vec![],
            transport: transport::RECORDED,
            message_id: "notification.1@city.example.jp".into(),
            smtp_reply: None,
            error: None,
        },
        chrono::Utc::now(),
    )
    .await
    .unwrap()
}

/// The signed-in callers, the records, and what the sign-in operations need.
struct World {
    tokens: HashMap<Caller, String>,
    records: Records,
    client_id: String,
    client_secret: String,
    /// Rotated by every successful refresh.
    refresh_cookie: String,
    /// Makes codes, names and dates unique where the server insists.
    counter: i64,
    /// The last fiscal year given to a new X policy or project team, which are one per year.
    year: i64,
}

/// The id of the item measured on `day`: adding an actual or a measurement answers with its KPI
/// or target.
fn dated_item(items: &Value, day: &str) -> i64 {
    items
        .as_array()
        .unwrap()
        .iter()
        .find(|item| item["measured_on"] == day)
        .and_then(|item| item["id"].as_i64())
        .unwrap_or_else(|| panic!("nothing measured on {day} in {items}"))
}

fn etag_of(answer: &Answer) -> String {
    answer
        .header("etag")
        .map(str::to_owned)
        .unwrap_or_else(|| format!("\"{}\"", answer.json["version"]))
}

async fn created(app: &TestApp, token: &str, path: &str, body: Value) -> Answer {
    let answer = post(app, path, token, body).await;
    assert_eq!(answer.status, 201, "{path}: {}", answer.text);
    answer
}

async fn created_id(app: &TestApp, token: &str, path: &str, body: Value) -> i64 {
    created(app, token, path, body).await.json["id"]
        .as_i64()
        .unwrap()
}

impl World {
    async fn build(app: &TestApp) -> World {
        let o = org(app).await;
        let admin = o.admin.clone();
        let mut tokens = HashMap::new();
        tokens.insert(Caller::Admin, admin.clone());
        tokens.insert(
            Caller::EditorOfAnotherSection,
            app.editor_for("moji.editor@city.example.jp", vec![o.moji_section], vec![])
                .await,
        );
        tokens.insert(
            Caller::EditorOfOwningSection,
            app.editor_for("west.editor@city.example.jp", vec![o.west_section], vec![])
                .await,
        );
        tokens.insert(
            Caller::Author,
            app.signed_in("author@city.example.jp", "proposer").await,
        );
        tokens.insert(
            Caller::AnotherProposer,
            app.signed_in("other.proposer@city.example.jp", "proposer")
                .await,
        );
        tokens.insert(
            Caller::Viewer,
            app.signed_in("viewer@city.example.jp", "viewer").await,
        );
        app.create_user("signin@city.example.jp", "viewer", vec![])
            .await;
        let signed_in = app.login("signin@city.example.jp", PASSWORD).await;
        let refresh_cookie = signed_in.refresh_cookie().unwrap();
        let (account, client_secret) = platina_server::commands::create_service_account(
            &app.app_db,
            "分析基盤",
            Role::Viewer,
            vec![],
            vec![],
        )
        .await
        .unwrap();

        let team = created_id(
            app,
            &admin,
            "/api/v1/project-teams",
            json!({ "fiscal_year": 2025, "name": "令和7年度 プラチナPT", "themes": ["ユーザーの困りごと", "職員の困りごと"] }),
        )
        .await;
        let mut world = World {
            tokens,
            records: Records {
                bureau: o.west,
                bureau_name: "八幡西区役所".into(),
                section: o.west_section,
                section_name: "国保年金課".into(),
                team,
                proposal: 0,
                assignment: 0,
                reform: 0,
                policy: 0,
                issue: 0,
                milestone: 0,
                note: 0,
                kpi: 0,
                actual: 0,
                system: 0,
                link: 0,
                target: 0,
                measurement: 0,
                import_job: String::new(),
                job: 0,
                sent_mail: recorded_mail(app).await,
                webhook: 0,
                webhook_delivery: 0,
                round: 0,
                round_request: 0,
                round_item: 0,
            },
            client_id: account.client_id,
            client_secret,
            refresh_cookie,
            counter: 0,
            year: 2030,
        };
        let (proposal, assignment) = world.routed_proposal(app).await;
        world.records.proposal = proposal;
        world.records.assignment = assignment;
        let r = world.records.clone();
        // Classification iii ties the reform to the author's proposal, so the reform's link list
        // has a proposal in it that another proposer must not see.
        world.records.reform = created_id(
            app,
            &admin,
            "/api/v1/reforms",
            json!({ "fiscal_year": 2025, "bureau_id": r.bureau, "section_ids": [r.section], "title": "窓口予約の電子化", "classification": "iii", "source_proposal_id": r.proposal }),
        )
        .await;
        world.records.policy = created_id(
            app,
            &admin,
            "/api/v1/policies",
            json!({ "bureau_id": r.bureau, "fiscal_year": 2025, "mission": "とどける みつける つなげる" }),
        )
        .await;
        world.records.issue = created_id(
            app,
            &admin,
            &format!("/api/v1/policies/{}/issues", world.records.policy),
            json!({ "area": "A", "number": 1, "title": "子育て世帯の手続き" }),
        )
        .await;
        world.records.milestone = world.new_milestone(app).await;
        world.records.note = world.new_progress_note(app).await;
        world.records.kpi = world.new_kpi(app).await;
        world.records.actual = world.new_kpi_actual(app).await;
        world.records.system = world.new_system(app).await;
        world.records.link = world.new_link(app, world.records.reform, "reform").await;
        world.records.target = created_id(
            app,
            &admin,
            "/api/v1/targets",
            json!({ "code": "fixture-target", "name": "相談件数", "metric": "consultations", "unit": "件" }),
        )
        .await;
        world.records.measurement = world.new_measurement(app).await;
        world.records.import_job = world.import_job(app).await;
        world.records.job = crate::job_admin::queued_job(app, "test.role-walk").await;
        world.records.webhook = world.new_webhook(app).await;
        world.records.webhook_delivery = persistence::webhooks::record_delivery(
            &app.app_db.conn,
            persistence::webhooks::NewDelivery {
                endpoint_id: world.records.webhook,
                event_id: None,
                message_id: "msg_ping_fixture".into(),
                attempt: 1,
                status_code: Some(204),
                response_time_ms: Some(12),
                error: None,
                at: chrono::Utc::now(),
            },
        )
        .await
        .unwrap();
        world.records.round = world.new_round(app, &[]).await;
        (world.records.round_request, world.records.round_item) =
            world.new_round_request(app, "").await;
        world
    }

    /// A round asking the owning section about its reforms, moved through `steps` (`open`,
    /// `close`) from a draft.
    async fn new_round(&mut self, app: &TestApp, steps: &[&str]) -> i64 {
        let body = self.body_for("POST /api/v1/rounds", &self.records.clone());
        let mut answer = created(app, self.admin(), "/api/v1/rounds", body.unwrap()).await;
        let id = answer.json["id"].as_i64().unwrap();
        for step in steps {
            answer = app
                .send(
                    Method::POST,
                    &format!("/api/v1/rounds/{id}/{step}"),
                    self.admin(),
                    None,
                    Some(&etag_of(&answer)),
                )
                .await;
            assert_eq!(answer.status, 200, "{step}: {}", answer.text);
        }
        id
    }

    /// The owning section's request in a new open round, and its first item; answered in full
    /// and submitted when `progress` says `answered` or `submitted`.
    async fn new_round_request(&mut self, app: &TestApp, progress: &str) -> (i64, i64) {
        let round = self.new_round(app, &["open"]).await;
        let requests = app
            .get(
                &format!("/api/v1/rounds/{round}/requests"),
                Some(self.admin()),
            )
            .await;
        assert_eq!(requests.status, 200, "{}", requests.text);
        let request = requests.json["items"][0]["id"].as_i64().unwrap();
        let detail = app
            .get(
                &format!("/api/v1/round-requests/{request}"),
                Some(self.admin()),
            )
            .await;
        let items: Vec<i64> = detail.json["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_i64().unwrap())
            .collect();
        if progress == "answered" || progress == "submitted" {
            for item in &items {
                let answered = app
                    .send(
                        Method::PUT,
                        &format!("/api/v1/round-requests/{request}/items/{item}"),
                        self.admin(),
                        Some(json!({ "outcome": "unchanged" })),
                        None,
                    )
                    .await;
                assert_eq!(answered.status, 200, "{}", answered.text);
            }
        }
        if progress == "submitted" {
            let current = app
                .get(
                    &format!("/api/v1/round-requests/{request}"),
                    Some(self.admin()),
                )
                .await;
            let submitted = app
                .send(
                    Method::POST,
                    &format!("/api/v1/round-requests/{request}/submit"),
                    self.admin(),
                    None,
                    Some(&etag_of(&current)),
                )
                .await;
            assert_eq!(submitted.status, 200, "{}", submitted.text);
        }
        (request, items[0])
    }

    /// A webhook endpoint on a port nothing listens on: its deliveries fail, harmlessly.
    async fn new_webhook(&mut self, app: &TestApp) -> i64 {
        let created = created(
            app,
            self.admin(),
            "/api/v1/admin/webhooks",
            json!({ "url": "http://127.0.0.1:9/platina", "event_kinds": ["proposal.assigned"] }),
        )
        .await;
        created.json["webhook"]["id"].as_i64().unwrap()
    }

    fn admin(&self) -> &str {
        &self.tokens[&Caller::Admin]
    }

    fn next(&mut self) -> i64 {
        self.counter += 1;
        self.counter
    }

    fn next_year(&mut self) -> i64 {
        self.year += 1;
        self.year
    }

    /// A day of FY2024 no other call has used, for records unique per date.
    fn next_day(&mut self) -> String {
        let day = chrono::NaiveDate::from_ymd_opt(2024, 4, 1).unwrap()
            + chrono::Days::new(u64::try_from(self.next()).unwrap());
        day.to_string()
    }

    /// A proposal by the author, not yet routed to anyone.
    async fn new_proposal(&mut self, app: &TestApp) -> i64 {
        let n = self.next();
        created_id(
            app,
            &self.tokens[&Caller::Author].clone(),
            "/api/v1/proposals",
            json!({ "fiscal_year": 2025, "theme": "ユーザーの困りごと", "title": format!("{MARKER} {n}"),
                    "pain_point": format!("窓口で{SEARCHED}"), "implementation_status": "planned", "outcome_text": "R8から予約制" }),
        )
        .await
    }

    /// A proposal by the author routed to the owning section: (proposal, assignment).
    async fn routed_proposal(&mut self, app: &TestApp) -> (i64, i64) {
        let proposal = self.new_proposal(app).await;
        let routed = created(
            app,
            self.admin(),
            &format!("/api/v1/proposals/{proposal}/assignments"),
            json!({ "section_id": self.records.section, "effective_on": "2025-05-01" }),
        )
        .await;
        (
            proposal,
            routed.json["assignments"][0]["id"].as_i64().unwrap(),
        )
    }

    async fn new_reform(&mut self, app: &TestApp) -> i64 {
        let r = &self.records;
        created_id(
            app,
            self.admin(),
            "/api/v1/reforms",
            json!({ "fiscal_year": 2025, "bureau_id": r.bureau, "section_ids": [r.section], "title": "押印の見直し" }),
        )
        .await
    }

    async fn new_issue(&mut self, app: &TestApp) -> i64 {
        let number = self.next() % 99 + 1;
        created_id(
            app,
            self.admin(),
            &format!("/api/v1/policies/{}/issues", self.records.policy),
            json!({ "area": "C", "number": number, "title": "窓口の混雑" }),
        )
        .await
    }

    async fn new_milestone(&mut self, app: &TestApp) -> i64 {
        created_id(
            app,
            self.admin(),
            &format!("/api/v1/policy-issues/{}/milestones", self.records.issue),
            json!({ "quarter": 1, "title": "受付ルーム試行設置", "state": "planned" }),
        )
        .await
    }

    async fn new_progress_note(&mut self, app: &TestApp) -> i64 {
        created_id(
            app,
            self.admin(),
            &format!(
                "/api/v1/policy-issues/{}/progress-notes",
                self.records.issue
            ),
            json!({ "as_of": "2025-11-30", "body": "予約件数が増加" }),
        )
        .await
    }

    async fn new_kpi(&mut self, app: &TestApp) -> i64 {
        created_id(
            app,
            self.admin(),
            &format!("/api/v1/policy-issues/{}/kpis", self.records.issue),
            json!({ "name": "予約件数", "unit": "件", "baseline_value": 10, "baseline_on": "2024-11-30" }),
        )
        .await
    }

    async fn new_kpi_actual(&mut self, app: &TestApp) -> i64 {
        let day = self.next_day();
        let kpi = created(
            app,
            self.admin(),
            &format!("/api/v1/kpis/{}/actuals", self.records.kpi),
            json!({ "value": 12, "measured_on": day }),
        )
        .await;
        dated_item(&kpi.json["actuals"], &day)
    }

    async fn new_system(&mut self, app: &TestApp) -> i64 {
        let n = self.next();
        created_id(
            app,
            self.admin(),
            "/api/v1/digital-systems",
            json!({ "name": format!("窓口予約アプリ {n}"), "section_id": self.records.section, "platform": "kintone", "built_in_house": true, "status": "trial" }),
        )
        .await
    }

    /// A link from a record of `from_kind` to a new ledger entry.
    async fn new_link(&mut self, app: &TestApp, from_id: i64, from_kind: &str) -> i64 {
        let system = self.new_system(app).await;
        created_id(
            app,
            self.admin(),
            "/api/v1/links",
            json!({ "from_kind": from_kind, "from_id": from_id, "to_kind": "digital_system", "to_id": system }),
        )
        .await
    }

    async fn new_measurement(&mut self, app: &TestApp) -> i64 {
        let day = self.next_day();
        let target = created(
            app,
            self.admin(),
            &format!("/api/v1/targets/{}/measurements", self.records.target),
            json!({ "value": 120, "measured_on": day }),
        )
        .await;
        dated_item(&target.json["measurements"], &day)
    }

    /// A dry-run import started by the editor of the owning section.
    async fn import_job(&self, app: &TestApp) -> String {
        let started = upload(
            app,
            &self.tokens[&Caller::EditorOfOwningSection],
            "kind=reforms&dry_run=true",
            "reforms.csv",
            self.import_file().as_bytes(),
        )
        .await;
        assert_eq!(started.status, 202, "{}", started.text);
        started.json["id"].as_str().unwrap().to_owned()
    }

    fn import_file(&self) -> String {
        let r = &self.records;
        format!(
            "年度,局・区,所管課,取組名\r\n2025,{},{},申請書の電子化\r\n",
            r.bureau_name, r.section_name
        )
    }

    /// The records one call works on: the shared ones, or for writes that use their record up,
    /// a fresh one of the same kind and owner.
    async fn records_for(&mut self, app: &TestApp, key: &str) -> Records {
        let mut r = self.records.clone();
        match key {
            "DELETE /api/v1/admin/webhooks/{id}" => r.webhook = self.new_webhook(app).await,
            "DELETE /api/v1/digital-systems/{id}" | "POST /api/v1/links" => {
                r.system = self.new_system(app).await;
            }
            "DELETE /api/v1/kpi-actuals/{id}" => r.actual = self.new_kpi_actual(app).await,
            "DELETE /api/v1/kpis/{id}" => r.kpi = self.new_kpi(app).await,
            "DELETE /api/v1/links/{id}" => {
                r.link = self.new_link(app, r.issue, "policy_issue").await
            }
            "DELETE /api/v1/milestones/{id}" => r.milestone = self.new_milestone(app).await,
            "DELETE /api/v1/policy-issues/{id}" => r.issue = self.new_issue(app).await,
            "DELETE /api/v1/progress-notes/{id}" => r.note = self.new_progress_note(app).await,
            "DELETE /api/v1/reforms/{id}" => r.reform = self.new_reform(app).await,
            "DELETE /api/v1/target-measurements/{id}" => {
                r.measurement = self.new_measurement(app).await;
            }
            "POST /api/v1/proposals/{id}/assignments" => {
                r.proposal = self.new_proposal(app).await;
            }
            // Each retry needs a dead job and each cancel a queued one.
            "POST /api/v1/admin/jobs/{id}/retry" => {
                r.job = crate::job_admin::dead_job(app, "test.role-walk", "失敗").await;
            }
            "POST /api/v1/admin/jobs/{id}/cancel" => {
                r.job = crate::job_admin::queued_job(app, "test.role-walk").await;
            }
            "POST /api/v1/proposals/{id}/assignments/{assignment_id}/transitions" => {
                (r.proposal, r.assignment) = self.routed_proposal(app).await;
            }
            // Each step needs a round in the state it starts from.
            "DELETE /api/v1/rounds/{id}" | "POST /api/v1/rounds/{id}/open" => {
                r.round = self.new_round(app, &[]).await;
            }
            "POST /api/v1/rounds/{id}/close" | "POST /api/v1/rounds/{id}/nudge-overdue" => {
                r.round = self.new_round(app, &["open"]).await;
            }
            // A nudge needs a request still waiting, not nudged within the hour.
            "POST /api/v1/round-requests/{id}/nudge" => {
                (r.round_request, r.round_item) = self.new_round_request(app, "").await;
            }
            "POST /api/v1/rounds/{id}/reopen"
            | "GET /api/v1/rounds/{id}/report"
            | "GET /api/v1/rounds/{id}/report.csv"
            | "GET /api/v1/rounds/{id}/report.xlsx" => {
                r.round = self.new_round(app, &["open", "close"]).await;
            }
            "POST /api/v1/round-requests/{id}/submit" => {
                (r.round_request, r.round_item) = self.new_round_request(app, "answered").await;
            }
            "POST /api/v1/round-requests/{id}/return"
            | "POST /api/v1/round-requests/{id}/accept" => {
                (r.round_request, r.round_item) = self.new_round_request(app, "submitted").await;
            }
            _ => {}
        }
        r
    }

    /// A body that succeeds for a caller who may; `None` for operations without one.
    fn body_for(&mut self, key: &str, r: &Records) -> Option<Value> {
        let n = self.next();
        let body = match key {
            "POST /api/v1/auth/login" => {
                json!({ "email": "signin@city.example.jp", "password": PASSWORD })
            }
            "PUT /api/v1/me/notification-preferences" => {
                json!({ "channels": { "proposal.assigned": "digest" }, "digest_hour": 7 })
            }
            "POST /api/v1/auth/token" => {
                json!({ "grant_type": "client_credentials", "client_id": self.client_id, "client_secret": self.client_secret })
            }
            "POST /api/v1/admin/webhooks" | "PUT /api/v1/admin/webhooks/{id}" => {
                json!({ "url": format!("http://127.0.0.1:9/platina/{n}"), "event_kinds": ["proposal.decided"] })
            }
            "POST /api/v1/admin/webhooks/{id}/rotate-secret" => json!({}),
            "POST /api/v1/bureaus" => json!({ "name": format!("新設局 {n}") }),
            "PATCH /api/v1/bureaus/{id}" => json!({ "sort_order": 1 }),
            "POST /api/v1/sections" => {
                json!({ "bureau_id": r.bureau, "name": format!("新設課 {n}"), "effective_from": "2019-04-01" })
            }
            // Far ahead, so that the section keeps its name for every other call.
            "POST /api/v1/sections/{id}/renames" => {
                json!({ "name": format!("改称後の課 {n}"), "effective_from": format!("{}-04-01", 2090 + n % 10) })
            }
            "POST /api/v1/users" => {
                json!({ "email": format!("new{n}@city.example.jp"), "display_name": "新規 職員", "role": "viewer", "password": "a long enough password" })
            }
            "POST /api/v1/project-teams" | "PUT /api/v1/project-teams/{id}" => {
                let year = if key.starts_with("PUT") {
                    2025
                } else {
                    self.next_year()
                };
                json!({ "fiscal_year": year, "name": "プラチナPT", "themes": ["ユーザーの困りごと", "職員の困りごと"] })
            }
            "POST /api/v1/proposals" => {
                json!({ "fiscal_year": 2025, "theme": "職員の困りごと", "title": "会議資料の電子化" })
            }
            "PUT /api/v1/proposals/{id}" => {
                json!({ "fiscal_year": 2025, "theme": "ユーザーの困りごと", "title": format!("{MARKER} 改訂"),
                        "pain_point": format!("窓口で{SEARCHED}"), "implementation_status": "planned", "outcome_text": "R8から予約制" })
            }
            "POST /api/v1/proposals/{id}/assignments" => json!({ "section_id": r.section }),
            "POST /api/v1/proposals/{id}/assignments/{assignment_id}/transitions" => {
                json!({ "to_stage": 2, "effective_on": "2025-06-01" })
            }
            "POST /api/v1/proposals/{id}/consultations" => {
                json!({ "held_on": "2025-06-01", "participants": "PTメンバー", "note": "協議した" })
            }
            "POST /api/v1/reforms" | "PUT /api/v1/reforms/{id}" => {
                json!({ "fiscal_year": 2025, "bureau_id": r.bureau, "section_ids": [r.section], "title": "窓口予約の電子化", "classification": "iii", "source_proposal_id": r.proposal })
            }
            "POST /api/v1/policies" => {
                json!({ "bureau_id": r.bureau, "fiscal_year": self.next_year() })
            }
            "PUT /api/v1/policies/{id}" => json!({ "bureau_id": r.bureau, "fiscal_year": 2025 }),
            "POST /api/v1/policies/{id}/issues" => {
                json!({ "area": "B", "number": n % 99 + 1, "title": "窓口の混雑" })
            }
            "PUT /api/v1/policy-issues/{id}" => {
                json!({ "area": "A", "number": 1, "title": "子育て世帯の手続き" })
            }
            "POST /api/v1/policy-issues/{id}/milestones" | "PUT /api/v1/milestones/{id}" => {
                json!({ "quarter": 2, "title": "本格運用", "state": "planned" })
            }
            "POST /api/v1/policy-issues/{id}/progress-notes" => {
                json!({ "as_of": "2025-12-01", "body": "順調" })
            }
            "POST /api/v1/policy-issues/{id}/check-ins" => {
                json!({ "status": "in_progress", "note": { "as_of": "2025-12-01", "body": "順調" } })
            }
            "POST /api/v1/policy-issues/{id}/kpis" | "PUT /api/v1/kpis/{id}" => {
                json!({ "name": "予約件数", "unit": "件", "baseline_value": 10, "baseline_on": "2024-11-30" })
            }
            "POST /api/v1/kpis/{id}/actuals" => {
                json!({ "value": 15, "measured_on": self.next_day() })
            }
            "POST /api/v1/digital-systems" | "PUT /api/v1/digital-systems/{id}" => {
                json!({ "name": format!("電子申請アプリ {n}"), "section_id": r.section, "platform": "kintone", "built_in_house": true, "status": "trial" })
            }
            "POST /api/v1/links" => {
                json!({ "from_kind": "policy_issue", "from_id": r.issue, "to_kind": "digital_system", "to_id": r.system })
            }
            "POST /api/v1/targets" | "PUT /api/v1/targets/{id}" => {
                let code = if key.starts_with("PUT") {
                    "fixture-target".to_owned()
                } else {
                    format!("target-{n}")
                };
                json!({ "code": code, "name": "相談件数", "metric": "consultations", "unit": "件" })
            }
            "POST /api/v1/targets/{id}/measurements" => {
                json!({ "value": 130, "measured_on": self.next_day() })
            }
            "POST /api/v1/rounds" | "PUT /api/v1/rounds/{id}" => {
                json!({ "title": format!("令和7年度 第3四半期 進捗照会 {n}"), "as_of": "2025-12-31", "due_on": "2026-01-16",
                        "record_kinds": ["reform"], "section_ids": [r.section] })
            }
            "POST /api/v1/rounds/{id}/reopen" => json!({ "reason": "回答の訂正の申出" }),
            "POST /api/v1/round-requests/{id}/return" => {
                json!({ "comment": "効果の数値を記入してください" })
            }
            "PUT /api/v1/round-requests/{id}/items/{item_id}" => json!({ "outcome": "unchanged" }),
            _ => return None,
        };
        Some(body)
    }
}

/// The concrete path and query of an operation on these records.
fn url_of(op: &Operation, r: &Records) -> String {
    let segments: Vec<&str> = op.path.split('/').collect();
    let path = segments
        .iter()
        .enumerate()
        .map(|(i, segment)| {
            if segment.starts_with('{') {
                match *segment {
                    // Following a record: the proposal.
                    "{record_kind}" => return "proposal".to_owned(),
                    "{record_id}" => return r.id_for("proposals"),
                    _ => {}
                }
                let collection = if *segment == "{assignment_id}" {
                    "assignments"
                } else {
                    segments[i - 1]
                };
                r.id_for(collection)
            } else {
                (*segment).to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("/");
    let mut query: Vec<String> = op
        .required_query
        .iter()
        .map(|name| {
            let value = match (op.path.as_str(), name.as_str()) {
                ("/api/v1/links", "kind") => "reform".to_owned(),
                ("/api/v1/links", "id") => r.reform.to_string(),
                ("/api/v1/imports", "kind") => "reforms".to_owned(),
                (_, "fiscal_year") => "2025".to_owned(),
                (_, "q") => SEARCHED.to_owned(),
                (_, "text") => "R7.7.14".to_owned(),
                (path, other) => panic!("no value for the required query `{other}` of {path}"),
            };
            format!("{name}={value}")
        })
        .collect();
    if op.path == "/api/v1/imports" || op.key == "POST /api/v1/round-requests/{id}/workbook" {
        query.push("dry_run=true".into());
    }
    if query.is_empty() {
        path
    } else {
        format!("{path}?{}", query.join("&"))
    }
}

/// The `If-Match` the caller would send: the current ETag, read by an admin from the record's
/// own GET (the section's for a rename), or for records without one from the version their
/// parent lists them with.
async fn current_etag(
    app: &TestApp,
    world: &World,
    ops: &[Operation],
    r: &Records,
    url: &str,
) -> String {
    let path = url.split('?').next().unwrap_or(url);
    // Acts on a record (a rename, a round's or a request's step) name the record's version.
    let own = [
        "/renames",
        "/open",
        "/close",
        "/reopen",
        "/submit",
        "/return",
        "/accept",
        "/check-ins",
    ]
    .iter()
    .find_map(|act| path.strip_suffix(act))
    .unwrap_or(path);
    let readable = ops
        .iter()
        .any(|o| o.method == Method::GET && matches_template(&o.path, own));
    if readable {
        let answer = app.get(own, Some(world.admin())).await;
        assert_eq!(answer.status, 200, "{own}: {}", answer.text);
        return etag_of(&answer);
    }
    let (collection, id) = own
        .rsplit_once('/')
        .map(|(rest, id)| (rest.rsplit('/').next().unwrap_or(rest), id))
        .unwrap();
    let (parent, list) = match collection {
        "milestones" => (format!("/api/v1/policy-issues/{}", r.issue), "milestones"),
        "targets" => ("/api/v1/targets".to_owned(), "targets"),
        other => panic!("no way to read the version of `{other}` records: teach current_etag"),
    };
    let answer = app.get(&parent, Some(world.admin())).await;
    assert_eq!(answer.status, 200, "{parent}: {}", answer.text);
    let version = answer.json[list]
        .as_array()
        .unwrap()
        .iter()
        .find(|item| item["id"].as_i64().is_some_and(|i| i.to_string() == id))
        .map(|item| item["version"].clone())
        .unwrap_or_else(|| panic!("{own} is not in {parent}"));
    format!("\"{version}\"")
}

fn matches_template(template: &str, path: &str) -> bool {
    let t: Vec<&str> = template.split('/').collect();
    let p: Vec<&str> = path.split('/').collect();
    t.len() == p.len() && t.iter().zip(&p).all(|(t, p)| t == p || t.starts_with('{'))
}

async fn call(
    app: &TestApp,
    world: &mut World,
    ops: &[Operation],
    op: &Operation,
    caller: Caller,
) -> Answer {
    let records = world.records_for(app, &op.key).await;
    let url = url_of(op, &records);
    let body = world.body_for(&op.key, &records);
    let if_match = if op.needs_if_match {
        Some(current_etag(app, world, ops, &records, &url).await)
    } else {
        None
    };
    let mut request = app.client.request(op.method.clone(), app.url(&url));
    if let Some(token) = world.tokens.get(&caller) {
        request = request.bearer_auth(token);
    }
    if let Some(etag) = &if_match {
        request = request.header("If-Match", etag);
    }
    if op.key == "POST /api/v1/auth/refresh" {
        request = request.header(
            "Cookie",
            format!("platina_refresh={}", world.refresh_cookie),
        );
    }
    if op.key == "POST /api/v1/imports" {
        let boundary = "----platina-role-walk";
        let multipart = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"reforms.csv\"\r\nContent-Type: text/csv\r\n\r\n{}\r\n--{boundary}--\r\n",
            world.import_file()
        );
        request = request
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(multipart);
    } else if op.key == "POST /api/v1/round-requests/{id}/workbook" {
        // The request's own workbook as downloaded, answered by no row: a dry run reads it.
        let path = url.split('?').next().unwrap_or(&url);
        let workbook = app
            .client
            .get(app.url(path))
            .bearer_auth(world.admin())
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        let boundary = "----platina-role-walk";
        let mut multipart = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"answer.xlsx\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        .into_bytes();
        multipart.extend_from_slice(&workbook);
        multipart.extend(format!("\r\n--{boundary}--\r\n").into_bytes());
        request = request
            .header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(multipart);
    } else if let Some(body) = body {
        request = request.json(&body);
    }
    let answer = Answer::read(request.send().await.unwrap()).await;
    if (200..300).contains(&answer.status)
        && op.key == "POST /api/v1/auth/refresh"
        && let Some(cookie) = answer.refresh_cookie()
    {
        world.refresh_cookie = cookie;
    }
    answer
}

/// The flag a record's GET answers with (`can_edit`, or an assignment's `can_act`) against the
/// table's row for changing it: the screens show buttons from these flags, so they must promise
/// exactly what the server then allows. `None` when the answer has no such flag.
fn flag_disagreement(
    op: &Operation,
    caller: Caller,
    answer: &Answer,
    r: &Records,
) -> Option<Result<(), String>> {
    if op.method != Method::GET || !(200..300).contains(&answer.status) {
        return None;
    }
    let (flag, value, write) = if let Some(value) = answer.json["can_edit"].as_bool() {
        ("can_edit", value, format!("PUT {}", op.path))
    } else {
        let assignment = answer.json["assignments"]
            .as_array()?
            .iter()
            .find(|a| a["id"].as_i64() == Some(r.assignment))?;
        (
            "can_act",
            assignment["can_act"].as_bool()?,
            format!("POST {}/assignments/{{assignment_id}}/transitions", op.path),
        )
    };
    let may = expectation(&write)?.outcome(caller) == Outcome::Allowed;
    Some(if value == may {
        Ok(())
    } else {
        Err(format!(
            "{} as {caller:?}: {flag} is {value}, but {write} is {:?} for them",
            op.key,
            expectation(&write)?.outcome(caller)
        ))
    })
}

async fn every_documented_operation_answers_every_caller_as_the_access_table_expects(
    backend: Backend,
) {
    let started = Instant::now();
    let app = spawn_app(backend).await;
    let doc = app.get("/api/openapi.json", None).await.json;
    let mut ops = documented_operations(&doc);
    ops.sort_by(|a, b| a.key.cmp(&b.key));

    let documented: BTreeSet<&str> = ops.iter().map(|o| o.key.as_str()).collect();
    let tabled: BTreeSet<&str> = EXPECTATIONS.iter().map(|e| e.operation).collect();
    let untabled: Vec<_> = documented.difference(&tabled).collect();
    let undocumented: Vec<_> = tabled.difference(&documented).collect();
    assert!(
        untabled.is_empty() && undocumented.is_empty(),
        "documented operations without a row in domain::access::expectations: {untabled:?}; rows without a documented operation: {undocumented:?}"
    );

    // The table may be stricter than the roles the document lists, never looser.
    for op in &ops {
        let e = expectation(&op.key).unwrap();
        for caller in Caller::ALL {
            let outcome = e.outcome(caller);
            let listed = match (&op.roles, caller.role()) {
                (None, _) => true,
                (Some(_), None) => false,
                (Some(roles), Some(role)) => roles.iter().any(|r| r == role.as_str()),
            };
            if !listed {
                let refused = if caller.role().is_none() {
                    Outcome::Unauthenticated
                } else {
                    Outcome::Forbidden
                };
                assert_eq!(
                    outcome, refused,
                    "{} as {caller:?}: the document does not list the role",
                    op.key
                );
            }
        }
    }

    let mut world = World::build(&app).await;
    let mut mismatches = Vec::new();
    let mut calls = 0;
    let mut shown_to_admin = Vec::new();
    let mut flags_checked = 0;
    for op in &ops {
        let e = expectation(&op.key).unwrap();
        for caller in Caller::ALL {
            let expected = e.outcome(caller);
            let answer = call(&app, &mut world, &ops, op, caller).await;
            calls += 1;
            if !expected.matches(answer.status) {
                mismatches.push(format!(
                    "{} as {caller:?}: expected {expected:?}, got {}: {}",
                    op.key,
                    answer.status,
                    answer.text.chars().take(300).collect::<String>()
                ));
            }
            if let Some(flag) = flag_disagreement(op, caller, &answer, &world.records) {
                flags_checked += 1;
                if let Err(disagreement) = flag {
                    mismatches.push(disagreement);
                }
            }
            if caller == Caller::Admin && answer.text.contains(MARKER) {
                shown_to_admin.push(op.key.clone());
            }
            if caller == Caller::AnotherProposer && answer.text.contains(MARKER) {
                mismatches.push(format!(
                    "{} as {caller:?}: shows the author's proposal: {}",
                    op.key,
                    answer.text.chars().take(300).collect::<String>()
                ));
            }
        }
    }
    // Where an admin sees the author's proposal, another proposer's answer is a real test.
    for read in [
        "GET /api/v1/links",
        "GET /api/v1/proposals",
        "GET /api/v1/proposals/export",
        "GET /api/v1/reforms/{id}",
        "GET /api/v1/reports/annual",
        "GET /api/v1/reports/proposal-progress",
        "GET /api/v1/search",
    ] {
        assert!(
            shown_to_admin.iter().any(|k| k == read),
            "{read} does not show the author's proposal even to an admin, so it tests no hiding"
        );
    }
    assert!(
        flags_checked >= 30,
        "only {flags_checked} can_edit / can_act flags were compared"
    );
    eprintln!(
        "{} operations × {} callers, {calls} calls, {flags_checked} flags compared, in {:.1?}",
        ops.len(),
        Caller::ALL.len(),
        started.elapsed()
    );
    assert!(
        mismatches.is_empty(),
        "{} answers differ from domain::access::expectations:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}
