//! `/rounds`, `/round-requests` and `/me/round-requests`: reporting rounds (照会). The reform
//! office drafts a round (title, 基準日, 回答期限, the kinds of record asked, the bureaus and
//! sections asked), previews who would be asked, opens it (one request per owner, each owner
//! notified), closes and reopens it, and returns (差戻し) or accepts answers. Owners answer their
//! requests from their inbox: every item `unchanged`, or `changed` once the record was written
//! through its own endpoint, then submit (回答する).
//!
//! Who may do what is `domain::access` (`ManageRounds`, `ReadRounds`, `AnswerRounds`,
//! `request_rights`); the state rules are `domain::round`; the queries are `persistence::rounds`.

use crate::auth::Authenticated;
use crate::concurrency::{IfMatch, json_with_etag};
use crate::context::actor;
use crate::department::Directory;
use crate::dto::PageOut;
use crate::error::{ApiError, ErrorCode, FieldError, FieldLocation};
use crate::extract::{ValidJson, page_of_query};
use crate::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, delete, get, post, put, web};
use chrono::{DateTime, NaiveDate, Utc};
use domain::calendar::{InvalidSchedule, ReminderSchedule};
use domain::round::{Outcome, OwnerKind, RecordKind, RequestState, RoundState};
use domain::{Action, Principal, PrincipalKind, authorize, request_rights};
use persistence::round_reminders::{self, NudgeError};
use persistence::rounds::{
    self, Answer, Item, RecordNow, Request, RequestFilter, Round, RoundError, RoundFields,
    RoundScope,
};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use utoipa::{IntoParams, ToSchema};
use validator::{Validate, ValidationError};

// ---------------------------------------------------------------------------------------------
// Wire types

/// A kind of record a round asks about.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum RecordKindDto {
    /// 局区X方針の課題: progress as of 基準日, milestones done or slipped, status.
    PolicyIssue,
    /// KPI: the actual as of 基準日.
    Kpi,
    /// PT提案の所管課ごとの検討状況: stage, decision, outcome and timing.
    ProposalAssignment,
    /// 自主改革取組: status, period, quantified effects.
    Reform,
    /// システム管理台帳: status, annual hours saved, cost effect.
    DigitalSystem,
}

impl From<RecordKindDto> for RecordKind {
    fn from(k: RecordKindDto) -> Self {
        match k {
            RecordKindDto::PolicyIssue => RecordKind::PolicyIssue,
            RecordKindDto::Kpi => RecordKind::Kpi,
            RecordKindDto::ProposalAssignment => RecordKind::ProposalAssignment,
            RecordKindDto::Reform => RecordKind::Reform,
            RecordKindDto::DigitalSystem => RecordKind::DigitalSystem,
        }
    }
}

impl From<RecordKind> for RecordKindDto {
    fn from(k: RecordKind) -> Self {
        match k {
            RecordKind::PolicyIssue => RecordKindDto::PolicyIssue,
            RecordKind::Kpi => RecordKindDto::Kpi,
            RecordKind::ProposalAssignment => RecordKindDto::ProposalAssignment,
            RecordKind::Reform => RecordKindDto::Reform,
            RecordKind::DigitalSystem => RecordKindDto::DigitalSystem,
        }
    }
}

fn round_title(value: &str) -> Result<(), ValidationError> {
    crate::text_rules::text_rule(value, 200, false)
}

fn reason_text(value: &str) -> Result<(), ValidationError> {
    crate::text_rules::text_rule(value, 1000, true)
}

pub(crate) fn comment_text(value: &str) -> Result<(), ValidationError> {
    crate::text_rules::text_rule(value, 2000, true)
}

/// A number of business days before 回答期限 (the schema of one `reminder_days_before` entry;
/// the bounds are `domain::calendar`'s, which refuses anything else).
#[derive(ToSchema)]
#[schema(minimum = 1, maximum = 60, example = 7)]
#[allow(dead_code)]
pub struct BusinessDaysBeforeDue(i64);

/// When a round reminds the owners who have not answered, in business days (開庁日).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ReminderScheduleDto {
    /// Business days before 回答期限 to remind on, each 1–60, at most 10.
    #[schema(example = json!([7, 2]), value_type = Vec<BusinessDaysBeforeDue>, max_items = 10)]
    pub reminder_days_before: Vec<i64>,
    /// Remind on 回答期限 (on the last business day before it when it is not one).
    #[schema(example = true)]
    pub remind_on_due_date: bool,
    /// While overdue, remind every this many business days (1–60); 0: never.
    #[schema(example = 3, minimum = 0, maximum = 60)]
    pub overdue_every_business_days: i64,
}

impl From<&ReminderSchedule> for ReminderScheduleDto {
    fn from(schedule: &ReminderSchedule) -> Self {
        let fields = domain::calendar::ScheduleFields::from(schedule.clone());
        ReminderScheduleDto {
            reminder_days_before: fields.reminder_days_before,
            remind_on_due_date: fields.remind_on_due_date,
            overdue_every_business_days: fields.overdue_every_business_days,
        }
    }
}

/// A round as the office drafts or changes it.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoundIn {
    #[validate(custom(function = "round_title"))]
    #[schema(example = "令和7年度 第3四半期 進捗照会")]
    pub title: String,
    /// 基準日: the day the answers describe. Its fiscal year picks the records asked about.
    #[schema(example = "2025-12-31")]
    pub as_of: NaiveDate,
    /// 回答期限: on or after 基準日.
    #[schema(example = "2026-01-16")]
    pub due_on: NaiveDate,
    /// What is asked, at least one kind.
    #[validate(length(min = 1, max = 5, code = "length", message = "one to five kinds"))]
    pub record_kinds: Vec<RecordKindDto>,
    /// The bureaus asked (with all their sections); with `section_ids` both empty, everyone.
    #[serde(default)]
    #[validate(length(max = 500, code = "length", message = "at most 500 bureaus"))]
    pub bureau_ids: Vec<i64>,
    /// The sections asked (their own requests).
    #[serde(default)]
    #[validate(length(max = 2000, code = "length", message = "at most 2000 sections"))]
    pub section_ids: Vec<i64>,
    /// When the owners are reminded; absent: the city's default (`[calendar]`). Changed only
    /// while the round is a draft.
    pub reminder_schedule: Option<ReminderScheduleDto>,
}

