//! Events and who hears of them: an assignment reaches the editors of that section and nobody
//! else's, never the person who made it, and a proposer never hears of another person's proposal;
//! a change that is refused writes no event; each user's channel decides the e-mail mode and
//! only an immediate e-mail is queued; a repeated fan-out adds nothing; the bell's count answers
//! 304 while nothing changed; notifications are marked read one by one or all at once; and
//! following or unfollowing a record decides whether one hears of it.

use crate::helpers::{Answer, Backend, TestApp, spawn_app_with};
use crate::on_both_databases;
use crate::reforms::{Org, org, post};
use persistence::ConnectionTrait;
use reqwest::Method;
use serde_json::{Value, json};
use std::time::Duration;

on_both_databases!(
    an_assignment_reaches_the_sections_editors_and_the_author_and_nobody_else,
    a_refused_or_rolled_back_change_writes_no_event,
    each_users_channel_decides_the_email_mode_and_only_immediate_mail_is_queued,
    a_repeated_fan_out_adds_no_notification_and_no_mail,
    the_unread_count_answers_304_until_something_changes_and_read_marks_stick,
    following_a_record_brings_its_events_and_unfollowing_silences_even_a_default,
);

/// A server whose job runner looks for work often, so fan-outs finish quickly.
async fn app(backend: Backend) -> TestApp {
    spawn_app_with(backend, "[jobs]\npoll_interval_ms = 50\n").await
}

