//! Corrections since a round closed: the facts recorded after the close that a report "as of
//! 基準日" would count if it were computed now. They are what makes a round's live report differ
//! from the one frozen at the close, so the live view lists them with the record to open.
//!
//! A fact counts when it was recorded after the close, took effect on or before 基準日, belongs
//! to the report's fiscal year and lies in the report's bureau (when the report covers one):
//! stage events (`effective_on`), KPI actuals (`measured_on`), progress notes (`as_of`),
//! milestones (their quarter begun, or done by the day), and the versions of proposals, reforms
//! (registered by the day), digital systems (in production by the day), policy issues and KPIs.
//! A deletion counts when the record's last version before it would have.

use crate::StoreError;
use crate::as_known::fiscal_year_of;
use crate::entities::{
    kpi, policy, policy_issue, proposal, proposal_assignment, record_history, section, stage_event,
};
use crate::history::{
    ActualSnapshot, IssueSnapshot, KpiSnapshot, MilestoneSnapshot, NoteSnapshot, ProposalSnapshot,
    ReformSnapshot, SystemSnapshot,
};
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use domain::policy::Quarter;
use domain::wareki::FiscalYear;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde::de::DeserializeOwned;
use std::collections::HashMap;

/// One fact recorded after the close that the report as of 基準日 counts now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Correction {
    /// `stage_event` or a `record_history` kind (`proposal`, `reform`, `kpi_actual`, …).
    pub kind: String,
    pub record_id: i64,
    pub recorded_at: DateTime<Utc>,
    /// The day it takes effect, where the fact has one.
    pub effective_on: Option<NaiveDate>,
    pub deleted: bool,
    /// The record a reader opens to see it: `proposal`, `reform`, `digital_system` or
    /// `policy_issue`, with its id.
    pub link_kind: &'static str,
    pub link_id: i64,
}

fn tokyo_day(at: DateTime<Utc>) -> NaiveDate {
    (at + Duration::hours(9)).date_naive()
}

fn parse<T: DeserializeOwned>(row: &record_history::Model, text: &str) -> Result<T, StoreError> {
    serde_json::from_str(text)
        .map_err(|e| StoreError::Corrupt(format!("{} #{} version: {e}", row.kind, row.record_id)))
}

/// Where a policy issue stands: its policy's bureau and fiscal year.
struct IssueHome {
    bureau_id: i64,
    fiscal_year: i32,
}

struct Lookups {
    bureau_of_section: HashMap<i64, i64>,
    policies: HashMap<i64, (i64, i32)>,
    /// Issues now, by id → policy id.
    issues: HashMap<i64, i64>,
    /// KPIs now, by id → issue id.
    kpis: HashMap<i64, i64>,
}

impl Lookups {
    async fn load<C: ConnectionTrait>(conn: &C) -> Result<Self, StoreError> {
        Ok(Lookups {
            bureau_of_section: section::Entity::find()
                .all(conn)
                .await?
                .into_iter()
                .map(|s| (s.id, s.bureau_id))
                .collect(),
            policies: policy::Entity::find()
                .all(conn)
                .await?
                .into_iter()
                .map(|p| (p.id, (p.bureau_id, p.fiscal_year)))
                .collect(),
            issues: policy_issue::Entity::find()
                .all(conn)
                .await?
                .into_iter()
                .map(|i| (i.id, i.policy_id))
                .collect(),
            kpis: kpi::Entity::find()
                .all(conn)
                .await?
                .into_iter()
                .map(|k| (k.id, k.issue_id))
                .collect(),
        })
    }

    fn policy_home(&self, policy_id: i64) -> Option<IssueHome> {
        self.policies
            .get(&policy_id)
            .map(|&(bureau_id, fiscal_year)| IssueHome {
                bureau_id,
                fiscal_year,
            })
    }

    async fn issue_home<C: ConnectionTrait>(
        &self,
        conn: &C,
        issue_id: i64,
    ) -> Result<Option<IssueHome>, StoreError> {
        let policy_id = match self.issues.get(&issue_id) {
            Some(&p) => Some(p),
            None => last_snapshot::<_, IssueSnapshot>(conn, "policy_issue", issue_id)
                .await?
                .map(|s| s.policy_id),
        };
        Ok(policy_id.and_then(|p| self.policy_home(p)))
    }