/// Why a closed round is opened again: kept on the round and in the audit trail.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReopenIn {
    #[validate(custom(function = "reason_text"))]
    #[schema(example = "八幡西区役所から回答の訂正の申出があったため")]
    pub reason: String,
}

/// What the office tells the owner when it returns a request (差戻し).
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnIn {
    #[validate(custom(function = "comment_text"))]
    #[schema(example = "KPI の実績が基準日時点のものか確認してください")]
    pub comment: String,
}

/// How an owner answers one item.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum AnswerOutcomeDto {
    /// The record was changed through its own endpoint since the round opened.
    Changed,
    /// 変更なし.
    Unchanged,
}

#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerIn {
    pub outcome: AnswerOutcomeDto,
    /// A note to the office about this record.
    #[validate(custom(function = "comment_text"))]
    pub comment: Option<String>,
}

/// How many requests of a round are in each state.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct RequestCountsOut {
    pub unanswered: u64,
    pub in_progress: u64,
    pub answered: u64,
    pub returned: u64,
    pub accepted: u64,
    pub total: u64,
}

impl RequestCountsOut {
    fn of(counts: Option<&BTreeMap<&'static str, u64>>) -> Self {
        let get = |state: RequestState| {
            counts
                .and_then(|c| c.get(state.as_str()))
                .copied()
                .unwrap_or_default()
        };
        let mut out = RequestCountsOut {
            unanswered: get(RequestState::Unanswered),
            in_progress: get(RequestState::InProgress),
            answered: get(RequestState::Answered),
            returned: get(RequestState::Returned),
            accepted: get(RequestState::Accepted),
            total: 0,
        };
        out.total = out.unanswered + out.in_progress + out.answered + out.returned + out.accepted;
        out
    }
}

/// A round.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoundOut {
    pub id: i64,
    pub title: String,
    pub as_of: NaiveDate,
    pub due_on: NaiveDate,
    /// The fiscal year of 基準日, whose records are asked about.
    pub fiscal_year: i32,
    /// draft, open or closed.
    #[schema(example = "draft")]
    pub state: String,
    /// 下書き, 照会中 or 締切済.
    pub state_label: String,
    pub record_kinds: Vec<RecordKindDto>,
    pub bureau_ids: Vec<i64>,
    pub section_ids: Vec<i64>,
    pub opened_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    /// Why it was last reopened.
    pub reopen_reason: Option<String>,
    pub request_counts: RequestCountsOut,
    /// When the owners are reminded (the city's default for rounds drafted without one).
    pub reminder_schedule: ReminderScheduleDto,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Whether the caller may edit, open, close, reopen it and return or accept its answers.
    pub can_manage: bool,
}

fn round_out(
    round: &Round,
    counts: Option<&BTreeMap<&'static str, u64>>,
    caller: &Principal,
    default_schedule: &ReminderSchedule,
) -> RoundOut {
    RoundOut {
        id: round.id,
        title: round.fields.title.clone(),
        as_of: round.fields.as_of,
        due_on: round.fields.due_on,
        fiscal_year: domain::round::fiscal_year_of_round(round.fields.as_of).0,
        state: round.state.as_str().to_owned(),
        state_label: round.state.label_ja().to_owned(),
        record_kinds: round
            .fields
            .record_kinds
            .iter()
            .map(|k| (*k).into())
            .collect(),
        bureau_ids: round.fields.scope.bureau_ids.clone(),
        section_ids: round.fields.scope.section_ids.clone(),
        opened_at: round.opened_at,
        closed_at: round.closed_at,
        reopen_reason: round.reopen_reason.clone(),
        request_counts: RequestCountsOut::of(counts),
        reminder_schedule: round
            .fields
            .reminder_schedule
            .as_ref()
            .unwrap_or(default_schedule)
            .into(),
        version: round.version,
        created_at: round.created_at,
        updated_at: round.updated_at,
        can_manage: authorize(caller, Action::ManageRounds).is_ok(),
    }
}

/// The round a request belongs to, in brief.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoundBriefOut {
    pub id: i64,
    pub title: String,
    pub as_of: NaiveDate,
    pub due_on: NaiveDate,
    pub state: String,
}

/// One owner's request.
#[derive(Debug, Serialize, ToSchema)]
pub struct RequestOut {
    pub id: i64,
    pub round: RoundBriefOut,
    /// section or bureau.
    #[schema(example = "section")]
    pub owner_kind: String,
    pub owner_id: i64,
    /// The section's name today, or the bureau's.
    pub owner_name: String,
    pub bureau_id: i64,
    pub bureau_name: String,
    /// unanswered, in_progress, answered, returned or accepted.
    #[schema(example = "unanswered")]
    pub state: String,
    /// 未回答, 回答中, 回答済, 差戻し or 受理.
    pub state_label: String,
    pub item_count: i32,
    pub answered_count: i32,
    /// The office's comment when it last returned the request.
    pub return_comment: Option<String>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub returned_at: Option<DateTime<Utc>>,
    pub accepted_at: Option<DateTime<Utc>>,
    /// When the office last nudged the owner (督促); another nudge waits an hour.
    pub nudged_at: Option<DateTime<Utc>>,
    /// Past 回答期限 (Asia/Tokyo) and still waiting for the owner.
    pub overdue: bool,
    pub version: i32,
    /// Whether the caller may answer and submit it now.
    pub can_answer: bool,
}

pub(crate) fn request_out(
    dir: &Directory,
    request: &Request,
    round: &Round,
    caller: &Principal,
    today: NaiveDate,
) -> RequestOut {
    let owner = owner_for(dir, request);
    let waiting = request.state.awaits_owner();
    RequestOut {
        id: request.id,
        round: RoundBriefOut {
            id: round.id,
            title: round.fields.title.clone(),
            as_of: round.fields.as_of,
            due_on: round.fields.due_on,
            state: round.state.as_str().to_owned(),
        },
        owner_kind: request.owner_kind.as_str().to_owned(),
        owner_id: request.owner_id,
        owner_name: match request.owner_kind {
            OwnerKind::Section => dir.section(request.owner_id).name,
            OwnerKind::Bureau => dir.bureau_name(request.bureau_id),
        },
        bureau_id: request.bureau_id,
        bureau_name: dir.bureau_name(request.bureau_id),
        state: request.state.as_str().to_owned(),
        state_label: request.state.label_ja().to_owned(),
        item_count: request.item_count,
        answered_count: request.answered_count,
        return_comment: request.return_comment.clone(),
        submitted_at: request.submitted_at,
        returned_at: request.returned_at,
        accepted_at: request.accepted_at,
        nudged_at: request.nudged_at,
        overdue: waiting && round.state == RoundState::Open && round.fields.due_on < today,
        version: request.version,
        can_answer: waiting
            && round.state.takes_answers()
            && authorize(caller, Action::AnswerRounds).is_ok()
            && request_rights(caller, &owner).act,
    }
}

