//! The OpenAPI 3.1 document, collected from the real handlers by utoipa-actix-web and completed
//! from each operation's shape: the bearer scheme, the problem+json answers it can give, and the
//! limits its validators enforce.

use crate::concurrency::IF_MATCH_PATTERN;
use crate::error::{ErrorCode, FieldError, FieldLocation, Problem};
use serde_json::{Value, json};
use utoipa::openapi::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi as _};

#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "Platina API",
        // Set here, not from Cargo.toml, so a version bump shows up as drift of openapi.json.
        version = "0.1.0",
        description = "The REST API of Platina, the system of record for the reform work of the city \
(プラチナ市役所プロジェクト). Every error is RFC 9457 `application/problem+json` with a stable `code`. \
Operations that need a signed-in caller list the roles allowed in their `bearer` security requirement. \
A request target (path and query) longer than 8 KiB is answered 414 (`uri_too_long`).",
        license(name = "MIT", identifier = "MIT"),
    ),
    components(schemas(Problem, FieldError, FieldLocation, ErrorCode)),
    modifiers(&BearerScheme),
    tags(
        (name = "auth", description = "Sign-in for people and internal systems"),
        (name = "admin", description = "Accounts and the audit trail (市政変革推進室)"),
        (name = "proposals", description = "PT proposals: project teams, proposals, the stage of each responsible section, consultations, the progress report. Proposers see only their own proposals (others answer 404); acting on another section's assignment answers 403."),
        (name = "reforms", description = "Self-initiated reforms of bureaus and wards (各局区による自主改革), numbered per bureau as the annual report numbers them"),
        (name = "policies", description = "Bureau X policies (局区X方針): issues in areas A/B/C, quarterly milestones, progress notes, KPIs with computed change"),
        (name = "ledger", description = "The digital-system ledger (kintone システム管理台帳) and city-wide targets, with the standing computed from the ledger"),
        (name = "links", description = "Links along proposal → reform → policy issue → digital system → KPI, readable from either end"),
        (name = "dashboards", description = "Figures for a fiscal year as of any day, each with the list query that returns exactly its rows; ETag and 304 when nothing changed"),
        (name = "search", description = "One query over proposals, reforms, policy issues, digital systems and KPIs: Japanese substrings after NFKC, ranked and highlighted"),
        (name = "exports", description = "Every list as CSV for Excel (UTF-8 with BOM, formula-safe), XLSX, or NDJSON streamed row by row, with the list's own filters"),
        (name = "imports", description = "CSV (UTF-8, BOM or Shift_JIS), XLSX or JSON into reforms, proposals or the ledger: a dry run per row, then one transaction"),
        (name = "wareki", description = "Reading Japanese-era dates (R7.7.14, 令和7年度中, R8～導入予定 …)"),
        (name = "organization", description = "Bureaus and sections (局・区役所・課), with dated section names"),
        (name = "webhooks", description = "Signed webhooks (Standard Webhooks) for internal systems: endpoints, secret rotation, test pings, the delivery log and redelivery (市政変革推進室)"),
        (name = "notifications", description = "The signed-in person's notifications (bell, list, mark read), their channel per kind of event with the daily digest hour (Asia/Tokyo), and the records they follow"),
        (name = "rounds", description = "Reporting rounds (照会): the reform office asks owners to bring their records up to date as of a 基準日 by a 回答期限; one request per owning section or bureau, answered in the owner's inbox (変更なし, or a change written through the record's own endpoint), submitted, returned (差戻し) or accepted"),
        (name = "health", description = "Probes for load balancers"),
    ),
)]
pub struct ApiDoc;

struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, openapi: &mut OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "Access token from /api/v1/auth/login, /auth/refresh or /auth/token. \
The scopes listed on an operation are the roles allowed to call it.",
                    ))
                    .build(),
            ),
        );
    }
}

fn problem_response(description: &str) -> Value {
    json!({
        "description": description,
        "content": { (crate::error::PROBLEM_JSON): { "schema": { "$ref": "#/components/schemas/Problem" } } }
    })
}

/// Completes each operation from its shape, so that no handler lists these by hand and a new
/// operation has them from the start: the error answers it can give (400 for an unreadable path
/// id or body, 404 for a missing record or parent, 412/428 around `If-Match`, 413/415/422 for
/// bodies, 422 for queries, 401/403 when it needs a token, 503 when storage is away, 500), the
/// pattern of `If-Match`, no paging on exports, and the limits the validators enforce.
fn complete(doc: &mut Value) {
    let Some(paths) = doc["paths"].as_object_mut() else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for (method, operation) in item.iter_mut() {
            complete_operation(path, operation);
            if method == "post" {
                crate::idempotency::document_operation(path, operation);
            }
        }
    }
    crate::limits::document_limits(doc);
}

