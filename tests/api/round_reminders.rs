//! Reminders, 督促 and the compliance view of reporting rounds, on a clock fixed to a chosen day
//! (`[clock] fixed_now`): reminders are planned on business days around Golden Week and the New
//! Year and cancelled when the round closes; a reminder reaches only the owners still waiting, and
//! a date is sent once however many instances run its jobs; the office nudges one owner or every
//! overdue owner, at most once an hour; the compliance figures of a scripted round are right and
//! each one links to exactly the requests it counts.

use crate::helpers::{Answer, Backend, TestApp, spawn_app_with};
use crate::on_both_databases;
use crate::reforms::{Org, org, post};
use crate::rounds::{
    act, answer_item, draft, item_ids, notifications_of, request, request_of_section, submit,
};
use persistence::ConnectionTrait;
use reqwest::Method;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::time::Duration;

on_both_databases!(
    reminders_fall_on_business_days_around_golden_week_and_the_new_year_and_closing_cancels_them,
    a_reminder_reaches_only_owners_still_waiting_and_two_instances_send_each_date_once,
    the_office_nudges_one_owner_or_every_overdue_owner_at_most_once_an_hour,
    compliance_figures_of_a_scripted_round_are_right_and_each_links_to_exactly_its_requests,
);

/// A server standing on `now` (RFC 3339), its job runner on or off.
async fn app_at(backend: Backend, now: &str, jobs: bool) -> TestApp {
    spawn_app_with(
        backend,
        &format!(
            "[jobs]\nenabled = {jobs}\npoll_interval_ms = 50\n[clock]\nfixed_now = \"{now}\"\n"
        ),
    )
    .await
}

async fn rows(app: &TestApp, sql: &str) -> Vec<sea_orm::QueryResult> {
    app.app_db
        .conn
        .query_all_raw(sea_orm::Statement::from_string(
            app.app_db.conn.get_database_backend(),
            sql.to_owned(),
        ))
        .await
        .unwrap()
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    rows(app, sql).await[0].try_get_by_index::<i64>(0).unwrap()
}

/// The (run_at in UTC, state) of a round's reminder jobs, by run_at.
async fn reminder_jobs(app: &TestApp, round: i64) -> Vec<(String, String)> {
    let mut jobs: Vec<(String, String)> = rows(
        app,
        "SELECT run_at, state, payload FROM jobs WHERE kind = 'round.reminder'",
    )
    .await
    .iter()
    .filter(|row| {
        let payload: String = row.try_get("", "payload").unwrap();
        serde_json::from_str::<Value>(&payload).unwrap()["round_id"] == round
    })
    .map(|row| {
        let at: chrono::DateTime<chrono::Utc> = row.try_get("", "run_at").unwrap();
        (
            at.format("%Y-%m-%dT%H:%M").to_string(),
            row.try_get::<String>("", "state").unwrap(),
        )
    })
    .collect();
    jobs.sort();
    jobs
}

/// A reform of `section` in FY2025, which a round as of 2026-03-31 asks about.
async fn reform(app: &TestApp, o: &Org, bureau: i64, section: i64, title: &str) {
    let answer = post(
        app,
        "/api/v1/reforms",
        &o.admin,
        json!({ "fiscal_year": 2025, "bureau_id": bureau, "section_ids": [section], "title": title }),
    )
    .await;
    assert_eq!(answer.status, 201, "{}", answer.text);
}

fn round_due(as_of: &str, due_on: &str) -> Value {
    json!({
        "title": "令和7年度 第4四半期 進捗照会",
        "as_of": as_of,
        "due_on": due_on,
        "record_kinds": ["reform"],
    })
}

/// Opens a round; answers (id, ETag after opening).
async fn open_round(app: &TestApp, admin: &str, body: Value) -> (i64, String) {
    let (round, tag) = draft(app, admin, body).await;
    let answer = act(app, admin, round, "open", &tag).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    (round, answer.header("etag").unwrap().to_owned())
}

