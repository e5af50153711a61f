//! Storage trouble: on a full disk (a small tmpfs) or a SQLite file at its size cap, writes are
//! refused with 503 `storage_unavailable` and nothing is acknowledged that was not committed;
//! reads go on, `/readyz` says not ready, and writes succeed again once there is room, without a
//! restart. A server killed -9 afterwards comes back with exactly the writes it acknowledged.
//! On PostgreSQL, connections terminated under the server's feet answer 503, never 500.
//!
//! The kill -9 needs the server in a process of its own: this test binary starts itself again,
//! running only `server_process`, which serves the same `Application` as `platina serve`.

use crate::helpers::{Answer, Backend, JWT_SECRET, PASSWORD, spawn_app};
use platina_server::Application;
use platina_server::commands::{self, UserSpec};
use platina_server::config::Config;
use reqwest::Method;
use sea_orm::{ConnectionTrait, Statement, TransactionTrait};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

const CHILD_CONFIG_ENV: &str = "PLATINA_TEST_SERVER_CONFIG";
const PORT_MARKER: &str = "platina-test-server-port=";
const ADMIN: &str = "storage-admin@platina.example";

/// The server of the kill -9 tests, in a process of its own. Not a test: ignored unless the
/// storage fault tests start it with a configuration.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "started by the storage fault tests as a process of its own, which they kill -9"]
async fn server_process() {
    let Some(path) = std::env::var_os(CHILD_CONFIG_ENV) else {
        eprintln!("{CHILD_CONFIG_ENV} not set: nothing to serve");
        return;
    };
    let toml = std::fs::read_to_string(path).unwrap();
    let config = Config::from_defaults_and(&[&toml]).unwrap();
    let app = Application::build(config).await.unwrap();
    // The test that started this process reads the port from standard output.
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{PORT_MARKER}{}", app.port()).unwrap();
    stdout.flush().unwrap();
    drop(stdout);
    app.run_until_stopped().await.unwrap();
}

struct ServerProcess {
    child: Child,
    address: String,
    client: reqwest::Client,
}

