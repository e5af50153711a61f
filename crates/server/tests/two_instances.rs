//! Two `platina` processes on one PostgreSQL database share one job queue: every event is
//! delivered once to each webhook endpoint and mailed once to each recipient, whichever process
//! took the write and whichever ran the jobs; and when one process is killed outright half way,
//! the other finishes its claimed jobs after their lease runs out, so receivers may see a retry
//! (with the same `webhook-id`) but never miss one. The webhook receiver and the SMTP server are
//! real servers on local ports, started by the test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use reqwest::Method;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use support::{Scratch, Server, postgres_url};

const EVENTS: usize = 1_000;
const ENDPOINTS: [&str; 2] = ["/hooks/planning", "/hooks/archive"];
const SUBSCRIBER: &str = "follower@two-instances.example.jp";
const SUBSCRIBER_PASSWORD: &str = "two instances follow along";

/// A webhook receiver: answers 204 to every POST and remembers each `webhook-id` per path.
#[derive(Clone, Default)]
struct Receiver {
    seen: Arc<Mutex<HashMap<String, Vec<String>>>>,
}

impl Receiver {
    fn start() -> (Receiver, u16) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let receiver = Receiver::default();
        let shared = receiver.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let shared = shared.clone();
                std::thread::spawn(move || shared.serve(stream));
            }
        });
        (receiver, port)
    }

    /// One connection, keep-alive: requests until the client closes it.
    fn serve(&self, stream: TcpStream) {
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut writer = stream;
        loop {
            let mut request_line = String::new();
            if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
                return;
            }
            let path = request_line
                .split_whitespace()
                .nth(1)
                .unwrap_or("")
                .to_owned();
            let (mut length, mut webhook_id) = (0usize, None);
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 {
                    return;
                }
                let line = line.trim_end();
                if line.is_empty() {
                    break;
                }
                if let Some((name, value)) = line.split_once(':') {
                    match name.trim().to_ascii_lowercase().as_str() {
                        "content-length" => length = value.trim().parse().unwrap_or(0),
                        "webhook-id" => webhook_id = Some(value.trim().to_owned()),
                        _ => {}
                    }
                }
            }
            let mut body = vec![0; length];
            if reader.read_exact(&mut body).is_err() {
                return;
            }
            if let Some(id) = webhook_id {
                self.seen.lock().unwrap().entry(path).or_default().push(id);
            }
            if writer
                .write_all(b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n")
                .is_err()
            {
                return;
            }
        }
    }

    /// Per endpoint path: (deliveries received, distinct webhook ids).
    fn tally(&self, path: &str) -> (usize, usize) {
        let seen = self.seen.lock().unwrap();
        let ids = seen.get(path).cloned().unwrap_or_default();
        let mut distinct = ids.clone();
        distinct.sort();
        distinct.dedup();
        (ids.len(), distinct.len())
    }
}

/// An SMTP server that accepts every message and counts them per recipient.
#[derive(Clone, Default)]
struct SmtpSink {
    received: Arc<Mutex<HashMap<String, usize>>>,
}

impl SmtpSink {
    fn start() -> (SmtpSink, u16) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let sink = SmtpSink::default();
        let shared = sink.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let shared = shared.clone();
                std::thread::spawn(move || shared.session(stream));
            }
        });
        (sink, port)
    }

    fn session(&self, stream: TcpStream) {
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut writer = stream;
        let mut say = |text: &str| writer.write_all(text.as_bytes()).is_ok();
        if !say("220 sink.test ESMTP\r\n") {
            return;
        }
        let mut recipients: Vec<String> = Vec::new();
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            let command = line.trim_end().to_owned();
            let verb = command
                .split_whitespace()
                .next()
                .unwrap_or("")
                .to_ascii_uppercase();
            let answered = match verb.as_str() {
                "EHLO" => say("250-sink.test\r\n250 8BITMIME\r\n"),
                "HELO" | "NOOP" => say("250 OK\r\n"),
                "MAIL" => {
                    recipients.clear();
                    say("250 OK\r\n")
                }
                "RCPT" => {
                    let address = command
                        .split_once('<')
                        .and_then(|(_, rest)| rest.split_once('>'))
                        .map(|(address, _)| address.to_ascii_lowercase())
                        .unwrap_or_default();
                    recipients.push(address);
                    say("250 OK\r\n")
                }
                "DATA" => {
                    if !say("354 end with .\r\n") {
                        return;
                    }
                    loop {
                        let mut data = String::new();
                        if reader.read_line(&mut data).unwrap_or(0) == 0 {
                            return;
                        }
                        if data == ".\r\n" || data == ".\n" {
                            break;
                        }
                    }
                    let mut received = self.received.lock().unwrap();
                    for to in recipients.drain(..) {
                        *received.entry(to).or_default() += 1;
                    }
                    drop(received);
                    say("250 queued\r\n")
                }
                "RSET" => {
                    recipients.clear();
                    say("250 OK\r\n")
                }
                "QUIT" => {
                    say("221 bye\r\n");
                    return;
                }
                _ => say("502 not implemented\r\n"),
            };
            if !answered {
                return;
            }
        }
    }

    fn count(&self, to: &str) -> usize {
        self.received.lock().unwrap().get(to).copied().unwrap_or(0)
    }
}

