//! E-mail of notifications, end to end: the server talks SMTP over TCP to a real SMTP server
//! (tests/mail/smtp_sink.py, aiosmtpd from the checkout's .venv), and the test reads what
//! arrived there as a mail client would: recipient, decoded Japanese subject, the link in the
//! decoded body. Without an SMTP host the mail is recorded and admins read it over the API.
//!
//! The encrypted connections (`security = "starttls"` and `"tls"`) are tested against the same
//! server speaking TLS with a certificate for `localhost` from a throw-away CA the test makes with
//! the `openssl` command, trusted through `mail.ca_file` as a city's own CA would be.
//!
//! Events and notifications are written here directly, without the fan-out job, so that only
//! the notifications each test writes are mailed.

use crate::helpers::{Backend, TestApp, spawn_app_with};
use crate::on_both_databases;
use chrono::Timelike;
use mailparse::MailHeaderMap;
use persistence::entities::{event, job, notification, notification_setting};
use sea_orm::ActiveValue::Set;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};
use std::io::BufRead;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

on_both_databases!(
    a_notification_arrives_by_smtp_with_its_japanese_subject_and_the_link_to_the_record,
    a_digest_groups_the_waiting_notifications_of_its_hour_by_record,
    without_an_smtp_host_mail_is_recorded_and_admins_read_it_in_the_sent_mail_view,
    when_the_smtp_server_is_down_the_mail_is_retried_and_arrives_once_it_is_up,
    a_mail_the_smtp_server_refuses_for_good_is_given_up_and_recorded_with_the_reason,
    a_notification_arrives_over_starttls_from_a_server_whose_certificate_the_city_ca_issued,
    a_notification_arrives_over_tls_from_the_first_byte_with_its_japanese_subject,
    with_starttls_required_a_server_that_does_not_offer_it_gets_no_mail_and_the_job_retries,
    a_server_certificate_from_a_ca_that_is_not_trusted_is_refused_and_nothing_is_sent,
);

const BASE_URL: &str = "https://platina.city.example.jp";

/// The SMTP server of one test: a child process that keeps what it receives in a file.
struct SmtpSink {
    child: Child,
    out: PathBuf,
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.out);
    }
}

/// One message as the SMTP server received it, parsed.
#[derive(Debug)]
struct Received {
    recipients: Vec<String>,
    from: String,
    to: String,
    subject: String,
    body: String,
    message_id: String,
    /// The TLS version the message came over; None: plain text.
    tls: Option<String>,
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

impl SmtpSink {
    /// Starts the sink on `port`; with `refuse`, it answers every message with that code.
    fn start(port: u16, refuse: Option<&str>) -> SmtpSink {
        let mut args = Vec::new();
        if let Some(code) = refuse {
            args.extend(["--refuse".into(), code.into()]);
        }
        SmtpSink::spawn(port, &args)
    }

    /// Starts the sink on `port` speaking TLS (`mode`: "starttls" or "implicit") with the
    /// certificate `ca` issued for `localhost`.
    fn start_tls(port: u16, mode: &str, ca: &TestCa) -> SmtpSink {
        SmtpSink::spawn(
            port,
            &[
                "--tls".into(),
                mode.into(),
                "--cert".into(),
                ca.server_chain().into_os_string(),
                "--key".into(),
                ca.server_key().into_os_string(),
            ],
        )
    }

    fn spawn(port: u16, args: &[std::ffi::OsString]) -> SmtpSink {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
        let python = root.join(".venv/bin/python");
        assert!(
            python.exists(),
            "{} is missing: run `make venv` (aiosmtpd is pinned in requirements-test.txt)",
            python.display()
        );
        let out = std::env::temp_dir().join(format!(
            "platina-smtp-{}.jsonl",
            uuid::Uuid::new_v4().simple()
        ));
        let mut child = Command::new(python)
            .arg(root.join("tests/mail/smtp_sink.py"))
            .args(["--port", &port.to_string(), "--out"])
            .arg(&out)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let mut first = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        assert_eq!(first.trim(), "ready", "the SMTP sink did not start");
        SmtpSink { child, out }
    }

