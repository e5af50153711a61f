//! Links along proposal → reform → policy issue → digital system → KPI are shown on each record
//! both ways, go forward only, once, and only between records that exist.

use crate::helpers::{Backend, TestApp, spawn_app};
use crate::on_both_databases;
use crate::reforms::{new_reform, org, post, reform};
use reqwest::Method;
use serde_json::{Value, json};

on_both_databases!(
    the_chain_from_proposal_to_kpi_is_shown_from_every_record_both_ways,
    links_run_forward_once_between_existing_records_that_the_caller_may_edit,
    a_proposer_learns_nothing_from_the_links_of_a_proposal_that_is_not_theirs,
);

struct Chain {
    proposal: i64,
    reform: i64,
    issue: i64,
    system: i64,
    kpi: i64,
}

async fn chain(app: &TestApp, admin: &str, bureau: i64, section: i64) -> Chain {
    let proposal = post(
        app,
        "/api/v1/proposals",
        admin,
        json!({ "fiscal_year": 2025, "theme": "職員の困りごと", "title": "紙の届出が多い" }),
    )
    .await;
    assert_eq!(proposal.status, 201, "{}", proposal.text);
    let proposal = proposal.json["id"].as_i64().unwrap();
    let mut body = reform(bureau, "届出の電子化");
    body["classification"] = json!("iii");
    body["source_proposal_id"] = json!(proposal);
    let reform = new_reform(app, admin, body).await["id"].as_i64().unwrap();
    let policy = post(
        app,
        "/api/v1/policies",
        admin,
        json!({ "bureau_id": bureau, "fiscal_year": 2025 }),
    )
    .await;
    assert_eq!(policy.status, 201, "{}", policy.text);
    let issue = post(
        app,
        &format!("/api/v1/policies/{}/issues", policy.json["id"]),
        admin,
        json!({ "area": "A", "number": 3, "title": "行政手続きの見える化・デジタル化" }),
    )
    .await;
    assert_eq!(issue.status, 201, "{}", issue.text);
    let issue = issue.json["id"].as_i64().unwrap();
    let kpi = post(
        app,
        &format!("/api/v1/policy-issues/{issue}/kpis"),
        admin,
        json!({ "name": "電子申請件数", "unit": "件", "baseline_value": 10, "baseline_on": "2025-04-01" }),
    )
    .await;
    assert_eq!(kpi.status, 201, "{}", kpi.text);
    let system = post(
        app,
        "/api/v1/digital-systems",
        admin,
        json!({ "name": "届出受付アプリ", "section_id": section, "platform": "kintone", "built_in_house": true, "status": "trial" }),
    )
    .await;
    assert_eq!(system.status, 201, "{}", system.text);
    Chain {
        proposal,
        reform,
        issue,
        system: system.json["id"].as_i64().unwrap(),
        kpi: kpi.json["id"].as_i64().unwrap(),
    }
}

async fn link(app: &TestApp, token: &str, from: (&str, i64), to: (&str, i64)) -> Value {
    let a = post(
        app,
        "/api/v1/links",
        token,
        json!({ "from_kind": from.0, "from_id": from.1, "to_kind": to.0, "to_id": to.1 }),
    )
    .await;
    assert_eq!(a.status, 201, "{}", a.text);
    a.json
}

