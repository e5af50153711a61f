//! Bureau X policies: one per bureau and fiscal year, their issues in areas A/B/C, quarterly
//! milestones, progress notes as of dates, and KPIs with their measured actuals.

use crate::StoreError;
use crate::announce;
use crate::audit::AuditActor;
use crate::entities::{kpi, kpi_actual, milestone, policy, policy_issue, progress_note};
use crate::history;
use crate::page::{Page, PageRequest};
use crate::proposals::like_literal;
use crate::rows;
use crate::unlink;
use crate::write::{self, Change, FiledUnder, Write};
use chrono::{DateTime, NaiveDate, Utc};
use domain::link::EntityKind;
use domain::policy::{
    Area, Issue, IssueFields, IssueStatus, Kpi, KpiActual, KpiDirection, KpiFields, Level,
    Milestone, MilestoneConflict, MilestoneFields, MilestoneState, Policy, PolicyFields,
    ProgressNote, Quarter,
};
use domain::search::SearchText;
use sea_orm::sea_query::{Expr, ExprTrait, LikeExpr, Query};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    TransactionTrait,
};
use std::collections::HashMap;

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("{what} {value}"))
}

// ---------------------------------------------------------------------------------------------
// Policies

fn policy_of(row: policy::Model, issue_count: u64) -> Policy {
    Policy {
        id: row.id,
        fields: PolicyFields {
            bureau_id: row.bureau_id,
            fiscal_year: row.fiscal_year,
            mission: row.mission,
            basic_information: row.basic_information,
            review_summary: row.review_summary,
            review_achieved: row.review_achieved,
            review_not_achieved: row.review_not_achieved,
            direction: row.direction,
        },
        issue_count,
        version: row.version,
        created_at: row.created_at,
        updated_at: row.updated_at,
    }
}

fn policy_values(fields: &PolicyFields, row: &mut policy::ActiveModel) {
    row.bureau_id = Set(fields.bureau_id);
    row.fiscal_year = Set(fields.fiscal_year);
    row.mission = Set(fields.mission.clone());
    row.basic_information = Set(fields.basic_information.clone());
    row.review_summary = Set(fields.review_summary.clone());
    row.review_achieved = Set(fields.review_achieved.clone());
    row.review_not_achieved = Set(fields.review_not_achieved.clone());
    row.direction = Set(fields.direction.clone());
    row.search_text = Set(fields.search_text());
}

async fn issue_counts<C: ConnectionTrait>(
    conn: &C,
    policy_ids: &[i64],
) -> Result<HashMap<i64, u64>, StoreError> {
    if policy_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(i64, i64)> = policy_issue::Entity::find()
        .select_only()
        .column(policy_issue::Column::PolicyId)
        .column_as(policy_issue::Column::Id.count(), "count")
        .filter(policy_issue::Column::PolicyId.is_in(policy_ids.iter().copied()))
        .group_by(policy_issue::Column::PolicyId)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, count)| (id, u64::try_from(count).unwrap_or(0)))
        .collect())
}

async fn check_bureau<C: ConnectionTrait>(conn: &C, bureau_id: i64) -> Result<(), StoreError> {
    match crate::entities::bureau::Entity::find_by_id(bureau_id)
        .one(conn)
        .await?
    {
        Some(_) => Ok(()),
        None => Err(StoreError::MissingReference("bureau")),
    }
}

pub async fn find_policy<C: ConnectionTrait>(
    conn: &C,
    id: i64,
) -> Result<Option<Policy>, StoreError> {
    let Some(row) = policy::Entity::find_by_id(id).one(conn).await? else {
        return Ok(None);
    };
    let counts = issue_counts(conn, &[id]).await?;
    Ok(Some(policy_of(row, counts.get(&id).copied().unwrap_or(0))))
}

pub async fn create_policy(
    db: &DatabaseConnection,
    fields: PolicyFields,
    actor: &AuditActor,
) -> Result<Policy, StoreError> {
    write::create(
        db,
        Write::new("policy.create", "policy", actor),
        move |txn, now| {
            Box::pin(async move {
                check_bureau(txn, fields.bureau_id).await?;
                let mut row: policy::ActiveModel = Default::default();
                policy_values(&fields, &mut row);
                Ok(policy_of(write::insert_row(txn, now, row).await?, 0))
            })
        },
    )
    .await
}

pub async fn replace_policy(
    db: &DatabaseConnection,
    id: i64,
    expected_version: i32,
    fields: PolicyFields,
    actor: &AuditActor,
) -> Result<Policy, StoreError> {
    write::update(
        db,
        Change::new("policy.update", "policy", id, expected_version, actor),
        move |txn| Box::pin(find_policy(txn, id)),
        move |txn, _| Box::pin(async move { check_bureau(txn, fields.bureau_id).await }),
        move |txn, _, step| {
            Box::pin(async move {
                let mut row: policy::ActiveModel = Default::default();
                policy_values(&fields, &mut row);
                write::replace_row(txn, step, id, row).await
            })
        },
    )
    .await
}

