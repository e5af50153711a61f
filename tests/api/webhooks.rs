//! Signed webhooks, against a real receiver: an HTTP server started by each test that checks
//! every delivery's Standard Webhooks signature itself (401 when none verifies) and answers as
//! the test tells it. Events are written with `persistence::events::record`, as the write sites
//! do; the job runner does the rest.

use crate::helpers::{Answer, Backend, TestApp, spawn_app_with};
use crate::on_both_databases;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use persistence::ConnectionTrait;
use reqwest::Method;
use serde_json::{Value, json};
use sha2::Sha256;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

on_both_databases!(
    an_event_reaches_exactly_the_enabled_endpoints_that_want_its_kind_signed_with_their_secret,
    a_failing_receiver_is_retried_under_the_same_webhook_id_until_it_answers,
    during_a_rotation_deliveries_are_signed_with_the_old_and_the_new_secret,
    an_endpoint_failing_past_the_limit_is_disabled_and_the_admins_hear_of_it,
    a_logged_delivery_is_redelivered_by_hand_and_a_test_ping_is_signed_too,
    bad_webhook_input_is_answered_with_problem_details,
    the_standard_webhooks_python_library_accepts_our_signatures,
);

/// Fast retries: the first after ½–1 s.
const FAST: &str =
    "[jobs]\npoll_interval_ms = 50\nbackoff_base_seconds = 1\n[webhooks]\ntimeout_seconds = 5\n";

/// One delivery as the receiver saw it.
#[derive(Debug, Clone)]
struct Received {
    path: String,
    id: String,
    timestamp: String,
    signature: String,
    body: Vec<u8>,
}

impl Received {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }

    /// Whether one of the signatures is `secret`'s, computed here from the specification.
    fn signed_by(&self, secret: &str) -> bool {
        let key = STANDARD
            .decode(secret.strip_prefix("whsec_").unwrap())
            .unwrap();
        let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
        mac.update(format!("{}.{}.", self.id, self.timestamp).as_bytes());
        mac.update(&self.body);
        let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
        self.signature.split(' ').any(|s| s == expected)
    }
}

#[derive(Default)]
struct ReceiverState {
    received: Mutex<Vec<Received>>,
    /// The secrets each path accepts; a delivery signed by none of them is refused with 401.
    secrets: Mutex<HashMap<String, Vec<String>>>,
    /// How many more deliveries to a path are answered 503 before it answers 204.
    failures_left: Mutex<HashMap<String, u32>>,
}

/// A receiving system on a free port of this machine.
struct Receiver {
    base: String,
    state: web::Data<ReceiverState>,
    handle: actix_web::dev::ServerHandle,
}

impl Drop for Receiver {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
    }
}

async fn receive(
    req: HttpRequest,
    body: web::Bytes,
    state: web::Data<ReceiverState>,
) -> HttpResponse {
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    };
    let received = Received {
        path: req.path().to_owned(),
        id: header("webhook-id"),
        timestamp: header("webhook-timestamp"),
        signature: header("webhook-signature"),
        body: body.to_vec(),
    };
    state.received.lock().unwrap().push(received.clone());
    let fresh = received
        .timestamp
        .parse::<i64>()
        .is_ok_and(|t| (chrono::Utc::now().timestamp() - t).abs() < 300);
    let secrets = state
        .secrets
        .lock()
        .unwrap()
        .get(&received.path)
        .cloned()
        .unwrap_or_default();
    if !fresh || !secrets.iter().any(|s| received.signed_by(s)) {
        return HttpResponse::Unauthorized().body("signature does not verify");
    }
    let mut failures = state.failures_left.lock().unwrap();
    match failures.get_mut(&received.path) {
        Some(left) if *left > 0 => {
            *left -= 1;
            HttpResponse::ServiceUnavailable().body("try again later")
        }
        _ => HttpResponse::NoContent().finish(),
    }
}