/// (direction, kind, id) of each link in an answer's `links`.
fn seen(links: &Value) -> Vec<(String, String, i64)> {
    let mut out: Vec<_> = links
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["direction"].as_str().unwrap().to_owned(),
                l["kind"].as_str().unwrap().to_owned(),
                l["entity_id"].as_i64().unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

fn entry(direction: &str, kind: &str, id: i64) -> (String, String, i64) {
    (direction.to_owned(), kind.to_owned(), id)
}

async fn the_chain_from_proposal_to_kpi_is_shown_from_every_record_both_ways(backend: Backend) {
    let app = spawn_app(backend).await;
    let o = org(&app).await;
    let a = &o.admin;
    let c = chain(&app, a, o.west, o.west_section).await;
    link(&app, a, ("reform", c.reform), ("policy_issue", c.issue)).await;
    link(
        &app,
        a,
        ("policy_issue", c.issue),
        ("digital_system", c.system),
    )
    .await;
    let to_kpi = link(&app, a, ("digital_system", c.system), ("kpi", c.kpi)).await;
    assert_eq!(to_kpi["direction"], "outgoing");
    assert_eq!(to_kpi["path"], format!("/kpis/{}", c.kpi));

    let reform = app
        .get(&format!("/api/v1/reforms/{}", c.reform), Some(a))
        .await;
    assert_eq!(
        seen(&reform.json["links"]),
        vec![
            entry("incoming", "proposal", c.proposal),
            entry("outgoing", "policy_issue", c.issue),
        ]
    );
    let from_proposal = reform.json["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["kind"] == "proposal")
        .unwrap();
    assert_eq!(from_proposal["origin"], "classification");
    assert_eq!(
        from_proposal["can_delete"], false,
        "implied by classification iii"
    );
    assert_eq!(from_proposal["title"], "紙の届出が多い");

    let issue = app
        .get(&format!("/api/v1/policy-issues/{}", c.issue), Some(a))
        .await;
    assert_eq!(
        seen(&issue.json["links"]),
        vec![
            entry("incoming", "reform", c.reform),
            entry("outgoing", "digital_system", c.system),
        ]
    );
    let system = app
        .get(&format!("/api/v1/digital-systems/{}", c.system), Some(a))
        .await;
    assert_eq!(
        seen(&system.json["links"]),
        vec![
            entry("incoming", "policy_issue", c.issue),
            entry("outgoing", "kpi", c.kpi),
        ]
    );
    let kpi = app.get(&format!("/api/v1/kpis/{}", c.kpi), Some(a)).await;
    assert_eq!(
        seen(&kpi.json["links"]),
        vec![entry("incoming", "digital_system", c.system)]
    );
    let proposal = app
        .get(
            &format!("/api/v1/links?kind=proposal&id={}", c.proposal),
            Some(a),
        )
        .await;
    assert_eq!(
        seen(&proposal.json),
        vec![entry("outgoing", "reform", c.reform)]
    );
    assert_eq!(proposal.json[0]["bureau_name"], "八幡西区役所");

    let proposer = app.signed_in("proposer@city.example.jp", "proposer").await;
    let as_proposer = app
        .get(&format!("/api/v1/reforms/{}", c.reform), Some(&proposer))
        .await;
    assert_eq!(
        seen(&as_proposer.json["links"]),
        vec![entry("outgoing", "policy_issue", c.issue)],
        "a proposer does not learn of proposals that are not theirs"
    );
}

async fn links_run_forward_once_between_existing_records_that_the_caller_may_edit(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let o = org(&app).await;
    let a = &o.admin;
    let c = chain(&app, a, o.west, o.west_section).await;
    let backwards = post(
        &app,
        "/api/v1/links",
        a,
        json!({ "from_kind": "kpi", "from_id": c.kpi, "to_kind": "reform", "to_id": c.reform }),
    )
    .await;
    assert_eq!(
        backwards.assert_problem(422, "validation_failed")["errors"][0]["pointer"],
        "/to_kind"
    );
    let missing = post(
        &app,
        "/api/v1/links",
        a,
        json!({ "from_kind": "reform", "from_id": c.reform, "to_kind": "kpi", "to_id": 999999 }),
    )
    .await;
    assert_eq!(
        missing.assert_problem(422, "validation_failed")["errors"][0]["pointer"],
        "/to_id"
    );
    let made = link(&app, a, ("reform", c.reform), ("kpi", c.kpi)).await;
    post(
        &app,
        "/api/v1/links",
        a,
        json!({ "from_kind": "reform", "from_id": c.reform, "to_kind": "kpi", "to_id": c.kpi }),
    )
    .await
    .assert_problem(409, "conflict");

    let viewer = app.signed_in("viewer@city.example.jp", "viewer").await;
    let moji_editor = app
        .editor_for("moji@city.example.jp", vec![], vec![o.moji])
        .await;
    let west_editor = app
        .editor_for("west@city.example.jp", vec![], vec![o.west])
        .await;
    let body = json!({ "from_kind": "reform", "from_id": c.reform, "to_kind": "digital_system", "to_id": c.system });
    post(&app, "/api/v1/links", &viewer, body.clone())
        .await
        .assert_problem(403, "forbidden");
    post(&app, "/api/v1/links", &moji_editor, body.clone())
        .await
        .assert_problem(403, "forbidden");
    let moji_reform = new_reform(&app, a, reform(o.moji, "門司の取組")).await["id"]
        .as_i64()
        .unwrap();
    let across = post(
        &app,
        "/api/v1/links",
        &west_editor,
        json!({ "from_kind": "reform", "from_id": moji_reform, "to_kind": "digital_system", "to_id": c.system }),
    )
    .await;
    assert_eq!(
        across.status, 201,
        "an editor of one end may link: {}",
        across.text
    );

    let path = format!("/api/v1/links/{}", made["id"]);
    app.send(Method::DELETE, &path, &moji_editor, None, None)
        .await
        .assert_problem(403, "forbidden");
    let deleted = app
        .send(Method::DELETE, &path, &west_editor, None, None)
        .await;
    assert_eq!(deleted.status, 204, "{}", deleted.text);
    let kpi = app.get(&format!("/api/v1/kpis/{}", c.kpi), Some(a)).await;
    assert_eq!(kpi.json["links"], json!([]));
    let audit = app
        .get("/api/v1/audit-events?entity_type=link", Some(a))
        .await;
    let actions: Vec<&str> = audit.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(
        actions.contains(&"link.create") && actions.contains(&"link.delete"),
        "{actions:?}"
    );
}

async fn a_proposer_learns_nothing_from_the_links_of_a_proposal_that_is_not_theirs(
    backend: Backend,
) {
    let app = spawn_app(backend).await;
    let o = org(&app).await;
    let author = app.signed_in("author@city.example.jp", "proposer").await;
    let other = app.signed_in("other@city.example.jp", "proposer").await;
    let proposal = post(
        &app,
        "/api/v1/proposals",
        &author,
        json!({ "fiscal_year": 2025, "theme": "職員の困りごと", "title": "紙の届出が多い" }),
    )
    .await;
    assert_eq!(proposal.status, 201, "{}", proposal.text);
    let id = proposal.json["id"].as_i64().unwrap();
    let mut body = reform(o.west, "届出の電子化");
    body["classification"] = json!("iii");
    body["source_proposal_id"] = json!(id);
    let reform = new_reform(&app, &o.admin, body).await["id"]
        .as_i64()
        .unwrap();
    let path = format!("/api/v1/links?kind=proposal&id={id}");

    let own = app.get(&path, Some(&author)).await;
    assert_eq!(seen(&own.json), vec![entry("outgoing", "reform", reform)]);
    // The same answer as for a proposal that does not exist: neither its links nor that it is
    // there.
    let someone_elses = app.get(&path, Some(&other)).await;
    assert_eq!(someone_elses.status, 200, "{}", someone_elses.text);
    assert_eq!(someone_elses.json, json!([]));
    let missing = app
        .get("/api/v1/links?kind=proposal&id=999999", Some(&other))
        .await;
    assert_eq!(missing.json, json!([]));
}