#[derive(Debug, Clone, Default)]
pub struct PolicyFilter {
    pub bureau_id: Option<i64>,
    pub fiscal_year: Option<i32>,
    /// In search form; found in the policy's own text or any of its issues.
    pub text: Option<String>,
}

pub async fn list_policies<C: ConnectionTrait>(
    conn: &C,
    filter: &PolicyFilter,
    page: PageRequest,
) -> Result<Page<Policy>, StoreError> {
    use policy::Column as P;
    let mut query = policy::Entity::find();
    if let Some(bureau_id) = filter.bureau_id {
        query = query.filter(P::BureauId.eq(bureau_id));
    }
    if let Some(year) = filter.fiscal_year {
        query = query.filter(P::FiscalYear.eq(year));
    }
    if let Some(text) = filter.text.as_deref().filter(|t| !t.is_empty()) {
        let pattern = || LikeExpr::new(like_literal(text)).escape('\\');
        let mut in_issues = Query::select();
        in_issues
            .column(policy_issue::Column::PolicyId)
            .from(policy_issue::Entity)
            .and_where(Expr::col(policy_issue::Column::SearchText).like(pattern()));
        query = query.filter(
            P::SearchText
                .like(pattern())
                .or(P::Id.in_subquery(in_issues.to_owned())),
        );
    }
    let total = query.clone().count(conn).await?;
    let rows = query
        .order_by_desc(P::FiscalYear)
        .order_by_asc(P::BureauId)
        .order_by_asc(P::Id)
        .offset(page.offset())
        .limit(page.per_page)
        .all(conn)
        .await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let counts = issue_counts(conn, &ids).await?;
    Ok(Page {
        items: rows
            .into_iter()
            .map(|row| {
                let count = counts.get(&row.id).copied().unwrap_or(0);
                policy_of(row, count)
            })
            .collect(),
        total,
        page: page.page,
        per_page: page.per_page,
    })
}

// ---------------------------------------------------------------------------------------------
// Issues

fn level_of(raw: Option<&str>) -> Result<Option<Level>, StoreError> {
    raw.map(|l| Level::parse(l).ok_or_else(|| corrupt("level", l)))
        .transpose()
}

async fn issues_of_rows<C: ConnectionTrait>(
    conn: &C,
    rows: Vec<policy_issue::Model>,
) -> Result<Vec<Issue>, StoreError> {
    let policies: HashMap<i64, (i64, i32)> = if rows.is_empty() {
        HashMap::new()
    } else {
        policy::Entity::find()
            .filter(policy::Column::Id.is_in(rows.iter().map(|r| r.policy_id)))
            .all(conn)
            .await?
            .into_iter()
            .map(|p| (p.id, (p.bureau_id, p.fiscal_year)))
            .collect()
    };
    rows.into_iter()
        .map(|row| {
            let (bureau_id, fiscal_year) = policies
                .get(&row.policy_id)
                .copied()
                .ok_or_else(|| corrupt("policy of issue", &row.id.to_string()))?;
            Ok(Issue {
                id: row.id,
                policy_id: row.policy_id,
                bureau_id,
                fiscal_year,
                fields: IssueFields {
                    area: Area::parse(&row.area).ok_or_else(|| corrupt("area", &row.area))?,
                    number: row.number,
                    policy_field: row.policy_field,
                    impact: level_of(row.impact.as_deref())?,
                    urgency: level_of(row.urgency.as_deref())?,
                    title: row.title,
                    content: row.content,
                    background: row.background,
                    target_outcome: row.target_outcome,
                    actions: row.actions,
                    status: match row.owner_status.as_deref() {
                        None => None,
                        Some(word) => Some(
                            IssueStatus::parse(word)
                                .ok_or_else(|| corrupt("issue status", word))?,
                        ),
                    },
                },
                version: row.version,
            })
        })
        .collect()
}

fn issue_values(fields: &IssueFields, row: &mut policy_issue::ActiveModel) {
    row.area = Set(fields.area.as_str().to_owned());
    row.number = Set(fields.number);
    row.policy_field = Set(fields.policy_field.clone());
    row.impact = Set(fields.impact.map(|l| l.as_str().to_owned()));
    row.urgency = Set(fields.urgency.map(|l| l.as_str().to_owned()));
    row.title = Set(fields.title.clone());
    row.content = Set(fields.content.clone());
    row.background = Set(fields.background.clone());
    row.target_outcome = Set(fields.target_outcome.clone());
    row.actions = Set(fields.actions.clone());
    row.owner_status = Set(fields.status.map(|s| s.as_str().to_owned()));
    row.search_text = Set(fields.search_text());
}

pub async fn find_issue<C: ConnectionTrait>(
    conn: &C,
    id: i64,
) -> Result<Option<Issue>, StoreError> {
    let Some(row) = policy_issue::Entity::find_by_id(id).one(conn).await? else {
        return Ok(None);
    };
    Ok(issues_of_rows(conn, vec![row]).await?.pop())
}

