//! The rows behind the dashboards, as they stood on a given day: proposals at their stages from
//! the recorded stage events (back-dated corrections included), ledger systems, milestones and KPI
//! actuals. The lists filter by these rows; the dashboard counts the small ones directly and the
//! proposals and reforms through `tallies`, which the tests hold equal to these rows.

use crate::StoreError;
use crate::entities::{
    consultation, digital_system, kpi, kpi_actual, milestone, policy, policy_issue, proposal,
    proposal_assignment, section, stage_event,
};
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use domain::policy::{MilestoneState, Quarter};
use domain::proposal::{ImplementationStatus, Stage, StageEvent, StageState, most_advanced};
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use std::collections::HashMap;

/// The first instant after `day` ends in Japan, where every date of the city's records is meant.
pub fn end_of_tokyo_day(day: NaiveDate) -> DateTime<Utc> {
    let next = day.succ_opt().unwrap_or(day);
    next.and_time(NaiveTime::MIN).and_utc() - Duration::hours(9)
}

fn tokyo_date(at: DateTime<Utc>) -> NaiveDate {
    (at + Duration::hours(9)).date_naive()
}

/// One proposal as it stood on the day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProposalState {
    pub id: i64,
    pub fiscal_year: i32,
    pub theme: String,
    pub implementation_status: Option<ImplementationStatus>,
    /// The most advanced section's stage (rule ※1); `None` before any section had it.
    pub stage: Option<Stage>,
    /// Bureaus whose sections held it on the day.
    pub bureau_ids: Vec<i64>,
    /// The latest stage change or consultation on or before the day.
    pub last_activity: Option<NaiveDate>,
    /// Some section still had it at ① or ②: a decision is still to come.
    pub awaiting_decision: bool,
}

impl ProposalState {
    /// Awaiting a decision with nothing recorded for more than `days` days before `as_of`.
    pub fn is_stale(&self, as_of: NaiveDate, days: i64) -> bool {
        self.awaiting_decision
            && self
                .last_activity
                .is_some_and(|last| (as_of - last).num_days() > days)
    }
}

/// Every proposal (of one fiscal year, or all) that existed on `as_of`.
pub async fn proposal_states<C: ConnectionTrait>(
    conn: &C,
    fiscal_year: Option<i32>,
    as_of: NaiveDate,
) -> Result<Vec<ProposalState>, StoreError> {
    let mut proposals = proposal::Entity::find().order_by_asc(proposal::Column::Id);
    let mut of_year = Query::select();
    of_year.column(proposal::Column::Id).from(proposal::Entity);
    if let Some(year) = fiscal_year {
        proposals = proposals.filter(proposal::Column::FiscalYear.eq(year));
        of_year.and_where(proposal::Column::FiscalYear.eq(year));
    }
    let proposals = proposals.all(conn).await?;
    let bureau_of_section: HashMap<i64, i64> = section::Entity::find()
        .all(conn)
        .await?
        .into_iter()
        .map(|s| (s.id, s.bureau_id))
        .collect();
    let section_of_assignment: HashMap<i64, i64> = proposal_assignment::Entity::find()
        .filter(proposal_assignment::Column::ProposalId.in_subquery(of_year.clone()))
        .all(conn)
        .await?
        .into_iter()
        .map(|a| (a.id, a.section_id))
        .collect();
    let mut events: HashMap<i64, (i64, Vec<StageEvent>)> = HashMap::new();
    for row in stage_event::Entity::find()
        .filter(stage_event::Column::ProposalId.in_subquery(of_year.clone()))
        .filter(stage_event::Column::EffectiveOn.lte(as_of))
        .all(conn)
        .await?
    {
        let stage = u8::try_from(row.to_stage)
            .ok()
            .and_then(Stage::from_number)
            .ok_or_else(|| StoreError::Corrupt(format!("stage {}", row.to_stage)))?;
        let decision = row
            .decision
            .as_deref()
            .map(|d| {
                domain::proposal::Decision::parse(d)
                    .ok_or_else(|| StoreError::Corrupt(format!("decision {d}")))
            })
            .transpose()?;
        events
            .entry(row.assignment_id)
            .or_insert_with(|| (row.proposal_id, Vec::new()))
            .1
            .push(StageEvent {
                assignment_id: row.assignment_id,
                state: StageState { stage, decision },
                effective_on: row.effective_on,
                recorded_at: row.recorded_at,
            });
    }
    let mut consulted: HashMap<i64, NaiveDate> = HashMap::new();
    for row in consultation::Entity::find()
        .filter(consultation::Column::ProposalId.in_subquery(of_year))
        .filter(consultation::Column::HeldOn.lte(as_of))
        .all(conn)
        .await?
    {
        let latest = consulted.entry(row.proposal_id).or_insert(row.held_on);
        *latest = (*latest).max(row.held_on);
    }

    struct Held {
        stages: Vec<Stage>,
        bureau_ids: Vec<i64>,
        last_change: Option<NaiveDate>,
        awaiting_decision: bool,
    }
    let mut held: HashMap<i64, Held> = HashMap::new();
    for (assignment_id, (proposal_id, events)) in &events {
        let Some(state) = domain::proposal::state_on(events, as_of) else {
            continue;
        };
        let entry = held.entry(*proposal_id).or_insert(Held {
            stages: Vec::new(),
            bureau_ids: Vec::new(),
            last_change: None,
            awaiting_decision: false,
        });
        entry.stages.push(state.stage);
        if let Some(bureau) = section_of_assignment
            .get(assignment_id)
            .and_then(|s| bureau_of_section.get(s))
            && !entry.bureau_ids.contains(bureau)
        {
            entry.bureau_ids.push(*bureau);
        }
        let last = events.iter().map(|e| e.effective_on).max();
        entry.last_change = entry.last_change.max(last);
        entry.awaiting_decision |= matches!(state.stage, Stage::Presented | Stage::Discussed);
    }

    let mut states = Vec::with_capacity(proposals.len());
    for p in proposals {
        let held = held.remove(&p.id);
        if tokyo_date(p.created_at) > as_of && held.is_none() {
            continue;
        }
        let implementation_status = p
            .implementation_status
            .as_deref()
            .map(|s| {
                ImplementationStatus::parse(s)
                    .ok_or_else(|| StoreError::Corrupt(format!("implementation status {s}")))
            })
            .transpose()?;
        let consulted = consulted.get(&p.id).copied();
        let (stage, mut bureau_ids, last_change, awaiting_decision) = match held {
            Some(h) => (
                most_advanced(h.stages),
                h.bureau_ids,
                h.last_change,
                h.awaiting_decision,
            ),
            None => (None, Vec::new(), None, false),
        };
        bureau_ids.sort_unstable();
        states.push(ProposalState {
            id: p.id,
            fiscal_year: p.fiscal_year,
            theme: p.theme,
            implementation_status,
            stage,
            bureau_ids,
            last_activity: last_change.max(consulted),
            awaiting_decision,
        });
    }
    Ok(states)
}