/// One record a request answers for, with its values now.
#[derive(Debug, Serialize, ToSchema)]
pub struct ItemOut {
    pub id: i64,
    pub record_kind: RecordKindDto,
    pub record_id: i64,
    /// The record's headline; empty when it was deleted since the round opened.
    pub title: String,
    /// The SPA path of the record.
    pub link: Option<String>,
    /// The record's version now: its own endpoint takes it in `If-Match` (a proposal's for an
    /// assignment). Null when the record is gone.
    pub record_version: Option<i32>,
    /// What the round asks about, as the record stands now (per kind: status, period and
    /// effects of a reform; status, hours and cost of a system; milestones and the latest
    /// progress note of an issue; the latest actual of a KPI; stage, decision and outcome of
    /// an assignment).
    #[schema(value_type = Object)]
    pub values: serde_json::Value,
    /// none, changed or unchanged.
    #[schema(example = "none")]
    pub outcome: String,
    pub comment: Option<String>,
    pub answered_at: Option<DateTime<Utc>>,
    pub answered_by: Option<String>,
    /// The audit events of the writes that answered a `changed` item (the round's tag).
    pub audit_event_ids: Vec<i64>,
}

fn item_out(item: &Item, now: Option<&RecordNow>) -> ItemOut {
    ItemOut {
        id: item.id,
        record_kind: item.record_kind.into(),
        record_id: item.record_id,
        title: now.map(|n| n.title.clone()).unwrap_or_default(),
        link: now.map(|n| n.link.clone()),
        record_version: now.map(|n| n.version),
        values: now
            .map(|n| n.values.clone())
            .unwrap_or(serde_json::Value::Null),
        outcome: item.outcome.as_str().to_owned(),
        comment: item.comment.clone(),
        answered_at: item.answered_at,
        answered_by: item.answered_by_label.clone(),
        audit_event_ids: item.audit_event_ids.clone(),
    }
}

/// A request with every item.
#[derive(Debug, Serialize, ToSchema)]
pub struct RequestDetailOut {
    pub request: RequestOut,
    pub items: Vec<ItemOut>,
}

/// A request after one answer, with the answered item.
#[derive(Debug, Serialize, ToSchema)]
pub struct AnswerOut {
    pub request: RequestOut,
    pub item: ItemOut,
}

/// One request opening the round would create now.
#[derive(Debug, Serialize, ToSchema)]
pub struct PreviewOwnerOut {
    pub owner_kind: String,
    pub owner_id: i64,
    pub owner_name: String,
    pub bureau_id: i64,
    pub bureau_name: String,
    /// How many records the request would list.
    pub items: i64,
}

/// What opening the round would create now, written nowhere.
#[derive(Debug, Serialize, ToSchema)]
pub struct PreviewOut {
    pub fiscal_year: i32,
    pub requests: u64,
    pub items: i64,
    pub owners: Vec<PreviewOwnerOut>,
}

// ---------------------------------------------------------------------------------------------
// Queries

fn round_state_rule(value: &str) -> Result<(), ValidationError> {
    RoundState::parse(value).map(|_| ()).ok_or_else(|| {
        let mut e = ValidationError::new("unknown_value");
        e.message = Some(format!("one of {}", ROUND_STATES.join(", ")).into());
        e
    })
}

fn request_states_rule(value: &str) -> Result<(), ValidationError> {
    if value
        .split(',')
        .all(|v| RequestState::parse(v.trim()).is_some())
    {
        return Ok(());
    }
    let mut e = ValidationError::new("unknown_value");
    e.message = Some(format!("comma-separated, each one of {}", REQUEST_STATES.join(", ")).into());
    Err(e)
}

fn owner_kind_rule(value: &str) -> Result<(), ValidationError> {
    OwnerKind::parse(value).map(|_| ()).ok_or_else(|| {
        let mut e = ValidationError::new("unknown_value");
        e.message = Some("one of section, bureau".into());
        e
    })
}

/// The states of a `state` filter (already validated).
fn states_of(value: Option<&str>) -> Vec<RequestState> {
    value
        .map(|v| v.split(',').filter_map(RequestState::parse).collect())
        .unwrap_or_default()
}

/// The states the round list's `state` filter takes.
pub const ROUND_STATES: &[&str] = &["draft", "open", "closed"];
/// The states the request list's `state` filter takes.
pub const REQUEST_STATES: &[&str] = &[
    "unanswered",
    "in_progress",
    "answered",
    "returned",
    "accepted",
];

