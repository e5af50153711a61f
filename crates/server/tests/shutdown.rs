//! The `platina` binary stopped with SIGTERM while an import runs: the import finishes if it can
//! within `server.shutdown_timeout_seconds`, and is otherwise recorded as interrupted, which the
//! person who started it sees after the restart; nothing is half-written and nothing panics.
//! These run the real binary as a process, on SQLite and (with `PLATINA_TEST_POSTGRES_URL`) on
//! PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[macro_use]
mod support;

use support::{Scratch, Server, assert_clean_exit};

/// Starts an import of `rows` new reforms and returns the job's address.
async fn import(server: &Server, token: &str, rows: usize) -> String {
    let mut csv = String::from("年度,局・区,取組名\r\n");
    for i in 0..rows {
        csv.push_str(&format!("2025,会計室,停止の試験 {i}\r\n"));
    }
    let boundary = "----platina-shutdown";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"stop.csv\"\r\nContent-Type: text/csv\r\n\r\n{csv}\r\n--{boundary}--\r\n"
    );
    let started = server
        .client
        .post(format!("{}/api/v1/imports?kind=reforms", server.base))
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

async fn reform_count(server: &Server, token: &str) -> i64 {
    let (_, page) = server.get("/api/v1/reforms?per_page=1", token).await;
    page["total"].as_i64().unwrap()
}

async fn an_import_cut_short_by_sigterm_shows_as_interrupted_after_the_restart(
    postgres: Option<&str>,
) {
    let (scratch, url) = Scratch::create(postgres).await;
    let server = Server::start(&url, 1).await;
    let token = server.sign_in().await;
    let before = reform_count(&server, &token).await;
    // Far more rows than can be checked in the second the shutdown allows.
    let job = import(&server, &token, 20_000).await;
    let (_, running) = server.get(&job, &token).await;
    assert_eq!(running["state"], "running", "{running}");
    let (status, log) = server.terminate().await;
    assert_clean_exit(status, &log);

    let server = Server::start(&url, 1).await;
    let token = server.sign_in().await;
    let (found, job) = server.get(&job, &token).await;
    assert_eq!(found, 200, "the job outlives the restart: {job}");
    assert_eq!(job["state"], "interrupted", "{job}");
    assert!(
        job["message"].as_str().is_some_and(|m| m.contains("中断")),
        "{job}"
    );
    assert_eq!(
        reform_count(&server, &token).await,
        before,
        "nothing of it was written"
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
    let before = reform_count(&server, &token).await;
    let job = import(&server, &token, 500).await;
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
    assert_eq!(reform_count(&server, &token).await, before + 500);
    let (status, log) = server.terminate().await;
    assert_clean_exit(status, &log);
    drop(scratch);
}

/// Killed outright (out of memory, power lost), the server cannot record anything; the restart
/// does. SQLite only: one server uses a SQLite file, so every job it left running was abandoned.
/// (On PostgreSQL other instances may still be running theirs; a job is taken for abandoned after
/// a minute without a heartbeat, which `tests/api/import_jobs.rs` checks.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_cut_short_by_a_crash_shows_as_interrupted_after_the_restart_on_sqlite() {
    let (scratch, url) = Scratch::create(None).await;
    let mut server = Server::start(&url, 1).await;
    let token = server.sign_in().await;
    let job = import(&server, &token, 20_000).await;
    let (_, running) = server.get(&job, &token).await;
    assert_eq!(running["state"], "running", "{running}");
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    drop(server);

    let server = Server::start(&url, 1).await;
    let token = server.sign_in().await;
    let (found, job) = server.get(&job, &token).await;
    assert_eq!(found, 200, "{job}");
    assert_eq!(job["state"], "interrupted", "{job}");
    let (status, log) = server.terminate().await;
    assert_clean_exit(status, &log);
    drop(scratch);
}

on_both_databases!(
    an_import_cut_short_by_sigterm_shows_as_interrupted_after_the_restart,
    sigterm_waits_for_an_import_that_finishes_within_the_shutdown_timeout,
);