pub async fn create_issue(
    db: &DatabaseConnection,
    policy_id: i64,
    fields: IssueFields,
    actor: &AuditActor,
) -> Result<Issue, StoreError> {
    write::create(
        db,
        Write::new("policy_issue.create", "policy_issue", actor),
        move |txn, now| {
            Box::pin(async move {
                if policy::Entity::find_by_id(policy_id)
                    .one(txn)
                    .await?
                    .is_none()
                {
                    return Err(StoreError::NotFound);
                }
                let mut row = policy_issue::ActiveModel {
                    policy_id: Set(policy_id),
                    ..Default::default()
                };
                issue_values(&fields, &mut row);
                let row = write::insert_row(txn, now, row).await?;
                issues_of_rows(txn, vec![row])
                    .await?
                    .pop()
                    .ok_or(StoreError::NotFound)
            })
        },
    )
    .await
}

pub async fn replace_issue<Db: TransactionTrait<Transaction = DatabaseTransaction>>(
    db: &Db,
    id: i64,
    expected_version: i32,
    fields: IssueFields,
    actor: &AuditActor,
) -> Result<Issue, StoreError> {
    let mut row: policy_issue::ActiveModel = Default::default();
    issue_values(&fields, &mut row);
    write::replace(
        db,
        Change::new(
            "policy_issue.update",
            "policy_issue",
            id,
            expected_version,
            actor,
        ),
        move |txn| Box::pin(find_issue(txn, id)),
        row,
    )
    .await
}

pub async fn delete_issue(
    db: &DatabaseConnection,
    id: i64,
    expected_version: i32,
    actor: &AuditActor,
) -> Result<(), StoreError> {
    write::delete(
        db,
        Change::new(
            "policy_issue.delete",
            "policy_issue",
            id,
            expected_version,
            actor,
        ),
        move |txn| Box::pin(find_issue(txn, id)),
        move |txn, _, step| {
            Box::pin(async move {
                let parts = issue_part_ids(txn, id).await?;
                for k in &parts.kpis {
                    unlink::delete_links_of(txn, EntityKind::Kpi, *k).await?;
                }
                unlink::delete_links_of(txn, EntityKind::PolicyIssue, id).await?;
                policy_issue::Entity::delete_by_id(id).exec(txn).await?;
                // The parts went with the issue (ON DELETE CASCADE): their deletion is a version
                // of each, so a report as known before it still counts them.
                parts.record_deletion(txn, step.now).await
            })
        },
    )
    .await
}

/// The ids of the parts an issue's deletion takes with it.
struct IssuePartIds {
    milestones: Vec<i64>,
    notes: Vec<i64>,
    kpis: Vec<i64>,
    actuals: Vec<i64>,
}

impl IssuePartIds {
    async fn record_deletion(
        &self,
        txn: &DatabaseTransaction,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        use history::Kind;
        history::capture(txn, Kind::Milestone, &self.milestones, now).await?;
        history::capture(txn, Kind::ProgressNote, &self.notes, now).await?;
        history::capture(txn, Kind::Kpi, &self.kpis, now).await?;
        history::capture(txn, Kind::KpiActual, &self.actuals, now).await
    }
}

async fn issue_part_ids(txn: &DatabaseTransaction, id: i64) -> Result<IssuePartIds, StoreError> {
    let milestones = milestone::Entity::find()
        .select_only()
        .column(milestone::Column::Id)
        .filter(milestone::Column::IssueId.eq(id))
        .into_tuple()
        .all(txn)
        .await?;
    let notes = progress_note::Entity::find()
        .select_only()
        .column(progress_note::Column::Id)
        .filter(progress_note::Column::IssueId.eq(id))
        .into_tuple()
        .all(txn)
        .await?;
    let kpis: Vec<i64> = kpi::Entity::find()
        .select_only()
        .column(kpi::Column::Id)
        .filter(kpi::Column::IssueId.eq(id))
        .into_tuple()
        .all(txn)
        .await?;
    let actuals = actual_ids_of(txn, &kpis).await?;
    Ok(IssuePartIds {
        milestones,
        notes,
        kpis,
        actuals,
    })
}

async fn actual_ids_of(txn: &DatabaseTransaction, kpis: &[i64]) -> Result<Vec<i64>, StoreError> {
    Ok(kpi_actual::Entity::find()
        .select_only()
        .column(kpi_actual::Column::Id)
        .filter(kpi_actual::Column::KpiId.is_in(kpis.iter().copied()))
        .into_tuple()
        .all(txn)
        .await?)
}

#[derive(Debug, Clone, Default)]
pub struct IssueFilter {
    pub policy_id: Option<i64>,
    pub bureau_id: Option<i64>,
    pub fiscal_year: Option<i32>,
    pub area: Option<Area>,
    pub policy_field: Option<String>,
    pub impact: Option<Level>,
    pub urgency: Option<Level>,
    /// In search form; matched as a literal substring.
    pub text: Option<String>,
}

