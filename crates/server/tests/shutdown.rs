//! The `platina` binary stopped with SIGTERM, or killed, while an import runs: the import finishes
//! if it can within `server.shutdown_timeout_seconds`; otherwise its job goes back to the queue
//! (at once after SIGTERM, once its lease has run out after a kill) and the import runs again
//! after the restart, writing its rows once. Nothing is half-written and nothing panics.
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

/// Started with a short job lease, so that a killed server's import is taken up again soon.
async fn start(url: &str, shutdown_timeout_seconds: u64) -> Server {
    let timeout = shutdown_timeout_seconds.to_string();
    Server::start_with(
        url,
        &[
            (
                "PLATINA__SERVER__SHUTDOWN_TIMEOUT_SECONDS",
                timeout.as_str(),
            ),
            ("PLATINA__JOBS__LEASE_SECONDS", "3"),
        ],
    )
    .await
}

/// Waits until the import at `path` is no longer running; its last answer.
async fn until_finished(server: &Server, path: &str, token: &str) -> serde_json::Value {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(600);
    loop {
        let (status, job) = server.get(path, token).await;
        // A busy SQLite file (the import's own write transaction, on a loaded machine) answers
        // 503 with Retry-After, which a client is to follow; anything else but 200 is a failure.
        if status == 503 {
            assert!(
                std::time::Instant::now() < deadline,
                "busy for ten minutes: {job}"
            );
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            continue;
        }
        assert_eq!(
            status,
            200,
            "the job outlives the restart: {job}\nserver log:\n{}",
            server.log_text()
        );
        if job["state"] != "running" {
            return job;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the import is still running after ten minutes: {job}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
}

async fn reform_count(server: &Server, token: &str) -> i64 {
    let (_, page) = server.get("/api/v1/reforms?per_page=1", token).await;
    page["total"].as_i64().unwrap()
}

async fn an_import_cut_short_by_sigterm_runs_again_after_the_restart_and_writes_its_rows_once(
    postgres: Option<&str>,
) {
    let (scratch, url) = Scratch::create(postgres).await;
    let server = start(&url, 1).await;
    let token = server.sign_in().await;
    let before = reform_count(&server, &token).await;
    // Far more rows than can be checked in the second the shutdown allows.
    let job = import(&server, &token, 20_000).await;
    let (_, running) = server.get(&job, &token).await;
    assert_eq!(running["state"], "running", "{running}");
    let (status, log) = server.terminate().await;
    assert_clean_exit(status, &log);

    let server = start(&url, 1).await;
    let token = server.sign_in().await;
    let job = until_finished(&server, &job, &token).await;
    assert_eq!(job["state"], "succeeded", "{job}");
    assert_eq!(job["summary"]["created"], 20_000);
    assert_eq!(
        reform_count(&server, &token).await,
        before + 20_000,
        "the interrupted attempt left nothing, the second wrote every row once"
    );
    let (status, log) = server.terminate().await;
    assert_clean_exit(status, &log);
    drop(scratch);
}

async fn an_import_accepted_before_sigterm_is_finished_once_before_the_exit_or_after_the_restart(
    postgres: Option<&str>,
) {
    let (scratch, url) = Scratch::create(postgres).await;
    let server = start(&url, 120).await;
    let token = server.sign_in().await;
    let before = reform_count(&server, &token).await;
    let job = import(&server, &token, 500).await;
    let (_, running) = server.get(&job, &token).await;
    assert_eq!(running["state"], "running", "{running}");
    let (status, first_log) = server.terminate().await;
    assert_clean_exit(status, &first_log);

    let server = start(&url, 120).await;
    let token = server.sign_in().await;
    // Finished before the exit when the runner had claimed it; run after the restart when the
    // signal came first. Either way once.
    let job = until_finished(&server, &job, &token).await;
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

/// Killed outright (out of memory, power lost), the server cannot hand anything back: the
/// import's job is taken up by the restarted server once its lease has run out.
async fn an_import_cut_short_by_a_crash_runs_again_once_its_lease_has_run_out(
    postgres: Option<&str>,
) {
    let (scratch, url) = Scratch::create(postgres).await;
    let mut server = start(&url, 1).await;
    let token = server.sign_in().await;
    let before = reform_count(&server, &token).await;
    let job = import(&server, &token, 20_000).await;
    let (_, running) = server.get(&job, &token).await;
    assert_eq!(running["state"], "running", "{running}");
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    drop(server);

    let server = start(&url, 1).await;
    let token = server.sign_in().await;
    let job = until_finished(&server, &job, &token).await;
    assert_eq!(job["state"], "succeeded", "{job}");
    assert_eq!(job["summary"]["created"], 20_000);
    assert_eq!(reform_count(&server, &token).await, before + 20_000);
    let (status, log) = server.terminate().await;
    assert_clean_exit(status, &log);
    drop(scratch);
}

on_both_databases!(
    an_import_cut_short_by_sigterm_runs_again_after_the_restart_and_writes_its_rows_once,
    an_import_accepted_before_sigterm_is_finished_once_before_the_exit_or_after_the_restart,
    an_import_cut_short_by_a_crash_runs_again_once_its_lease_has_run_out,
);