#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RoundQuery {
    /// Only rounds in this state: draft, open or closed.
    #[validate(custom(function = "round_state_rule"))]
    pub state: Option<String>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RequestQuery {
    /// Only requests in these states, comma-separated (e.g. `answered,accepted`).
    #[validate(custom(function = "request_states_rule"))]
    pub state: Option<String>,
    /// Only requests of this bureau (its own and its sections').
    pub bureau_id: Option<i64>,
    /// Only this section's request.
    pub section_id: Option<i64>,
    /// `section`: only sections' requests; `bureau`: only bureaus' own requests.
    #[validate(custom(function = "owner_kind_rule"))]
    pub owner_kind: Option<String>,
    /// `true`: only overdue requests (the round open, past 回答期限 in Asia/Tokyo, waiting for the
    /// owner: 未回答, 回答中, 差戻し).
    pub overdue: Option<bool>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct InboxQuery {
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

// ---------------------------------------------------------------------------------------------
// Helpers

fn owner_for(dir: &Directory, request: &Request) -> domain::Owner {
    match request.owner_kind {
        OwnerKind::Section => domain::Owner::Sections {
            bureau_id: request.bureau_id,
            section_ids: vec![request.owner_id],
        },
        OwnerKind::Bureau => domain::Owner::Bureau {
            bureau_id: request.bureau_id,
            sections_of_bureau: dir.sections_of_bureau(request.bureau_id),
        },
    }
}

fn round_not_found() -> ApiError {
    ApiError::new(ErrorCode::NotFound).with_detail("no such round")
}

fn request_not_found() -> ApiError {
    ApiError::new(ErrorCode::NotFound).with_detail("no such request")
}

fn conflict(detail: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::Conflict).with_detail(detail)
}

impl From<RoundError> for ApiError {
    fn from(err: RoundError) -> Self {
        match err {
            RoundError::Store(e) => e.into(),
            RoundError::Round(c) => conflict(format!(
                "the round is {} ({}): it cannot be {}",
                c.state.as_str(),
                c.state.label_ja(),
                match c.step {
                    domain::round::RoundStep::Edit => "edited; only a draft can",
                    domain::round::RoundStep::Delete => "deleted; only a draft can",
                    domain::round::RoundStep::Open => "opened; only a draft can",
                    domain::round::RoundStep::Close => "closed; only an open round can",
                    domain::round::RoundStep::Reopen => "reopened; only a closed round can",
                }
            )),
            RoundError::Request(c) => conflict(format!(
                "the request is {} ({}): {}",
                c.state.as_str(),
                c.state.label_ja(),
                match c.step {
                    domain::round::RequestStep::AnswerItem | domain::round::RequestStep::Submit =>
                        "it was submitted; the office returns it before it can be answered again",
                    domain::round::RequestStep::Return | domain::round::RequestStep::Accept =>
                        "only a submitted request can be returned or accepted",
                }
            )),
            RoundError::NotOpen(state) => conflict(format!(
                "the round is {} ({}): it takes no answers",
                state.as_str(),
                state.label_ja()
            )),
            RoundError::NoWrite => conflict(
                "the record was not changed since the round opened by anyone answering for this \
                 request: change it through its own endpoint first, or answer `unchanged`",
            ),
            RoundError::Unanswered(ids) => ApiError {
                errors: ids
                    .iter()
                    .take(100)
                    .map(|id| FieldError {
                        pointer: format!("/items/{id}"),
                        location: FieldLocation::Body,
                        code: "unanswered".into(),
                        message: format!("item {id} is not answered"),
                    })
                    .collect(),
                ..conflict(format!(
                    "{} items are not answered yet; `errors` lists them (at most 100)",
                    ids.len()
                ))
            },
            RoundError::Stage(err) => persistence::proposals::WorkflowError::Transition(err).into(),
        }
    }
}

/// The round's fields as the store takes them, after the rules the fields follow together and
/// the organisation: 422 at the field's pointer.
async fn round_fields(state: &AppState, input: RoundIn) -> Result<RoundFields, ApiError> {
    let mut errors = Vec::new();
    let mut kinds: Vec<RecordKind> = Vec::new();
    for kind in input.record_kinds {
        let kind = RecordKind::from(kind);
        if !kinds.contains(&kind) {
            kinds.push(kind);
        }
    }
    for fault in domain::round::check_round(input.as_of, input.due_on, &kinds) {
        let (pointer, code, message) = match fault {
            domain::round::RoundFault::DueBeforeAsOf => (
                "/due_on",
                "before_as_of",
                "回答期限は基準日以降の日付にしてください (due_on must not be before as_of)",
            ),
            domain::round::RoundFault::NothingAsked => (
                "/record_kinds",
                "required",
                "name at least one kind of record",
            ),
        };
        errors.push(FieldError {
            pointer: pointer.into(),
            location: FieldLocation::Body,
            code: code.into(),
            message: message.into(),
        });
    }
    let reminder_schedule = match &input.reminder_schedule {
        None => Some(state.reminder_schedule.clone()),
        Some(dto) => match ReminderSchedule::new(
            &dto.reminder_days_before,
            dto.remind_on_due_date,
            dto.overdue_every_business_days,
        ) {
            Ok(schedule) => Some(schedule),
            Err(err) => {
                let field = match err {
                    InvalidSchedule::OverdueOutOfRange(_) => "overdue_every_business_days",
                    _ => "reminder_days_before",
                };
                errors.push(FieldError {
                    pointer: format!("/reminder_schedule/{field}"),
                    location: FieldLocation::Body,
                    code: "out_of_range".into(),
                    message: err.to_string(),
                });
                None
            }
        },
    };
    let dir = Directory::load(state).await?;
    for (i, id) in input.bureau_ids.iter().enumerate() {
        if !dir.has_bureau(*id) {
            errors.push(FieldError {
                pointer: format!("/bureau_ids/{i}"),
                location: FieldLocation::Body,
                code: "missing_reference".into(),
                message: format!("no bureau has the id {id}"),
            });
        }
    }
    for (i, id) in input.section_ids.iter().enumerate() {
        if dir.bureau_of_section(*id).is_none() {
            errors.push(FieldError {
                pointer: format!("/section_ids/{i}"),
                location: FieldLocation::Body,
                code: "missing_reference".into(),
                message: format!("no section has the id {id}"),
            });
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let dedup = |mut ids: Vec<i64>| {
        ids.sort_unstable();
        ids.dedup();
        ids
    };
    Ok(RoundFields {
        title: input.title.trim().to_owned(),
        as_of: input.as_of,
        due_on: input.due_on,
        record_kinds: kinds,
        scope: RoundScope {
            bureau_ids: dedup(input.bureau_ids),
            section_ids: dedup(input.section_ids),
        },
        reminder_schedule,
    })
}

async fn find_round(state: &AppState, id: i64) -> Result<Round, ApiError> {
    rounds::find(&state.db.conn, id)
        .await?
        .ok_or_else(round_not_found)
}

async fn round_response(
    state: &AppState,
    status: StatusCode,
    round: &Round,
    caller: &Principal,
) -> Result<HttpResponse, ApiError> {
    let counts = rounds::counts_by_state(&state.db.conn, &[round.id]).await?;
    Ok(json_with_etag(
        status,
        round.version,
        round_out(
            round,
            counts.get(&round.id),
            caller,
            &state.reminder_schedule,
        ),
    ))
}

fn round_missing(err: RoundError) -> ApiError {
    match err {
        RoundError::Store(persistence::StoreError::NotFound) => round_not_found(),
        other => other.into(),
    }
}

pub(crate) fn request_missing(err: RoundError) -> ApiError {
    match err {
        RoundError::Store(persistence::StoreError::NotFound) => request_not_found(),
        other => other.into(),
    }
}

/// A request the caller may read (404 otherwise, as if it did not exist), with its round and
/// the names.
pub(crate) async fn readable_request(
    state: &AppState,
    caller: &Principal,
    id: i64,
) -> Result<(Request, Round, Directory), ApiError> {
    let request = rounds::find_request(&state.db.conn, id)
        .await?
        .ok_or_else(request_not_found)?;
    let dir = Directory::load(state).await?;
    if !request_rights(caller, &owner_for(&dir, &request)).read {
        return Err(request_not_found());
    }
    let round = find_round(state, request.round_id).await?;
    Ok((request, round, dir))
}

/// A request the caller answers for (404 when they may not even read it, 403 when they read
/// but do not answer it).
pub(crate) async fn answerable_request(
    state: &AppState,
    caller: &Principal,
    id: i64,
) -> Result<Directory, ApiError> {
    let (request, _, dir) = readable_request(state, caller, id).await?;
    if !request_rights(caller, &owner_for(&dir, &request)).act {
        return Err(ApiError::new(ErrorCode::Forbidden)
            .with_detail("this request belongs to another section or bureau"));
    }
    Ok(dir)
}

pub(crate) fn person(caller: &Principal) -> Option<i64> {
    (caller.kind == PrincipalKind::User).then_some(caller.id)
}

// ---------------------------------------------------------------------------------------------
// Rounds

/// Rounds, newest first, with how many of their requests are in each state.
#[utoipa::path(
    tag = "rounds",
    params(RoundQuery),
    responses((status = 200, body = PageOut<RoundOut>)),
    security(("bearer" = ["admin", "editor", "viewer"])),
)]
#[get("/rounds")]
pub async fn list_rounds(
    state: web::Data<AppState>,
    caller: Authenticated,
    query: web::Query<RoundQuery>,
) -> Result<web::Json<PageOut<RoundOut>>, ApiError> {
    authorize(&caller.0, Action::ReadRounds)?;
    let page = page_of_query(&*query, query.page, query.per_page)?;
    let filter = query.state.as_deref().and_then(RoundState::parse);
    let page = rounds::list(&state.db.conn, filter, page).await?;
    let ids: Vec<i64> = page.items.iter().map(|r| r.id).collect();
    let counts = rounds::counts_by_state(&state.db.conn, &ids).await?;
    Ok(web::Json(PageOut::from_page(page, |r| {
        round_out(r, counts.get(&r.id), &caller.0, &state.reminder_schedule)
    })))
}

/// Draft a round.
#[utoipa::path(
    tag = "rounds",
    request_body = RoundIn,
    responses((status = 201, body = RoundOut)),
    security(("bearer" = ["admin"])),
)]
#[post("/rounds")]
pub async fn create_round(
    state: web::Data<AppState>,
    caller: Authenticated,
    body: ValidJson<RoundIn>,
) -> Result<HttpResponse, ApiError> {
    authorize(&caller.0, Action::ManageRounds)?;
    let fields = round_fields(&state, body.0).await?;
    let round =
        rounds::create(&state.db.conn, fields, person(&caller.0), &actor(&caller.0)).await?;
    round_response(&state, StatusCode::CREATED, &round, &caller.0).await
}

