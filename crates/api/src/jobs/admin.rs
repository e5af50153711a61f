//! The job queue as admins see it: jobs by kind and state with their last errors, and the two
//! things an operator does about them, retrying a dead (or cancelled) job and cancelling one
//! that has not started. Retry and cancel are audited like every other admin write.

use crate::auth::Authenticated;
use crate::error::{ApiError, ErrorCode, FieldLocation};
use crate::extract::Paging;
use crate::state::AppState;
use actix_web::{get, post, web};
use chrono::{DateTime, Utc};
use domain::{Action, authorize};
use persistence::jobs::{self as queue, AdminOutcome, Job, state};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::{Validate, ValidationError};

/// The states a job can be in, as the `state` filter takes them.
pub const JOB_STATES: &[&str] = &state::ALL;

fn state_rule(value: &str) -> Result<(), ValidationError> {
    if JOB_STATES.contains(&value) {
        Ok(())
    } else {
        let mut e = ValidationError::new("unknown_value");
        e.message = Some(format!("one of {}", JOB_STATES.join(", ")).into());
        Err(e)
    }
}

fn kind_rule(value: &str) -> Result<(), ValidationError> {
    let fits = !value.is_empty()
        && value.chars().count() <= 100
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | ':'));
    if fits {
        Ok(())
    } else {
        let mut e = ValidationError::new("invalid_value");
        e.message = Some("a job kind: 1 to 100 of a-z, 0-9, '.', '_', '-', ':'".into());
        Err(e)
    }
}

/// The job list's filters and paging.
#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct JobQuery {
    /// Only jobs of this kind, e.g. `mail.send`.
    #[validate(custom(function = "kind_rule"))]
    pub kind: Option<String>,
    /// Only jobs in this state: queued, running, succeeded, dead or cancelled.
    #[validate(custom(function = "state_rule"))]
    pub state: Option<String>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

/// One job of the durable runner.
#[derive(Debug, Serialize, ToSchema)]
pub struct JobOut {
    pub id: i64,
    /// What the job does, e.g. `mail.send`, `webhook.deliver`.
    pub kind: String,
    /// queued, running, succeeded, dead or cancelled.
    pub state: String,
    /// Attempts made so far (the running one included).
    pub attempts: i32,
    pub max_attempts: i32,
    /// When it is due (for a queued job, its next attempt).
    pub run_at: DateTime<Utc>,
    /// The worker (`host:pid:tag`) that holds a running job.
    pub locked_by: Option<String>,
    /// When a running job's lease runs out unless its worker renews it.
    pub locked_until: Option<DateTime<Utc>>,
    /// What went wrong the last time an attempt failed.
    pub last_error: Option<String>,
    pub dedupe_key: Option<String>,
    /// The job's input, as its handler reads it.
    pub payload: serde_json::Value,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    /// Whether `POST …/retry` applies now (the job is dead or cancelled).
    pub can_retry: bool,
    /// Whether `POST …/cancel` applies now (the job is queued).
    pub can_cancel: bool,
}

impl From<&Job> for JobOut {
    fn from(job: &Job) -> Self {
        JobOut {
            id: job.id,
            kind: job.kind.clone(),
            state: job.state.clone(),
            attempts: job.attempts,
            max_attempts: job.max_attempts,
            run_at: job.run_at,
            locked_by: job.locked_by.clone(),
            locked_until: job.locked_until,
            last_error: job.last_error.clone(),
            dedupe_key: job.dedupe_key.clone(),
            payload: serde_json::from_str(&job.payload).unwrap_or(serde_json::Value::Null),
            created_at: job.created_at,
            updated_at: job.updated_at,
            finished_at: job.finished_at,
            can_retry: job.state == state::DEAD || job.state == state::CANCELLED,
            can_cancel: job.state == state::QUEUED,
        }
    }
}

/// How many jobs of one kind are in one state.
#[derive(Debug, Serialize, ToSchema)]
pub struct JobCountOut {
    pub kind: String,
    pub state: String,
    pub count: i64,
}

/// A page of jobs, newest first, and the whole queue counted by kind and state.
#[derive(Debug, Serialize, ToSchema)]
pub struct JobListOut {
    pub items: Vec<JobOut>,
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
    /// Every job, not only this page's or the filter's: by kind, then state.
    pub counts: Vec<JobCountOut>,
}

