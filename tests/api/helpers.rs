//! Starting the real server on a fresh database, and talking to it like a client would.

use platina_server::Application;
use platina_server::commands::{self, UserSpec};
use platina_server::config::{Config, DatabaseUrl};
use reqwest::header::{CONTENT_TYPE, HeaderMap, SET_COOKIE};
use sea_orm::ConnectionTrait;
use serde_json::{Value, json};
use std::path::PathBuf;

/// Every test server signs with this key, so tests can forge tokens the way an attacker would try.
pub const JWT_SECRET: &str = "test-secret-test-secret-test-secret-0123";
pub const PASSWORD: &str = "correct horse battery";

#[derive(Debug, Clone)]
pub enum Backend {
    Sqlite,
    Postgres(String),
}

impl Backend {
    /// The PostgreSQL server to test on, when the environment names one.
    pub fn postgres_from_env() -> Option<Backend> {
        std::env::var("PLATINA_TEST_POSTGRES_URL")
            .ok()
            .filter(|url| !url.trim().is_empty())
            .map(Backend::Postgres)
    }
}

/// Runs each named test once on SQLite and, when configured, once on PostgreSQL.
#[macro_export]
macro_rules! on_both_databases {
    ($($test:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    super::$test($crate::helpers::Backend::Sqlite).await;
                }
            )+
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    match $crate::helpers::Backend::postgres_from_env() {
                        Some(backend) => super::$test(backend).await,
                        None => eprintln!("PLATINA_TEST_POSTGRES_URL not set: PostgreSQL run skipped"),
                    }
                }
            )+
        }
    };
}

/// A database that exists for one test and is removed afterwards, even when the test fails.
enum ScratchDatabase {
    Sqlite(PathBuf),
    Postgres { admin_url: String, name: String },
}

impl ScratchDatabase {
    async fn create(backend: &Backend) -> (ScratchDatabase, String) {
        let id = uuid::Uuid::new_v4().simple().to_string();
        match backend {
            Backend::Sqlite => {
                let dir = std::env::temp_dir().join("platina-tests");
                std::fs::create_dir_all(&dir).unwrap();
                let path = dir.join(format!("{id}.db"));
                let url = format!("sqlite://{}?mode=rwc", path.display());
                (ScratchDatabase::Sqlite(path), url)
            }
            Backend::Postgres(admin_url) => {
                let name = format!("platina_test_{id}");
                let admin = sea_orm::Database::connect(admin_url.as_str())
                    .await
                    .unwrap();
                admin
                    .execute_unprepared(&format!(
                        "CREATE DATABASE \"{name}\" ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8' TEMPLATE template0"
                    ))
                    .await
                    .unwrap();
                admin.close().await.unwrap();
                let url = replace_database(admin_url, &name);
                (
                    ScratchDatabase::Postgres {
                        admin_url: admin_url.clone(),
                        name,
                    },
                    url,
                )
            }
        }
    }
}

fn replace_database(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let (prefix, _) = base.rsplit_once('/').unwrap();
    match query {
        Some(query) => format!("{prefix}/{name}?{query}"),
        None => format!("{prefix}/{name}"),
    }
}

impl Drop for ScratchDatabase {
    fn drop(&mut self) {
        match self {
            ScratchDatabase::Sqlite(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            ScratchDatabase::Postgres { admin_url, name } => {
                let (admin_url, name) = (admin_url.clone(), name.clone());
                // Drop runs inside the test's runtime, which cannot be blocked on; use a thread.
                let _ = std::thread::spawn(move || {
                    let runtime = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .unwrap();
                    runtime.block_on(async {
                        if let Ok(admin) = sea_orm::Database::connect(admin_url.as_str()).await {
                            let _ = admin
                                .execute_unprepared(&format!(
                                    "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                                ))
                                .await;
                            let _ = admin.close().await;
                        }
                    });
                })
                .join();
            }
        }
    }
}

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub app_db: persistence::Database,
    /// The scratch database's URL, for tests that open connections of their own.
    pub database_url: String,
    handle: actix_web::dev::ServerHandle,
    /// Removed when the instance that created it is dropped; other instances share it.
    _database: Option<ScratchDatabase>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let handle = self.handle.clone();
        drop(handle.stop(false));
    }
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, "").await
}

/// Starts the server with the test defaults and `overrides` (TOML) on top.
pub async fn spawn_app_with(backend: Backend, overrides: &str) -> TestApp {
    let (database, url) = ScratchDatabase::create(&backend).await;
    let mut app = start_instance(url, overrides).await;
    app._database = Some(database);
    app
}

impl TestApp {
    /// A second server on the same database, as behind a load balancer.
    pub async fn another_instance(&self) -> TestApp {
        start_instance(self.database_url.clone(), "").await
    }

    /// A second server on the same database with its own `overrides` (TOML).
    pub async fn another_instance_with(&self, overrides: &str) -> TestApp {
        start_instance(self.database_url.clone(), overrides).await
    }
}