/// One ledger system and what it saves.
#[derive(Debug, Clone, PartialEq)]
pub struct SystemFacts {
    pub id: i64,
    pub bureau_id: Option<i64>,
    pub annual_hours_saved: f64,
    pub production_started_on: Option<NaiveDate>,
    pub built_in_house: bool,
    pub cost_effect_yen: Option<i64>,
}

/// Systems in production on `as_of`: production started by then and not retired by then.
pub async fn systems_in_production<C: ConnectionTrait>(
    conn: &C,
    bureau_id: Option<i64>,
    as_of: NaiveDate,
) -> Result<Vec<SystemFacts>, StoreError> {
    let bureau_of_section: HashMap<i64, i64> = section::Entity::find()
        .all(conn)
        .await?
        .into_iter()
        .map(|s| (s.id, s.bureau_id))
        .collect();
    let rows = digital_system::Entity::find()
        .filter(digital_system::Column::ProductionStartedOn.lte(as_of))
        .order_by_asc(digital_system::Column::Id)
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .filter(|s| s.retired_on.is_none_or(|r| r > as_of))
        .map(|s| SystemFacts {
            id: s.id,
            bureau_id: bureau_of_section.get(&s.section_id).copied(),
            annual_hours_saved: s.annual_hours_saved.unwrap_or(0.0),
            production_started_on: s.production_started_on,
            built_in_house: s.built_in_house,
            cost_effect_yen: s.cost_effect_yen,
        })
        .filter(|s| bureau_id.is_none() || s.bureau_id == bureau_id)
        .collect())
}

/// A milestone of an X policy and whether it was done by the day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MilestoneFacts {
    pub id: i64,
    pub title: String,
    pub issue_id: i64,
    pub issue_title: String,
    pub policy_id: i64,
    pub bureau_id: i64,
    pub quarter: Quarter,
    pub due_on: NaiveDate,
    pub done_by_then: bool,
    /// Marked slipped (遅延).
    pub slipped: bool,
}

impl MilestoneFacts {
    /// Past its quarter on `as_of` and not done by then.
    pub fn overdue_on(&self, as_of: NaiveDate) -> bool {
        !self.done_by_then && self.due_on < as_of
    }
}