    async fn issue_of_kpi<C: ConnectionTrait>(
        &self,
        conn: &C,
        kpi_id: i64,
    ) -> Result<Option<i64>, StoreError> {
        Ok(match self.kpis.get(&kpi_id) {
            Some(&i) => Some(i),
            None => last_snapshot::<_, KpiSnapshot>(conn, "kpi", kpi_id)
                .await?
                .map(|s| s.issue_id),
        })
    }
}

/// The last version of a record that is not a deletion mark.
async fn last_snapshot<C: ConnectionTrait, T: DeserializeOwned>(
    conn: &C,
    kind: &str,
    record_id: i64,
) -> Result<Option<T>, StoreError> {
    let row = record_history::Entity::find()
        .filter(record_history::Column::Kind.eq(kind))
        .filter(record_history::Column::RecordId.eq(record_id))
        .filter(record_history::Column::Snapshot.is_not_null())
        .order_by_desc(record_history::Column::RecordedAt)
        .order_by_desc(record_history::Column::Id)
        .one(conn)
        .await?;
    match row {
        Some(row) => {
            let text = row.snapshot.clone().unwrap_or_default();
            parse(&row, &text).map(Some)
        }
        None => Ok(None),
    }
}

/// The corrections recorded after `closed_at` to the report as of `as_of` (its fiscal year),
/// of `bureau_id` or the whole city; oldest first.
pub async fn since_close<C: ConnectionTrait>(
    conn: &C,
    as_of: NaiveDate,
    closed_at: DateTime<Utc>,
    bureau_id: Option<i64>,
) -> Result<Vec<Correction>, StoreError> {
    let fiscal_year = fiscal_year_of(as_of);
    let in_scope = |bureau: i64| bureau_id.is_none_or(|b| b == bureau);
    let issue_counts = |home: Option<IssueHome>| {
        home.is_some_and(|h| h.fiscal_year == fiscal_year && in_scope(h.bureau_id))
    };
    let lookups = Lookups::load(conn).await?;
    let mut found = Vec::new();

    let events = stage_event::Entity::find()
        .filter(stage_event::Column::RecordedAt.gt(closed_at))
        .filter(stage_event::Column::EffectiveOn.lte(as_of))
        .all(conn)
        .await?;
    if !events.is_empty() {
        let proposal_ids: Vec<i64> = events.iter().map(|e| e.proposal_id).collect();
        let years: HashMap<i64, i32> = proposal::Entity::find()
            .filter(proposal::Column::Id.is_in(proposal_ids))
            .all(conn)
            .await?
            .into_iter()
            .map(|p| (p.id, p.fiscal_year))
            .collect();
        let assignment_ids: Vec<i64> = events.iter().map(|e| e.assignment_id).collect();
        let sections: HashMap<i64, i64> = proposal_assignment::Entity::find()
            .filter(proposal_assignment::Column::Id.is_in(assignment_ids))
            .all(conn)
            .await?
            .into_iter()
            .map(|a| (a.id, a.section_id))
            .collect();
        for e in events {
            let bureau = sections
                .get(&e.assignment_id)
                .and_then(|s| lookups.bureau_of_section.get(s));
            if years.get(&e.proposal_id) == Some(&fiscal_year)
                && bureau.is_some_and(|&b| in_scope(b))
            {
                found.push(Correction {
                    kind: "stage_event".to_owned(),
                    record_id: e.id,
                    recorded_at: e.recorded_at,
                    effective_on: Some(e.effective_on),
                    deleted: false,
                    link_kind: "proposal",
                    link_id: e.proposal_id,
                });
            }
        }
    }

    let versions = record_history::Entity::find()
        .filter(record_history::Column::RecordedAt.gt(closed_at))
        .order_by_asc(record_history::Column::RecordedAt)
        .order_by_asc(record_history::Column::Id)
        .all(conn)
        .await?;
    for row in versions {
        let snapshot = match &row.snapshot {
            Some(text) => Some(text.clone()),
            // A deletion is judged by what the record was before it.
            None => record_history::Entity::find()
                .filter(record_history::Column::Kind.eq(row.kind.as_str()))
                .filter(record_history::Column::RecordId.eq(row.record_id))
                .filter(record_history::Column::Snapshot.is_not_null())
                .filter(record_history::Column::Id.lt(row.id))
                .order_by_desc(record_history::Column::Id)
                .one(conn)
                .await?
                .and_then(|r| r.snapshot),
        };
        let Some(text) = snapshot else { continue };
        let id = row.record_id;
        let counted: Option<(Option<NaiveDate>, &'static str, i64)> =
            match row.kind.as_str() {
                "proposal" => {
                    let s: ProposalSnapshot = parse(&row, &text)?;
                    let day = tokyo_day(s.created_at);
                    (s.fiscal_year == fiscal_year && day <= as_of && bureau_id.is_none())
                        .then_some((Some(day), "proposal", id))
                }
                "reform" => {
                    let s: ReformSnapshot = parse(&row, &text)?;
                    let day = tokyo_day(s.created_at);
                    (s.fiscal_year == fiscal_year && day <= as_of && in_scope(s.bureau_id))
                        .then_some((Some(day), "reform", id))
                }
                "digital_system" => {
                    let s: SystemSnapshot = parse(&row, &text)?;
                    let bureau = lookups.bureau_of_section.get(&s.section_id).copied();
                    (s.production_started_on.is_some_and(|d| d <= as_of)
                        && bureau.is_some_and(in_scope))
                    .then_some((s.production_started_on, "digital_system", id))
                }
                "policy_issue" => {
                    let s: IssueSnapshot = parse(&row, &text)?;
                    issue_counts(lookups.policy_home(s.policy_id)).then_some((
                        None,
                        "policy_issue",
                        id,
                    ))
                }
                "milestone" => {
                    let s: MilestoneSnapshot = parse(&row, &text)?;
                    let begun = u8::try_from(s.quarter)
                        .ok()
                        .and_then(Quarter::new)
                        .and_then(|q| {
                            let last = q.last_day(FiscalYear(fiscal_year));
                            NaiveDate::from_ymd_opt(last.year(), last.month() - 2, 1)
                        });
                    let effective = s.done_on.or(begun);
                    (effective.is_some_and(|d| d <= as_of)
                        && issue_counts(lookups.issue_home(conn, s.issue_id).await?))
                    .then_some((effective, "policy_issue", s.issue_id))
                }
                "kpi" => {
                    let s: KpiSnapshot = parse(&row, &text)?;
                    issue_counts(lookups.issue_home(conn, s.issue_id).await?).then_some((
                        None,
                        "policy_issue",
                        s.issue_id,
                    ))
                }
                "kpi_actual" => {
                    let s: ActualSnapshot = parse(&row, &text)?;
                    match lookups.issue_of_kpi(conn, s.kpi_id).await? {
                        Some(issue) if s.measured_on <= as_of => issue_counts(
                            lookups.issue_home(conn, issue).await?,
                        )
                        .then_some((Some(s.measured_on), "policy_issue", issue)),
                        _ => None,
                    }
                }
                "progress_note" => {
                    let s: NoteSnapshot = parse(&row, &text)?;
                    (s.as_of <= as_of && issue_counts(lookups.issue_home(conn, s.issue_id).await?))
                        .then_some((Some(s.as_of), "policy_issue", s.issue_id))
                }
                _ => None,
            };
        if let Some((effective_on, link_kind, link_id)) = counted {
            found.push(Correction {
                kind: row.kind.clone(),
                record_id: id,
                recorded_at: row.recorded_at,
                effective_on,
                deleted: row.deleted,
                link_kind,
                link_id,
            });
        }
    }
    found.sort_by(|a, b| {
        (a.recorded_at, &a.kind, a.record_id).cmp(&(b.recorded_at, &b.kind, b.record_id))
    });
    Ok(found)
}