impl ServerProcess {
    fn start(config: &Path) -> ServerProcess {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "storage_faults::server_process",
                "--exact",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_CONFIG_ENV, config)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (port_tx, port_rx) = std::sync::mpsc::channel();
        // Keeps reading so that the process never blocks on a full pipe.
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                // libtest writes the test's name on the same line first.
                if let Some((_, port)) = line.split_once(PORT_MARKER) {
                    let _ = port_tx.send(port.trim().to_owned());
                }
            }
        });
        let port = tokio::task::block_in_place(|| port_rx.recv_timeout(Duration::from_secs(300)))
            .expect("the server process did not report its port");
        ServerProcess {
            child,
            address: format!("http://127.0.0.1:{port}"),
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(120))
                .build()
                .unwrap(),
        }
    }

    /// SIGKILL: no shutdown, no last checkpoint, nothing flushed that was not already.
    fn kill_9(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    async fn send(&self, method: Method, path: &str, token: &str, body: Option<Value>) -> Answer {
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.address))
            .bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        Answer::read(request.send().await.unwrap()).await
    }

    async fn get(&self, path: &str) -> Answer {
        let response = self
            .client
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .unwrap();
        Answer::read(response).await
    }

    async fn login(&self) -> Answer {
        let response = self
            .client
            .post(format!("{}/api/v1/auth/login", self.address))
            .json(&json!({ "email": ADMIN, "password": PASSWORD }))
            .send()
            .await
            .unwrap();
        Answer::read(response).await
    }

    async fn token(&self) -> String {
        let answer = self.login().await;
        assert_eq!(answer.status, 200, "{}", answer.text);
        answer.json["access_token"].as_str().unwrap().to_owned()
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Where the database runs out of room.
enum SizeLimit {
    /// A tmpfs of its own, filled up with a file the way a log or a backup fills a real disk.
    Tmpfs { mount_point: PathBuf },
    /// SQLite's `max_page_count` (`database.sqlite_max_size_mib`), filled up by a table that a
    /// connection without the cap writes beside the server.
    PageCap { dir: PathBuf },
}

const TMPFS_BYTES: u64 = 4 * 1024 * 1024;
const CAP_MIB: u32 = 1;
const FILLER: &str = "filler";

impl SizeLimit {
    /// A 4 MiB tmpfs, or `None` where this machine does not allow mounting one.
    fn tmpfs() -> Option<SizeLimit> {
        let mount_point = scratch_dir();
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o"])
            .arg(format!("size={TMPFS_BYTES},mode=0700"))
            .arg("platina-test")
            .arg(&mount_point)
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|status| status.success());
        if mounted {
            Some(SizeLimit::Tmpfs { mount_point })
        } else {
            let _ = std::fs::remove_dir(&mount_point);
            None
        }
    }

    fn page_cap() -> SizeLimit {
        SizeLimit::PageCap { dir: scratch_dir() }
    }

    fn database_path(&self) -> PathBuf {
        match self {
            SizeLimit::Tmpfs { mount_point } => mount_point.join("platina.db"),
            SizeLimit::PageCap { dir } => dir.join("platina.db"),
        }
    }

    fn database_settings(&self) -> String {
        match self {
            SizeLimit::Tmpfs { .. } => String::new(),
            SizeLimit::PageCap { .. } => format!("sqlite_max_size_mib = {CAP_MIB}\n"),
        }
    }

    /// Takes all the room there is.
    async fn fill(&self) {
        match self {
            SizeLimit::Tmpfs { mount_point } => {
                let mut file = std::fs::File::create(mount_point.join(FILLER)).unwrap();
                for chunk in [256 * 1024, 4096, 512] {
                    let bytes = vec![0xA5_u8; chunk];
                    while file.write_all(&bytes).and_then(|()| file.flush()).is_ok() {}
                }
            }
            SizeLimit::PageCap { .. } => {
                let db = self.uncapped().await;
                db.execute_unprepared("CREATE TABLE IF NOT EXISTS test_filler (b BLOB NOT NULL)")
                    .await
                    .unwrap();
                let cap_pages = i64::from(CAP_MIB) * 1024 * 1024 / 4096;
                while page_count(&db).await < cap_pages {
                    db.execute_unprepared("INSERT INTO test_filler VALUES (zeroblob(65536))")
                        .await
                        .unwrap();
                }
                db.close().await.unwrap();
            }
        }
    }

    /// Gives the room back.
    async fn free(&self) {
        match self {
            SizeLimit::Tmpfs { mount_point } => {
                std::fs::remove_file(mount_point.join(FILLER)).unwrap()
            }
            SizeLimit::PageCap { .. } => {
                let db = self.uncapped().await;
                // Freed pages go to SQLite's free list, which the capped server reuses.
                db.execute_unprepared("DELETE FROM test_filler")
                    .await
                    .unwrap();
                db.close().await.unwrap();
            }
        }
    }

    async fn uncapped(&self) -> sea_orm::DatabaseConnection {
        let url = format!("sqlite://{}", self.database_path().display());
        sea_orm::Database::connect(url.as_str()).await.unwrap()
    }
}

impl Drop for SizeLimit {
    fn drop(&mut self) {
        let dir = match self {
            SizeLimit::Tmpfs { mount_point } => {
                let _ = Command::new("umount").arg("-l").arg(&*mount_point).status();
                mount_point
            }
            SizeLimit::PageCap { dir } => dir,
        };
        let _ = std::fs::remove_dir_all(dir);
    }
}

