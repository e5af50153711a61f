//! `/policies`, `/policy-issues`, `/milestones`, `/progress-notes`, `/kpis`: each bureau's
//! annual X policy with its issues in areas A/B/C, quarterly milestones, progress notes as of
//! dates and KPIs whose change against the baseline is computed here, never typed in. This module
//! holds what its parts share: who may write under an issue, and the common answers.
//!
//! A policy is bureau-wide: admins, editors of the bureau and editors of any of its sections
//! write it and everything under it.

pub mod check_in;
pub mod issue;
pub mod kpi;
pub mod milestone;
pub mod note;
pub mod policy;

use crate::concurrency::json_with_etag;
use crate::department::Directory;
use crate::error::{ApiError, ErrorCode};
use crate::state::AppState;
use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use domain::policy::Issue;
use domain::{Action, Principal, authorize};
use persistence::policies;
use serde::Serialize;

fn forbidden() -> ApiError {
    ApiError::new(ErrorCode::Forbidden).with_detail(
        "editors write the X policy of their own bureau (or of their sections' bureau)",
    )
}

fn not_found() -> ApiError {
    ApiError::new(ErrorCode::NotFound)
}

fn with_version<T: Serialize>(status: StatusCode, version: i32, out: T) -> HttpResponse {
    json_with_etag(status, version, out)
}

/// The issue, if the caller may write under it: the one place a write to an X policy's issue,
/// milestones, progress notes and KPIs is decided, from the issue's bureau.
async fn writable_issue(
    state: &AppState,
    caller: &Principal,
    issue_id: i64,
) -> Result<(Issue, Directory), ApiError> {
    authorize(caller, Action::EditDepartmentWork)?;
    let issue = policies::find_issue(&state.db.conn, issue_id)
        .await?
        .ok_or_else(not_found)?;
    let dir = Directory::load(state).await?;
    if !dir.rights_over_bureau(caller, issue.bureau_id).edit {
        return Err(forbidden());
    }
    Ok((issue, dir))
}

/// A record hanging under an issue (a milestone, a KPI, a progress note), with its issue, if the
/// caller may write under that issue. 404 when `find` finds nothing.
async fn writable_under_issue<T>(
    state: &AppState,
    caller: &Principal,
    find: impl Future<Output = Result<Option<T>, persistence::StoreError>>,
    issue_of: impl Fn(&T) -> i64,
) -> Result<(T, Issue, Directory), ApiError> {
    authorize(caller, Action::EditDepartmentWork)?;
    let record = find.await?.ok_or_else(not_found)?;
    let (issue, dir) = writable_issue(state, caller, issue_of(&record)).await?;
    Ok((record, issue, dir))
}
