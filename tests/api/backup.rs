//! The full backup: written from one backend, restored into an empty database of the other,
//! backed up again and compared, and then used as a working Platina.

use crate::demo_data::{demo_app, get};
use crate::helpers::{Backend, PASSWORD, TestApp, spawn_app};
use persistence::backup::{self, BackupError};
use serde_json::{Value, json};

/// PostgreSQL when the environment names one; the round trip then crosses backends both ways.
fn other_backend() -> Backend {
    Backend::postgres_from_env().unwrap_or(Backend::Sqlite)
}

async fn back_up(app: &TestApp) -> Vec<u8> {
    let mut bytes = Vec::new();
    backup::write_backup(&app.app_db, &mut bytes).await.unwrap();
    bytes
}

async fn restore(app: &TestApp, bytes: &[u8]) -> Result<backup::Restored, BackupError> {
    backup::restore_backup(&app.app_db, Box::new(std::io::Cursor::new(bytes.to_vec()))).await
}

/// The parts of a backup that describe the data, leaving out when it was taken.
fn content(bytes: &[u8]) -> Value {
    let document: Value = serde_json::from_slice(bytes).unwrap();
    assert_eq!(document["format"], "platina-backup");
    assert_eq!(document["version"], 1);
    json!({
        "schema": document["schema"],
        "tables": document["tables"],
        "row_counts": document["row_counts"],
    })
}