/// Answers every item of the request `unchanged` and submits it.
async fn answer_all(app: &TestApp, token: &str, request_id: i64) {
    let detail = request(app, token, request_id).await;
    for item in item_ids(&detail) {
        let answer = answer_item(app, token, request_id, item, "unchanged").await;
        assert_eq!(answer.status, 200, "{}", answer.text);
    }
    let answer = submit(app, token, request_id).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
}

async fn reminders_fall_on_business_days_around_golden_week_and_the_new_year_and_closing_cancels_them(
    backend: Backend,
) {
    // Golden Week: on 2026-04-01, a round due Thursday 2026-05-07 (3–6 May are holidays).
    let app = app_at(backend.clone(), "2026-04-01T10:00:00+09:00", false).await;
    let o = org(&app).await;
    reform(&app, &o, o.west, o.west_section, "窓口の予約制").await;
    let (round, tag) = open_round(&app, &o.admin, round_due("2026-03-31", "2026-05-07")).await;
    // 09:00 in Tokyo is 00:00 UTC: 7 business days before skips 5/1–5/6 and 昭和の日 (4/29);
    // 2 before is 4/30; the due date; the first overdue reminder 3 business days after.
    assert_eq!(
        reminder_jobs(&app, round).await,
        vec![
            ("2026-04-22T00:00".to_owned(), "queued".to_owned()),
            ("2026-04-30T00:00".to_owned(), "queued".to_owned()),
            ("2026-05-07T00:00".to_owned(), "queued".to_owned()),
            ("2026-05-12T00:00".to_owned(), "queued".to_owned()),
        ]
    );
    let shown = app
        .get(&format!("/api/v1/rounds/{round}"), Some(&o.admin))
        .await;
    assert_eq!(
        shown.json["reminder_schedule"],
        json!({ "reminder_days_before": [7, 2], "remind_on_due_date": true, "overdue_every_business_days": 3 })
    );
    // Closing cancels every reminder still queued.
    let closed = act(&app, &o.admin, round, "close", &tag).await;
    assert_eq!(closed.status, 200, "{}", closed.text);
    let states: BTreeSet<String> = reminder_jobs(&app, round)
        .await
        .into_iter()
        .map(|(_, s)| s)
        .collect();
    assert_eq!(states, BTreeSet::from(["cancelled".to_owned()]));
    // Reopening plans them again from today.
    let reopened = act(
        &app,
        &o.admin,
        round,
        "reopen",
        closed.header("etag").unwrap(),
    )
    .await;
    assert_eq!(reopened.status, 200, "{}", reopened.text);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM jobs WHERE kind = 'round.reminder' AND state = 'queued'"
        )
        .await,
        4
    );
    drop(app);

    // The New Year: on 2025-12-01, a round due Monday 2026-01-05 with its own schedule; the
    // city is closed 12/29–1/3.
    let app = app_at(backend, "2025-12-01T10:00:00+09:00", false).await;
    let o = org(&app).await;
    reform(&app, &o, o.west, o.west_section, "窓口の予約制").await;
    let mut body = round_due("2025-12-26", "2026-01-05");
    body["reminder_schedule"] = json!({
        "reminder_days_before": [7, 2, 1],
        "remind_on_due_date": true,
        "overdue_every_business_days": 2,
    });
    let (round, _) = open_round(&app, &o.admin, body).await;
    // 7 before is 12/18 (not counting 12/29–1/3 nor the weekends), 2 before 12/25, 1 before
    // 12/26; the due date 1/5; the first overdue reminder 2 business days after it, 1/7.
    assert_eq!(
        reminder_jobs(&app, round)
            .await
            .into_iter()
            .map(|(at, _)| at)
            .collect::<Vec<_>>(),
        vec![
            "2025-12-18T00:00",
            "2025-12-25T00:00",
            "2025-12-26T00:00",
            "2026-01-05T00:00",
            "2026-01-07T00:00"
        ]
    );
    // A schedule out of range is refused at its field.
    let mut bad = round_due("2025-12-26", "2026-01-05");
    bad["reminder_schedule"] = json!({
        "reminder_days_before": [0],
        "remind_on_due_date": true,
        "overdue_every_business_days": 3,
    });
    let refused = post(&app, "/api/v1/rounds", &o.admin, bad).await;
    let problem = refused.assert_problem(422, "validation_failed");
    assert_eq!(
        problem["errors"][0]["pointer"],
        "/reminder_schedule/reminder_days_before"
    );
}

