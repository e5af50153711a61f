//! What the process tests share: a scratch database for one test, the real `platina` binary
//! started as a process on it, and the few client calls the tests make. Each test file that
//! needs them says `mod support;`.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use persistence::ConnectionTrait;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A database for one test, removed afterwards.
pub enum Scratch {
    Sqlite(PathBuf),
    Postgres { admin_url: String, name: String },
}

impl Scratch {
    pub async fn create(postgres: Option<&str>) -> (Scratch, String) {
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
                let path = dir.join(format!("process-{id}.db"));
                let url = format!("sqlite://{}?mode=rwc", path.display());
                (Scratch::Sqlite(path), url)
            }
            Some(admin_url) => {
                let name = format!("platina_test_process_{id}");
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

pub async fn admin(url: &str) -> persistence::Database {
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
pub struct Server {
    pub child: Child,
    pub base: String,
    log: PathBuf,
    pub client: reqwest::Client,
}

impl Server {
    pub async fn start(url: &str, shutdown_timeout_seconds: u64) -> Server {
        let timeout = shutdown_timeout_seconds.to_string();
        Server::start_with(
            url,
            &[(
                "PLATINA__SERVER__SHUTDOWN_TIMEOUT_SECONDS",
                timeout.as_str(),
            )],
        )
        .await
    }

    /// Started with `settings` (environment variables) beside the demo defaults.
    pub async fn start_with(url: &str, settings: &[(&str, &str)]) -> Server {
        // The workspace builds reqwest's rustls without a default crypto provider (the server
        // installs ring when it builds its webhook client); a test's own client needs one too.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let log = std::env::temp_dir().join(format!(
            "platina-tests/process-{}-{}.log",
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
            .env("PLATINA__DEMO__ENABLED", "true")
            .env("PLATINA__LOG__FILTER", "warn")
            .envs(settings.iter().copied())
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

    /// Signs in as the first demo account, an administrator.
    pub async fn sign_in(&self) -> String {
        let (email, _, _) = platina_server::demo::DEMO_ACCOUNTS[0];
        self.sign_in_as(email).await
    }

    pub async fn sign_in_as(&self, email: &str) -> String {
        self.sign_in_with(email, platina_server::demo::DEMO_PASSWORD)
            .await
    }

    pub async fn sign_in_with(&self, email: &str, password: &str) -> String {
        let answer: Value = self
            .client
            .post(format!("{}/api/v1/auth/login", self.base))
            .json(&json!({ "email": email, "password": password }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        answer["access_token"].as_str().unwrap().to_owned()
    }

    pub async fn get(&self, path: &str, token: &str) -> (u16, Value) {
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

    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Value,
    ) -> (u16, Value) {
        let response = self
            .client
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// What the server has written to standard error so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Ends the process with SIGKILL, as a crash or the OOM killer would: it records nothing.
    pub fn kill(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// Sends SIGTERM and waits for the process to end; what it wrote to standard error.
    pub async fn terminate(mut self) -> (std::process::ExitStatus, String) {
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

pub fn assert_clean_exit(status: std::process::ExitStatus, log: &str) {
    assert!(status.success(), "exit status {status}; log:\n{log}");
    assert!(!log.contains("panicked"), "a panic while stopping:\n{log}");
}

pub fn postgres_url() -> Option<String> {
    std::env::var("PLATINA_TEST_POSTGRES_URL")
        .ok()
        .filter(|url| !url.trim().is_empty())
}

/// Runs each named test (an async fn taking `Option<&str>`, the PostgreSQL admin URL) once on
/// SQLite and, when `PLATINA_TEST_POSTGRES_URL` is set, once on PostgreSQL.
#[allow(unused_macros)]
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
                    match crate::support::postgres_url() {
                        Some(url) => super::$test(Some(&url)).await,
                        None => eprintln!("PLATINA_TEST_POSTGRES_URL not set: PostgreSQL run skipped"),
                    }
                }
            )+
        }
    };
}