async fn start_instance(url: String, overrides: &str) -> TestApp {
    let base = format!(
        "[auth]\njwt_secret = \"{JWT_SECRET}\"\n[server]\nbind = \"127.0.0.1:0\"\nworkers = 1\nweb_dist = \"/nonexistent\"\n[database]\nmax_connections = 4\nsqlite_synchronous = \"normal\"\n[log]\nfilter = \"warn\"\n"
    );
    let mut config = Config::from_defaults_and(&[&base, overrides]).unwrap();
    config.database.url = DatabaseUrl::new(url.clone());
    let app = Application::build(config).await.unwrap();
    let address = format!("http://127.0.0.1:{}", app.port());
    let handle = app.handle();
    let app_db = app.database();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address,
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        app_db,
        database_url: url,
        handle,
        _database: None,
    }
}

/// A response read once: status, headers and body, with the body parsed when it is JSON.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub text: String,
    pub json: Value,
}

impl Answer {
    pub async fn read(response: reqwest::Response) -> Answer {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap();
        let json = serde_json::from_str(&text).unwrap_or(Value::Null);
        Answer {
            status,
            headers,
            text,
            json,
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn content_type(&self) -> &str {
        self.header(CONTENT_TYPE.as_str()).unwrap_or("")
    }

    /// The refresh cookie the server set, if it set one with a value.
    pub fn refresh_cookie(&self) -> Option<String> {
        self.headers.get_all(SET_COOKIE).iter().find_map(|v| {
            let cookie = v.to_str().ok()?;
            let value = cookie.strip_prefix("platina_refresh=")?.split(';').next()?;
            (!value.is_empty()).then(|| value.to_owned())
        })
    }

    pub fn set_cookie_header(&self) -> String {
        self.headers
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Asserts the RFC 9457 shape and the stable code, and returns the problem.
    pub fn assert_problem(&self, status: u16, code: &str) -> &Value {
        assert_eq!(
            self.status, status,
            "unexpected status; body: {}",
            self.text
        );
        assert!(
            self.content_type().starts_with("application/problem+json"),
            "not problem+json: {} {}",
            self.content_type(),
            self.text
        );
        assert_eq!(self.json["code"], code, "body: {}", self.text);
        assert_eq!(self.json["status"], status);
        assert!(
            self.json["type"]
                .as_str()
                .is_some_and(|t| t.ends_with(code))
        );
        assert!(self.json["title"].as_str().is_some_and(|t| !t.is_empty()));
        assert!(
            self.json["request_id"]
                .as_str()
                .is_some_and(|t| !t.is_empty())
        );
        &self.json
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Answer {
        let mut request = self.client.get(self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        Answer::read(request.send().await.unwrap()).await
    }

    /// Any request as a signed-in caller, with an optional JSON body and `If-Match`.
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Option<Value>,
        if_match: Option<&str>,
    ) -> Answer {
        let mut request = self
            .client
            .request(method, self.url(path))
            .bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        if let Some(etag) = if_match {
            request = request.header("If-Match", etag);
        }
        Answer::read(request.send().await.unwrap()).await
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> Answer {
        Answer::read(
            self.client
                .post(self.url(path))
                .json(body)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    pub async fn post_raw(
        &self,
        path: &str,
        content_type: &str,
        body: impl Into<reqwest::Body>,
    ) -> Answer {
        let response = self
            .client
            .post(self.url(path))
            .header(CONTENT_TYPE, content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        Answer::read(response).await
    }

    pub async fn post_with_cookie(&self, path: &str, refresh_cookie: &str) -> Answer {
        let response = self
            .client
            .post(self.url(path))
            .header("Cookie", format!("platina_refresh={refresh_cookie}"))
            .send()
            .await
            .unwrap();
        Answer::read(response).await
    }

    pub async fn login(&self, email: &str, password: &str) -> Answer {
        self.post_json(
            "/api/v1/auth/login",
            &json!({ "email": email, "password": password }),
        )
        .await
    }

    /// Creates an account the way an operator does (`platina user create`).
    pub async fn create_user(&self, email: &str, role: &str, sections: Vec<i64>) -> i64 {
        let user = commands::create_user(
            &self.app_db,
            UserSpec {
                email: email.into(),
                name: format!("テスト {role}"),
                role: commands::parse_role(role).unwrap(),
                section_ids: sections,
                bureau_ids: vec![],
                password: PASSWORD.into(),
            },
        )
        .await
        .unwrap();
        user.id
    }

    /// Creates an editor acting for these sections and bureaus, signed in; returns the token.
    pub async fn editor_for(&self, email: &str, sections: Vec<i64>, bureaus: Vec<i64>) -> String {
        commands::create_user(
            &self.app_db,
            UserSpec {
                email: email.into(),
                name: "テスト 編集者".into(),
                role: commands::parse_role("editor").unwrap(),
                section_ids: sections,
                bureau_ids: bureaus,
                password: PASSWORD.into(),
            },
        )
        .await
        .unwrap();
        let answer = self.login(email, PASSWORD).await;
        assert_eq!(answer.status, 200, "{}", answer.text);
        answer.json["access_token"].as_str().unwrap().to_owned()
    }

    /// Creates an account and signs it in; returns the access token.
    pub async fn signed_in(&self, email: &str, role: &str) -> String {
        let sections = if role == "editor" { vec![1] } else { vec![] };
        self.create_user(email, role, sections).await;
        let answer = self.login(email, PASSWORD).await;
        assert_eq!(answer.status, 200, "{}", answer.text);
        answer.json["access_token"].as_str().unwrap().to_owned()
    }
}
