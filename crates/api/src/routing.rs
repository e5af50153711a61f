//! What to answer when no handler matched: 405 with `Allow` when the path exists with other
//! methods, 404 problem+json under `/api`, and the SPA's index.html for client-side routes.

use crate::error::{ApiError, ErrorCode};
use actix_web::http::Method;
use actix_web::{HttpRequest, HttpResponse, web};
use std::path::PathBuf;
use utoipa::openapi::OpenApi;

/// The documented paths and their methods, matched segment by segment (`{id}` matches any one).
#[derive(Debug, Clone, Default)]
pub struct RouteTable {
    routes: Vec<(Vec<String>, Vec<&'static str>)>,
}

impl RouteTable {
    pub fn from_openapi(openapi: &OpenApi) -> Self {
        let routes = openapi
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let methods = [
                    ("GET", item.get.is_some()),
                    ("PUT", item.put.is_some()),
                    ("POST", item.post.is_some()),
                    ("DELETE", item.delete.is_some()),
                    ("PATCH", item.patch.is_some()),
                ]
                .into_iter()
                .filter_map(|(name, present)| present.then_some(name))
                .collect();
                (split(path).map(str::to_owned).collect(), methods)
            })
            .collect();
        RouteTable { routes }
    }

    pub fn allowed_methods(&self, path: &str) -> Option<Vec<&'static str>> {
        let segments: Vec<&str> = split(path).collect();
        self.routes
            .iter()
            .find(|(template, _)| {
                template.len() == segments.len()
                    && template
                        .iter()
                        .zip(&segments)
                        .all(|(t, s)| t == s || (t.starts_with('{') && !s.is_empty()))
            })
            .map(|(_, methods)| methods.clone())
    }
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
        let table = RouteTable {
            routes: vec![
                (
                    vec!["api".into(), "v1".into(), "users".into(), "{id}".into()],
                    vec!["GET", "PATCH"],
                ),
                (vec!["api".into(), "v1".into(), "me".into()], vec!["GET"]),
            ],
        };
        assert_eq!(
            table.allowed_methods("/api/v1/users/12"),
            Some(vec!["GET", "PATCH"])
        );
        assert_eq!(table.allowed_methods("/api/v1/me/"), Some(vec!["GET"]));
        assert_eq!(table.allowed_methods("/api/v1/users/12/x"), None);
        assert_eq!(table.allowed_methods("/api/v1/nothing"), None);
    }
}