/// The rows the filter selects, unordered.
fn issues_query(filter: &IssueFilter) -> sea_orm::Select<policy_issue::Entity> {
    use policy_issue::Column as I;
    let mut query = policy_issue::Entity::find();
    if let Some(policy_id) = filter.policy_id {
        query = query.filter(I::PolicyId.eq(policy_id));
    }
    if filter.bureau_id.is_some() || filter.fiscal_year.is_some() {
        let mut policies = Query::select();
        policies.column(policy::Column::Id).from(policy::Entity);
        if let Some(bureau_id) = filter.bureau_id {
            policies.and_where(Expr::col(policy::Column::BureauId).eq(bureau_id));
        }
        if let Some(year) = filter.fiscal_year {
            policies.and_where(Expr::col(policy::Column::FiscalYear).eq(year));
        }
        query = query.filter(I::PolicyId.in_subquery(policies.to_owned()));
    }
    if let Some(area) = filter.area {
        query = query.filter(I::Area.eq(area.as_str()));
    }
    if let Some(field) = &filter.policy_field {
        query = query.filter(I::PolicyField.eq(field.as_str()));
    }
    if let Some(impact) = filter.impact {
        query = query.filter(I::Impact.eq(impact.as_str()));
    }
    if let Some(urgency) = filter.urgency {
        query = query.filter(I::Urgency.eq(urgency.as_str()));
    }
    if let Some(text) = filter.text.as_deref().filter(|t| !t.is_empty()) {
        query = query.filter(I::SearchText.like(LikeExpr::new(like_literal(text)).escape('\\')));
    }
    query
}

/// Up to `limit` of the rows the filter selects with ids above `after_id`, in id order: how an
/// export walks a list of any length in constant memory.
pub async fn issues_after<C: ConnectionTrait>(
    conn: &C,
    filter: &IssueFilter,
    after_id: i64,
    limit: u64,
) -> Result<Vec<Issue>, StoreError> {
    let rows = issues_query(filter)
        .filter(policy_issue::Column::Id.gt(after_id))
        .order_by_asc(policy_issue::Column::Id)
        .limit(limit)
        .all(conn)
        .await?;
    issues_of_rows(conn, rows).await
}

pub async fn list_issues<C: ConnectionTrait>(
    conn: &C,
    filter: &IssueFilter,
    page: PageRequest,
) -> Result<Page<Issue>, StoreError> {
    use policy_issue::Column as I;
    let query = issues_query(filter);
    let total = query.clone().count(conn).await?;
    let rows = query
        .order_by_asc(I::PolicyId)
        .order_by_asc(I::Area)
        .order_by_asc(I::Number)
        .order_by_asc(I::Id)
        .offset(page.offset())
        .limit(page.per_page)
        .all(conn)
        .await?;
    Ok(Page {
        items: issues_of_rows(conn, rows).await?,
        total,
        page: page.page,
        per_page: page.per_page,
    })
}

// ---------------------------------------------------------------------------------------------
// Milestones

fn milestone_of(row: milestone::Model) -> Result<Milestone, StoreError> {
    let quarter = u8::try_from(row.quarter)
        .ok()
        .and_then(Quarter::new)
        .ok_or_else(|| corrupt("quarter", &row.quarter.to_string()))?;
    Ok(Milestone {
        id: row.id,
        issue_id: row.issue_id,
        fields: MilestoneFields {
            workstream: row.workstream,
            quarter,
            title: row.title,
            state: MilestoneState::parse(&row.state).ok_or_else(|| corrupt("state", &row.state))?,
            done_on: row.done_on,
            slip_reason: row.slip_reason,
        },
        version: row.version,
    })
}

fn milestone_values(fields: &MilestoneFields, row: &mut milestone::ActiveModel) {
    row.workstream = Set(fields.workstream.clone());
    row.quarter = Set(i16::from(fields.quarter.number()));
    row.title = Set(fields.title.clone());
    row.state = Set(fields.state.as_str().to_owned());
    row.done_on = Set(fields.done_on);
    row.slip_reason = Set(fields.slip_reason.clone());
}

pub async fn find_milestone<C: ConnectionTrait>(
    conn: &C,
    id: i64,
) -> Result<Option<Milestone>, StoreError> {
    rows::find_decoded::<milestone::Entity, _>(conn, id, milestone_of).await
}

/// Fails with `NotFound` unless the issue exists: what a milestone, note or KPI is added to.
async fn check_issue<C: ConnectionTrait>(conn: &C, issue_id: i64) -> Result<(), StoreError> {
    match policy_issue::Entity::find_by_id(issue_id).one(conn).await? {
        Some(_) => Ok(()),
        None => Err(StoreError::NotFound),
    }
}

pub async fn create_milestone(
    db: &DatabaseConnection,
    issue_id: i64,
    fields: MilestoneFields,
    actor: &AuditActor,
) -> Result<Milestone, StoreError> {
    write::create(
        db,
        Write::new("milestone.create", "milestone", actor),
        move |txn, now| {
            Box::pin(async move {
                check_issue(txn, issue_id).await?;
                let mut row = milestone::ActiveModel {
                    issue_id: Set(issue_id),
                    ..Default::default()
                };
                milestone_values(&fields, &mut row);
                milestone_of(write::insert_row(txn, now, row).await?)
            })
        },
    )
    .await
}