fn scratch_dir() -> PathBuf {
    let dir = std::env::temp_dir()
        .join("platina-tests")
        .join(format!("storage-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn page_count(db: &sea_orm::DatabaseConnection) -> i64 {
    let row = db
        .query_one_raw(Statement::from_string(
            db.get_database_backend(),
            "PRAGMA page_count",
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get_by_index::<i64>(0).unwrap()
}

/// What the server answered to each reform written: acknowledged with an id, or refused.
#[derive(Default)]
struct Ledger {
    acknowledged: BTreeMap<i64, String>,
    refused: Vec<String>,
}

enum Outcome {
    Acknowledged,
    Refused,
}

impl Ledger {
    /// Writes one reform big enough (with its search index) to need fresh pages; anything but a
    /// 201 or a 503 `storage_unavailable` fails the test.
    async fn write(&mut self, server: &ServerProcess, token: &str, bureau_id: i64) -> Outcome {
        let title = format!(
            "容量試験 {}",
            self.acknowledged.len() + self.refused.len() + 1
        );
        let body = json!({
            "fiscal_year": 2025,
            "bureau_id": bureau_id,
            "title": title,
            "problem": "記憶領域が満杯になっても、受け付けた記録は失われない。".repeat(120),
        });
        let answer = server
            .send(Method::POST, "/api/v1/reforms", token, Some(body))
            .await;
        match answer.status {
            201 => {
                let id = answer.json["id"].as_i64().unwrap();
                assert!(
                    self.acknowledged.insert(id, title).is_none(),
                    "id {id} acknowledged twice"
                );
                Outcome::Acknowledged
            }
            _ => {
                answer.assert_problem(503, "storage_unavailable");
                assert!(
                    answer.header("retry-after").is_some(),
                    "{:?}",
                    answer.headers
                );
                self.refused.push(title);
                Outcome::Refused
            }
        }
    }
}

async fn stored_reforms(server: &ServerProcess, token: &str) -> BTreeMap<i64, String> {
    let mut stored = BTreeMap::new();
    for page in 1.. {
        let answer = server
            .send(
                Method::GET,
                &format!("/api/v1/reforms?per_page=200&page={page}"),
                token,
                None,
            )
            .await;
        assert_eq!(answer.status, 200, "{}", answer.text);
        let items = answer.json["items"].as_array().unwrap();
        for item in items {
            stored.insert(
                item["id"].as_i64().unwrap(),
                item["title"].as_str().unwrap().to_owned(),
            );
        }
        if items.is_empty() || stored.len() as u64 >= answer.json["total"].as_u64().unwrap() {
            break;
        }
    }
    stored
}

async fn until_ready(server: &ServerProcess) -> Answer {
    // Not ready for the Retry-After of the last refusal, then a write probe decides.
    let mut answer = server.get("/readyz").await;
    for _ in 0..120 {
        if answer.status == 200 {
            break;
        }
        answer.assert_problem(503, "storage_unavailable");
        tokio::time::sleep(Duration::from_millis(250)).await;
        answer = server.get("/readyz").await;
    }
    answer
}

async fn no_write_is_lost_when_the_database_runs_out_of_room(limit: SizeLimit) {
    let config_dir = ConfigDir(scratch_dir());
    let config_path = config_dir.0.join("platina.toml");
    let toml = format!(
        "[auth]\njwt_secret = \"{JWT_SECRET}\"\n[server]\nbind = \"127.0.0.1:0\"\nworkers = 2\n\
web_dist = \"/nonexistent\"\n[database]\nurl = \"sqlite://{}?mode=rwc\"\nmax_connections = 4\n{}\
[log]\nfilter = \"error\"\n",
        limit.database_path().display(),
        limit.database_settings(),
    );
    std::fs::write(&config_path, &toml).unwrap();
    let config = Config::from_defaults_and(&[&toml]).unwrap();
    let db = platina_server::connect(&config).await.unwrap();
    db.migrate().await.unwrap();
    commands::create_user(
        &db,
        UserSpec {
            email: ADMIN.into(),
            name: "容量 試験".into(),
            role: commands::parse_role("admin").unwrap(),
            section_ids: vec![],
            bureau_ids: vec![],
            password: PASSWORD.into(),
        },
    )
    .await
    .unwrap();
    db.close().await.unwrap();

    let server = ServerProcess::start(&config_path);
    let token = server.token().await;
    let bureau = server
        .send(
            Method::POST,
            "/api/v1/bureaus",
            &token,
            Some(json!({ "name": "容量試験局" })),
        )
        .await;
    assert_eq!(bureau.status, 201, "{}", bureau.text);
    let bureau_id = bureau.json["id"].as_i64().unwrap();
    let mut ledger = Ledger::default();
    for _ in 0..3 {
        assert!(matches!(
            ledger.write(&server, &token, bureau_id).await,
            Outcome::Acknowledged
        ));
    }

    limit.fill().await;
    let mut refused_in_a_row = 0;
    for _ in 0..300 {
        match ledger.write(&server, &token, bureau_id).await {
            Outcome::Acknowledged => refused_in_a_row = 0,
            Outcome::Refused => refused_in_a_row += 1,
        }
        if refused_in_a_row == 5 {
            break;
        }
    }
    assert_eq!(refused_in_a_row, 5, "the full disk never refused writes");
    let ready = server.get("/readyz").await;
    ready.assert_problem(503, "storage_unavailable");
    assert!(ready.header("retry-after").is_some());
    let (first_id, first_title) = ledger.acknowledged.first_key_value().unwrap();
    let read = server
        .send(
            Method::GET,
            &format!("/api/v1/reforms/{first_id}"),
            &token,
            None,
        )
        .await;
    assert_eq!(read.status, 200, "reads go on: {}", read.text);
    assert_eq!(&read.json["title"], first_title);
    let sign_in = server.login().await;
    if sign_in.status != 200 {
        sign_in.assert_problem(503, "storage_unavailable");
    }

    limit.free().await;
    for _ in 0..5 {
        assert!(
            matches!(
                ledger.write(&server, &token, bureau_id).await,
                Outcome::Acknowledged
            ),
            "writes succeed again once there is room, without a restart"
        );
    }
    assert_eq!(server.login().await.status, 200);
    let ready = until_ready(&server).await;
    assert_eq!(ready.status, 200, "{}", ready.text);
    assert_eq!(
        stored_reforms(&server, &token).await,
        ledger.acknowledged,
        "before the kill"
    );

    eprintln!(
        "{} writes acknowledged, {} refused",
        ledger.acknowledged.len(),
        ledger.refused.len()
    );
    server.kill_9();
    let server = ServerProcess::start(&config_path);
    let token = server.token().await;
    assert_eq!(
        stored_reforms(&server, &token).await,
        ledger.acknowledged,
        "after kill -9, exactly the acknowledged writes are stored; refused: {:?}",
        ledger.refused
    );
    drop(server);
}

/// Removed when the test ends, passed or failed.
struct ConfigDir(PathBuf);

impl Drop for ConfigDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_refuses_writes_with_503_and_loses_none_it_acknowledged() {
    match SizeLimit::tmpfs() {
        Some(limit) => no_write_is_lost_when_the_database_runs_out_of_room(limit).await,
        None => eprintln!(
            "mounting a tmpfs is not allowed here: the full disk is tested through the size cap only"
        ),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sqlite_file_at_its_size_cap_refuses_writes_with_503_and_loses_none_it_acknowledged() {
    no_write_is_lost_when_the_database_runs_out_of_room(SizeLimit::page_cap()).await;
}

/// The server's own connections to its database, ended by the administrator.
const TERMINATE_SERVER_BACKENDS: &str = "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
WHERE datname = current_database() AND pid <> pg_backend_pid()";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn terminated_postgres_connections_answer_503_and_the_server_recovers() {
    let Some(backend) = Backend::postgres_from_env() else {
        eprintln!("PLATINA_TEST_POSTGRES_URL not set: PostgreSQL run skipped");
        return;
    };
    let app = spawn_app(backend).await;
    let admin = app.signed_in("admin@platina.example", "admin").await;
    let bureau = app
        .send(
            Method::POST,
            "/api/v1/bureaus",
            &admin,
            Some(json!({ "name": "切断試験局" })),
            None,
        )
        .await;
    assert_eq!(bureau.status, 201, "{}", bureau.text);
    let bureau_id = bureau.json["id"].as_i64().unwrap();
    let reform = |n: usize| json!({ "fiscal_year": 2025, "bureau_id": bureau_id, "title": format!("切断試験 {n}") });
    let mut acknowledged = Vec::new();

    // A write in flight when its connection is terminated: held on a lock until then.
    let operator = sea_orm::Database::connect(app.database_url.as_str())
        .await
        .unwrap();
    let lock = operator.begin().await.unwrap();
    lock.execute_unprepared("LOCK TABLE reforms IN ACCESS EXCLUSIVE MODE")
        .await
        .unwrap();
    let in_flight = {
        let (client, url, token, body) = (
            app.client.clone(),
            app.url("/api/v1/reforms"),
            admin.clone(),
            reform(0),
        );
        tokio::spawn(async move {
            Answer::read(
                client
                    .post(url)
                    .bearer_auth(token)
                    .json(&body)
                    .send()
                    .await
                    .unwrap(),
            )
            .await
        })
    };
    // Only a backend blocked by this lock counts: the job runner's own lock waits in the same
    // database are not the request, and terminating before the request waits lets it succeed.
    let waiting = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() \
AND pg_backend_pid() = ANY(pg_blocking_pids(pid))";
    for _ in 0..1000 {
        let row = lock
            .query_one_raw(Statement::from_string(lock.get_database_backend(), waiting))
            .await
            .unwrap()
            .unwrap();
        if row.try_get_by_index::<i64>(0).unwrap() > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    lock.execute_unprepared(TERMINATE_SERVER_BACKENDS)
        .await
        .unwrap();
    lock.rollback().await.unwrap();
    let answer = in_flight.await.unwrap();
    answer.assert_problem(503, "storage_unavailable");
    assert!(answer.header("retry-after").is_some());

    // Requests while an operator keeps terminating the server's connections.
    let stop = Arc::new(AtomicBool::new(false));
    let terminator = {
        let (stop, operator) = (Arc::clone(&stop), operator.clone());
        tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                operator
                    .execute_unprepared(TERMINATE_SERVER_BACKENDS)
                    .await
                    .unwrap();
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
    };
    let mut answered: BTreeMap<String, usize> = BTreeMap::new();
    for n in 1..=20 {
        let write = app
            .send(
                Method::POST,
                "/api/v1/reforms",
                &admin,
                Some(reform(n)),
                None,
            )
            .await;
        let read = app.get("/api/v1/reforms?per_page=5", Some(&admin)).await;
        for answer in [&write, &read] {
            if answer.status >= 300 {
                let code = answer.json["code"].as_str().unwrap_or_default();
                assert!(
                    code == "storage_unavailable" || code == "service_unavailable",
                    "{}",
                    answer.text
                );
                answer.assert_problem(503, code);
            }
        }
        if write.status == 201 {
            acknowledged.push(write.json["id"].as_i64().unwrap());
        }
        for answer in [&write, &read] {
            let code = answer.json["code"].as_str().unwrap_or("ok");
            *answered
                .entry(format!("{} {code}", answer.status))
                .or_default() += 1;
        }
    }
    eprintln!("while connections were being terminated: {answered:?}");
    stop.store(true, Ordering::Relaxed);
    terminator.await.unwrap();

    for n in 21..=25 {
        let write = app
            .send(
                Method::POST,
                "/api/v1/reforms",
                &admin,
                Some(reform(n)),
                None,
            )
            .await;
        assert_eq!(write.status, 201, "recovered: {}", write.text);
        acknowledged.push(write.json["id"].as_i64().unwrap());
    }
    let mut ready = app.get("/readyz", None).await;
    for _ in 0..120 {
        if ready.status == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
        ready = app.get("/readyz", None).await;
    }
    assert_eq!(ready.status, 200, "{}", ready.text);
    for id in acknowledged {
        let read = app
            .get(&format!("/api/v1/reforms/{id}"), Some(&admin))
            .await;
        assert_eq!(read.status, 200, "acknowledged reform {id}: {}", read.text);
    }
    operator.close().await.unwrap();
}
