//! Per-request facts (request id, path, preferred language) that error rendering, logging and
//! the audit trail need without every function passing them along.

use domain::{Principal, PrincipalKind};
use persistence::AuditActor;
use std::future::Future;

#[derive(Debug, Clone)]
pub struct RequestContext {
    pub request_id: String,
    pub path: String,
    pub english: bool,
}

tokio::task_local! {
    static CONTEXT: RequestContext;
}

pub fn current() -> Option<RequestContext> {
    CONTEXT.try_with(Clone::clone).ok()
}

pub fn request_id() -> Option<String> {
    CONTEXT.try_with(|c| c.request_id.clone()).ok()
}

/// The caller as the audit trail records them, with this request's id.
pub fn actor(principal: &Principal) -> AuditActor {
    AuditActor {
        kind: match principal.kind {
            PrincipalKind::User => "user".into(),
            PrincipalKind::ServiceAccount => "service_account".into(),
        },
        id: Some(principal.id),
        label: principal.display_name.clone(),
        request_id: request_id(),
        source: None,
    }
}

/// Japanese is the default; English when the request's first preferred language is English.
pub fn prefers_english() -> bool {
    CONTEXT.try_with(|c| c.english).unwrap_or(false)
}

pub async fn scope<F: Future>(ctx: RequestContext, f: F) -> F::Output {
    CONTEXT.scope(ctx, f).await
}

pub fn sync_scope<R>(ctx: RequestContext, f: impl FnOnce() -> R) -> R {
    CONTEXT.sync_scope(ctx, f)
}

/// Reads `Accept-Language` by its first tag, which is what the SPA sends for its chosen language.
pub fn english_preferred(accept_language: Option<&str>) -> bool {
    accept_language
        .and_then(|value| value.split(',').next())
        .map(|tag| tag.trim().to_ascii_lowercase().starts_with("en"))
        .unwrap_or(false)
}

/// Accepts a caller's `X-Request-Id` only when it is short and plain, so it is safe in logs.
pub fn acceptable_request_id(value: &str) -> bool {
    (1..=64).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_is_chosen_only_when_listed_first() {
        assert!(english_preferred(Some("en-US,en;q=0.9,ja;q=0.8")));
        assert!(!english_preferred(Some("ja,en;q=0.8")));
        assert!(!english_preferred(None));
    }

    #[test]
    fn request_ids_with_spaces_or_newlines_are_replaced() {
        assert!(acceptable_request_id("4f1c-22aa.lb_1"));
        assert!(!acceptable_request_id("bad id"));
        assert!(!acceptable_request_id("x\ny"));
        assert!(!acceptable_request_id(&"a".repeat(65)));
    }
}