pub async fn replace_milestone<Db: TransactionTrait<Transaction = DatabaseTransaction>>(
    db: &Db,
    id: i64,
    expected_version: i32,
    fields: MilestoneFields,
    actor: &AuditActor,
) -> Result<Milestone, StoreError> {
    let mut row: milestone::ActiveModel = Default::default();
    milestone_values(&fields, &mut row);
    let announcer = actor.clone();
    write::update(
        db,
        Change::new("milestone.update", "milestone", id, expected_version, actor),
        move |txn| Box::pin(find_milestone(txn, id)),
        |_, _| Box::pin(async { Ok(()) }),
        move |txn, before, step| {
            Box::pin(async move {
                write::replace_row(txn, step, id, row).await?;
                // Announced when it becomes 遅延, not on every later edit of a slipped milestone.
                if fields.state == MilestoneState::Slipped
                    && before.fields.state != MilestoneState::Slipped
                {
                    let after = Milestone {
                        fields,
                        ..before.clone()
                    };
                    announce::milestone_slipped(txn, &after, &announcer, step.now).await?;
                }
                Ok(())
            })
        },
    )
    .await
}

pub async fn delete_milestone(
    db: &DatabaseConnection,
    id: i64,
    expected_version: i32,
    actor: &AuditActor,
) -> Result<(), StoreError> {
    write::delete(
        db,
        Change::new("milestone.delete", "milestone", id, expected_version, actor),
        move |txn| Box::pin(find_milestone(txn, id)),
        move |txn, _, _| {
            Box::pin(async move {
                milestone::Entity::delete_by_id(id).exec(txn).await?;
                Ok(())
            })
        },
    )
    .await
}

// ---------------------------------------------------------------------------------------------
// Progress notes

fn note_of(row: progress_note::Model) -> ProgressNote {
    ProgressNote {
        id: row.id,
        issue_id: row.issue_id,
        as_of: row.as_of,
        as_of_label: row.as_of_label,
        body: row.body,
        recorded_at: row.recorded_at,
    }
}

pub async fn find_note<C: ConnectionTrait>(
    conn: &C,
    id: i64,
) -> Result<Option<ProgressNote>, StoreError> {
    Ok(progress_note::Entity::find_by_id(id)
        .one(conn)
        .await?
        .map(note_of))
}

pub async fn create_note<C: TransactionTrait<Transaction = DatabaseTransaction>>(
    db: &C,
    issue_id: i64,
    as_of: NaiveDate,
    as_of_label: String,
    body: String,
    actor: &AuditActor,
) -> Result<ProgressNote, StoreError> {
    let recorded_by = actor.label.clone();
    write::create(
        db,
        Write::new("progress_note.create", "progress_note", actor),
        move |txn, now| {
            Box::pin(async move {
                check_issue(txn, issue_id).await?;
                let row = progress_note::ActiveModel {
                    issue_id: Set(issue_id),
                    as_of: Set(as_of),
                    as_of_label: Set(as_of_label),
                    body: Set(body),
                    recorded_at: Set(now),
                    actor_label: Set(recorded_by),
                    ..Default::default()
                }
                .insert(txn)
                .await
                .map_err(StoreError::from_write)?;
                Ok(note_of(row))
            })
        },
    )
    .await
}

pub async fn delete_note(
    db: &DatabaseConnection,
    id: i64,
    actor: &AuditActor,
) -> Result<(), StoreError> {
    write::remove(
        db,
        Write::new("progress_note.delete", "progress_note", actor),
        move |txn| Box::pin(find_note(txn, id)),
        move |txn, _| {
            Box::pin(async move {
                progress_note::Entity::delete_by_id(id).exec(txn).await?;
                Ok(())
            })
        },
    )
    .await
}

// ---------------------------------------------------------------------------------------------
// Check-ins

/// A progress note to record with a check-in.
#[derive(Debug, Clone)]
pub struct NoteDraft {
    pub as_of: NaiveDate,
    pub as_of_label: String,
    pub body: String,
}

/// Where a check-in moves a milestone, against the version the owner read; its quarter, title
/// and row stay as they are.
#[derive(Debug, Clone)]
pub struct MilestoneMove {
    pub id: i64,
    pub expected_version: i32,
    pub state: MilestoneState,
    pub done_on: Option<NaiveDate>,
    pub slip_reason: Option<String>,
}

/// What an owner answers for a policy issue at once: its status word, how it stood as of a day,
/// and the milestones that moved.
#[derive(Debug, Clone)]
pub struct CheckIn {
    /// The status word after the check-in; `None` leaves the issue's as it is.
    pub status: Option<IssueStatus>,
    pub note: Option<NoteDraft>,
    pub milestones: Vec<MilestoneMove>,
}