    fn received(&self) -> Vec<Received> {
        let text = std::fs::read_to_string(&self.out).unwrap_or_default();
        text.lines()
            .map(|line| {
                let record: Value = serde_json::from_str(line).unwrap();
                let data = record["data"].as_str().unwrap();
                let mail = mailparse::parse_mail(data.as_bytes()).unwrap();
                let header = |name: &str| mail.headers.get_first_value(name).unwrap_or_default();
                Received {
                    recipients: record["rcpt_tos"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|r| r.as_str().unwrap().to_owned())
                        .collect(),
                    from: header("From"),
                    to: header("To"),
                    subject: header("Subject"),
                    body: mail.get_body().unwrap(),
                    message_id: header("Message-ID"),
                    tls: record["tls"].as_str().map(str::to_owned),
                }
            })
            .collect()
    }

    /// Waits until `count` messages have arrived.
    async fn wait_for(&self, count: usize) -> Vec<Received> {
        for _ in 0..400 {
            let received = self.received();
            if received.len() >= count {
                return received;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "{count} mail(s) expected, {} arrived in 20 s",
            self.received().len()
        );
    }
}

/// The server, sending to the SMTP server on `port` in plain text, retrying quickly.
async fn app_mailing_to(backend: Backend, port: u16) -> TestApp {
    app_mailing_with(backend, "127.0.0.1", port, "none", None).await
}

/// The server, sending to `host`:`port` with `security`, trusting the roots in `ca_file` besides
/// the built-in ones, retrying quickly.
async fn app_mailing_with(
    backend: Backend,
    host: &str,
    port: u16,
    security: &str,
    ca_file: Option<&std::path::Path>,
) -> TestApp {
    let ca_file = ca_file.map(|p| p.display().to_string()).unwrap_or_default();
    spawn_app_with(
        backend,
        &format!(
            "[mail]\nhost = \"{host}\"\nport = {port}\nsecurity = \"{security}\"\n\
             ca_file = {ca_file:?}\n\
             from = \"Platina 市政変革推進室 <platina@city.example.jp>\"\n\
             base_url = \"{BASE_URL}/\"\ntimeout_seconds = 5\n\
             [jobs]\npoll_interval_ms = 50\nbackoff_base_seconds = 1\nbackoff_max_seconds = 2\n"
        ),
    )
    .await
}

/// A throw-away certificate authority in a directory of its own, and a server certificate it
/// issued for `localhost` (and 127.0.0.1), made with the `openssl` command.
struct TestCa {
    dir: PathBuf,
}

impl Drop for TestCa {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl TestCa {
    fn new(name: &str) -> TestCa {
        let dir =
            std::env::temp_dir().join(format!("platina-test-ca-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let openssl = |args: &[&str]| {
            let output = Command::new("openssl")
                .args(args)
                .current_dir(&dir)
                .output()
                .unwrap_or_else(|e| {
                    panic!("the openssl command is needed to make test certificates: {e}")
                });
            assert!(
                output.status.success(),
                "openssl {args:?}: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        };
        let ec = [
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
        ];
        openssl(
            &[
                &["req", "-x509"][..],
                &ec,
                &["-keyout", "ca.key", "-out", "ca.pem", "-days", "2"],
                &["-subj", &format!("/CN={name}")],
                &["-addext", "basicConstraints=critical,CA:TRUE"],
                &["-addext", "keyUsage=critical,keyCertSign,cRLSign"],
            ]
            .concat(),
        );
        openssl(
            &[
                &["req"][..],
                &ec,
                &[
                    "-keyout",
                    "server.key",
                    "-out",
                    "server.csr",
                    "-subj",
                    "/CN=localhost",
                ],
            ]
            .concat(),
        );
        std::fs::write(
            dir.join("server.ext"),
            "basicConstraints = critical,CA:FALSE\n\
             keyUsage = critical,digitalSignature\n\
             extendedKeyUsage = serverAuth\n\
             subjectAltName = DNS:localhost,IP:127.0.0.1\n",
        )
        .unwrap();
        openssl(&[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            "server.ext",
            "-out",
            "server.pem",
        ]);
        let chain = [
            std::fs::read_to_string(dir.join("server.pem")).unwrap(),
            std::fs::read_to_string(dir.join("ca.pem")).unwrap(),
        ]
        .concat();
        std::fs::write(dir.join("chain.pem"), chain).unwrap();
        TestCa { dir }
    }

    /// The CA's own certificate: what `mail.ca_file` names.
    fn root(&self) -> PathBuf {
        self.dir.join("ca.pem")
    }

    fn server_chain(&self) -> PathBuf {
        self.dir.join("chain.pem")
    }

    fn server_key(&self) -> PathBuf {
        self.dir.join("server.key")
    }
}

/// An event about a record, written without its fan-out.
async fn event_about(app: &TestApp, kind: &str, record: (&str, i64), title: &str) -> i64 {
    let row = event::ActiveModel {
        kind: Set(kind.to_owned()),
        occurred_at: Set(chrono::Utc::now()),
        actor_user_id: Set(None),
        record_kind: Set(record.0.to_owned()),
        record_id: Set(record.1),
        owner: Set(json!({ "kind": "office" }).to_string()),
        title: Set(title.to_owned()),
        link: Set(format!("/{}s/{}", record.0, record.1)),
        data: Set("{}".to_owned()),
        ..Default::default()
    };
    event::Entity::insert(row)
        .exec(&app.app_db.conn)
        .await
        .unwrap()
        .last_insert_id
}

/// A notification of `event_id` to `user_id` with e-mail mode `mode`.
async fn notify(app: &TestApp, user_id: i64, event_id: i64, mode: &str) -> i64 {
    let row = notification::ActiveModel {
        user_id: Set(user_id),
        event_id: Set(event_id),
        created_at: Set(chrono::Utc::now()),
        read_at: Set(None),
        email_mode: Set(mode.to_owned()),
        emailed_at: Set(None),
        ..Default::default()
    };
    notification::Entity::insert(row)
        .exec(&app.app_db.conn)
        .await
        .unwrap()
        .last_insert_id
}

/// The last job of `kind`.
async fn last_job(app: &TestApp, kind: &str) -> job::Model {
    job::Entity::find()
        .filter(job::Column::Kind.eq(kind))
        .order_by_desc(job::Column::Id)
        .one(&app.app_db.conn)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("no {kind} job"))
}

/// Waits until the last job of `kind` is in `state`.
async fn job_reaches(app: &TestApp, kind: &str, state: &str) -> job::Model {
    for _ in 0..400 {
        let job = last_job(app, kind).await;
        if job.state == state {
            return job;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{kind} not {state}: {:?}", last_job(app, kind).await);
}

async fn emailed_at(app: &TestApp, notification_id: i64) -> Option<chrono::DateTime<chrono::Utc>> {
    notification::Entity::find_by_id(notification_id)
        .one(&app.app_db.conn)
        .await
        .unwrap()
        .unwrap()
        .emailed_at
}

async fn sent_mail_list(app: &TestApp, admin: &str) -> Value {
    let list = app.get("/api/v1/admin/sent-mail", Some(admin)).await;
    assert_eq!(list.status, 200, "{}", list.text);
    list.json
}

async fn a_notification_arrives_by_smtp_with_its_japanese_subject_and_the_link_to_the_record(
    backend: Backend,
) {
    let port = free_port();
    let sink = SmtpSink::start(port, None);
    let app = app_mailing_to(backend, port).await;
    let admin = app.signed_in("admin@city.example.jp", "admin").await;
    let user = app
        .create_user("hanako@city.example.jp", "viewer", vec![])
        .await;
    let title = "提案「窓口のキャッシュレス化」が子育て支援課に割り当てられました";
    let event = event_about(&app, "proposal.assigned", ("proposal", 12), title).await;
    let notification = notify(&app, user, event, "immediate").await;
    persistence::mail::enqueue_send(&app.app_db.conn, notification)
        .await
        .unwrap();

    let mail = sink.wait_for(1).await;
    let mail = &mail[0];
    assert_eq!(mail.recipients, vec!["hanako@city.example.jp"]);
    assert!(mail.to.contains("hanako@city.example.jp"), "{mail:?}");
    assert!(mail.from.contains("市政変革推進室"), "{mail:?}");
    assert!(mail.from.contains("<platina@city.example.jp>"), "{mail:?}");
    assert!(mail.subject.starts_with("【Platina】"), "{mail:?}");
    assert!(mail.subject.contains(title), "{mail:?}");
    assert_eq!(
        mail.subject,
        format!("【Platina】提案の担当課への割当て：{title}"),
        "the kind's label, then the headline"
    );
    assert!(
        mail.body.contains(&format!("{BASE_URL}/proposals/12")),
        "{}",
        mail.body
    );
    assert!(mail.body.contains("テスト viewer 様"), "{}", mail.body);
    assert!(
        mail.message_id
            .contains(&format!("notification.{notification}@city.example.jp")),
        "{mail:?}"
    );

    job_reaches(&app, persistence::mail::SEND_JOB, "succeeded").await;
    assert!(emailed_at(&app, notification).await.is_some());
    let list = sent_mail_list(&app, &admin).await;
    assert_eq!(list["total"], 1, "{list}");
    assert_eq!(list["items"][0]["transport"], "smtp");
    assert_eq!(list["items"][0]["kind"], "immediate");
    let one = app
        .get(
            &format!("/api/v1/admin/sent-mail/{}", list["items"][0]["id"]),
            Some(&admin),
        )
        .await;
    assert_eq!(one.status, 200, "{}", one.text);
    assert!(
        one.json["smtp_reply"].as_str().unwrap().starts_with("250"),
        "{}",
        one.text
    );
    assert_eq!(one.json["notification_ids"], json!([notification]));

    // Queued again (a fan-out that ran twice): the notification is mailed already, nothing goes.
    persistence::mail::enqueue_send(&app.app_db.conn, notification)
        .await
        .unwrap();
    job_reaches(&app, persistence::mail::SEND_JOB, "succeeded").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(sink.received().len(), 1, "a notification is mailed once");
}

async fn a_digest_groups_the_waiting_notifications_of_its_hour_by_record(backend: Backend) {
    let port = free_port();
    let sink = SmtpSink::start(port, None);
    let app = app_mailing_to(backend, port).await;
    let now_in_tokyo = chrono::Utc::now() + chrono::Duration::hours(9);
    let this_hour = i16::try_from(now_in_tokyo.hour()).unwrap();
    let digest_hour = |user_id: i64, hour: i16| {
        let conn = app.app_db.conn.clone();
        async move {
            notification_setting::Entity::insert(notification_setting::ActiveModel {
                user_id: Set(user_id),
                digest_hour: Set(hour),
                updated_at: Set(chrono::Utc::now()),
                ..Default::default()
            })
            .exec(&conn)
            .await
            .unwrap();
        }
    };
    let due = app
        .create_user("taro@city.example.jp", "viewer", vec![])
        .await;
    digest_hour(due, this_hour).await;
    let later = app
        .create_user("jiro@city.example.jp", "viewer", vec![])
        .await;
    digest_hour(later, (this_hour + 1) % 24).await;

    let assigned = event_about(
        &app,
        "proposal.assigned",
        ("proposal", 7),
        "提案「電子申請の拡充」が情報政策課に割り当てられました",
    )
    .await;
    let moved = event_about(
        &app,
        "proposal.stage_changed",
        ("proposal", 7),
        "提案「電子申請の拡充」が協議に進みました",
    )
    .await;
    let slipped = event_about(
        &app,
        "milestone.slipped",
        ("milestone", 3),
        "第2四半期「窓口アンケートの実施」が遅れています",
    )
    .await;
    let at_once = event_about(
        &app,
        "proposal.decided",
        ("proposal", 9),
        "提案「庁内チャットの導入」の継続が決まりました",
    )
    .await;
    let mut digested = Vec::new();
    for event in [assigned, moved, slipped] {
        digested.push(notify(&app, due, event, "digest").await);
    }
    let not_in_digest = notify(&app, due, at_once, "immediate").await;
    let not_yet = notify(&app, later, assigned, "digest").await;

    // A notification kept for the digest is not mailed at once, even if asked to.
    persistence::mail::enqueue_send(&app.app_db.conn, not_yet)
        .await
        .unwrap();
    job_reaches(&app, persistence::mail::SEND_JOB, "succeeded").await;
    assert!(sink.received().is_empty(), "{:?}", sink.received());

    persistence::jobs::enqueue(
        &app.app_db.conn,
        persistence::jobs::NewJob::new(persistence::mail::DIGEST_JOB, json!({})),
    )
    .await
    .unwrap();
    let mail = sink.wait_for(1).await;
    let mail = &mail[0];
    assert_eq!(mail.recipients, vec!["taro@city.example.jp"]);
    assert!(mail.subject.contains("まとめ（3 件）"), "{mail:?}");
    assert_eq!(
        mail.body.matches("■ ").count(),
        2,
        "two records: {}",
        mail.body
    );
    let proposal_link = format!("{BASE_URL}/proposals/7");
    assert_eq!(
        mail.body.matches(&proposal_link).count(),
        1,
        "{}",
        mail.body
    );
    assert!(
        mail.body.contains(&format!("{BASE_URL}/milestones/3")),
        "{}",
        mail.body
    );
    let proposal_section = mail.body.find(&proposal_link).unwrap();
    let milestone_section = mail.body.find("/milestones/3").unwrap();
    for title in ["情報政策課に割り当てられました", "協議に進みました"] {
        let at = mail.body.rfind(title).unwrap();
        assert!(
            at > proposal_section && at < milestone_section,
            "{title} under its proposal: {}",
            mail.body
        );
    }
    assert!(!mail.body.contains("庁内チャット"), "{}", mail.body);

    job_reaches(&app, persistence::mail::DIGEST_USER_JOB, "succeeded").await;
    for id in digested {
        assert!(emailed_at(&app, id).await.is_some());
    }
    assert!(emailed_at(&app, not_in_digest).await.is_none());
    assert!(
        emailed_at(&app, not_yet).await.is_none(),
        "a user whose hour has not come gets nothing yet"
    );
    let digest_jobs = job::Entity::find()
        .filter(job::Column::Kind.eq(persistence::mail::DIGEST_USER_JOB))
        .all(&app.app_db.conn)
        .await
        .unwrap();
    assert_eq!(digest_jobs.len(), 1, "{digest_jobs:?}");
    // The hourly run queued its successor at the top of the next hour.
    let next = job::Entity::find()
        .filter(job::Column::Kind.eq(persistence::mail::DIGEST_JOB))
        .filter(job::Column::State.eq("queued"))
        .one(&app.app_db.conn)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (next.run_at.minute(), next.run_at.second()),
        (0, 0),
        "{next:?}"
    );
    assert!(next.run_at > chrono::Utc::now(), "{next:?}");
}

async fn without_an_smtp_host_mail_is_recorded_and_admins_read_it_in_the_sent_mail_view(
    backend: Backend,
) {
    let app = spawn_app_with(backend, "[jobs]\npoll_interval_ms = 50\n").await;
    let admin = app.signed_in("admin@city.example.jp", "admin").await;
    let viewer = app.signed_in("viewer@city.example.jp", "viewer").await;
    let user = app
        .create_user("hanako@city.example.jp", "viewer", vec![])
        .await;
    let event = event_about(
        &app,
        "milestone.overdue",
        ("milestone", 4),
        "第1四半期「オンライン相談の開始」が期限を過ぎました",
    )
    .await;
    let notification = notify(&app, user, event, "immediate").await;
    persistence::mail::enqueue_send(&app.app_db.conn, notification)
        .await
        .unwrap();
    job_reaches(&app, persistence::mail::SEND_JOB, "succeeded").await;
    assert!(emailed_at(&app, notification).await.is_some());

    let list = sent_mail_list(&app, &admin).await;
    assert_eq!(list["total"], 1, "{list}");
    let item = &list["items"][0];
    assert_eq!(item["transport"], "recorded");
    assert_eq!(item["to_address"], "hanako@city.example.jp");
    assert!(
        item["subject"]
            .as_str()
            .unwrap()
            .contains("オンライン相談の開始"),
        "{item}"
    );
    assert_eq!(item["notification_count"], 1);
    let one = app
        .get(
            &format!("/api/v1/admin/sent-mail/{}", item["id"]),
            Some(&admin),
        )
        .await;
    assert_eq!(one.status, 200, "{}", one.text);
    assert!(
        one.json["body"]
            .as_str()
            .unwrap()
            .contains("http://localhost:8080/milestones/4"),
        "{}",
        one.text
    );
    assert!(one.json["smtp_reply"].is_null());

    let denied = app.get("/api/v1/admin/sent-mail", Some(&viewer)).await;
    denied.assert_problem(403, "forbidden");
    let missing = app
        .get("/api/v1/admin/sent-mail/999999", Some(&admin))
        .await;
    missing.assert_problem(404, "not_found");
}

async fn when_the_smtp_server_is_down_the_mail_is_retried_and_arrives_once_it_is_up(
    backend: Backend,
) {
    let port = free_port();
    let app = app_mailing_to(backend, port).await;
    let user = app
        .create_user("hanako@city.example.jp", "viewer", vec![])
        .await;
    let event = event_about(
        &app,
        "kpi.actual_recorded",
        ("kpi", 2),
        "KPI「電子申請の利用率」の実績が記録されました",
    )
    .await;
    let notification = notify(&app, user, event, "immediate").await;
    persistence::mail::enqueue_send(&app.app_db.conn, notification)
        .await
        .unwrap();

    // Nothing listens: the attempt fails and the job waits for its retry.
    let mut failed = None;
    for _ in 0..400 {
        let job = last_job(&app, persistence::mail::SEND_JOB).await;
        if job.last_error.is_some() {
            failed = Some(job);
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let failed = failed.expect("the first attempt failed");
    assert_ne!(failed.state, "dead", "{failed:?}");
    assert_ne!(failed.state, "succeeded", "{failed:?}");
    assert!(emailed_at(&app, notification).await.is_none());

    let sink = SmtpSink::start(port, None);
    let mail = sink.wait_for(1).await;
    assert_eq!(mail[0].recipients, vec!["hanako@city.example.jp"]);
    assert!(
        mail[0].subject.contains("電子申請の利用率"),
        "{:?}",
        mail[0]
    );
    let done = job_reaches(&app, persistence::mail::SEND_JOB, "succeeded").await;
    assert!(done.attempts >= 2, "{done:?}");
    assert!(emailed_at(&app, notification).await.is_some());
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(sink.received().len(), 1);
}

async fn a_mail_the_smtp_server_refuses_for_good_is_given_up_and_recorded_with_the_reason(
    backend: Backend,
) {
    let port = free_port();
    let _sink = SmtpSink::start(port, Some("550"));
    let app = app_mailing_to(backend, port).await;
    let admin = app.signed_in("admin@city.example.jp", "admin").await;
    let user = app
        .create_user("nobody@city.example.jp", "viewer", vec![])
        .await;
    let event = event_about(&app, "import.failed", ("import", 1), "取込みに失敗しました").await;
    let notification = notify(&app, user, event, "immediate").await;
    persistence::mail::enqueue_send(&app.app_db.conn, notification)
        .await
        .unwrap();

    let dead = job_reaches(&app, persistence::mail::SEND_JOB, "dead").await;
    assert_eq!(dead.attempts, 1, "a 5xx is not retried: {dead:?}");
    assert!(dead.last_error.unwrap_or_default().contains("550"));
    assert!(emailed_at(&app, notification).await.is_none());
    let list = sent_mail_list(&app, &admin).await;
    assert_eq!(list["total"], 1, "{list}");
    assert!(
        list["items"][0]["error"].as_str().unwrap().contains("550"),
        "{list}"
    );
}

/// Queues the mail of a new notification to a new user and returns its id.
async fn one_notification_to_mail(app: &TestApp, title: &str) -> i64 {
    let user = app
        .create_user("hanako@city.example.jp", "viewer", vec![])
        .await;
    let event = event_about(app, "proposal.assigned", ("proposal", 12), title).await;
    let notification = notify(app, user, event, "immediate").await;
    persistence::mail::enqueue_send(&app.app_db.conn, notification)
        .await
        .unwrap();
    notification
}

/// Checks that `mail` came over TLS with the whole Japanese subject and the link.
fn assert_arrived_encrypted(mail: &Received, title: &str) {
    assert_eq!(mail.recipients, vec!["hanako@city.example.jp"]);
    let version = mail.tls.as_deref().unwrap_or("plain text");
    assert!(
        version == "TLSv1.2" || version == "TLSv1.3",
        "came over {version}"
    );
    assert_eq!(
        mail.subject,
        format!("【Platina】提案の担当課への割当て：{title}"),
        "{mail:?}"
    );
    assert!(
        mail.body.contains(&format!("{BASE_URL}/proposals/12")),
        "{}",
        mail.body
    );
}

/// Waits until the last send job has failed at least `attempts` times and returns it.
async fn send_fails(app: &TestApp, attempts: i32) -> job::Model {
    for _ in 0..400 {
        let job = last_job(app, persistence::mail::SEND_JOB).await;
        if job.last_error.is_some() && job.attempts >= attempts {
            return job;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!(
        "no {attempts} failed attempts: {:?}",
        last_job(app, persistence::mail::SEND_JOB).await
    );
}

async fn a_notification_arrives_over_starttls_from_a_server_whose_certificate_the_city_ca_issued(
    backend: Backend,
) {
    let ca = TestCa::new("北九州市 テスト認証局");
    let port = free_port();
    let sink = SmtpSink::start_tls(port, "starttls", &ca);
    let app = app_mailing_with(backend, "localhost", port, "starttls", Some(&ca.root())).await;
    let admin = app.signed_in("admin@city.example.jp", "admin").await;
    let title = "提案「窓口のキャッシュレス化」が子育て支援課に割り当てられました";
    let notification = one_notification_to_mail(&app, title).await;

    let mail = sink.wait_for(1).await;
    assert_arrived_encrypted(&mail[0], title);
    job_reaches(&app, persistence::mail::SEND_JOB, "succeeded").await;
    assert!(emailed_at(&app, notification).await.is_some());
    let list = sent_mail_list(&app, &admin).await;
    assert_eq!(list["total"], 1, "{list}");
    assert_eq!(list["items"][0]["transport"], "smtp");
    assert!(list["items"][0]["error"].is_null(), "{list}");
}

async fn a_notification_arrives_over_tls_from_the_first_byte_with_its_japanese_subject(
    backend: Backend,
) {
    let ca = TestCa::new("北九州市 テスト認証局");
    let port = free_port();
    let sink = SmtpSink::start_tls(port, "implicit", &ca);
    let app = app_mailing_with(backend, "localhost", port, "tls", Some(&ca.root())).await;
    let title = "第2四半期「窓口アンケートの実施」が遅れています";
    let notification = one_notification_to_mail(&app, title).await;

    let mail = sink.wait_for(1).await;
    assert_arrived_encrypted(&mail[0], title);
    job_reaches(&app, persistence::mail::SEND_JOB, "succeeded").await;
    assert!(emailed_at(&app, notification).await.is_some());
}

async fn with_starttls_required_a_server_that_does_not_offer_it_gets_no_mail_and_the_job_retries(
    backend: Backend,
) {
    let ca = TestCa::new("北九州市 テスト認証局");
    let port = free_port();
    // A server that speaks plain SMTP only: it would take the mail, if it were handed over.
    let sink = SmtpSink::start(port, None);
    let app = app_mailing_with(backend, "localhost", port, "starttls", Some(&ca.root())).await;
    let admin = app.signed_in("admin@city.example.jp", "admin").await;
    let notification = one_notification_to_mail(&app, "取込みが完了しました").await;

    let failed = send_fails(&app, 2).await;
    assert!(
        failed
            .last_error
            .as_deref()
            .unwrap_or_default()
            .contains("STARTTLS"),
        "{failed:?}"
    );
    assert_ne!(failed.state, "dead", "kept for a retry: {failed:?}");
    assert_ne!(failed.state, "succeeded", "{failed:?}");
    assert!(
        sink.received().is_empty(),
        "nothing goes in plain text: {:?}",
        sink.received()
    );
    assert!(emailed_at(&app, notification).await.is_none());
    assert_eq!(sent_mail_list(&app, &admin).await["total"], 0);
}

async fn a_server_certificate_from_a_ca_that_is_not_trusted_is_refused_and_nothing_is_sent(
    backend: Backend,
) {
    let issuer = TestCa::new("名もない認証局");
    let city = TestCa::new("北九州市 テスト認証局");
    // Trusting another private CA, or the built-in roots only: neither vouches for the server.
    for (security, mode, ca_file) in [
        ("starttls", "starttls", Some(city.root())),
        ("tls", "implicit", None),
    ] {
        let port = free_port();
        let sink = SmtpSink::start_tls(port, mode, &issuer);
        let app = app_mailing_with(
            backend.clone(),
            "localhost",
            port,
            security,
            ca_file.as_deref(),
        )
        .await;
        let notification = one_notification_to_mail(&app, "取込みが完了しました").await;

        let failed = send_fails(&app, 1).await;
        let error = failed.last_error.clone().unwrap_or_default();
        assert!(
            error.contains("invalid peer certificate: UnknownIssuer"),
            "{security}: {failed:?}"
        );
        assert_ne!(failed.state, "succeeded", "{failed:?}");
        assert!(
            sink.received().is_empty(),
            "{security}: {:?}",
            sink.received()
        );
        assert!(emailed_at(&app, notification).await.is_none());
    }
}