/// What both processes share: the database, the receiver and the SMTP server, and the ids
/// the test writes to.
struct Setup {
    scratch: Scratch,
    url: String,
    receiver: Receiver,
    receiver_port: u16,
    sink: SmtpSink,
    settings: Vec<(&'static str, String)>,
}

impl Setup {
    async fn new(postgres: &str) -> Setup {
        let (scratch, url) = Scratch::create(Some(postgres)).await;
        let (receiver, receiver_port) = Receiver::start();
        let (sink, smtp_port) = SmtpSink::start();
        // Loads the demo city and its accounts, then stops: the two servers run outside demo
        // mode, which would only record mail rather than send it.
        let demo = Server::start(&url, 5).await;
        // Serving (and so listening for signals) once a sign-in succeeds.
        demo.sign_in().await;
        let (status, log) = demo.terminate().await;
        support::assert_clean_exit(status, &log);
        let settings = vec![
            ("PLATINA__DEMO__ENABLED", "false".to_owned()),
            (
                "PLATINA__AUTH__JWT_SECRET",
                "two-instances-share-one-signing-key-0123".to_owned(),
            ),
            ("PLATINA__JOBS__POLL_INTERVAL_MS", "100".to_owned()),
            // A killed process's claims are free again after this long.
            ("PLATINA__JOBS__LEASE_SECONDS", "3".to_owned()),
            ("PLATINA__JOBS__BACKOFF_BASE_SECONDS", "1".to_owned()),
            ("PLATINA__MAIL__HOST", "127.0.0.1".to_owned()),
            ("PLATINA__MAIL__PORT", smtp_port.to_string()),
            ("PLATINA__MAIL__SECURITY", "none".to_owned()),
        ];
        Setup {
            scratch,
            url,
            receiver,
            receiver_port,
            sink,
            settings,
        }
    }