/// Waits until every queued fan-out has run.
async fn settle(app: &TestApp) {
    for _ in 0..400 {
        let open = count(
            app,
            "SELECT COUNT(*) FROM jobs WHERE kind = 'event.fan_out' AND state IN ('queued', 'running')",
        )
        .await;
        let dead = count(
            app,
            "SELECT COUNT(*) FROM jobs WHERE kind = 'event.fan_out' AND state = 'dead'",
        )
        .await;
        assert_eq!(dead, 0, "a fan-out died");
        if open == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("fan-outs did not finish in 10 s");
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    let row = app
        .app_db
        .conn
        .query_one_raw(sea_orm::Statement::from_string(
            app.app_db.conn.get_database_backend(),
            sql.to_owned(),
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get_by_index::<i64>(0).unwrap()
}

async fn send(
    app: &TestApp,
    method: Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> Answer {
    app.send(method, path, token, body, None).await
}

async fn proposal(app: &TestApp, token: &str, title: &str) -> i64 {
    let created = post(
        app,
        "/api/v1/proposals",
        token,
        json!({ "fiscal_year": 2025, "theme": "ユーザーの困りごと", "title": title }),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.text);
    created.json["id"].as_i64().unwrap()
}

/// Assigns the section and returns the assignment's id.
async fn assign(app: &TestApp, admin: &str, proposal: i64, section: i64) -> i64 {
    let answer = post(
        app,
        &format!("/api/v1/proposals/{proposal}/assignments"),
        admin,
        json!({ "section_id": section }),
    )
    .await;
    assert_eq!(answer.status, 201, "{}", answer.text);
    answer.json["assignments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["section_id"] == section)
        .unwrap()["id"]
        .as_i64()
        .unwrap()
}

fn today() -> String {
    (chrono::Utc::now() + chrono::Duration::hours(9))
        .date_naive()
        .to_string()
}

async fn move_to_consultation(
    app: &TestApp,
    token: &str,
    proposal: i64,
    assignment: i64,
) -> Answer {
    post(
        app,
        &format!("/api/v1/proposals/{proposal}/assignments/{assignment}/transitions"),
        token,
        json!({ "to_stage": 2, "effective_on": today() }),
    )
    .await
}

/// The caller's notifications as (kind, link), newest first.
async fn heard(app: &TestApp, token: &str) -> Vec<(String, String)> {
    let answer = app
        .get("/api/v1/me/notifications?per_page=200", Some(token))
        .await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    answer.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["kind"].as_str().unwrap().to_owned(),
                n["link"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn of_kind(heard: &[(String, String)], kind: &str) -> Vec<String> {
    let mut links: Vec<String> = heard
        .iter()
        .filter(|(k, _)| k == kind)
        .map(|(_, l)| l.clone())
        .collect();
    links.sort();
    links
}

struct People {
    o: Org,
    west_editor: String,
    moji_editor: String,
    alice: String,
    bob: String,
}

async fn people(app: &TestApp) -> People {
    let o = org(app).await;
    let west_editor = app
        .editor_for("west@city.example.jp", vec![o.west_section], vec![])
        .await;
    let moji_editor = app
        .editor_for("moji@city.example.jp", vec![o.moji_section], vec![])
        .await;
    let alice = app.signed_in("alice@city.example.jp", "proposer").await;
    let bob = app.signed_in("bob@city.example.jp", "proposer").await;
    People {
        o,
        west_editor,
        moji_editor,
        alice,
        bob,
    }
}

async fn an_assignment_reaches_the_sections_editors_and_the_author_and_nobody_else(
    backend: Backend,
) {
    let app = app(backend).await;
    let p = people(&app).await;
    let admin = p.o.admin.clone();
    let second_admin = app.signed_in("office@city.example.jp", "admin").await;
    let alices = proposal(&app, &p.alice, "保育所の入所申請をオンラインで").await;
    let bobs = proposal(&app, &p.bob, "粗大ごみの予約を電話以外でも").await;
    assign(&app, &admin, alices, p.o.west_section).await;
    assign(&app, &admin, bobs, p.o.west_section).await;
    settle(&app).await;

    let west = heard(&app, &p.west_editor).await;
    assert_eq!(
        of_kind(&west, "proposal.assigned"),
        vec![format!("/proposals/{alices}"), format!("/proposals/{bobs}")]
    );
    let moji = heard(&app, &p.moji_editor).await;
    assert!(
        of_kind(&moji, "proposal.assigned").is_empty(),
        "another section's editor heard: {moji:?}"
    );
    let actor = heard(&app, &admin).await;
    assert!(
        of_kind(&actor, "proposal.assigned").is_empty(),
        "the admin who assigned was told of it: {actor:?}"
    );
    // The office hears of new proposals; the one who assigned is an admin too.
    assert_eq!(
        of_kind(&heard(&app, &second_admin).await, "proposal.created"),
        vec![format!("/proposals/{alices}"), format!("/proposals/{bobs}")]
    );

    let alice = heard(&app, &p.alice).await;
    assert_eq!(
        of_kind(&alice, "proposal.assigned"),
        vec![format!("/proposals/{alices}")]
    );
    let bob = heard(&app, &p.bob).await;
    assert_eq!(
        of_kind(&bob, "proposal.assigned"),
        vec![format!("/proposals/{bobs}")]
    );
    for (who, list, others) in [("alice", &alice, bobs), ("bob", &bob, alices)] {
        assert!(
            list.iter()
                .all(|(_, link)| link != &format!("/proposals/{others}")),
            "{who} heard of another person's proposal: {list:?}"
        );
    }

    // The editor of the section moves it on: the author hears, the editor does not.
    let assignment = assign(&app, &admin, alices, p.o.moji_section).await;
    let moved = move_to_consultation(&app, &p.moji_editor, alices, assignment).await;
    assert_eq!(moved.status, 201, "{}", moved.text);
    settle(&app).await;
    assert_eq!(
        of_kind(&heard(&app, &p.alice).await, "proposal.stage_changed"),
        vec![format!("/proposals/{alices}")]
    );
    assert!(of_kind(&heard(&app, &p.moji_editor).await, "proposal.stage_changed").is_empty());
    assert_eq!(
        of_kind(&heard(&app, &p.west_editor).await, "proposal.stage_changed"),
        vec![format!("/proposals/{alices}")],
        "an editor of another section responsible for the proposal hears of its progress"
    );
    // The headline is Japanese and names the section.
    let list = app
        .get("/api/v1/me/notifications", Some(&p.moji_editor))
        .await;
    let assigned = list.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["kind"] == "proposal.assigned")
        .unwrap();
    let title = assigned["title"].as_str().unwrap();
    assert!(
        title.contains("総務企画課") && title.contains("保育所"),
        "{title}"
    );
    assert!(assigned["read_at"].is_null());
}

async fn a_refused_or_rolled_back_change_writes_no_event(backend: Backend) {
    let app = app(backend).await;
    let p = people(&app).await;
    let admin = p.o.admin.clone();
    let id = proposal(&app, &admin, "窓口の待ち時間を表示する").await;
    let assignment = assign(&app, &admin, id, p.o.west_section).await;
    settle(&app).await;
    let events = "SELECT COUNT(*) FROM events";
    let jobs = "SELECT COUNT(*) FROM jobs WHERE kind IN ('event.fan_out', 'webhook.fan_out')";
    let (events_before, jobs_before) = (count(&app, events).await, count(&app, jobs).await);

    // ① → ④ is legal, ① → ③ without a decision is not: refused with 409, nothing written.
    let refused = post(
        &app,
        &format!("/api/v1/proposals/{id}/assignments/{assignment}/transitions"),
        &admin,
        json!({ "to_stage": 3, "effective_on": today() }),
    )
    .await;
    assert!(
        refused.status == 409 || refused.status == 422,
        "{}",
        refused.text
    );
    // Assigning the same section twice is refused after the checks ran.
    let twice = post(
        &app,
        &format!("/api/v1/proposals/{id}/assignments"),
        &admin,
        json!({ "section_id": p.o.west_section }),
    )
    .await;
    assert_eq!(twice.status, 409, "{}", twice.text);
    assert_eq!(count(&app, events).await, events_before);
    assert_eq!(count(&app, jobs).await, jobs_before);

    // An event written in a transaction that rolls back leaves neither the event nor its jobs.
    let txn = persistence::begin_write(&app.app_db.conn).await.unwrap();
    persistence::events::record(
        &txn,
        persistence::events::NewEvent {
            kind: domain::event::PROPOSAL_STAGE_CHANGED,
            actor_user_id: None,
            record_kind: "proposal",
            record_id: id,
            owner: domain::Owner::Nobody,
            title: "取り消される変更".into(),
            link: format!("/proposals/{id}"),
            data: json!({}),
        },
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    txn.rollback().await.unwrap();
    assert_eq!(count(&app, events).await, events_before);
    assert_eq!(count(&app, jobs).await, jobs_before);
}

async fn each_users_channel_decides_the_email_mode_and_only_immediate_mail_is_queued(
    backend: Backend,
) {
    let app = app(backend).await;
    let o = org(&app).await;
    let admin = o.admin.clone();
    let mut editors = Vec::new();
    for (name, channel) in [
        ("off", Some("off")),
        ("email", Some("email")),
        ("digest", Some("digest")),
        ("in-app", Some("in_app")),
        ("default", None),
    ] {
        let token = app
            .editor_for(
                &format!("{name}@city.example.jp"),
                vec![o.west_section],
                vec![],
            )
            .await;
        if let Some(channel) = channel {
            let set = send(
                &app,
                Method::PUT,
                "/api/v1/me/notification-preferences",
                &token,
                Some(json!({ "channels": { "proposal.assigned": channel }, "digest_hour": 7 })),
            )
            .await;
            assert_eq!(set.status, 200, "{}", set.text);
            let kind = set.json["kinds"]
                .as_array()
                .unwrap()
                .iter()
                .find(|k| k["kind"] == "proposal.assigned")
                .unwrap();
            assert_eq!(kind["channel"], channel);
            assert_eq!(kind["default_channel"], "email");
            assert_eq!(set.json["digest_hour"], 7);
        }
        editors.push((name, token));
    }

    // Bad values are 422 and change nothing.
    let (_, email_editor) = &editors[1];
    for body in [
        json!({ "channels": { "proposal.assigned": "sms" } }),
        json!({ "channels": { "proposal.nothing": "email" } }),
        json!({ "digest_hour": 24 }),
        json!({ "digest_hour": -1 }),
    ] {
        let refused = send(
            &app,
            Method::PUT,
            "/api/v1/me/notification-preferences",
            email_editor,
            Some(body.clone()),
        )
        .await;
        refused.assert_problem(422, "validation_failed");
    }
    let kept = app
        .get("/api/v1/me/notification-preferences", Some(email_editor))
        .await;
    assert_eq!(kept.status, 200);
    assert_eq!(kept.json["digest_hour"], 7);

    let id = proposal(&app, &admin, "転入手続きを一度の来庁で").await;
    assign(&app, &admin, id, o.west_section).await;
    settle(&app).await;

    let mut modes = Vec::new();
    for (name, token) in &editors {
        let list = app.get("/api/v1/me/notifications", Some(token)).await;
        let mode = list.json["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["kind"] == "proposal.assigned")
            .map(|n| n["email_mode"].as_str().unwrap().to_owned());
        modes.push((*name, mode));
    }
    assert_eq!(
        modes,
        vec![
            ("off", None),
            ("email", Some("immediate".to_owned())),
            ("digest", Some("digest".to_owned())),
            ("in-app", Some("none".to_owned())),
            // proposal.assigned is e-mailed at once unless one chooses otherwise.
            ("default", Some("immediate".to_owned())),
        ]
    );
    let mailed = count(&app, "SELECT COUNT(*) FROM jobs WHERE kind = 'mail.send'").await;
    let immediate = count(
        &app,
        "SELECT COUNT(*) FROM notifications WHERE email_mode = 'immediate'",
    )
    .await;
    assert_eq!(mailed, 2);
    assert_eq!(immediate, 2);
    let unmatched = count(
        &app,
        "SELECT COUNT(*) FROM notifications n WHERE n.email_mode <> 'immediate' AND EXISTS \
         (SELECT 1 FROM jobs j WHERE j.kind = 'mail.send' AND j.dedupe_key = 'mail.send:' || CAST(n.id AS TEXT))",
    )
    .await;
    assert_eq!(
        unmatched, 0,
        "mail was queued for a notification not wanted at once"
    );
}

async fn a_repeated_fan_out_adds_no_notification_and_no_mail(backend: Backend) {
    let app = app(backend).await;
    let o = org(&app).await;
    let admin = o.admin.clone();
    app.editor_for("west@city.example.jp", vec![o.west_section], vec![])
        .await;
    let id = proposal(&app, &admin, "介護保険の申請をスマホで").await;
    assign(&app, &admin, id, o.west_section).await;
    settle(&app).await;
    let notifications = "SELECT COUNT(*) FROM notifications";
    let mails = "SELECT COUNT(*) FROM jobs WHERE kind = 'mail.send'";
    let before = (count(&app, notifications).await, count(&app, mails).await);
    assert!(before.0 > 0 && before.1 > 0, "{before:?}");

    let event_id = count(
        &app,
        "SELECT MAX(id) FROM events WHERE kind = 'proposal.assigned'",
    )
    .await;
    // As after a lost lease: the job runs again, and so does the fan-out itself.
    persistence::jobs::enqueue(
        &app.app_db.conn,
        persistence::jobs::NewJob::new("event.fan_out", json!({ "event_id": event_id })),
    )
    .await
    .unwrap();
    settle(&app).await;
    let again = persistence::notifications::fan_out(&app.app_db.conn, event_id, chrono::Utc::now())
        .await
        .unwrap();
    assert_eq!(again.notified, 0);
    assert_eq!(
        (count(&app, notifications).await, count(&app, mails).await),
        before
    );
}

async fn the_unread_count_answers_304_until_something_changes_and_read_marks_stick(
    backend: Backend,
) {
    let app = app(backend).await;
    let p = people(&app).await;
    let admin = p.o.admin.clone();
    let unread = |token: String, etag: Option<String>| {
        let app = &app;
        async move {
            let mut request = app
                .client
                .get(app.url("/api/v1/me/notifications/unread-count"))
                .bearer_auth(token);
            if let Some(etag) = etag {
                request = request.header("If-None-Match", etag);
            }
            Answer::read(request.send().await.unwrap()).await
        }
    };
    // The editor's own account.created is fanned out by the runner: counted before the start.
    settle(&app).await;
    let first = unread(p.west_editor.clone(), None).await;
    assert_eq!(first.status, 200, "{}", first.text);
    let start = first.json["unread"].as_u64().unwrap();
    let etag = first.header("etag").unwrap().to_owned();
    let same = unread(p.west_editor.clone(), Some(etag.clone())).await;
    assert_eq!(same.status, 304);
    assert!(same.text.is_empty());

    let a = proposal(&app, &admin, "図書館の予約を一本化").await;
    let b = proposal(&app, &admin, "公園の占用申請を電子化").await;
    assign(&app, &admin, a, p.o.west_section).await;
    assign(&app, &admin, b, p.o.west_section).await;
    settle(&app).await;
    let risen = unread(p.west_editor.clone(), Some(etag.clone())).await;
    assert_eq!(risen.status, 200);
    assert_eq!(risen.json["unread"].as_u64().unwrap(), start + 2);
    let etag = risen.header("etag").unwrap().to_owned();

    let list = app
        .get("/api/v1/me/notifications?unread=true", Some(&p.west_editor))
        .await;
    let newest = list.json["items"][0]["id"].as_i64().unwrap();
    assert_eq!(list.json["items"][0]["link"], format!("/proposals/{b}"));
    let read = send(
        &app,
        Method::POST,
        &format!("/api/v1/me/notifications/{newest}/read"),
        &p.west_editor,
        None,
    )
    .await;
    assert_eq!(read.status, 204, "{}", read.text);
    let after_one = unread(p.west_editor.clone(), Some(etag)).await;
    assert_eq!(after_one.status, 200);
    assert_eq!(after_one.json["unread"].as_u64().unwrap(), start + 1);
    let all = app
        .get("/api/v1/me/notifications", Some(&p.west_editor))
        .await;
    let marked = all.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["id"] == newest)
        .unwrap();
    assert!(marked["read_at"].is_string());

    // Someone else's notification is not there for another person.
    for token in [&p.moji_editor, &p.alice] {
        send(
            &app,
            Method::POST,
            &format!("/api/v1/me/notifications/{newest}/read"),
            token,
            None,
        )
        .await
        .assert_problem(404, "not_found");
    }

    let everything = send(
        &app,
        Method::POST,
        "/api/v1/me/notifications/read-all",
        &p.west_editor,
        None,
    )
    .await;
    assert_eq!(everything.status, 200, "{}", everything.text);
    assert_eq!(everything.json["marked"].as_u64().unwrap(), start + 1);
    let none = unread(p.west_editor.clone(), None).await;
    assert_eq!(none.json["unread"], 0);
    let unread_list = app
        .get("/api/v1/me/notifications?unread=true", Some(&p.west_editor))
        .await;
    assert_eq!(unread_list.json["total"], 0);
}

async fn following_a_record_brings_its_events_and_unfollowing_silences_even_a_default(
    backend: Backend,
) {
    let app = app(backend).await;
    let p = people(&app).await;
    let admin = p.o.admin.clone();
    let viewer = app.signed_in("viewer@city.example.jp", "viewer").await;
    let id = proposal(&app, &p.alice, "児童手当の現況届をなくす").await;
    let west = assign(&app, &admin, id, p.o.west_section).await;
    let path = format!("/api/v1/me/subscriptions/proposal/{id}");

    let status = app.get(&path, Some(&viewer)).await;
    assert_eq!(status.status, 200, "{}", status.text);
    assert_eq!(status.json["following"], false);
    let followed = send(&app, Method::PUT, &path, &viewer, None).await;
    assert_eq!(followed.status, 200, "{}", followed.text);
    assert_eq!(followed.json["following"], true);
    assert_eq!(followed.json["link"], format!("/proposals/{id}"));
    let mine = app.get("/api/v1/me/subscriptions", Some(&viewer)).await;
    assert_eq!(mine.json.as_array().unwrap().len(), 1);
    assert_eq!(mine.json[0]["record_id"], id);

    // The section's editor follows by default, and unfollows.
    let default = app.get(&path, Some(&p.west_editor)).await;
    assert_eq!(default.json["following"], true);
    assert_eq!(default.json["by_default"], true);
    let unfollowed = send(&app, Method::DELETE, &path, &p.west_editor, None).await;
    assert_eq!(unfollowed.status, 200, "{}", unfollowed.text);
    assert_eq!(unfollowed.json["following"], false);

    let moved = move_to_consultation(&app, &admin, id, west).await;
    assert_eq!(moved.status, 201, "{}", moved.text);
    settle(&app).await;
    assert_eq!(
        of_kind(&heard(&app, &viewer).await, "proposal.stage_changed"),
        vec![format!("/proposals/{id}")]
    );
    assert!(of_kind(&heard(&app, &p.west_editor).await, "proposal.stage_changed").is_empty());

    // Unfollowing again stops the viewer hearing of the next change.
    send(&app, Method::DELETE, &path, &viewer, None).await;
    let consulted = post(
        &app,
        &format!("/api/v1/proposals/{id}/consultations"),
        &admin,
        json!({ "held_on": today(), "participants": "国保年金課", "note": "進め方を協議" }),
    )
    .await;
    assert_eq!(consulted.status, 201, "{}", consulted.text);
    settle(&app).await;
    assert!(of_kind(&heard(&app, &viewer).await, "proposal.consulted").is_empty());
    assert_eq!(
        of_kind(&heard(&app, &p.alice).await, "proposal.consulted"),
        vec![format!("/proposals/{id}")]
    );

    // Another person's proposal, an unknown record or kind: 404.
    send(&app, Method::PUT, &path, &p.bob, None)
        .await
        .assert_problem(404, "not_found");
    send(
        &app,
        Method::PUT,
        "/api/v1/me/subscriptions/proposal/999999",
        &viewer,
        None,
    )
    .await
    .assert_problem(404, "not_found");
    send(
        &app,
        Method::PUT,
        &format!("/api/v1/me/subscriptions/user/{id}"),
        &viewer,
        None,
    )
    .await
    .assert_problem(404, "not_found");
}