/// One round, with how many of its requests are in each state.
#[utoipa::path(
    tag = "rounds",
    params(("id" = i64, Path)),
    responses((status = 200, body = RoundOut)),
    security(("bearer" = ["admin", "editor", "viewer"])),
)]
#[get("/rounds/{id}")]
pub async fn get_round(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    authorize(&caller.0, Action::ReadRounds)?;
    let round = find_round(&state, *id).await?;
    round_response(&state, StatusCode::OK, &round, &caller.0).await
}

/// Change a draft. Needs `If-Match`; a round that was opened is 409.
#[utoipa::path(
    tag = "rounds",
    params(("id" = i64, Path), ("If-Match" = String, Header)),
    request_body = RoundIn,
    responses(
        (status = 200, body = RoundOut),
        (status = 409, description = "The round is no longer a draft", body = crate::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin"])),
)]
#[put("/rounds/{id}")]
pub async fn replace_round(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<i64>,
    if_match: IfMatch,
    body: ValidJson<RoundIn>,
) -> Result<HttpResponse, ApiError> {
    let version = if_match.version()?;
    authorize(&caller.0, Action::ManageRounds)?;
    find_round(&state, *id).await?;
    let fields = round_fields(&state, body.0).await?;
    let round = rounds::replace(&state.db.conn, *id, version, fields, &actor(&caller.0))
        .await
        .map_err(round_missing)?;
    round_response(&state, StatusCode::OK, &round, &caller.0).await
}

/// Remove a draft. Needs `If-Match`; a round that was opened is 409.
#[utoipa::path(
    tag = "rounds",
    params(("id" = i64, Path), ("If-Match" = String, Header)),
    responses(
        (status = 204),
        (status = 409, description = "The round is no longer a draft", body = crate::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin"])),
)]
#[delete("/rounds/{id}")]
pub async fn delete_round(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<i64>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let version = if_match.version()?;
    authorize(&caller.0, Action::ManageRounds)?;
    rounds::delete(&state.db.conn, *id, version, &actor(&caller.0))
        .await
        .map_err(round_missing)?;
    Ok(HttpResponse::NoContent().finish())
}

/// What opening the round would create now: how many requests, to whom, how many records each.
/// Writes nothing.
#[utoipa::path(
    tag = "rounds",
    params(("id" = i64, Path)),
    responses((status = 200, body = PreviewOut)),
    security(("bearer" = ["admin"])),
)]
#[get("/rounds/{id}/preview")]
pub async fn preview_round(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<i64>,
) -> Result<web::Json<PreviewOut>, ApiError> {
    authorize(&caller.0, Action::ManageRounds)?;
    let round = find_round(&state, *id).await?;
    let owners = rounds::preview(&state.db.conn, &round.fields).await?;
    let dir = Directory::load(&state).await?;
    let owners: Vec<PreviewOwnerOut> = owners
        .into_iter()
        .map(|o| PreviewOwnerOut {
            owner_name: if o.owner_kind == OwnerKind::Section.as_str() {
                dir.section(o.owner_id).name
            } else {
                dir.bureau_name(o.bureau_id)
            },
            bureau_name: dir.bureau_name(o.bureau_id),
            owner_kind: o.owner_kind,
            owner_id: o.owner_id,
            bureau_id: o.bureau_id,
            items: o.items,
        })
        .collect();
    Ok(web::Json(PreviewOut {
        fiscal_year: domain::round::fiscal_year_of_round(round.fields.as_of).0,
        requests: owners.len() as u64,
        items: owners.iter().map(|o| o.items).sum(),
        owners,
    }))
}