/// Waits until the round's reminder job for `date` has succeeded.
async fn reminder_succeeded(app: &TestApp, date: &str) {
    for _ in 0..400 {
        let done = count(
            app,
            &format!(
                "SELECT COUNT(*) FROM jobs WHERE kind = 'round.reminder' AND state = 'succeeded' \
                 AND payload LIKE '%\"date\":\"{date}\"%'"
            ),
        )
        .await;
        if done >= 2 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the reminder jobs of {date} did not finish in 10 s");
}

async fn fan_outs_done(app: &TestApp) {
    for _ in 0..400 {
        if count(
            app,
            "SELECT COUNT(*) FROM jobs WHERE kind = 'event.fan_out' AND state IN ('queued', 'running')",
        )
        .await
            == 0
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("fan-outs did not finish in 10 s");
}

async fn a_reminder_reaches_only_owners_still_waiting_and_two_instances_send_each_date_once(
    backend: Backend,
) {
    // The instance that serves the office runs no jobs; two others on the same database do.
    let clock = "2026-04-30T10:00:00+09:00";
    let app = app_at(backend, clock, false).await;
    let o = org(&app).await;
    reform(&app, &o, o.west, o.west_section, "窓口の予約制").await;
    reform(&app, &o, o.moji, o.moji_section, "庁内報の電子化").await;
    let west = app
        .editor_for("west@city.example.jp", vec![o.west_section], vec![])
        .await;
    let moji = app
        .editor_for("moji@city.example.jp", vec![o.moji_section], vec![])
        .await;
    let (round, _) = open_round(&app, &o.admin, round_due("2026-03-31", "2026-05-07")).await;
    let west_request = request_of_section(&app, &o.admin, round, o.west_section).await;
    let moji_request = request_of_section(&app, &o.admin, round, o.moji_section).await;
    answer_all(&app, &moji, moji_request).await;

    // A second job for the same date, as a reopened round or a racing instance could queue.
    persistence::jobs::enqueue(
        &app.app_db.conn,
        persistence::jobs::NewJob::new(
            "round.reminder",
            json!({ "round_id": round, "date": "2026-04-30", "kind": "before_due", "business_days": 2 }),
        ),
    )
    .await
    .unwrap();

    let overrides = format!(
        "[jobs]\nenabled = true\npoll_interval_ms = 50\n[clock]\nfixed_now = \"{clock}\"\n"
    );
    let first = app.another_instance_with(&overrides).await;
    let second = app.another_instance_with(&overrides).await;
    reminder_succeeded(&app, "2026-04-30").await;
    fan_outs_done(&app).await;

    // One event for the one request still waiting; none for the request already answered.
    let events: Vec<(String, i64)> = rows(
        &app,
        "SELECT kind, record_id FROM events WHERE kind = 'round.reminder' ORDER BY id",
    )
    .await
    .iter()
    .map(|r| {
        (
            r.try_get::<String>("", "kind").unwrap(),
            r.try_get::<i64>("", "record_id").unwrap(),
        )
    })
    .collect();
    assert_eq!(events, vec![("round.reminder".to_owned(), west_request)]);
    let title: String = rows(
        &app,
        "SELECT title FROM events WHERE kind = 'round.reminder'",
    )
    .await[0]
        .try_get("", "title")
        .unwrap();
    assert!(
        title.contains("2026-05-07") && title.contains("未回答 1 件"),
        "{title}"
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM round_reminders WHERE on_date = '2026-04-30' AND reminded = 1"
        )
        .await,
        1
    );
    let heard = notifications_of(&app, &west).await;
    assert!(heard.contains(&(
        "round.reminder".to_owned(),
        format!("/inbox/requests/{west_request}")
    )));
    let not_heard = notifications_of(&app, &moji).await;
    assert!(!not_heard.iter().any(|(kind, _)| kind == "round.reminder"));
    // The due date's reminder has not come by the clock: it waits, sending nothing.
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM round_reminders WHERE on_date = '2026-05-07'"
        )
        .await,
        0
    );
    drop((first, second));
}