/// Names the first row that differs, so a failure says which column of which table drifted.
fn assert_same_content(left: &Value, right: &Value, what: &str) {
    for table in backup::TABLES {
        let (l, r) = (&left["tables"][table], &right["tables"][table]);
        assert_eq!(
            l.as_array().map(Vec::len),
            r.as_array().map(Vec::len),
            "{what}: row count of {table}"
        );
        for (a, b) in l.as_array().unwrap().iter().zip(r.as_array().unwrap()) {
            assert_eq!(a, b, "{what}: a row of {table}");
        }
    }
    assert_eq!(left, right, "{what}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_restores_into_the_other_backend_and_back_without_losing_a_value() {
    let (source, token) = demo_app(Backend::Sqlite).await;
    // Beyond the demo dataset: an account with a password, a link, a back-dated stage change.
    let admin = source.signed_in("restorer@example.jp", "admin").await;
    let proposal = source
        .send(
            reqwest::Method::POST,
            "/api/v1/proposals",
            &admin,
            Some(json!({ "fiscal_year": 2026, "theme": "職員の困りごと", "title": "バックアップの検証 ①髙橋㈱ ｶﾀｶﾅ" })),
            None,
        )
        .await;
    assert_eq!(proposal.status, 201, "{}", proposal.text);
    let link = source
        .send(
            reqwest::Method::POST,
            "/api/v1/links",
            &token,
            Some(json!({ "from_kind": "proposal", "from_id": proposal.json["id"], "to_kind": "reform", "to_id": 1, "note": "検証用" })),
            None,
        )
        .await;
    assert_eq!(link.status, 201, "{}", link.text);
    let webhook = source
        .send(
            reqwest::Method::POST,
            "/api/v1/admin/webhooks",
            &admin,
            Some(json!({ "url": "http://127.0.0.1:9/台帳連携", "description": "kintone 連携", "event_kinds": ["proposal.assigned"] })),
            None,
        )
        .await;
    assert_eq!(webhook.status, 201, "{}", webhook.text);

    let from_sqlite = back_up(&source).await;
    let original = content(&from_sqlite);
    assert_eq!(original["row_counts"]["reforms"], 130);
    assert_eq!(original["row_counts"]["proposals"], 48);
    assert_eq!(original["row_counts"]["links"], 1);
    assert_eq!(
        original["tables"]["webhook_endpoints"][0]["secret"], webhook.json["secret"],
        "the endpoint keeps its secret through a restore"
    );
    assert!(
        original["tables"]["users"]
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u["email"] == "restorer@example.jp")
    );

    let target = spawn_app(other_backend()).await;
    let restored = restore(&target, &from_sqlite).await.unwrap();
    assert_eq!(
        restored.counts.iter().map(|(_, n)| n).sum::<u64>(),
        backup::TABLES
            .iter()
            .map(|t| original["row_counts"][t].as_u64().unwrap())
            .sum::<u64>()
    );
    let from_target = back_up(&target).await;
    assert_same_content(&original, &content(&from_target), "SQLite → target");

    let back = spawn_app(Backend::Sqlite).await;
    restore(&back, &from_target).await.unwrap();
    assert_same_content(
        &original,
        &content(&back_up(&back).await),
        "target → SQLite",
    );

    // The restored database is a working Platina: the old password signs in, the search indexes
    // were rebuilt, and new records get ids after the restored ones.
    for app in [&target, &back] {
        let login = app.login("restorer@example.jp", PASSWORD).await;
        assert_eq!(login.status, 200, "{}", login.text);
        let token = login.json["access_token"].as_str().unwrap().to_owned();
        let found = get(app, &token, "/api/v1/search?kind=reform&q=kintone").await;
        assert_eq!(found["total"], 20);
        let found = get(
            app,
            &token,
            "/api/v1/search?kind=proposal&q=%EF%BD%B6%EF%BE%80%EF%BD%B6%EF%BE%85",
        )
        .await;
        assert_eq!(found["total"], 1, "ｶﾀｶﾅ");
        let created = app
            .send(
                reqwest::Method::POST,
                "/api/v1/proposals",
                &token,
                Some(json!({ "fiscal_year": 2026, "theme": "職員の困りごと", "title": "復元後の新規提案" })),
                None,
            )
            .await;
        assert_eq!(created.status, 201, "{}", created.text);
        assert!(created.json["id"].as_i64().unwrap() > proposal.json["id"].as_i64().unwrap());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restore_refuses_a_database_with_data_and_leaves_nothing_behind_when_it_fails() {
    let (source, _) = demo_app(Backend::Sqlite).await;
    let bytes = back_up(&source).await;

    let refused = restore(&source, &bytes).await.unwrap_err();
    assert!(
        matches!(refused, BackupError::NotEmpty("bureaus")),
        "{refused}"
    );

    let target = spawn_app(other_backend()).await;
    let truncated = &bytes[..bytes.len() * 2 / 3];
    let failed = restore(&target, truncated).await.unwrap_err();
    assert!(matches!(failed, BackupError::Parse(_)), "{failed}");
    let mut text = String::from_utf8(bytes.clone()).unwrap();
    text = text.replacen("\"platina-backup\"", "\"something-else\"", 1);
    let foreign = restore(&target, text.as_bytes()).await.unwrap_err();
    assert!(matches!(foreign, BackupError::NotABackup(_)), "{foreign}");
    let tampered =
        String::from_utf8(bytes.clone())
            .unwrap()
            .replacen("\"reforms\":130", "\"reforms\":131", 1);
    let mismatch = restore(&target, tampered.as_bytes()).await.unwrap_err();
    assert!(
        matches!(mismatch, BackupError::CountMismatch { ref table, .. } if table == "reforms"),
        "{mismatch}"
    );
    let bad_row = String::from_utf8(bytes.clone()).unwrap().replacen(
        "\"fiscal_year\":2025",
        "\"fiscal_year\":\"R7\"",
        1,
    );
    let rejected = restore(&target, bad_row.as_bytes()).await.unwrap_err();
    assert!(matches!(rejected, BackupError::BadRow { .. }), "{rejected}");

    // Every failed attempt rolled back: the database is still empty and takes the good backup.
    let empty = content(&back_up(&target).await);
    for table in backup::TABLES {
        assert_eq!(empty["row_counts"][table], 0, "{table}");
    }
    restore(&target, &bytes).await.unwrap();
}

/// What the planner of the restored database knows: a restore ends by refreshing the statistics,
/// so the first lists after it are planned for the rows it wrote (issue 15: on a PostgreSQL whose
/// autovacuum had not run, a list of 50 took 135 ms instead of 4 ms after a restore). Platina's
/// PostgreSQL sessions also run without JIT, which spent 30 ms compiling that 4 ms query.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restore_leaves_the_planner_statistics_of_the_rows_it_wrote() {
    use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};
    let (source, _) = demo_app(Backend::Sqlite).await;
    let bytes = back_up(&source).await;
    let target = spawn_app(other_backend()).await;
    restore(&target, &bytes).await.unwrap();

    let conn = &target.app_db.conn;
    let backend = conn.get_database_backend();
    let first = |sql: &str| Statement::from_string(backend, sql.to_owned());
    let analysed = match backend {
        DatabaseBackend::Postgres => {
            "SELECT count(*) FROM pg_stat_user_tables WHERE relname IN ('reforms', 'proposals') \
             AND last_vacuum IS NOT NULL AND last_analyze IS NOT NULL"
        }
        _ => "SELECT count(*) FROM sqlite_stat1 WHERE tbl IN ('reforms', 'proposals') GROUP BY tbl",
    };
    let rows = conn.query_all_raw(first(analysed)).await.unwrap();
    let counted: i64 = match backend {
        DatabaseBackend::Postgres => rows[0].try_get_by_index(0).unwrap(),
        _ => rows.len() as i64,
    };
    assert_eq!(counted, 2, "statistics of reforms and proposals");

    if backend == DatabaseBackend::Postgres {
        let jit = conn
            .query_one_raw(first("SHOW jit"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(jit.try_get_by_index::<String>(0).unwrap(), "off");
    }
}