impl Receiver {
    async fn start() -> Receiver {
        let state = web::Data::new(ReceiverState::default());
        let shared = state.clone();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(shared.clone())
                .default_service(web::to(receive))
        })
        .workers(1)
        .disable_signals()
        .bind("127.0.0.1:0")
        .unwrap();
        let port = server.addrs()[0].port();
        let server = server.run();
        let handle = server.handle();
        tokio::spawn(server);
        Receiver {
            base: format!("http://127.0.0.1:{port}"),
            state,
            handle,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn accept_secrets(&self, path: &str, secrets: &[&str]) {
        self.state.secrets.lock().unwrap().insert(
            path.to_owned(),
            secrets.iter().map(|s| (*s).to_owned()).collect(),
        );
    }

    fn fail_next(&self, path: &str, times: u32) {
        self.state
            .failures_left
            .lock()
            .unwrap()
            .insert(path.to_owned(), times);
    }

    fn received_on(&self, path: &str) -> Vec<Received> {
        self.state
            .received
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.path == path)
            .cloned()
            .collect()
    }

    /// Waits until `path` has had `count` deliveries, and returns them.
    async fn wait_for(&self, path: &str, count: usize) -> Vec<Received> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let received = self.received_on(path);
            if received.len() >= count {
                return received;
            }
            assert!(
                Instant::now() < deadline,
                "{path} got {} deliveries, not {count}, in 30 s",
                received.len()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// Writes an event as a write site does, in a transaction of its own.
async fn record_event(app: &TestApp, kind: &'static str) -> i64 {
    let txn = persistence::begin_write(&app.app_db.conn).await.unwrap();
    let id = persistence::events::record(
        &txn,
        persistence::events::NewEvent {
            kind,
            actor_user_id: None,
            record_kind: "proposal",
            record_id: 7,
            owner: domain::Owner::Nobody,
            title: "提案「窓口予約の電子化」を国保年金課に割り当てました".into(),
            link: "/proposals/7".into(),
            data: json!({ "section_id": 3, "note": "<b>\"引用\"</b>\n改行" }),
        },
        persistence::clock::now(),
    )
    .await
    .unwrap();
    txn.commit().await.unwrap();
    id
}

struct Registered {
    id: i64,
    secret: String,
    etag: String,
}

async fn register(
    app: &TestApp,
    admin: &str,
    url: &str,
    kinds: &[&str],
    enabled: bool,
) -> Registered {
    let created = app
        .send(
            Method::POST,
            "/api/v1/admin/webhooks",
            admin,
            Some(json!({ "url": url, "description": "kintone 連携", "event_kinds": kinds, "enabled": enabled })),
            None,
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(created.header("cache-control"), Some("no-store"));
    let secret = created.json["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"), "{secret}");
    Registered {
        id: created.json["webhook"]["id"].as_i64().unwrap(),
        secret,
        etag: created.header("etag").unwrap().to_owned(),
    }
}

async fn deliveries(app: &TestApp, admin: &str, endpoint: i64) -> Vec<Value> {
    let answer = app
        .get(
            &format!("/api/v1/admin/webhooks/{endpoint}/deliveries"),
            Some(admin),
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    answer.json["items"].as_array().unwrap().clone()
}

/// Waits until endpoint #`endpoint`'s log has `count` attempts; returns them oldest first.
async fn logged(app: &TestApp, admin: &str, endpoint: i64, count: usize) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let mut items = deliveries(app, admin, endpoint).await;
        if items.len() >= count {
            items.reverse();
            return items;
        }
        assert!(
            Instant::now() < deadline,
            "{} attempts logged, not {count}",
            items.len()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn admin_of(app: &TestApp) -> String {
    app.signed_in("admin@city.example.jp", "admin").await
}

async fn an_event_reaches_exactly_the_enabled_endpoints_that_want_its_kind_signed_with_their_secret(
    backend: Backend,
) {
    let app = spawn_app_with(backend, FAST).await;
    let admin = admin_of(&app).await;
    let receiver = Receiver::start().await;
    let wants = register(
        &app,
        &admin,
        &receiver.url("/wants"),
        &["proposal.assigned", "kpi.actual_recorded"],
        true,
    )
    .await;
    let other = register(
        &app,
        &admin,
        &receiver.url("/other"),
        &["milestone.slipped"],
        true,
    )
    .await;
    let off = register(
        &app,
        &admin,
        &receiver.url("/off"),
        &["proposal.assigned"],
        false,
    )
    .await;
    receiver.accept_secrets("/wants", &[&wants.secret]);
    receiver.accept_secrets("/other", &[&other.secret]);
    receiver.accept_secrets("/off", &[&off.secret]);

    let event = record_event(&app, "proposal.assigned").await;
    let got = receiver.wait_for("/wants", 1).await;
    let delivery = &got[0];
    assert_eq!(delivery.id, format!("msg_{event}_{}", wants.id));
    assert!(delivery.signed_by(&wants.secret));
    assert!(
        !delivery.signed_by(&other.secret),
        "signed with its own secret only"
    );
    assert_eq!(delivery.signature.split(' ').count(), 1);
    let body = delivery.json();
    assert_eq!(body["type"], "proposal.assigned");
    assert!(body["timestamp"].as_str().unwrap().ends_with('Z'), "{body}");
    assert_eq!(body["data"]["event_id"], event);
    assert_eq!(body["data"]["record_kind"], "proposal");
    assert_eq!(body["data"]["record_id"], 7);
    assert_eq!(body["data"]["link"], "/proposals/7");
    assert_eq!(
        body["data"]["url"], "http://localhost:8080/proposals/7",
        "the link under `[mail] base_url`, Platina's address as staff reach it"
    );
    assert_eq!(
        body["data"]["title"],
        "提案「窓口予約の電子化」を国保年金課に割り当てました"
    );
    assert_eq!(
        body["data"]["data"]["note"], "<b>\"引用\"</b>\n改行",
        "the record's text arrives as JSON, escaped, and unchanged"
    );

    let log = logged(&app, &admin, wants.id, 1).await;
    assert_eq!(log[0]["status_code"], 204, "{log:?}");
    assert_eq!(log[0]["succeeded"], true);
    assert_eq!(log[0]["attempt"], 1);
    assert_eq!(log[0]["event_kind"], "proposal.assigned");
    assert_eq!(log[0]["message_id"], delivery.id.as_str());
    assert!(log[0]["response_time_ms"].as_i64().unwrap() >= 0);
    assert!(log[0]["error"].is_null());

    // An event of the other kind goes to the other endpoint alone.
    record_event(&app, "milestone.slipped").await;
    receiver.wait_for("/other", 1).await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(
        receiver.received_on("/wants").len(),
        1,
        "no second delivery to /wants"
    );
    assert_eq!(receiver.received_on("/other").len(), 1);
    assert!(
        receiver.received_on("/off").is_empty(),
        "a disabled endpoint gets nothing"
    );
    assert!(deliveries(&app, &admin, off.id).await.is_empty());
}

async fn a_failing_receiver_is_retried_under_the_same_webhook_id_until_it_answers(
    backend: Backend,
) {
    let app = spawn_app_with(backend, FAST).await;
    let admin = admin_of(&app).await;
    let receiver = Receiver::start().await;
    let endpoint = register(
        &app,
        &admin,
        &receiver.url("/flaky"),
        &["proposal.assigned"],
        true,
    )
    .await;
    receiver.accept_secrets("/flaky", &[&endpoint.secret]);
    receiver.fail_next("/flaky", 2);

    let event = record_event(&app, "proposal.assigned").await;
    let got = receiver.wait_for("/flaky", 3).await;
    let ids: Vec<&str> = got.iter().map(|r| r.id.as_str()).collect();
    let expected = format!("msg_{event}_{}", endpoint.id);
    assert_eq!(
        ids,
        vec![expected.as_str(); 3],
        "one webhook-id for every attempt"
    );
    assert!(got.iter().all(|r| r.signed_by(&endpoint.secret)));
    assert!(
        got.iter().all(|r| r.body == got[0].body),
        "the same body every time"
    );

    let log = logged(&app, &admin, endpoint.id, 3).await;
    let statuses: Vec<&Value> = log.iter().map(|d| &d["status_code"]).collect();
    assert_eq!(
        statuses,
        vec![&json!(503), &json!(503), &json!(204)],
        "{log:?}"
    );
    let attempts: Vec<i64> = log.iter().map(|d| d["attempt"].as_i64().unwrap()).collect();
    assert_eq!(attempts, vec![1, 2, 3]);
    assert!(log[0]["error"].as_str().unwrap().contains("503"), "{log:?}");
    assert_eq!(log[0]["succeeded"], false);

    let shown = app
        .get(
            &format!("/api/v1/admin/webhooks/{}", endpoint.id),
            Some(&admin),
        )
        .await;
    assert!(
        shown.json["failing_since"].is_null(),
        "answering again: {}",
        shown.text
    );
    assert_eq!(shown.json["enabled"], true);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        receiver.received_on("/flaky").len(),
        3,
        "nothing after the success"
    );
}

async fn rotate(app: &TestApp, admin: &str, id: i64, body: Value) -> Answer {
    let rotated = app
        .send(
            Method::POST,
            &format!("/api/v1/admin/webhooks/{id}/rotate-secret"),
            admin,
            Some(body),
            None,
        )
        .await;
    assert_eq!(rotated.status, 200, "{}", rotated.text);
    rotated
}

async fn during_a_rotation_deliveries_are_signed_with_the_old_and_the_new_secret(backend: Backend) {
    let app = spawn_app_with(backend, FAST).await;
    let admin = admin_of(&app).await;
    let receiver = Receiver::start().await;
    let endpoint = register(
        &app,
        &admin,
        &receiver.url("/rotating"),
        &["kpi.actual_recorded"],
        true,
    )
    .await;
    let old = endpoint.secret.clone();

    let rotated = rotate(&app, &admin, endpoint.id, json!({})).await;
    let new = rotated.json["secret"].as_str().unwrap().to_owned();
    assert_ne!(new, old);
    let ends = rotated.json["webhook"]["previous_secret_expires_at"]
        .as_str()
        .unwrap();
    let ends = chrono::DateTime::parse_from_rfc3339(ends).unwrap();
    let hours = (ends.with_timezone(&chrono::Utc) - chrono::Utc::now()).num_minutes() as f64 / 60.0;
    assert!(
        (23.9..=24.0).contains(&hours),
        "the default overlap is 24 h: {hours}"
    );
    // A receiver that has not switched yet still verifies.
    receiver.accept_secrets("/rotating", &[&old]);
    record_event(&app, "kpi.actual_recorded").await;
    let got = receiver.wait_for("/rotating", 1).await;
    assert_eq!(
        got[0].signature.split(' ').count(),
        2,
        "{}",
        got[0].signature
    );
    assert!(got[0].signed_by(&old) && got[0].signed_by(&new));
    let log = logged(&app, &admin, endpoint.id, 1).await;
    assert_eq!(log[0]["status_code"], 204);

    // Rotating with no overlap ends both earlier secrets at once (a leaked secret).
    let now_only = rotate(&app, &admin, endpoint.id, json!({ "overlap_seconds": 0 })).await;
    let newest = now_only.json["secret"].as_str().unwrap().to_owned();
    assert!(now_only.json["webhook"]["previous_secret_expires_at"].is_null());
    receiver.accept_secrets("/rotating", &[&newest]);
    record_event(&app, "kpi.actual_recorded").await;
    let got = receiver.wait_for("/rotating", 2).await;
    assert_eq!(got[1].signature.split(' ').count(), 1);
    assert!(got[1].signed_by(&newest));
    assert!(!got[1].signed_by(&new) && !got[1].signed_by(&old));

    let audit = app
        .get(
            &format!(
                "/api/v1/audit-events?entity_type=webhook_endpoint&entity_id={}",
                endpoint.id
            ),
            Some(&admin),
        )
        .await;
    let actions: Vec<&str> = audit.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        vec![
            "webhook.rotate_secret",
            "webhook.rotate_secret",
            "webhook.create"
        ]
    );
    for secret in [&old, &new, &newest] {
        let bare = secret.strip_prefix("whsec_").unwrap();
        assert!(!audit.text.contains(bare), "a secret in the audit trail");
    }
}

async fn an_endpoint_failing_past_the_limit_is_disabled_and_the_admins_hear_of_it(
    backend: Backend,
) {
    let app = spawn_app_with(backend, &format!("{FAST}disable_after_seconds = 2\n")).await;
    let admin = admin_of(&app).await;
    let receiver = Receiver::start().await;
    let down = register(
        &app,
        &admin,
        &receiver.url("/down"),
        &["proposal.assigned"],
        true,
    )
    .await;
    receiver.accept_secrets("/down", &[&down.secret]);
    receiver.fail_next("/down", u32::MAX);

    record_event(&app, "proposal.assigned").await;
    let deadline = Instant::now() + Duration::from_secs(30);
    let shown = loop {
        let shown = app
            .get(&format!("/api/v1/admin/webhooks/{}", down.id), Some(&admin))
            .await;
        if shown.json["enabled"] == false {
            break shown;
        }
        assert!(
            Instant::now() < deadline,
            "not disabled in 30 s: {}",
            shown.text
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(
        shown.json["disabled_reason"]
            .as_str()
            .unwrap()
            .contains("failed since"),
        "{}",
        shown.text
    );
    assert!(
        receiver.received_on("/down").len() >= 2,
        "retried before giving up"
    );
    assert_ne!(
        shown.header("etag"),
        Some(down.etag.as_str()),
        "an open form is stale now"
    );

    let announced = app
        .app_db
        .conn
        .query_all_raw(sea_orm::Statement::from_string(
            app.app_db.conn.get_database_backend(),
            "SELECT record_kind, record_id, owner, link FROM events WHERE kind = 'webhook.disabled'",
        ))
        .await
        .unwrap();
    assert_eq!(announced.len(), 1, "announced once");
    let row = &announced[0];
    assert_eq!(
        row.try_get_by_index::<String>(0).unwrap(),
        "webhook_endpoint"
    );
    assert_eq!(row.try_get_by_index::<i64>(1).unwrap(), down.id);
    let owner: Value = serde_json::from_str(&row.try_get_by_index::<String>(2).unwrap()).unwrap();
    assert_eq!(
        owner,
        json!({ "kind": "account", "of": null }),
        "the office's: admins only"
    );

    // Disabled, it gets nothing more.
    let attempts = receiver.received_on("/down").len();
    record_event(&app, "proposal.assigned").await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(receiver.received_on("/down").len(), attempts);

    // Enabled again by an admin, it starts afresh.
    receiver.fail_next("/down", 0);
    let enabled = app
        .send(
            Method::PUT,
            &format!("/api/v1/admin/webhooks/{}", down.id),
            &admin,
            Some(json!({ "url": receiver.url("/down"), "event_kinds": ["proposal.assigned"], "enabled": true })),
            shown.header("etag"),
        )
        .await;
    assert_eq!(enabled.status, 200, "{}", enabled.text);
    assert!(enabled.json["disabled_reason"].is_null() && enabled.json["failing_since"].is_null());
    record_event(&app, "proposal.assigned").await;
    receiver.wait_for("/down", attempts + 1).await;
}

async fn a_logged_delivery_is_redelivered_by_hand_and_a_test_ping_is_signed_too(backend: Backend) {
    let app = spawn_app_with(backend, FAST).await;
    let admin = admin_of(&app).await;
    let receiver = Receiver::start().await;
    let endpoint = register(
        &app,
        &admin,
        &receiver.url("/hook"),
        &["import.finished"],
        true,
    )
    .await;
    receiver.accept_secrets("/hook", &[&endpoint.secret]);

    let event = record_event(&app, "import.finished").await;
    let first = receiver.wait_for("/hook", 1).await;
    let log = logged(&app, &admin, endpoint.id, 1).await;
    let again = app
        .send(
            Method::POST,
            &format!(
                "/api/v1/admin/webhook-deliveries/{}/redeliver",
                log[0]["id"]
            ),
            &admin,
            None,
            None,
        )
        .await;
    assert_eq!(again.status, 202, "{}", again.text);
    assert_eq!(
        again.json["message_id"],
        format!("msg_{event}_{}", endpoint.id)
    );
    let got = receiver.wait_for("/hook", 2).await;
    assert_eq!(
        got[1].id, first[0].id,
        "the same webhook-id, so the receiver can tell"
    );
    assert_eq!(got[1].body, first[0].body);
    assert!(got[1].signed_by(&endpoint.secret));
    let log = logged(&app, &admin, endpoint.id, 2).await;
    assert_eq!(log[1]["status_code"], 204);

    let ping = app
        .send(
            Method::POST,
            &format!("/api/v1/admin/webhooks/{}/test", endpoint.id),
            &admin,
            None,
            None,
        )
        .await;
    assert_eq!(ping.status, 202, "{}", ping.text);
    let got = receiver.wait_for("/hook", 3).await;
    assert_eq!(got[2].json()["type"], "webhook.ping");
    assert_eq!(got[2].id, ping.json["message_id"].as_str().unwrap());
    assert!(got[2].signed_by(&endpoint.secret));
    let log = logged(&app, &admin, endpoint.id, 3).await;
    assert_eq!(log[2]["event_kind"], "webhook.ping");
    assert!(log[2]["event_id"].is_null());

    let audit = app
        .get(
            &format!(
                "/api/v1/audit-events?entity_type=webhook_endpoint&entity_id={}",
                endpoint.id
            ),
            Some(&admin),
        )
        .await;
    assert!(
        audit.text.contains("webhook.redeliver") && audit.text.contains("webhook.test"),
        "{}",
        audit.text
    );
}

async fn bad_webhook_input_is_answered_with_problem_details(backend: Backend) {
    let app = spawn_app_with(backend, FAST).await;
    let admin = admin_of(&app).await;
    let create = |body: Value| {
        let app = &app;
        let admin = admin.clone();
        async move {
            app.send(
                Method::POST,
                "/api/v1/admin/webhooks",
                &admin,
                Some(body),
                None,
            )
            .await
        }
    };
    for (body, pointer) in [
        (
            json!({ "url": "ftp://files.city.example.jp/in", "event_kinds": ["proposal.assigned"] }),
            "/url",
        ),
        (
            json!({ "url": "kintone.city.example.jp/hook", "event_kinds": ["proposal.assigned"] }),
            "/url",
        ),
        (
            json!({ "url": "https://user:pass@kintone.city.example.jp/hook", "event_kinds": ["proposal.assigned"] }),
            "/url",
        ),
        (
            json!({ "url": "https://kintone.city.example.jp/hook", "event_kinds": ["proposal.exploded"] }),
            "/event_kinds",
        ),
        (
            json!({ "url": "https://kintone.city.example.jp/hook", "event_kinds": [] }),
            "/event_kinds",
        ),
        (
            json!({ "url": "https://kintone.city.example.jp/hook", "event_kinds": ["proposal.assigned"], "description": "a\u{0}b" }),
            "/description",
        ),
    ] {
        let answer = create(body.clone()).await;
        let problem = answer.assert_problem(422, "validation_failed");
        assert_eq!(
            problem["errors"][0]["pointer"], pointer,
            "{body}: {}",
            answer.text
        );
    }
    let unknown = create(json!({ "url": "https://a.example.jp/", "event_kinds": ["proposal.assigned"], "secret": "mine" })).await;
    unknown.assert_problem(422, "validation_failed");

    let receiver = Receiver::start().await;
    let endpoint = register(
        &app,
        &admin,
        &receiver.url("/x"),
        &["proposal.assigned"],
        true,
    )
    .await;
    let path = format!("/api/v1/admin/webhooks/{}", endpoint.id);
    let body = json!({ "url": receiver.url("/y"), "event_kinds": ["proposal.decided"] });
    let changed = app
        .send(
            Method::PUT,
            &path,
            &admin,
            Some(body.clone()),
            Some(&endpoint.etag),
        )
        .await;
    assert_eq!(changed.status, 200, "{}", changed.text);
    assert_eq!(changed.json["url"], receiver.url("/y"));
    app.send(
        Method::PUT,
        &path,
        &admin,
        Some(body.clone()),
        Some(&endpoint.etag),
    )
    .await
    .assert_problem(412, "precondition_failed");
    app.send(Method::PUT, &path, &admin, Some(body.clone()), None)
        .await
        .assert_problem(428, "precondition_required");
    app.send(Method::DELETE, &path, &admin, None, Some(&endpoint.etag))
        .await
        .assert_problem(412, "precondition_failed");
    app.send(
        Method::PUT,
        "/api/v1/admin/webhooks/999999",
        &admin,
        Some(body.clone()),
        Some("\"1\""),
    )
    .await
    .assert_problem(404, "not_found");
    app.send(
        Method::POST,
        "/api/v1/admin/webhook-deliveries/999999/redeliver",
        &admin,
        None,
        None,
    )
    .await
    .assert_problem(404, "not_found");
    app.send(
        Method::POST,
        &format!("{path}/rotate-secret"),
        &admin,
        Some(json!({ "overlap_seconds": 604801 })),
        None,
    )
    .await
    .assert_problem(422, "validation_failed");

    // Turned off by hand: no test pings until it is turned on again.
    let off = app
        .send(
            Method::PUT,
            &path,
            &admin,
            Some(json!({ "url": receiver.url("/y"), "event_kinds": ["proposal.decided"], "enabled": false })),
            changed.header("etag"),
        )
        .await;
    assert_eq!(off.status, 200, "{}", off.text);
    app.send(Method::POST, &format!("{path}/test"), &admin, None, None)
        .await
        .assert_problem(409, "conflict");

    let editor = app.signed_in("editor@city.example.jp", "editor").await;
    app.get("/api/v1/admin/webhooks", Some(&editor))
        .await
        .assert_problem(403, "forbidden");

    let listed = app.get("/api/v1/admin/webhooks", Some(&admin)).await;
    assert_eq!(listed.json["total"], 1);
    assert!(!listed.text.contains("whsec_"), "no secret in the list");
    let removed = app
        .send(Method::DELETE, &path, &admin, None, off.header("etag"))
        .await;
    assert_eq!(removed.status, 204, "{}", removed.text);
    assert_eq!(app.get(&path, Some(&admin)).await.status, 404);
}

/// The interpreter of the project's virtual environment (`make venv`), where the test tools of
/// requirements-test.txt are installed.
fn venv_python() -> std::path::PathBuf {
    let python = std::env::var_os("PLATINA_TEST_PYTHON")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../.venv/bin/python")
        });
    assert!(
        python.exists(),
        "{} is missing: run `make venv` (it installs requirements-test.txt)",
        python.display()
    );
    python
}

/// Asks the `standardwebhooks` library to verify a delivery; answers what it parsed, or its error.
fn verify_in_python(secret: &str, delivery: &Received, body: &[u8]) -> Result<Value, String> {
    let dir = std::env::temp_dir().join(format!("platina-webhook-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("body.json");
    std::fs::write(&file, body).unwrap();
    let script = r#"
import json, sys
from standardwebhooks.webhooks import Webhook
secret, msg_id, timestamp, signature, path = sys.argv[1:]
with open(path, "rb") as f:
    body = f.read()
headers = {"webhook-id": msg_id, "webhook-timestamp": timestamp, "webhook-signature": signature}
print(json.dumps(Webhook(secret).verify(body, headers)))
"#;
    let output = std::process::Command::new(venv_python())
        .args([
            "-c",
            script,
            secret,
            &delivery.id,
            &delivery.timestamp,
            &delivery.signature,
        ])
        .arg(&file)
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    if output.status.success() {
        Ok(serde_json::from_slice(&output.stdout).unwrap())
    } else {
        Err(String::from_utf8_lossy(&output.stderr).into_owned())
    }
}

async fn the_standard_webhooks_python_library_accepts_our_signatures(backend: Backend) {
    let app = spawn_app_with(backend, FAST).await;
    let admin = admin_of(&app).await;
    let receiver = Receiver::start().await;
    let endpoint = register(
        &app,
        &admin,
        &receiver.url("/py"),
        &["proposal.assigned"],
        true,
    )
    .await;
    receiver.accept_secrets("/py", &[&endpoint.secret]);
    rotate(
        &app,
        &admin,
        endpoint.id,
        json!({ "overlap_seconds": 3600 }),
    )
    .await;
    // The receiver has not switched: the library must accept the old secret's signature among two.
    record_event(&app, "proposal.assigned").await;
    let got = receiver.wait_for("/py", 1).await;
    let delivery = &got[0];
    assert_eq!(delivery.signature.split(' ').count(), 2);

    let parsed = verify_in_python(&endpoint.secret, delivery, &delivery.body)
        .unwrap_or_else(|e| panic!("standardwebhooks refused our delivery: {e}"));
    assert_eq!(parsed["type"], "proposal.assigned");
    assert_eq!(parsed["data"]["record_id"], 7);

    let mut tampered = delivery.body.clone();
    let at = tampered.iter().position(|b| *b == b'7').unwrap();
    tampered[at] = b'8';
    assert!(
        verify_in_python(&endpoint.secret, delivery, &tampered).is_err(),
        "the library refuses a changed body, so its acceptance above means something"
    );
}
