//! The `platina` binary stopped with SIGTERM, or killed, while an import runs: the import finishes
//! if it can within `server.shutdown_timeout_seconds`; otherwise its job goes back to the queue
//! (at once after SIGTERM, once its lease has run out after a kill) and the import runs again
//! after the restart, writing its rows once. Nothing is half-written and nothing panics.
//! These run the real binary as a process, on SQLite and (with `PLATINA_TEST_POSTGRES_URL`) on
//! PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use persistence::ConnectionTrait;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A database for one test, removed afterwards.
enum Scratch {
    Sqlite(PathBuf),
    Postgres { admin_url: String, name: String },
}

impl Scratch {
    async fn create(postgres: Option<&str>) -> (Scratch, String) {
        let id = format!(
            "{}_{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        );
        match postgres {
            None => {
                let dir = std::env::temp_dir().join("platina-tests");
                std::fs::create_dir_all(&dir).unwrap();
                let path = dir.join(format!("shutdown-{id}.db"));
                let url = format!("sqlite://{}?mode=rwc", path.display());
                (Scratch::Sqlite(path), url)
            }
            Some(admin_url) => {
                let name = format!("platina_test_shutdown_{id}");
                let admin = admin(admin_url).await;
                admin
                    .conn
                    .execute_unprepared(&format!(
                        "CREATE DATABASE \"{name}\" ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8' TEMPLATE template0"
                    ))
                    .await
                    .unwrap();
                admin.close().await.unwrap();
                let (base, query) = admin_url
                    .split_once('?')
                    .map_or((admin_url, None), |(b, q)| (b, Some(q)));
                let prefix = base.rsplit_once('/').unwrap().0;
                let url = match query {
                    Some(q) => format!("{prefix}/{name}?{q}"),
                    None => format!("{prefix}/{name}"),
                };
                (
                    Scratch::Postgres {
                        admin_url: admin_url.to_owned(),
                        name,
                    },
                    url,
                )
            }
        }
    }
}

impl Drop for Scratch {
    /// Runs when the test ends, passed or failed.
    fn drop(&mut self) {
        match self {
            Scratch::Sqlite(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            Scratch::Postgres { admin_url, name } => {
                let (admin_url, name) = (admin_url.clone(), name.clone());
                // Drop runs inside the test's runtime, which cannot be blocked on; use a thread.
                let _ = std::thread::spawn(move || {
                    let runtime = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .unwrap();
                    runtime.block_on(async {
                        let admin = admin(&admin_url).await;
                        let _ = admin
                            .conn
                            .execute_unprepared(&format!(
                                "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                            ))
                            .await;
                        let _ = admin.close().await;
                    });
                })
                .join();
            }
        }
    }
}

async fn admin(url: &str) -> persistence::Database {
    persistence::Database::connect(&persistence::DatabaseSettings {
        url: url.to_owned(),
        max_connections: 1,
        acquire_timeout: Duration::from_secs(10),
        sqlite_synchronous: persistence::SqliteSync::Normal,
        sqlite_max_size_mib: 0,
    })
    .await
    .unwrap()
}

/// `platina serve` in demo mode (its accounts and the city's bureaus) on port 0.
struct Server {
    child: Child,
    base: String,
    log: PathBuf,
    client: reqwest::Client,
}

impl Server {
    async fn start(url: &str, shutdown_timeout_seconds: u64) -> Server {
        let log = std::env::temp_dir().join(format!(
            "platina-tests/shutdown-{}-{}.log",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        ));
        let mut child = Command::new(env!("CARGO_BIN_EXE_platina"))
            .arg("serve")
            .env("PLATINA__DATABASE__URL", url)
            .env("PLATINA__DATABASE__SQLITE_SYNCHRONOUS", "normal")
            .env("PLATINA__SERVER__BIND", "127.0.0.1:0")
            .env("PLATINA__SERVER__WORKERS", "1")
            .env("PLATINA__SERVER__WEB_DIST", "/nonexistent")
            .env(
                "PLATINA__SERVER__SHUTDOWN_TIMEOUT_SECONDS",
                shutdown_timeout_seconds.to_string(),
            )
            .env("PLATINA__DEMO__ENABLED", "true")
            // A killed server's jobs are taken up again after this lease.
            .env("PLATINA__JOBS__LEASE_SECONDS", "3")
            .env("PLATINA__LOG__FILTER", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::from(std::fs::File::create(&log).unwrap()))
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        // "Platina: http://127.0.0.1:PORT  (API docs: …)"
        let base = tokio::task::spawn_blocking(move || {
            let mut lines = BufReader::new(stdout).lines();
            let line = lines.next().unwrap().unwrap();
            std::thread::spawn(move || for _ in lines {});
            line.split_whitespace().nth(1).unwrap().to_owned()
        })
        .await
        .unwrap();
        Server {
            child,
            base,
            log,
            client: reqwest::Client::new(),
        }
    }

    async fn sign_in(&self) -> String {
        let (email, _, _) = platina_server::demo::DEMO_ACCOUNTS[0];
        let answer: Value = self
            .client
            .post(format!("{}/api/v1/auth/login", self.base))
            .json(&json!({ "email": email, "password": platina_server::demo::DEMO_PASSWORD }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        answer["access_token"].as_str().unwrap().to_owned()
    }

    async fn get(&self, path: &str, token: &str) -> (u16, Value) {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// Starts an import of `rows` new reforms and returns the job's address.
    async fn import(&self, token: &str, rows: usize) -> String {
        let mut csv = String::from("年度,局・区,取組名\r\n");
        for i in 0..rows {
            csv.push_str(&format!("2025,会計室,停止の試験 {i}\r\n"));
        }
        let boundary = "----platina-shutdown";
        let body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"stop.csv\"\r\nContent-Type: text/csv\r\n\r\n{csv}\r\n--{boundary}--\r\n"
        );
        let started = self
            .client
            .post(format!("{}/api/v1/imports?kind=reforms", self.base))
            .bearer_auth(token)
            .header(
                "Content-Type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(started.status(), 202);
        started.headers()["location"].to_str().unwrap().to_owned()
    }

    /// Waits until the import at `path` is no longer running; its last answer.
    async fn until_finished(&self, path: &str, token: &str) -> Value {
        let deadline = std::time::Instant::now() + Duration::from_secs(600);
        loop {
            let (status, job) = self.get(path, token).await;
            assert_eq!(status, 200, "the job outlives the restart: {job}");
            if job["state"] != "running" {
                return job;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the import is still running after ten minutes: {job}"
            );
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    async fn reform_count(&self, token: &str) -> i64 {
        let (_, page) = self.get("/api/v1/reforms?per_page=1", token).await;
        page["total"].as_i64().unwrap()
    }

    /// Sends SIGTERM and waits for the process to end; what it wrote to standard error.
    async fn terminate(mut self) -> (std::process::ExitStatus, String) {
        let sent = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
        // Well beyond any shutdown timeout these tests set; a server that hangs fails the test.
        let deadline = std::time::Instant::now() + Duration::from_secs(180);
        let exited = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break Some(status);
            }
            if std::time::Instant::now() > deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                break None;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        let status = exited.expect("the server did not stop after SIGTERM");
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        (status, log)
    }
}

impl Drop for Server {
    /// A test that fails half way leaves no server behind.
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        let _ = std::fs::remove_file(&self.log);
    }
}

fn assert_clean_exit(status: std::process::ExitStatus, log: &str) {
    assert!(status.success(), "exit status {status}; log:\n{log}");
    assert!(!log.contains("panicked"), "a panic while stopping:\n{log}");
}

async fn an_import_cut_short_by_sigterm_runs_again_after_the_restart_and_writes_its_rows_once(
    postgres: Option<&str>,
) {
    let (scratch, url) = Scratch::create(postgres).await;
    let server = Server::start(&url, 1).await;
    let token = server.sign_in().await;
    let before = server.reform_count(&token).await;
    // Far more rows than can be checked in the second the shutdown allows.
    let job = server.import(&token, 20_000).await;
    let (_, running) = server.get(&job, &token).await;
    assert_eq!(running["state"], "running", "{running}");
    let (status, log) = server.terminate().await;
    assert_clean_exit(status, &log);

    let server = Server::start(&url, 1).await;
    let token = server.sign_in().await;
    let job = server.until_finished(&job, &token).await;
    assert_eq!(job["state"], "succeeded", "{job}");
    assert_eq!(job["summary"]["created"], 20_000);
    assert_eq!(
        server.reform_count(&token).await,
        before + 20_000,
        "the interrupted attempt left nothing, the second wrote every row once"
    );
    let (status, log) = server.terminate().await;
    assert_clean_exit(status, &log);
    drop(scratch);
}

async fn sigterm_waits_for_an_import_that_finishes_within_the_shutdown_timeout(
    postgres: Option<&str>,
) {
    let (scratch, url) = Scratch::create(postgres).await;
    let server = Server::start(&url, 120).await;
    let token = server.sign_in().await;
    let before = server.reform_count(&token).await;
    let job = server.import(&token, 500).await;
    let (_, running) = server.get(&job, &token).await;
    assert_eq!(running["state"], "running", "{running}");
    let (status, first_log) = server.terminate().await;
    assert_clean_exit(status, &first_log);

    let server = Server::start(&url, 120).await;
    let token = server.sign_in().await;
    let (found, job) = server.get(&job, &token).await;
    assert_eq!(found, 200, "{job}");
    assert_eq!(
        job["state"], "succeeded",
        "{job}\nthe log of the server that ran it:\n{first_log}"
    );
    assert_eq!(job["summary"]["created"], 500);
    assert_eq!(server.reform_count(&token).await, before + 500);
    let (status, log) = server.terminate().await;
    assert_clean_exit(status, &log);
    drop(scratch);
}

/// Killed outright (out of memory, power lost), the server cannot hand anything back: the
/// import's job is taken up by the restarted server once its lease has run out.
async fn an_import_cut_short_by_a_crash_runs_again_once_its_lease_has_run_out(
    postgres: Option<&str>,
) {
    let (scratch, url) = Scratch::create(postgres).await;
    let mut server = Server::start(&url, 1).await;
    let token = server.sign_in().await;
    let before = server.reform_count(&token).await;
    let job = server.import(&token, 20_000).await;
    let (_, running) = server.get(&job, &token).await;
    assert_eq!(running["state"], "running", "{running}");
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    drop(server);

    let server = Server::start(&url, 1).await;
    let token = server.sign_in().await;
    let job = server.until_finished(&job, &token).await;
    assert_eq!(job["state"], "succeeded", "{job}");
    assert_eq!(job["summary"]["created"], 20_000);
    assert_eq!(server.reform_count(&token).await, before + 20_000);
    let (status, log) = server.terminate().await;
    assert_clean_exit(status, &log);
    drop(scratch);
}

fn postgres_url() -> Option<String> {
    std::env::var("PLATINA_TEST_POSTGRES_URL")
        .ok()
        .filter(|url| !url.trim().is_empty())
}

macro_rules! on_both_databases {
    ($($test:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    super::$test(None).await;
                }
            )+
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    match super::postgres_url() {
                        Some(url) => super::$test(Some(&url)).await,
                        None => eprintln!("PLATINA_TEST_POSTGRES_URL not set: PostgreSQL run skipped"),
                    }
                }
            )+
        }
    };
}

on_both_databases!(
    an_import_cut_short_by_sigterm_runs_again_after_the_restart_and_writes_its_rows_once,
    sigterm_waits_for_an_import_that_finishes_within_the_shutdown_timeout,
    an_import_cut_short_by_a_crash_runs_again_once_its_lease_has_run_out,
);