/// Open a draft: one request per owner listing its records, each owner notified
/// (`round.request_opened`), in one transaction. Needs `If-Match`.
#[utoipa::path(
    tag = "rounds",
    params(("id" = i64, Path), ("If-Match" = String, Header)),
    responses(
        (status = 200, body = RoundOut),
        (status = 409, description = "The round is not a draft", body = crate::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin"])),
)]
#[post("/rounds/{id}/open")]
pub async fn open_round(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<i64>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let version = if_match.version()?;
    authorize(&caller.0, Action::ManageRounds)?;
    let plan = state.reminder_plan();
    let (round, _) = rounds::open(&state.db.conn, *id, version, &plan, &actor(&caller.0))
        .await
        .map_err(round_missing)?;
    round_response(&state, StatusCode::OK, &round, &caller.0).await
}

/// Close an open round: its requests take no more answers, and its report is frozen as known at
/// the close (the answer comes once it is kept). Needs `If-Match`.
#[utoipa::path(
    tag = "rounds",
    params(("id" = i64, Path), ("If-Match" = String, Header)),
    responses(
        (status = 200, body = RoundOut),
        (status = 409, description = "The round is not open", body = crate::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin"])),
)]
#[post("/rounds/{id}/close")]
pub async fn close_round(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<i64>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let version = if_match.version()?;
    authorize(&caller.0, Action::ManageRounds)?;
    let round = rounds::close(&state.db.conn, *id, version, &actor(&caller.0))
        .await
        .map_err(round_missing)?;
    if let Some(closed_at) = round.closed_at {
        // The close is committed whatever happens here; a report not kept now is kept by the
        // close's job a minute later.
        if let Err(err) = rounds::freeze_report(&state.db.conn, round.id, closed_at).await {
            tracing::warn!(round_id = round.id, error = %err, "the closed round's report was left to its job");
        }
    }
    round_response(&state, StatusCode::OK, &round, &caller.0).await
}

/// Reopen a closed round, with the reason (kept on the round and audited). Needs `If-Match`.
#[utoipa::path(
    tag = "rounds",
    params(("id" = i64, Path), ("If-Match" = String, Header)),
    request_body = ReopenIn,
    responses(
        (status = 200, body = RoundOut),
        (status = 409, description = "The round is not closed", body = crate::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin"])),
)]
#[post("/rounds/{id}/reopen")]
pub async fn reopen_round(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<i64>,
    if_match: IfMatch,
    body: ValidJson<ReopenIn>,
) -> Result<HttpResponse, ApiError> {
    let version = if_match.version()?;
    authorize(&caller.0, Action::ManageRounds)?;
    let reason = body.0.reason.trim().to_owned();
    let plan = state.reminder_plan();
    let round = rounds::reopen(
        &state.db.conn,
        *id,
        version,
        reason,
        &plan,
        &actor(&caller.0),
    )
    .await
    .map_err(round_missing)?;
    round_response(&state, StatusCode::OK, &round, &caller.0).await
}

/// A round's requests, by bureau then owner; editors see only their own.
#[utoipa::path(
    tag = "rounds",
    params(("id" = i64, Path), RequestQuery),
    responses((status = 200, body = PageOut<RequestOut>)),
    security(("bearer" = ["admin", "editor", "viewer"])),
)]
#[get("/rounds/{id}/requests")]
pub async fn list_round_requests(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<i64>,
    query: web::Query<RequestQuery>,
) -> Result<web::Json<PageOut<RequestOut>>, ApiError> {
    authorize(&caller.0, Action::ReadRounds)?;
    let page = page_of_query(&*query, query.page, query.per_page)?;
    let round = find_round(&state, *id).await?;
    let filter = RequestFilter {
        states: states_of(query.state.as_deref()),
        bureau_id: query.bureau_id,
        section_id: query.section_id,
        owner_kind: query.owner_kind.as_deref().and_then(OwnerKind::parse),
        overdue_on: query
            .overdue
            .unwrap_or(false)
            .then(|| state.clock.today_in_tokyo()),
    };
    let page = rounds::list_requests(
        &state.db.conn,
        round.id,
        &filter,
        &caller.0.request_reach(),
        page,
    )
    .await?;
    let dir = Directory::load(&state).await?;
    Ok(web::Json(PageOut::from_page(page, |r| {
        request_out(&dir, r, &round, &caller.0, state.clock.today_in_tokyo())
    })))
}

// ---------------------------------------------------------------------------------------------
// Requests

/// The caller's inbox: requests of open rounds waiting for the sections and bureau they answer
/// for (未回答, 回答中, 差戻し), soonest due first on each page, with counts and an overdue flag.
#[utoipa::path(
    tag = "rounds",
    params(InboxQuery),
    responses((status = 200, body = PageOut<RequestOut>)),
    security(("bearer" = ["admin", "editor"])),
)]
#[get("/me/round-requests")]
pub async fn my_round_requests(
    state: web::Data<AppState>,
    caller: Authenticated,
    query: web::Query<InboxQuery>,
) -> Result<web::Json<PageOut<RequestOut>>, ApiError> {
    authorize(&caller.0, Action::AnswerRounds)?;
    let page = page_of_query(&*query, query.page, query.per_page)?;
    let page = rounds::inbox(&state.db.conn, &caller.0.answer_reach(), page).await?;
    let dir = Directory::load(&state).await?;
    Ok(web::Json(PageOut::from_page(page, |(r, round)| {
        request_out(&dir, r, round, &caller.0, state.clock.today_in_tokyo())
    })))
}