/// The milestones of the X policies of a fiscal year (optionally one bureau's).
pub async fn milestone_facts<C: ConnectionTrait>(
    conn: &C,
    fiscal_year: i32,
    bureau_id: Option<i64>,
    as_of: NaiveDate,
) -> Result<Vec<MilestoneFacts>, StoreError> {
    let mut policies = policy::Entity::find().filter(policy::Column::FiscalYear.eq(fiscal_year));
    if let Some(bureau) = bureau_id {
        policies = policies.filter(policy::Column::BureauId.eq(bureau));
    }
    let policies: HashMap<i64, policy::Model> = policies
        .all(conn)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let issues: HashMap<i64, policy_issue::Model> = policy_issue::Entity::find()
        .filter(policy_issue::Column::PolicyId.is_in(policies.keys().copied()))
        .all(conn)
        .await?
        .into_iter()
        .map(|i| (i.id, i))
        .collect();
    let mut facts = Vec::new();
    for m in milestone::Entity::find()
        .filter(milestone::Column::IssueId.is_in(issues.keys().copied()))
        .order_by_asc(milestone::Column::Id)
        .all(conn)
        .await?
    {
        let (Some(issue), Some(quarter)) = (
            issues.get(&m.issue_id),
            u8::try_from(m.quarter).ok().and_then(Quarter::new),
        ) else {
            continue;
        };
        let Some(policy) = policies.get(&issue.policy_id) else {
            continue;
        };
        let state = MilestoneState::parse(&m.state);
        let done = state == Some(MilestoneState::Done);
        facts.push(MilestoneFacts {
            id: m.id,
            title: m.title,
            issue_id: issue.id,
            issue_title: issue.title.clone(),
            policy_id: policy.id,
            bureau_id: policy.bureau_id,
            quarter,
            due_on: quarter.last_day(domain::wareki::FiscalYear(policy.fiscal_year)),
            done_by_then: done && m.done_on.is_none_or(|d| d <= as_of),
            slipped: state == Some(MilestoneState::Slipped),
        });
    }
    Ok(facts)
}

/// A KPI with its two latest actuals measured by the day.
#[derive(Debug, Clone, PartialEq)]
pub struct KpiFacts {
    pub id: i64,
    pub name: String,
    pub unit: String,
    pub issue_id: i64,
    pub bureau_id: i64,
    pub baseline: (NaiveDate, f64),
    pub target: Option<f64>,
    pub latest: Option<(NaiveDate, f64)>,
    pub previous: Option<(NaiveDate, f64)>,
}

pub async fn kpi_facts<C: ConnectionTrait>(
    conn: &C,
    fiscal_year: i32,
    bureau_id: Option<i64>,
    as_of: NaiveDate,
) -> Result<Vec<KpiFacts>, StoreError> {
    let mut policies = policy::Entity::find().filter(policy::Column::FiscalYear.eq(fiscal_year));
    if let Some(bureau) = bureau_id {
        policies = policies.filter(policy::Column::BureauId.eq(bureau));
    }
    let bureau_of_policy: HashMap<i64, i64> = policies
        .all(conn)
        .await?
        .into_iter()
        .map(|p| (p.id, p.bureau_id))
        .collect();
    let bureau_of_issue: HashMap<i64, i64> = policy_issue::Entity::find()
        .filter(policy_issue::Column::PolicyId.is_in(bureau_of_policy.keys().copied()))
        .all(conn)
        .await?
        .into_iter()
        .filter_map(|i| bureau_of_policy.get(&i.policy_id).map(|b| (i.id, *b)))
        .collect();
    let kpis = kpi::Entity::find()
        .filter(kpi::Column::IssueId.is_in(bureau_of_issue.keys().copied()))
        .order_by_asc(kpi::Column::Id)
        .all(conn)
        .await?;
    let mut actuals: HashMap<i64, Vec<(NaiveDate, f64, i64)>> = HashMap::new();
    for a in kpi_actual::Entity::find()
        .filter(kpi_actual::Column::KpiId.is_in(kpis.iter().map(|k| k.id)))
        .filter(kpi_actual::Column::MeasuredOn.lte(as_of))
        .all(conn)
        .await?
    {
        actuals
            .entry(a.kpi_id)
            .or_default()
            .push((a.measured_on, a.value, a.id));
    }
    Ok(kpis
        .into_iter()
        .filter_map(|k| {
            let bureau_id = *bureau_of_issue.get(&k.issue_id)?;
            let mut series = actuals.remove(&k.id).unwrap_or_default();
            series.sort_by_key(|(on, _, id)| (*on, *id));
            let latest = series.pop().map(|(on, v, _)| (on, v));
            let previous = series.pop().map(|(on, v, _)| (on, v));
            Some(KpiFacts {
                id: k.id,
                name: k.name,
                unit: k.unit,
                issue_id: k.issue_id,
                bureau_id,
                baseline: (k.baseline_on, k.baseline_value),
                target: k.target_value,
                latest,
                previous,
            })
        })
        .collect())
}
