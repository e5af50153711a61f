//! The OpenAPI 3.1 document, collected from the real handlers by utoipa-actix-web and completed
//! with the bearer scheme and the problem+json answers every operation can give.

use crate::error::{ErrorCode, FieldError, FieldLocation, Problem};
use utoipa::openapi::path::Operation;
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, OpenApi, Ref, RefOr};
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

fn problem_response(description: &str) -> RefOr<utoipa::openapi::response::Response> {
    RefOr::T(
        ResponseBuilder::new()
            .description(description)
            .content(
                crate::error::PROBLEM_JSON,
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("Problem")))
                    .build(),
            )
            .build(),
    )
}

/// Adds the error answers an operation can give because of what it is (has a body, needs a
/// token), so that no handler has to list them by hand and none forgets one.
fn add_problem_responses(operation: &mut Operation) {
    let responses = &mut operation.responses.responses;
    let mut add = |status: &str, description: &str| {
        responses
            .entry(status.to_owned())
            .or_insert_with(|| problem_response(description));
    };
    let secured = operation
        .security
        .as_ref()
        .is_some_and(|requirements| !requirements.is_empty());
    if operation.request_body.is_some() {
        add("400", "The body is not valid JSON (malformed_json)");
        add(
            "413",
            "The body is larger than the documented limit (payload_too_large)",
        );
        add(
            "415",
            "The Content-Type is not accepted (unsupported_media_type)",
        );
        add(
            "422",
            "Fields are invalid; `errors` lists each with a JSON pointer (validation_failed)",
        );
    }
    let has_query = operation.parameters.as_ref().is_some_and(|parameters| {
        parameters.iter().any(|p| {
            matches!(p, RefOr::T(p) if p.parameter_in == utoipa::openapi::path::ParameterIn::Query)
        })
    });
    if has_query {
        add(
            "400",
            "The query string is not valid percent-encoded UTF-8 (invalid_query)",
        );
    }
    if operation.parameters.as_ref().is_some_and(|p| !p.is_empty()) {
        add(
            "422",
            "Parameters are invalid; `errors` lists each (validation_failed)",
        );
    }
    if secured {
        add(
            "401",
            "No valid access token (unauthenticated, invalid_token)",
        );
        add("403", "The caller's role may not do this (forbidden)");
    }
    add(
        "500",
        "Internal error; the body carries only the request id (internal_error)",
    );
}

/// The document as served at `/api/openapi.json` and committed as `openapi/openapi.json`.
pub fn document() -> OpenApi {
    use actix_web::App;
    use utoipa_actix_web::AppExt;
    let (_, mut openapi) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(crate::register_routes)
        .split_for_parts();
    for (path, item) in openapi.paths.paths.iter_mut() {
        for operation in [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ]
        .into_iter()
        .flatten()
        {
            add_problem_responses(operation);
        }
        for operation in [
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ]
        .into_iter()
        .flatten()
        {
            add_storage_unavailable(operation);
        }
        if let Some(post) = item.post.as_mut() {
            crate::idempotency::document_operation(path, post);
        }
    }
    openapi
}

/// Every write can meet a full disk, a read-only database or a lost connection; nothing it
/// changed is kept then.
fn add_storage_unavailable(operation: &mut Operation) {
    operation
        .responses
        .responses
        .entry("503".to_owned())
        .or_insert_with(|| {
            problem_response(
                "Nothing was saved: the database cannot take writes now (full disk, read-only, \
lost connection) or does not answer. `storage_unavailable` comes with `Retry-After`; \
`service_unavailable` when no connection could be had",
            )
        });
}

/// Pretty JSON with a final newline: the exact bytes of the committed file.
pub fn document_json() -> String {
    let mut json = document()
        .to_pretty_json()
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    json.push('\n');
    json
}

#[cfg(test)]
mod tests {
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
        let doc = document();
        let json = serde_json::to_value(&doc).unwrap_or_default();
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
    fn every_operation_documents_its_problem_answers() {
        let json = serde_json::to_value(document()).unwrap_or_default();
        let login = &json["paths"]["/api/v1/auth/login"]["post"]["responses"];
        for status in ["400", "401", "413", "415", "422", "429", "500"] {
            assert!(login.get(status).is_some(), "login lacks {status}");
        }
        let users = &json["paths"]["/api/v1/users"]["get"]["responses"];
        assert!(users.get("403").is_some());
    }

    #[test]
    fn every_write_documents_that_storage_may_be_unavailable() {
        let json = serde_json::to_value(document()).unwrap_or_default();
        let paths = json["paths"].as_object().cloned().unwrap_or_default();
        let mut writes = 0;
        for (path, item) in &paths {
            for method in ["post", "put", "patch", "delete"] {
                if let Some(operation) = item.get(method) {
                    writes += 1;
                    assert!(
                        operation["responses"].get("503").is_some(),
                        "{method} {path} lacks 503"
                    );
                }
            }
        }
        assert!(writes > 30, "only {writes} writes found");
    }
}