async fn detail(
    state: &AppState,
    dir: &Directory,
    request: &Request,
    round: &Round,
    caller: &Principal,
) -> Result<RequestDetailOut, ApiError> {
    let items = rounds::items_of(&state.db.conn, request.id).await?;
    let now: HashMap<(RecordKind, i64), RecordNow> =
        rounds::records_now(&state.db.conn, &items).await?;
    Ok(RequestDetailOut {
        request: request_out(dir, request, round, caller, state.clock.today_in_tokyo()),
        items: items
            .iter()
            .map(|i| item_out(i, now.get(&(i.record_kind, i.record_id))))
            .collect(),
    })
}

/// One request with every item: the record's values now, its version (for `If-Match` on the
/// record's own endpoint) and how it was answered. Another section's request is 404 to an
/// editor.
#[utoipa::path(
    tag = "rounds",
    params(("id" = i64, Path)),
    responses((status = 200, body = RequestDetailOut)),
    security(("bearer" = ["admin", "editor", "viewer"])),
)]
#[get("/round-requests/{id}")]
pub async fn get_round_request(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    authorize(&caller.0, Action::ReadRounds)?;
    let (request, round, dir) = readable_request(&state, &caller.0, *id).await?;
    let out = detail(&state, &dir, &request, &round, &caller.0).await?;
    Ok(json_with_etag(StatusCode::OK, request.version, out))
}

/// The path of one item of a request.
#[derive(Debug, Deserialize)]
pub struct ItemPath {
    id: i64,
    item_id: i64,
}

/// Answer one item: `unchanged` (変更なし), or `changed` once the record was written through its
/// own endpoint since the round opened by someone answering for this request (their audit
/// events are stored on the item). The first answer makes the request 回答中. A closed round,
/// or a submitted request, is 409.
#[utoipa::path(
    tag = "rounds",
    params(("id" = i64, Path), ("item_id" = i64, Path)),
    request_body = AnswerIn,
    responses(
        (status = 200, body = AnswerOut),
        (status = 409, description = "The round is not open, the request was submitted, or `changed` without a write to the record", body = crate::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin", "editor"])),
)]
#[put("/round-requests/{id}/items/{item_id}")]
pub async fn answer_round_item(
    state: web::Data<AppState>,
    caller: Authenticated,
    path: web::Path<ItemPath>,
    body: ValidJson<AnswerIn>,
) -> Result<HttpResponse, ApiError> {
    authorize(&caller.0, Action::AnswerRounds)?;
    let ItemPath { id, item_id } = path.into_inner();
    let dir = answerable_request(&state, &caller.0, id).await?;
    let input = body.0;
    let answer = Answer {
        outcome: match input.outcome {
            AnswerOutcomeDto::Changed => Outcome::Changed,
            AnswerOutcomeDto::Unchanged => Outcome::Unchanged,
        },
        comment: crate::text_rules::optional(input.comment),
        user_id: person(&caller.0),
    };
    let (request, item) =
        rounds::answer_item(&state.db.conn, id, item_id, answer, &actor(&caller.0))
            .await
            .map_err(|e| match e {
                RoundError::Store(persistence::StoreError::NotFound) => {
                    ApiError::new(ErrorCode::NotFound).with_detail("no such item in this request")
                }
                other => other.into(),
            })?;
    let round = find_round(&state, request.round_id).await?;
    let now = rounds::records_now(&state.db.conn, std::slice::from_ref(&item)).await?;
    let out = AnswerOut {
        request: request_out(
            &dir,
            &request,
            &round,
            &caller.0,
            state.clock.today_in_tokyo(),
        ),
        item: item_out(&item, now.get(&(item.record_kind, item.record_id))),
    };
    Ok(json_with_etag(StatusCode::OK, request.version, out))
}

/// 回答する: submit every answer. Needs `If-Match`; unanswered items are 409 with each listed
/// in `errors` (pointer `/items/{item_id}`).
#[utoipa::path(
    tag = "rounds",
    params(("id" = i64, Path), ("If-Match" = String, Header)),
    responses(
        (status = 200, body = RequestOut),
        (status = 409, description = "Items are not answered (`errors` lists them), the request was submitted already, or the round is not open", body = crate::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin", "editor"])),
)]
#[post("/round-requests/{id}/submit")]
pub async fn submit_round_request(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<i64>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let version = if_match.version()?;
    authorize(&caller.0, Action::AnswerRounds)?;
    let dir = answerable_request(&state, &caller.0, *id).await?;
    let request = rounds::submit(&state.db.conn, *id, version, &actor(&caller.0))
        .await
        .map_err(request_missing)?;
    let round = find_round(&state, request.round_id).await?;
    Ok(json_with_etag(
        StatusCode::OK,
        request.version,
        request_out(
            &dir,
            &request,
            &round,
            &caller.0,
            state.clock.today_in_tokyo(),
        ),
    ))
}

/// 差戻し: send a submitted request back to its owner with a comment; the owner is notified
/// (`round.request_returned`). Needs `If-Match`.
#[utoipa::path(
    tag = "rounds",
    params(("id" = i64, Path), ("If-Match" = String, Header)),
    request_body = ReturnIn,
    responses(
        (status = 200, body = RequestOut),
        (status = 409, description = "The request is not submitted", body = crate::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin"])),
)]
#[post("/round-requests/{id}/return")]
pub async fn return_round_request(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<i64>,
    if_match: IfMatch,
    body: ValidJson<ReturnIn>,
) -> Result<HttpResponse, ApiError> {
    let version = if_match.version()?;
    authorize(&caller.0, Action::ManageRounds)?;
    let comment = body.0.comment.trim().to_owned();
    let request = rounds::return_request(&state.db.conn, *id, version, comment, &actor(&caller.0))
        .await
        .map_err(request_missing)?;
    let round = find_round(&state, request.round_id).await?;
    let dir = Directory::load(&state).await?;
    Ok(json_with_etag(
        StatusCode::OK,
        request.version,
        request_out(
            &dir,
            &request,
            &round,
            &caller.0,
            state.clock.today_in_tokyo(),
        ),
    ))
}

/// 受理: take a submitted request's answers. Needs `If-Match`.
#[utoipa::path(
    tag = "rounds",
    params(("id" = i64, Path), ("If-Match" = String, Header)),
    responses(
        (status = 200, body = RequestOut),
        (status = 409, description = "The request is not submitted", body = crate::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin"])),
)]
#[post("/round-requests/{id}/accept")]
pub async fn accept_round_request(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<i64>,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    let version = if_match.version()?;
    authorize(&caller.0, Action::ManageRounds)?;
    let request = rounds::accept(&state.db.conn, *id, version, &actor(&caller.0))
        .await
        .map_err(request_missing)?;
    let round = find_round(&state, request.round_id).await?;
    let dir = Directory::load(&state).await?;
    Ok(json_with_etag(
        StatusCode::OK,
        request.version,
        request_out(
            &dir,
            &request,
            &round,
            &caller.0,
            state.clock.today_in_tokyo(),
        ),
    ))
}