async fn nudge(app: &TestApp, token: &str, path: &str) -> Answer {
    app.send(Method::POST, path, token, None, None).await
}

async fn the_office_nudges_one_owner_or_every_overdue_owner_at_most_once_an_hour(backend: Backend) {
    // The day after the due date.
    let app = app_at(backend, "2026-05-08T10:00:00+09:00", false).await;
    let o = org(&app).await;
    reform(&app, &o, o.west, o.west_section, "窓口の予約制").await;
    reform(&app, &o, o.moji, o.moji_section, "庁内報の電子化").await;
    let moji = app
        .editor_for("moji@city.example.jp", vec![o.moji_section], vec![])
        .await;
    let (round, tag) = open_round(&app, &o.admin, round_due("2026-03-31", "2026-05-07")).await;
    let west_request = request_of_section(&app, &o.admin, round, o.west_section).await;
    let moji_request = request_of_section(&app, &o.admin, round, o.moji_section).await;
    answer_all(&app, &moji, moji_request).await;

    // An editor may not nudge.
    let path = format!("/api/v1/round-requests/{west_request}/nudge");
    nudge(&app, &moji, &path)
        .await
        .assert_problem(403, "forbidden");
    let before = request(&app, &o.admin, west_request).await;
    let nudged = nudge(&app, &o.admin, &path).await;
    assert_eq!(nudged.status, 200, "{}", nudged.text);
    assert!(nudged.json["nudged_at"].is_string());
    assert_eq!(nudged.json["overdue"], true);
    // The owner's version is untouched, so a submit in progress does not go stale.
    assert_eq!(nudged.header("etag"), before.header("etag"));
    // Again within the hour: 429 with Retry-After.
    let again = nudge(&app, &o.admin, &path).await;
    again.assert_problem(429, "too_many_requests");
    let wait: u64 = again.header("retry-after").unwrap().parse().unwrap();
    assert!((3000..=3600).contains(&wait), "{wait}");
    // An answered request waits for the office, not its owner.
    nudge(
        &app,
        &o.admin,
        &format!("/api/v1/round-requests/{moji_request}/nudge"),
    )
    .await
    .assert_problem(409, "conflict");
    // All overdue owners: only the west request is overdue, and it was just nudged.
    let all = nudge(
        &app,
        &o.admin,
        &format!("/api/v1/rounds/{round}/nudge-overdue"),
    )
    .await;
    assert_eq!(all.status, 200, "{}", all.text);
    assert_eq!(
        all.json,
        json!({ "nudged": [], "recently_nudged": [west_request] })
    );

    // A second round that nobody answered: both owners are nudged at once.
    let (second, _) = open_round(&app, &o.admin, round_due("2026-03-31", "2026-05-07")).await;
    let all = nudge(
        &app,
        &o.admin,
        &format!("/api/v1/rounds/{second}/nudge-overdue"),
    )
    .await;
    assert_eq!(all.status, 200, "{}", all.text);
    assert_eq!(all.json["nudged"].as_array().unwrap().len(), 2);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM events WHERE kind = 'round.nudged'"
        )
        .await,
        3
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM audit_events WHERE action = 'round_request.nudge'"
        )
        .await,
        3
    );
    let title: String = rows(
        &app,
        "SELECT title FROM events WHERE kind = 'round.nudged' ORDER BY id LIMIT 1",
    )
    .await[0]
        .try_get("", "title")
        .unwrap();
    assert!(
        title.starts_with("【督促】") && title.contains("過ぎています"),
        "{title}"
    );

    // A closed round is not chased.
    let closed = act(&app, &o.admin, round, "close", &tag).await;
    assert_eq!(closed.status, 200, "{}", closed.text);
    nudge(
        &app,
        &o.admin,
        &format!("/api/v1/rounds/{round}/nudge-overdue"),
    )
    .await
    .assert_problem(409, "conflict");
}