/// The job queue: a filtered page of jobs and the counts by kind and state.
#[utoipa::path(
    tag = "admin",
    params(JobQuery),
    responses((status = 200, body = JobListOut)),
    security(("bearer" = ["admin"])),
)]
#[get("/admin/jobs")]
pub async fn list_jobs(
    state: web::Data<AppState>,
    caller: Authenticated,
    query: web::Query<JobQuery>,
) -> Result<web::Json<JobListOut>, ApiError> {
    authorize(&caller.0, Action::ManageJobs)?;
    crate::extract::validate(&*query, FieldLocation::Query)?;
    let paging = Paging {
        page: query.page,
        per_page: query.per_page,
    }
    .request()?;
    let page = queue::list(
        &state.db.conn,
        query.kind.as_deref(),
        query.state.as_deref(),
        paging,
    )
    .await?;
    let mut counts: Vec<JobCountOut> = queue::counts(&state.db.conn)
        .await?
        .into_iter()
        .map(|(kind, state, count)| JobCountOut { kind, state, count })
        .collect();
    counts.sort_by(|a, b| (&a.kind, &a.state).cmp(&(&b.kind, &b.state)));
    Ok(web::Json(JobListOut {
        items: page.items.iter().map(JobOut::from).collect(),
        total: page.total,
        page: page.page,
        per_page: page.per_page,
        counts,
    }))
}

/// One job, with its last error.
#[utoipa::path(
    tag = "admin",
    params(("id" = i64, Path)),
    responses(
        (status = 200, body = JobOut),
        (status = 404, body = crate::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin"])),
)]
#[get("/admin/jobs/{id}")]
pub async fn get_job(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<i64>,
) -> Result<web::Json<JobOut>, ApiError> {
    authorize(&caller.0, Action::ManageJobs)?;
    let job = queue::find(&state.db.conn, *id)
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound))?;
    Ok(web::Json(JobOut::from(&job)))
}

/// Retry a dead or cancelled job: queued again now, with its attempts counted afresh.
#[utoipa::path(
    tag = "admin",
    params(("id" = i64, Path)),
    responses(
        (status = 200, description = "Queued again", body = JobOut),
        (status = 404, body = crate::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The job is not dead or cancelled", body = crate::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin"])),
)]
#[post("/admin/jobs/{id}/retry")]
pub async fn retry_job(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<i64>,
) -> Result<web::Json<JobOut>, ApiError> {
    authorize(&caller.0, Action::ManageJobs)?;
    let outcome = queue::retry_by(&state.db, *id, &crate::context::actor(&caller.0)).await?;
    let job = changed(outcome, |job| {
        format!(
            "job {} is {}: only dead or cancelled jobs are retried",
            job.id, job.state
        )
    })?;
    state.jobs.wake();
    Ok(web::Json(JobOut::from(&job)))
}

/// Cancel a queued job. A running job is not interrupted, and a finished one stays as it ended.
#[utoipa::path(
    tag = "admin",
    params(("id" = i64, Path)),
    responses(
        (status = 200, description = "Cancelled", body = JobOut),
        (status = 404, body = crate::Problem, content_type = "application/problem+json"),
        (status = 409, description = "The job is running or finished", body = crate::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin"])),
)]
#[post("/admin/jobs/{id}/cancel")]
pub async fn cancel_job(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<i64>,
) -> Result<web::Json<JobOut>, ApiError> {
    authorize(&caller.0, Action::ManageJobs)?;
    let outcome = queue::cancel_by(&state.db, *id, &crate::context::actor(&caller.0)).await?;
    let job = changed(outcome, |job| {
        format!(
            "job {} is {}: only queued jobs are cancelled",
            job.id, job.state
        )
    })?;
    Ok(web::Json(JobOut::from(&job)))
}

fn changed(outcome: AdminOutcome, why_not: impl Fn(&Job) -> String) -> Result<Job, ApiError> {
    match outcome {
        AdminOutcome::Changed(job) => Ok(job),
        AdminOutcome::Unchanged(job) => {
            Err(ApiError::new(ErrorCode::Conflict).with_detail(why_not(&job)))
        }
        AdminOutcome::NotFound => Err(ApiError::new(ErrorCode::NotFound)),
    }
}