    async fn server(&self) -> Server {
        let settings: Vec<(&str, &str)> = self
            .settings
            .iter()
            .map(|(name, value)| (*name, value.as_str()))
            .collect();
        Server::start_with(&self.url, &settings).await
    }
}

/// Registers the endpoints and a subscriber who wants each consultation of one proposal by
/// e-mail at once; returns the proposal's id.
async fn prepare(server: &Server, admin: &str, receiver_port: u16) -> i64 {
    for path in ENDPOINTS {
        let (status, made) = server
            .send(
                Method::POST,
                "/api/v1/admin/webhooks",
                admin,
                json!({
                    "url": format!("http://127.0.0.1:{receiver_port}{path}"),
                    "description": "二つのサーバーの試験",
                    "event_kinds": ["proposal.consulted"],
                }),
            )
            .await;
        assert_eq!(status, 201, "{made}");
    }
    let (status, page) = server.get("/api/v1/proposals?per_page=1", admin).await;
    assert_eq!(status, 200, "{page}");
    let proposal = page["items"][0]["id"].as_i64().unwrap();

    let (status, made) = server
        .send(
            Method::POST,
            "/api/v1/users",
            admin,
            json!({
                "email": SUBSCRIBER, "display_name": "購読者", "role": "viewer",
                "password": SUBSCRIBER_PASSWORD, "section_ids": [], "bureau_ids": [],
            }),
        )
        .await;
    assert_eq!(status, 201, "{made}");
    let follower = server.sign_in_with(SUBSCRIBER, SUBSCRIBER_PASSWORD).await;
    let (status, body) = server
        .send(
            Method::PUT,
            &format!("/api/v1/me/subscriptions/proposal/{proposal}"),
            &follower,
            Value::Null,
        )
        .await;
    assert!((200..300).contains(&status), "{status} {body}");
    let (status, body) = server
        .send(
            Method::PUT,
            "/api/v1/me/notification-preferences",
            &follower,
            json!({ "digest_hour": 8, "channels": { "proposal.consulted": "email" } }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    proposal
}

async fn consult(server: &Server, admin: &str, proposal: i64, n: usize) {
    let (status, body) = server
        .send(
            Method::POST,
            &format!("/api/v1/proposals/{proposal}/consultations"),
            admin,
            json!({ "held_on": "2025-12-01", "participants": "二つのサーバー", "note": format!("協議 {n}") }),
        )
        .await;
    assert_eq!(status, 201, "{body}");
}

/// Waits until no job is queued or running, and returns how many ended dead.
async fn settled(url: &str) -> i64 {
    let db = support::admin(url).await;
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        // Jobs due now; the demo's scheduled work (its open round's reminders, the daily sweeps
        // and digests) waits for its day and is not part of what the test sent.
        let open = count(&db, "SELECT count(*) FROM jobs WHERE (state = 'running' OR (state = 'queued' AND run_at <= now())) AND kind NOT LIKE '%sweep%' AND kind NOT LIKE '%digest%'").await;
        if open == 0 {
            break;
        }
        assert!(Instant::now() < deadline, "{open} jobs still open");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    count(&db, "SELECT count(*) FROM jobs WHERE state = 'dead'").await
}

async fn count(db: &persistence::Database, sql: &str) -> i64 {
    use persistence::ConnectionTrait;
    let row = db
        .conn
        .query_one_raw(sea_orm::Statement::from_string(
            db.conn.get_database_backend(),
            sql,
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get_by_index::<i64>(0).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_servers_deliver_each_event_once_to_every_endpoint_and_mail_each_once() {
    let Some(postgres) = postgres_url() else {
        eprintln!("PLATINA_TEST_POSTGRES_URL not set: PostgreSQL run skipped");
        return;
    };
    let setup = Setup::new(&postgres).await;
    let first = setup.server().await;
    let second = setup.server().await;
    let admin = first.sign_in().await;
    let proposal = prepare(&first, &admin, setup.receiver_port).await;
    let admin_on_second = second.sign_in().await;

    for n in 0..EVENTS {
        let (server, token) = if n % 2 == 0 {
            (&first, &admin)
        } else {
            (&second, &admin_on_second)
        };
        consult(server, token, proposal, n).await;
    }
    assert_eq!(settled(&setup.url).await, 0, "no job ended dead");

    for path in ENDPOINTS {
        assert_eq!(
            setup.receiver.tally(path),
            (EVENTS, EVENTS),
            "{path}: one delivery per event"
        );
    }
    assert_eq!(setup.sink.count(SUBSCRIBER), EVENTS, "one e-mail per event");
    drop((first, second));
    drop(setup.scratch);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_server_killed_half_way_loses_no_delivery_and_no_mail() {
    let Some(postgres) = postgres_url() else {
        eprintln!("PLATINA_TEST_POSTGRES_URL not set: PostgreSQL run skipped");
        return;
    };
    let setup = Setup::new(&postgres).await;
    let survivor = setup.server().await;
    let mut doomed = setup.server().await;
    let admin = survivor.sign_in().await;
    let proposal = prepare(&survivor, &admin, setup.receiver_port).await;
    let admin_on_doomed = doomed.sign_in().await;

    for n in 0..EVENTS / 2 {
        if n % 2 == 0 {
            consult(&survivor, &admin, proposal, n).await;
        } else {
            consult(&doomed, &admin_on_doomed, proposal, n).await;
        }
    }
    // Outright, mid-way through its share of the fan-out: it records nothing more.
    doomed.kill();
    for n in EVENTS / 2..EVENTS {
        consult(&survivor, &admin, proposal, n).await;
    }
    assert_eq!(settled(&setup.url).await, 0, "no job ended dead");

    for path in ENDPOINTS {
        let (received, distinct) = setup.receiver.tally(path);
        assert_eq!(distinct, EVENTS, "{path}: every event arrived");
        assert!(received >= EVENTS, "{path}: {received} deliveries");
    }
    assert!(
        setup.sink.count(SUBSCRIBER) >= EVENTS,
        "every e-mail was sent: {}",
        setup.sink.count(SUBSCRIBER)
    );
    let db = support::admin(&setup.url).await;
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM notifications WHERE email_mode = 'immediate' AND emailed_at IS NULL"
        )
        .await,
        0,
        "every notification is recorded as mailed"
    );
    drop((survivor, doomed));
    drop(setup.scratch);
}