/// The ids the request list shows at `href`, and its total.
async fn listed(app: &TestApp, token: &str, href: &str) -> (BTreeSet<i64>, u64) {
    let sep = if href.contains('?') { '&' } else { '?' };
    let answer = app
        .get(&format!("{href}{sep}per_page=200"), Some(token))
        .await;
    assert_eq!(answer.status, 200, "{href}: {}", answer.text);
    let ids = answer.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect();
    (ids, answer.json["total"].as_u64().unwrap())
}

/// Every figure of a group lists exactly as many requests as it counts.
async fn check_links(app: &TestApp, token: &str, figures: &Value) {
    for name in ["requested", "answered", "returned", "overdue"] {
        let figure = &figures[name];
        let (ids, total) = listed(app, token, figure["requests"]["href"].as_str().unwrap()).await;
        assert_eq!(total, figure["count"].as_u64().unwrap(), "{name}: {figure}");
        assert_eq!(ids.len() as u64, total);
    }
}

async fn compliance_figures_of_a_scripted_round_are_right_and_each_links_to_exactly_its_requests(
    backend: Backend,
) {
    let app = app_at(backend, "2026-05-08T10:00:00+09:00", false).await;
    let o = org(&app).await;
    let second_section = post(
        &app,
        "/api/v1/sections",
        &o.admin,
        json!({ "bureau_id": o.west, "name": "保護課", "effective_from": "2019-04-01" }),
    )
    .await
    .json["id"]
        .as_i64()
        .unwrap();
    reform(&app, &o, o.west, o.west_section, "窓口の予約制").await;
    reform(&app, &o, o.west, second_section, "訪問記録の電子化").await;
    reform(&app, &o, o.moji, o.moji_section, "庁内報の電子化").await;
    let returned_editor = app
        .editor_for("hogo@city.example.jp", vec![second_section], vec![])
        .await;
    let moji = app
        .editor_for("moji@city.example.jp", vec![o.moji_section], vec![])
        .await;
    let viewer = app.signed_in("viewer@city.example.jp", "viewer").await;
    let editor = app
        .editor_for("west@city.example.jp", vec![o.west_section], vec![])
        .await;
    let (round, _) = open_round(&app, &o.admin, round_due("2026-03-31", "2026-05-07")).await;
    let silent = request_of_section(&app, &o.admin, round, o.west_section).await;
    let returned = request_of_section(&app, &o.admin, round, second_section).await;
    let accepted = request_of_section(&app, &o.admin, round, o.moji_section).await;
    // 門司: answered and accepted (受理). 保護課: answered and returned (差戻し). 国保年金課: silent.
    answer_all(&app, &moji, accepted).await;
    let current = request(&app, &o.admin, accepted).await;
    let answer = app
        .send(
            Method::POST,
            &format!("/api/v1/round-requests/{accepted}/accept"),
            &o.admin,
            None,
            current.header("etag"),
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    answer_all(&app, &returned_editor, returned).await;
    let current = request(&app, &o.admin, returned).await;
    let answer = app
        .send(
            Method::POST,
            &format!("/api/v1/round-requests/{returned}/return"),
            &o.admin,
            Some(json!({ "comment": "効果の数値を確認してください" })),
            current.header("etag"),
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.text);

    let path = format!("/api/v1/rounds/{round}/compliance");
    app.get(&path, Some(&editor))
        .await
        .assert_problem(403, "forbidden");
    let view = app.get(&path, Some(&viewer)).await;
    assert_eq!(view.status, 200, "{}", view.text);
    let totals = &view.json["totals"];
    let counts = |f: &Value| {
        [
            f["requested"]["count"].as_u64().unwrap(),
            f["answered"]["count"].as_u64().unwrap(),
            f["returned"]["count"].as_u64().unwrap(),
            f["overdue"]["count"].as_u64().unwrap(),
        ]
    };
    // Three requested, one answered (受理), one returned, two overdue (silent and returned).
    assert_eq!(counts(totals), [3, 1, 1, 2]);
    assert!((totals["answered_rate"].as_f64().unwrap() - 1.0 / 3.0).abs() < 1e-9);
    // Opened and answered on the same day: no business day passed.
    assert_eq!(totals["median_business_days_to_answer"], 0.0);
    let (overdue_ids, _) = listed(
        &app,
        &viewer,
        totals["overdue"]["requests"]["href"].as_str().unwrap(),
    )
    .await;
    assert_eq!(overdue_ids, BTreeSet::from([silent, returned]));
    let (answered_ids, _) = listed(
        &app,
        &viewer,
        totals["answered"]["requests"]["href"].as_str().unwrap(),
    )
    .await;
    assert_eq!(answered_ids, BTreeSet::from([accepted]));
    check_links(&app, &viewer, totals).await;

    let bureaus = view.json["bureaus"].as_array().unwrap();
    assert_eq!(bureaus.len(), 2);
    let west = bureaus.iter().find(|b| b["bureau_id"] == o.west).unwrap();
    assert_eq!(west["bureau_name"], "八幡西区役所");
    assert_eq!(counts(&west["figures"]), [2, 0, 1, 2]);
    assert_eq!(
        west["figures"]["median_business_days_to_answer"],
        Value::Null
    );
    check_links(&app, &viewer, &west["figures"]).await;
    for owner in west["owners"].as_array().unwrap() {
        check_links(&app, &viewer, &owner["figures"]).await;
        let (ids, _) = listed(
            &app,
            &viewer,
            owner["figures"]["requested"]["requests"]["href"]
                .as_str()
                .unwrap(),
        )
        .await;
        assert_eq!(ids, BTreeSet::from([owner["request_id"].as_i64().unwrap()]));
    }
    let moji_figures = &bureaus.iter().find(|b| b["bureau_id"] == o.moji).unwrap()["figures"];
    assert_eq!(counts(moji_figures), [1, 1, 0, 0]);
    check_links(&app, &viewer, moji_figures).await;

    // The trend: this round, newest first, for the city and for one bureau.
    let trend = app
        .get("/api/v1/rounds/compliance-trend?limit=3", Some(&viewer))
        .await;
    assert_eq!(trend.status, 200, "{}", trend.text);
    assert_eq!(trend.json["rounds"][0]["round_id"], round);
    assert_eq!(counts(&trend.json["rounds"][0]["figures"]), [3, 1, 1, 2]);
    let trend = app
        .get(
            &format!("/api/v1/rounds/compliance-trend?bureau_id={}", o.moji),
            Some(&o.admin),
        )
        .await;
    assert_eq!(counts(&trend.json["rounds"][0]["figures"]), [1, 1, 0, 0]);
    check_links(&app, &o.admin, &trend.json["rounds"][0]["figures"]).await;
    app.get("/api/v1/rounds/compliance-trend?limit=99", Some(&viewer))
        .await
        .assert_problem(422, "validation_failed");
}
