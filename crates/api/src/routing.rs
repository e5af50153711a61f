//! What to answer when no handler matched: 405 with `Allow` when the path exists with other
//! methods, 404 problem+json under `/api`, and the SPA's index.html for client-side routes.

use crate::error::{ApiError, ErrorCode};
use actix_web::http::Method;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::Value;
use std::path::PathBuf;

/// One documented operation as the server enforces it before any handler runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteOperation {
    pub method: &'static str,
    /// The roles its `bearer` security requirement lists; `None` for operations open to anyone.
    pub roles: Option<Vec<String>>,
}

/// The documented paths and their operations, matched segment by segment (`{id}` matches any
/// one). A literal segment wins over a template, as in the router: `/proposals/export` is the
/// export, never a proposal whose id is `export`.
#[derive(Debug, Clone, Default)]
pub struct RouteTable {
    routes: Vec<(Vec<String>, Vec<RouteOperation>)>,
}

impl RouteTable {
    /// The table of a completed OpenAPI document (`openapi::document()`).
    pub fn from_openapi(openapi: &Value) -> Self {
        const METHODS: [&str; 5] = ["GET", "PUT", "POST", "DELETE", "PATCH"];
        let mut routes: Vec<(Vec<String>, Vec<RouteOperation>)> = openapi["paths"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(path, item)| {
                let operations = METHODS
                    .into_iter()
                    .filter_map(|method| {
                        let operation = item.get(method.to_ascii_lowercase())?;
                        Some(RouteOperation {
                            method,
                            roles: bearer_roles(operation),
                        })
                    })
                    .collect();
                (split(path).map(str::to_owned).collect(), operations)
            })
            .collect();
        // Fewer templated segments first, so the most literal match is found first.
        routes.sort_by_key(|(template, _)| template.iter().filter(|s| is_template(s)).count());
        RouteTable { routes }
    }

    /// The operations of the documented path this request path addresses.
    pub fn operations(&self, path: &str) -> Option<&[RouteOperation]> {
        let segments: Vec<&str> = split(path).collect();
        self.routes
            .iter()
            .find(|(template, _)| {
                template.len() == segments.len()
                    && template
                        .iter()
                        .zip(&segments)
                        .all(|(t, s)| t == s || (is_template(t) && !s.is_empty()))
            })
            .map(|(_, operations)| operations.as_slice())
    }

    pub fn allowed_methods(&self, path: &str) -> Option<Vec<&'static str>> {
        self.operations(path)
            .map(|operations| operations.iter().map(|o| o.method).collect())
    }
}

fn is_template(segment: &str) -> bool {
    segment.starts_with('{')
}

/// The scopes of the operation's `bearer` requirement: the roles that may call it.
fn bearer_roles(operation: &Value) -> Option<Vec<String>> {
    let roles: Vec<String> = operation
        .get("security")?
        .as_array()?
        .iter()
        .filter_map(|requirement| requirement.get("bearer")?.as_array().cloned())
        .flatten()
        .filter_map(|role| role.as_str().map(str::to_owned))
        .collect();
    Some(roles)
}

fn split(path: &str) -> impl Iterator<Item = &str> {
    path.trim_end_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
}

/// The built SPA, when there is one.
#[derive(Debug, Clone)]
pub struct SpaDist(pub PathBuf);

fn is_server_path(path: &str) -> bool {
    path == "/api" || path.starts_with("/api/") || path == "/healthz" || path == "/readyz"
}

pub async fn fallback(
    req: HttpRequest,
    routes: web::Data<RouteTable>,
    spa: Option<web::Data<SpaDist>>,
) -> Result<HttpResponse, ApiError> {
    let path = req.path();
    if let Some(allowed) = routes.allowed_methods(path)
        && !allowed.contains(&req.method().as_str())
    {
        return Err(ApiError {
            allowed_methods: allowed.iter().map(|m| (*m).to_owned()).collect(),
            ..ApiError::new(ErrorCode::MethodNotAllowed)
        });
    }
    let reads = req.method() == Method::GET || req.method() == Method::HEAD;
    match spa {
        Some(spa) if reads && !is_server_path(path) => spa_index(&req, &spa.0),
        _ => Err(ApiError::new(ErrorCode::RouteNotFound)),
    }
}

/// A path that names a file (`/assets/app-1a2b.js`, `/favicon.ico`) rather than a screen. A
/// missing file must be a 404, or a page from an older release would get HTML for its script.
fn names_a_file(path: &str) -> bool {
    path.starts_with("/assets/")
        || path
            .rsplit('/')
            .next()
            .is_some_and(|last| last.contains('.'))
}

/// index.html for a client-side route such as `/proposals/12`; never cached, so a new release is
/// picked up on the next load.
pub fn spa_index(req: &HttpRequest, dist: &std::path::Path) -> Result<HttpResponse, ApiError> {
    if names_a_file(req.path()) {
        return Err(ApiError::new(ErrorCode::NotFound).with_detail("no such file"));
    }
    let file = actix_files::NamedFile::open(dist.join("index.html"))
        .map_err(|_| ApiError::new(ErrorCode::RouteNotFound))?;
    let mut response = file
        .use_etag(false)
        .use_last_modified(false)
        .into_response(req);
    response.headers_mut().insert(
        actix_web::http::header::CACHE_CONTROL,
        actix_web::http::header::HeaderValue::from_static("no-cache"),
    );
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn screens_fall_back_to_the_app_but_missing_files_do_not() {
        assert!(names_a_file("/assets/index-abc.js"));
        assert!(names_a_file("/favicon.ico"));
        assert!(!names_a_file("/proposals/12"));
        assert!(!names_a_file("/"));
    }

    #[test]
    fn a_templated_path_matches_any_single_segment() {
        let op = |method| RouteOperation {
            method,
            roles: None,
        };
        let table = RouteTable {
            routes: vec![
                (
                    vec!["api".into(), "v1".into(), "users".into(), "export".into()],
                    vec![op("GET")],
                ),
                (
                    vec!["api".into(), "v1".into(), "me".into()],
                    vec![op("GET")],
                ),
                (
                    vec!["api".into(), "v1".into(), "users".into(), "{id}".into()],
                    vec![op("GET"), op("PATCH")],
                ),
            ],
        };
        assert_eq!(
            table.allowed_methods("/api/v1/users/12"),
            Some(vec!["GET", "PATCH"])
        );
        assert_eq!(table.allowed_methods("/api/v1/me/"), Some(vec!["GET"]));
        assert_eq!(table.allowed_methods("/api/v1/users/12/x"), None);
        assert_eq!(
            table.allowed_methods("/api/v1/users/export"),
            Some(vec!["GET"]),
            "the literal route wins"
        );

        assert_eq!(table.allowed_methods("/api/v1/nothing"), None);
    }
}