/// Why a check-in was refused before anything was written.
#[derive(Debug, thiserror::Error)]
pub enum CheckInError {
    /// The milestone at this index of the check-in is not one of the issue's.
    #[error("milestone {id} is not one of the issue's")]
    ForeignMilestone { index: usize, id: i64 },
    /// The milestone at this index would not hold together as moved.
    #[error("milestone at {index} does not hold together: {conflict:?}")]
    Conflict {
        index: usize,
        conflict: MilestoneConflict,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sea_orm::DbErr> for CheckInError {
    fn from(err: sea_orm::DbErr) -> Self {
        CheckInError::Store(err.into())
    }
}

/// Writes a check-in in one transaction: the issue's status word (when it changes), each
/// milestone moved and the progress note, each an ordinary audited write with its own event and
/// history version, so a round's answer finds them like any other write. A stale version of the
/// issue or of any milestone, or a milestone of another issue, leaves everything as it was.
/// Answers the issue as it stands after.
pub async fn check_in(
    db: &DatabaseConnection,
    issue_id: i64,
    expected_version: i32,
    check_in: CheckIn,
    actor: &AuditActor,
) -> Result<Issue, CheckInError> {
    let txn = crate::begin_write(db).await?;
    let issue = check_in_within(&txn, issue_id, expected_version, check_in, actor).await?;
    txn.commit().await?;
    Ok(issue)
}

/// A check-in written inside `txn`, which the caller commits (a round's workbook writes many
/// with the answers they give, all or none).
pub async fn check_in_within(
    txn: &DatabaseTransaction,
    issue_id: i64,
    expected_version: i32,
    check_in: CheckIn,
    actor: &AuditActor,
) -> Result<Issue, CheckInError> {
    // Held until the caller commits, so that no write of the issue slips in between its version
    // check and the parts written under it.
    policy_issue::Entity::find_by_id(issue_id)
        .lock_exclusive()
        .one(txn)
        .await?
        .ok_or(StoreError::NotFound)?;
    let issue = find_issue(txn, issue_id)
        .await?
        .ok_or(StoreError::NotFound)?;
    if issue.version != expected_version {
        return Err(StoreError::Stale {
            expected: expected_version,
            current: issue.version,
        }
        .into());
    }
    let mut moves = Vec::with_capacity(check_in.milestones.len());
    for (index, moved) in check_in.milestones.into_iter().enumerate() {
        let Some(current) = find_milestone(txn, moved.id)
            .await?
            .filter(|m| m.issue_id == issue_id)
        else {
            return Err(CheckInError::ForeignMilestone {
                index,
                id: moved.id,
            });
        };
        let fields = MilestoneFields {
            state: moved.state,
            done_on: moved.done_on,
            slip_reason: moved.slip_reason,
            ..current.fields
        };
        if let Some(conflict) = fields.conflict() {
            return Err(CheckInError::Conflict { index, conflict });
        }
        moves.push((moved.id, moved.expected_version, fields));
    }
    let issue = match check_in.status {
        Some(status) if issue.fields.status != Some(status) => {
            let fields = IssueFields {
                status: Some(status),
                ..issue.fields.clone()
            };
            replace_issue(txn, issue_id, expected_version, fields, actor).await?
        }
        _ => issue,
    };
    for (id, expected_version, fields) in moves {
        replace_milestone(txn, id, expected_version, fields, actor).await?;
    }
    if let Some(note) = check_in.note {
        create_note(
            txn,
            issue_id,
            note.as_of,
            note.as_of_label,
            note.body,
            actor,
        )
        .await?;
    }
    Ok(issue)
}

// ---------------------------------------------------------------------------------------------
// KPIs

fn kpi_values(fields: &KpiFields, row: &mut kpi::ActiveModel) {
    row.name = Set(fields.name.clone());
    row.unit = Set(fields.unit.clone());
    row.baseline_value = Set(fields.baseline_value);
    row.baseline_on = Set(fields.baseline_on);
    row.target_value = Set(fields.target_value);
    row.target_on = Set(fields.target_on);
    row.note = Set(fields.note.clone());
    row.direction = Set(fields.direction.map(|d| d.as_str().to_owned()));
    row.tolerance = Set(fields.tolerance);
    row.search_text = Set(fields.search_text());
}

async fn kpis_of_rows<C: ConnectionTrait>(
    conn: &C,
    rows: Vec<kpi::Model>,
) -> Result<Vec<Kpi>, StoreError> {
    let mut actuals: HashMap<i64, Vec<KpiActual>> = HashMap::new();
    if !rows.is_empty() {
        for a in kpi_actual::Entity::find()
            .filter(kpi_actual::Column::KpiId.is_in(rows.iter().map(|r| r.id)))
            .order_by_asc(kpi_actual::Column::MeasuredOn)
            .order_by_asc(kpi_actual::Column::Id)
            .all(conn)
            .await?
        {
            actuals.entry(a.kpi_id).or_default().push(KpiActual {
                id: a.id,
                kpi_id: a.kpi_id,
                value: a.value,
                measured_on: a.measured_on,
                note: a.note,
            });
        }
    }
    Ok(rows
        .into_iter()
        .map(|row| Kpi {
            actuals: actuals.remove(&row.id).unwrap_or_default(),
            id: row.id,
            issue_id: row.issue_id,
            fields: KpiFields {
                name: row.name,
                unit: row.unit,
                baseline_value: row.baseline_value,
                baseline_on: row.baseline_on,
                target_value: row.target_value,
                target_on: row.target_on,
                note: row.note,
                direction: row.direction.as_deref().and_then(KpiDirection::parse),
                tolerance: row.tolerance,
            },
            version: row.version,
        })
        .collect())
}

pub async fn find_kpi<C: ConnectionTrait>(conn: &C, id: i64) -> Result<Option<Kpi>, StoreError> {
    let Some(row) = kpi::Entity::find_by_id(id).one(conn).await? else {
        return Ok(None);
    };
    Ok(kpis_of_rows(conn, vec![row]).await?.pop())
}

pub async fn create_kpi(
    db: &DatabaseConnection,
    issue_id: i64,
    fields: KpiFields,
    actor: &AuditActor,
) -> Result<Kpi, StoreError> {
    write::create(
        db,
        Write::new("kpi.create", "kpi", actor),
        move |txn, now| {
            Box::pin(async move {
                check_issue(txn, issue_id).await?;
                let mut row = kpi::ActiveModel {
                    issue_id: Set(issue_id),
                    ..Default::default()
                };
                kpi_values(&fields, &mut row);
                let row = write::insert_row(txn, now, row).await?;
                kpis_of_rows(txn, vec![row])
                    .await?
                    .pop()
                    .ok_or(StoreError::NotFound)
            })
        },
    )
    .await
}

pub async fn replace_kpi(
    db: &DatabaseConnection,
    id: i64,
    expected_version: i32,
    fields: KpiFields,
    actor: &AuditActor,
) -> Result<Kpi, StoreError> {
    let mut row: kpi::ActiveModel = Default::default();
    kpi_values(&fields, &mut row);
    write::replace(
        db,
        Change::new("kpi.update", "kpi", id, expected_version, actor),
        move |txn| Box::pin(find_kpi(txn, id)),
        row,
    )
    .await
}

pub async fn delete_kpi(
    db: &DatabaseConnection,
    id: i64,
    expected_version: i32,
    actor: &AuditActor,
) -> Result<(), StoreError> {
    write::delete(
        db,
        Change::new("kpi.delete", "kpi", id, expected_version, actor),
        move |txn| Box::pin(find_kpi(txn, id)),
        move |txn, _, step| {
            Box::pin(async move {
                let actuals = actual_ids_of(txn, &[id]).await?;
                unlink::delete_links_of(txn, EntityKind::Kpi, id).await?;
                kpi::Entity::delete_by_id(id).exec(txn).await?;
                history::capture(txn, history::Kind::KpiActual, &actuals, step.now).await
            })
        },
    )
    .await
}

/// Records a measured value of a KPI; the KPI's version moves on, as its figures changed.
pub async fn add_actual<C: TransactionTrait<Transaction = DatabaseTransaction>>(
    db: &C,
    kpi_id: i64,
    value: f64,
    measured_on: NaiveDate,
    note: Option<String>,
    actor: &AuditActor,
) -> Result<Kpi, StoreError> {
    let announcer = actor.clone();
    let (after, _) = write::amend(
        db,
        Write::new("kpi_actual.create", "kpi_actual", actor),
        FiledUnder::Part,
        move |txn| Box::pin(find_kpi(txn, kpi_id)),
        move |txn, before, now| {
            Box::pin(async move {
                let created = kpi_actual::ActiveModel {
                    kpi_id: Set(kpi_id),
                    value: Set(value),
                    measured_on: Set(measured_on),
                    note: Set(note),
                    recorded_at: Set(now),
                    ..Default::default()
                }
                .insert(txn)
                .await?;
                announce::kpi_actual_recorded(
                    txn,
                    before,
                    created.id,
                    value,
                    measured_on,
                    &announcer,
                    now,
                )
                .await?;
                write::move_on::<kpi::Entity>(txn, kpi_id, now).await?;
                Ok(created.id)
            })
        },
    )
    .await?;
    Ok(after)
}

pub async fn find_actual<C: ConnectionTrait>(
    conn: &C,
    id: i64,
) -> Result<Option<KpiActual>, StoreError> {
    Ok(kpi_actual::Entity::find_by_id(id)
        .one(conn)
        .await?
        .map(|a| KpiActual {
            id: a.id,
            kpi_id: a.kpi_id,
            value: a.value,
            measured_on: a.measured_on,
            note: a.note,
        }))
}

pub async fn delete_actual(
    db: &DatabaseConnection,
    id: i64,
    actor: &AuditActor,
) -> Result<(), StoreError> {
    // Measured values are never rewritten, so the KPI a value belongs to can be read first.
    let kpi_id = find_actual(db, id)
        .await?
        .ok_or(StoreError::NotFound)?
        .kpi_id;
    write::amend(
        db,
        Write::new("kpi_actual.delete", "kpi_actual", actor),
        FiledUnder::Part,
        move |txn| Box::pin(find_kpi(txn, kpi_id)),
        move |txn, _, now| {
            Box::pin(async move {
                let deleted = kpi_actual::Entity::delete_by_id(id).exec(txn).await?;
                if deleted.rows_affected == 0 {
                    return Err(StoreError::NotFound);
                }
                write::move_on::<kpi::Entity>(txn, kpi_id, now).await?;
                Ok(id)
            })
        },
    )
    .await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// An issue's parts, loaded together for display

#[derive(Debug, Clone, Default)]
pub struct IssueParts {
    pub milestones: Vec<Milestone>,
    pub notes: Vec<ProgressNote>,
    pub kpis: Vec<Kpi>,
}

/// Milestones (by quarter), progress notes (newest first) and KPIs of the given issues.
pub async fn parts_of<C: ConnectionTrait>(
    conn: &C,
    issue_ids: &[i64],
) -> Result<HashMap<i64, IssueParts>, StoreError> {
    let mut parts: HashMap<i64, IssueParts> = HashMap::new();
    if issue_ids.is_empty() {
        return Ok(parts);
    }
    for row in milestone::Entity::find()
        .filter(milestone::Column::IssueId.is_in(issue_ids.iter().copied()))
        .order_by_asc(milestone::Column::Quarter)
        .order_by_asc(milestone::Column::Id)
        .all(conn)
        .await?
    {
        parts
            .entry(row.issue_id)
            .or_default()
            .milestones
            .push(milestone_of(row)?);
    }
    for row in progress_note::Entity::find()
        .filter(progress_note::Column::IssueId.is_in(issue_ids.iter().copied()))
        .order_by_desc(progress_note::Column::AsOf)
        .order_by_desc(progress_note::Column::Id)
        .all(conn)
        .await?
    {
        parts
            .entry(row.issue_id)
            .or_default()
            .notes
            .push(note_of(row));
    }
    let kpi_rows = kpi::Entity::find()
        .filter(kpi::Column::IssueId.is_in(issue_ids.iter().copied()))
        .order_by_asc(kpi::Column::Id)
        .all(conn)
        .await?;
    for k in kpis_of_rows(conn, kpi_rows).await? {
        parts.entry(k.issue_id).or_default().kpis.push(k);
    }
    Ok(parts)
}

/// Dates an X policy transcribed from a document, with its issues, milestones, KPIs, actuals and
/// progress notes, to when the bureau wrote them (`at`): their versions and the notes' and
/// actuals' `recorded_at`, so a report "as known at" a round's close after `at` counts them.
pub async fn date_transcribed<C: ConnectionTrait>(
    conn: &C,
    policy_id: i64,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let issues: Vec<i64> = policy_issue::Entity::find()
        .select_only()
        .column(policy_issue::Column::Id)
        .filter(policy_issue::Column::PolicyId.eq(policy_id))
        .into_tuple()
        .all(conn)
        .await?;
    let milestones: Vec<i64> = milestone::Entity::find()
        .select_only()
        .column(milestone::Column::Id)
        .filter(milestone::Column::IssueId.is_in(issues.clone()))
        .into_tuple()
        .all(conn)
        .await?;
    let notes: Vec<i64> = progress_note::Entity::find()
        .select_only()
        .column(progress_note::Column::Id)
        .filter(progress_note::Column::IssueId.is_in(issues.clone()))
        .into_tuple()
        .all(conn)
        .await?;
    let kpis: Vec<i64> = kpi::Entity::find()
        .select_only()
        .column(kpi::Column::Id)
        .filter(kpi::Column::IssueId.is_in(issues.clone()))
        .into_tuple()
        .all(conn)
        .await?;
    let actuals: Vec<i64> = kpi_actual::Entity::find()
        .select_only()
        .column(kpi_actual::Column::Id)
        .filter(kpi_actual::Column::KpiId.is_in(kpis.clone()))
        .into_tuple()
        .all(conn)
        .await?;
    progress_note::Entity::update_many()
        .col_expr(progress_note::Column::RecordedAt, Expr::value(at))
        .filter(progress_note::Column::Id.is_in(notes.clone()))
        .exec(conn)
        .await?;
    kpi_actual::Entity::update_many()
        .col_expr(kpi_actual::Column::RecordedAt, Expr::value(at))
        .filter(kpi_actual::Column::Id.is_in(actuals.clone()))
        .exec(conn)
        .await?;
    history::redate(conn, history::Kind::PolicyIssue, &issues, at).await?;
    history::redate(conn, history::Kind::Milestone, &milestones, at).await?;
    history::redate(conn, history::Kind::ProgressNote, &notes, at).await?;
    history::redate(conn, history::Kind::Kpi, &kpis, at).await?;
    history::redate(conn, history::Kind::KpiActual, &actuals, at).await
}