fn complete_operation(path: &str, operation: &mut Value) {
    let is_export = operation["tags"]
        .as_array()
        .is_some_and(|tags| tags.iter().any(|t| t == "exports"));
    if let Some(parameters) = operation
        .get_mut("parameters")
        .and_then(Value::as_array_mut)
    {
        if is_export {
            parameters.retain(|p| {
                !(p["in"] == "query"
                    && crate::tabular::export::NOT_FOR_EXPORTS
                        .iter()
                        .any(|n| p["name"] == *n))
            });
        }
        for parameter in parameters.iter_mut() {
            if parameter["in"] == "header" && parameter["name"] == "If-Match" {
                parameter["schema"] = json!({ "type": "string", "pattern": IF_MATCH_PATTERN });
                parameter["description"] = json!(
                    "The ETag of the version last read, e.g. \"3\"; without it 428, for another version 412"
                );
            }
        }
    }
    let parameters = operation["parameters"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let takes = |location: &str| parameters.iter().any(|p| p["in"] == location);
    let if_match = parameters
        .iter()
        .any(|p| p["in"] == "header" && p["name"] == "If-Match");
    let secured = operation["security"]
        .as_array()
        .is_some_and(|requirements| !requirements.is_empty());
    let body = operation.get("requestBody").is_some();

    let mut unreadable = Vec::new();
    if takes("path") {
        unreadable.push("an id in the path is not a number (invalid_path)");
    }
    if takes("query") {
        unreadable.push("the query string is not valid percent-encoded UTF-8 (invalid_query)");
    }
    if body {
        unreadable.push("the body is not valid JSON (malformed_json)");
    }
    let mut unreadable = unreadable.join(", or ");
    if let Some(first) = unreadable.get_mut(..1) {
        first.make_ascii_uppercase();
    }
    let mut answers: Vec<(&str, &str)> = Vec::new();
    if !unreadable.is_empty() {
        answers.push(("400", &unreadable));
    }
    if takes("path") {
        answers.push((
            "404",
            "No such record, or no such parent record (not_found)",
        ));
    }
    if if_match {
        answers.push((
            "412",
            "If-Match names another version than the current one (precondition_failed)",
        ));
        answers.push(("428", "If-Match is missing (precondition_required)"));
    }
    if body {
        answers.push((
            "413",
            "The body is larger than the documented limit (payload_too_large)",
        ));
        answers.push((
            "415",
            "The Content-Type is not accepted (unsupported_media_type)",
        ));
        answers.push((
            "422",
            "Fields are invalid; `errors` lists each with a JSON pointer (validation_failed)",
        ));
    }
    if takes("query") {
        answers.push((
            "422",
            "Parameters are invalid or unknown; `errors` lists each (validation_failed)",
        ));
    }
    if secured {
        answers.push((
            "401",
            "No valid access token (unauthenticated, invalid_token)",
        ));
        answers.push(("403", "The caller's role may not do this (forbidden)"));
    }
    // Liveness answers from the process alone; everything else may find the database away.
    if path != "/healthz" {
        answers.push((
            "503",
            "Nothing was saved: the database cannot take writes now (full disk, read-only, lost \
connection: storage_unavailable, with Retry-After) or no connection could be had \
(service_unavailable); try again later",
        ));
    }
    answers.push((
        "500",
        "Internal error; the body carries only the request id (internal_error)",
    ));
    if !operation["responses"].is_object() {
        operation["responses"] = json!({});
    }
    if let Some(responses) = operation["responses"].as_object_mut() {
        for (status, description) in answers {
            responses
                .entry(status)
                .or_insert_with(|| problem_response(description));
        }
    }
}

/// The document as served at `/api/openapi.json` and committed as `openapi/openapi.json`. Built
/// once per process: probing the validators for their limits takes a moment.
pub fn document() -> Value {
    static DOCUMENT: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    DOCUMENT.get_or_init(build_document).clone()
}

fn build_document() -> Value {
    use actix_web::App;
    use utoipa_actix_web::AppExt;
    let (_, openapi) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(crate::register_routes)
        .split_for_parts();
    let mut document = serde_json::to_value(&openapi).unwrap_or_else(|e| {
        tracing::error!(cause = %e, "the OpenAPI document could not be written");
        Value::Null
    });
    complete(&mut document);
    document
}

/// Pretty JSON with a final newline: the exact bytes of the committed file.
pub fn document_json() -> String {
    let mut json = serde_json::to_string_pretty(&document())
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    json.push('\n');
    json
}

#[cfg(test)]
mod tests {

    #[test]
    fn every_write_documents_that_storage_may_be_unavailable() {
        let json = super::document();
        let paths = json["paths"].as_object().cloned().unwrap_or_default();
        let mut writes = 0;
        for (path, item) in &paths {
            for method in ["post", "put", "patch", "delete"] {
                if let Some(operation) = item.get(method) {
                    writes += 1;
                    let description = operation["responses"]["503"]["description"]
                        .as_str()
                        .unwrap_or_default();
                    assert!(
                        description.contains("storage_unavailable"),
                        "{method} {path} lacks the 503 storage_unavailable"
                    );
                }
            }
        }
        assert!(writes > 30, "only {writes} writes found");
    }
    use super::*;
    use std::path::PathBuf;

    fn committed_path() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../openapi/openapi.json")
    }

    /// `UPDATE_OPENAPI=1 cargo test` rewrites the committed file; otherwise any drift fails with a
    /// line diff.
    #[test]
    fn the_committed_openapi_document_matches_the_code() -> Result<(), std::io::Error> {
        let generated = document_json();
        let path = committed_path();
        if std::env::var_os("UPDATE_OPENAPI").is_some() {
            std::fs::write(&path, &generated)?;
            return Ok(());
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        if committed != generated {
            let diff = similar::TextDiff::from_lines(&committed, &generated);
            let shown = diff
                .unified_diff()
                .context_radius(2)
                .header(
                    "openapi/openapi.json (committed)",
                    "generated from the code",
                )
                .to_string();
            panic!(
                "openapi/openapi.json is out of date; run `make openapi` (or UPDATE_OPENAPI=1 cargo test).\n{shown}"
            );
        }
        Ok(())
    }

    #[test]
    fn the_document_is_openapi_3_1_with_the_bearer_scheme() {
        let json = document();
        assert_eq!(json["openapi"], "3.1.0");
        assert_eq!(
            json["components"]["securitySchemes"]["bearer"]["scheme"],
            "bearer"
        );
        assert_eq!(
            json["paths"]["/api/v1/me"]["get"]["security"][0]["bearer"][0],
            "admin"
        );
    }

    #[test]
    fn every_request_body_and_query_is_probed_for_its_limits() {
        let json = document();
        let (bodies, queries) = crate::limits::covered();
        for (path, item) in json["paths"].as_object().into_iter().flatten() {
            for (method, operation) in item.as_object().into_iter().flatten() {
                let content = &operation["requestBody"]["content"];
                for media in content.as_object().into_iter().flatten().map(|(_, m)| m) {
                    let name = media["schema"]["$ref"]
                        .as_str()
                        .and_then(|r| r.strip_prefix("#/components/schemas/"))
                        .unwrap_or_default();
                    assert!(
                        bodies.contains(name) || name == "ImportUpload" || name == "WorkbookUpload",
                        "{method} {path}: register {name} in limits::bodies()"
                    );
                }
                let has_query = operation["parameters"]
                    .as_array()
                    .is_some_and(|ps| ps.iter().any(|p| p["in"] == "query"));
                assert!(
                    !has_query || queries.contains(path.as_str()),
                    "{method} {path}: register its query in limits::queries()"
                );
            }
        }
    }

    #[test]
    fn every_operation_documents_its_problem_answers() {
        let json = document();
        let login = &json["paths"]["/api/v1/auth/login"]["post"]["responses"];
        for status in ["400", "401", "413", "415", "422", "429", "500"] {
            assert!(login.get(status).is_some(), "login lacks {status}");
        }
        let users = &json["paths"]["/api/v1/users"]["get"]["responses"];
        assert!(users.get("403").is_some());
    }

    /// The role-by-operation test (`tests/api/operations_by_role.rs`) says the same against a
    /// running server; this says it in a second, with the document built from the handlers.
    #[test]
    fn every_operation_has_its_row_in_the_access_table() {
        use domain::access::expectations::EXPECTATIONS;
        use std::collections::BTreeSet;
        let json = document();
        let mut documented = BTreeSet::new();
        for (path, item) in json["paths"].as_object().cloned().unwrap_or_default() {
            for method in ["get", "post", "put", "patch", "delete"] {
                if item.get(method).is_some() {
                    documented.insert(format!("{} {path}", method.to_ascii_uppercase()));
                }
            }
        }
        let tabled: BTreeSet<String> = EXPECTATIONS
            .iter()
            .map(|e| e.operation.to_owned())
            .collect();
        let untabled: Vec<_> = documented.difference(&tabled).collect();
        let undocumented: Vec<_> = tabled.difference(&documented).collect();
        assert!(
            untabled.is_empty(),
            "add rows to domain::access::expectations for {untabled:?}"
        );
        assert!(
            undocumented.is_empty(),
            "rows of domain::access::expectations without an operation: {undocumented:?}"
        );
    }
}