// ---------------------------------------------------------------------------------------------
// 督促

fn nudge_error(err: NudgeError) -> ApiError {
    match err {
        NudgeError::Round(RoundError::Store(persistence::StoreError::NotFound)) => {
            request_not_found()
        }
        NudgeError::Round(other) => other.into(),
        NudgeError::NotWaiting(state) => conflict(format!(
            "the request is {} ({}): it waits for the office, not for its owner",
            state.as_str(),
            state.label_ja()
        )),
        NudgeError::TooSoon(seconds) => {
            ApiError::too_many_requests(u64::try_from(seconds).unwrap_or(1)).with_detail(format!(
                "this owner was nudged less than {} minutes ago; try again in {seconds} s",
                persistence::round_reminders::NUDGE_COOLDOWN_MINUTES
            ))
        }
    }
}

/// 督促: remind one owner now (a `round.nudged` event through their notification channels),
/// audited as `round_request.nudge`. The round must be open and the request waiting for its
/// owner (未回答, 回答中, 差戻し), else 409; the same request is nudged at most once an hour, else
/// 429 with `Retry-After`. Needs no `If-Match`: a nudge leaves the request's version alone.
#[utoipa::path(
    tag = "rounds",
    params(("id" = i64, Path)),
    responses(
        (status = 200, body = RequestOut),
        (status = 409, description = "The round is not open, or the request is not waiting for its owner", body = crate::Problem, content_type = "application/problem+json"),
        (status = 429, description = "This request was nudged less than an hour ago; `Retry-After` says when it may be again", body = crate::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin"])),
)]
#[post("/round-requests/{id}/nudge")]
pub async fn nudge_round_request(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    authorize(&caller.0, Action::ManageRounds)?;
    let today = state.clock.today_in_tokyo();
    let request = round_reminders::nudge(&state.db.conn, *id, today, &actor(&caller.0))
        .await
        .map_err(nudge_error)?;
    state.jobs.wake();
    let round = find_round(&state, request.round_id).await?;
    let dir = Directory::load(&state).await?;
    Ok(json_with_etag(
        StatusCode::OK,
        request.version,
        request_out(&dir, &request, &round, &caller.0, today),
    ))
}

/// What nudging a round's overdue owners did.
#[derive(Debug, Serialize, ToSchema)]
pub struct NudgeOverdueOut {
    /// The requests nudged now.
    pub nudged: Vec<i64>,
    /// Overdue requests left alone because they were nudged less than an hour ago.
    pub recently_nudged: Vec<i64>,
}

/// 督促 of every overdue owner of an open round (past 回答期限 and waiting: 未回答, 回答中,
/// 差戻し), one `round.nudged` event and audit event each, except those nudged in the last hour
/// (listed in `recently_nudged`). Before the due date nothing is overdue: both lists are empty.
/// A round that is not open is 409.
#[utoipa::path(
    tag = "rounds",
    params(("id" = i64, Path)),
    responses(
        (status = 200, body = NudgeOverdueOut),
        (status = 409, description = "The round is not open", body = crate::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin"])),
)]
#[post("/rounds/{id}/nudge-overdue")]
pub async fn nudge_overdue(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<i64>,
) -> Result<web::Json<NudgeOverdueOut>, ApiError> {
    authorize(&caller.0, Action::ManageRounds)?;
    let today = state.clock.today_in_tokyo();
    let outcome = round_reminders::nudge_overdue(&state.db.conn, *id, today, &actor(&caller.0))
        .await
        .map_err(|e| match e {
            NudgeError::Round(RoundError::Store(persistence::StoreError::NotFound)) => {
                round_not_found()
            }
            other => nudge_error(other),
        })?;
    if !outcome.nudged.is_empty() {
        state.jobs.wake();
    }
    Ok(web::Json(NudgeOverdueOut {
        nudged: outcome.nudged,
        recently_nudged: outcome.recently_nudged,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_state_filters_name_exactly_the_domains_states() {
        let rounds: Vec<&str> = RoundState::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(rounds, ROUND_STATES);
        let requests: Vec<&str> = RequestState::ALL.iter().map(|s| s.as_str()).collect();
        assert_eq!(requests, REQUEST_STATES);
    }

    #[test]
    fn the_documented_reminder_bounds_are_the_calendars() {
        use domain::calendar::{MAX_REMINDER_BUSINESS_DAYS, MAX_REMINDERS_BEFORE_DUE};
        let doc = crate::openapi::document();
        let schemas = &doc["components"]["schemas"];
        let day = &schemas["BusinessDaysBeforeDue"];
        assert_eq!(day["minimum"], 1);
        assert_eq!(day["maximum"], MAX_REMINDER_BUSINESS_DAYS);
        let schedule = &schemas["ReminderScheduleDto"]["properties"];
        assert_eq!(
            schedule["reminder_days_before"]["maxItems"],
            MAX_REMINDERS_BEFORE_DUE
        );
        assert_eq!(schedule["overdue_every_business_days"]["minimum"], 0);
        assert_eq!(
            schedule["overdue_every_business_days"]["maximum"],
            MAX_REMINDER_BUSINESS_DAYS
        );
        let most = vec![MAX_REMINDER_BUSINESS_DAYS; MAX_REMINDERS_BEFORE_DUE];
        assert!(ReminderSchedule::new(&most, true, MAX_REMINDER_BUSINESS_DAYS).is_ok());
        let one_too_many = vec![1; MAX_REMINDERS_BEFORE_DUE + 1];
        assert!(ReminderSchedule::new(&one_too_many, true, 0).is_err());
        assert!(ReminderSchedule::new(&[0], true, 0).is_err());
        assert!(ReminderSchedule::new(&[MAX_REMINDER_BUSINESS_DAYS + 1], true, 0).is_err());
        assert!(ReminderSchedule::new(&[1], true, MAX_REMINDER_BUSINESS_DAYS + 1).is_err());
    }
}
