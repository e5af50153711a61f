//! Figures on two time axes: "as of 基準日" (facts that took effect on or before the day) and
//! "as known at T" (facts recorded at or before the moment). [`Known::Now`] is the live view, in
//! which every recorded fact counts; [`Known::At`] is what a report closed at T showed, so a
//! correction recorded after T (back-dated or not) changes the live figure and never the closed
//! one. Everything here is computed from the records and their versions (`history`), never from
//! the dashboard tallies, which know only the live view; the tests hold both equal on that view.
//!
//! [`report`] is the report of a round: the proposal stage table, each bureau's issues with
//! their latest progress note, milestones and KPI changes, and the reform and ledger figures.
//! [`store_round_report`] keeps a closed round's report so it is served without recomputing.

use crate::StoreError;
use crate::dashboard::{KpiFacts, MilestoneFacts, SystemFacts};
use crate::entities::{
    bureau, consultation, policy, proposal_assignment, round_report, section, stage_event, target,
    target_measurement,
};
use crate::history::{self, Known};
use crate::tallies::{self, KEY_SEPARATOR, figure};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use domain::policy::{MilestoneState, Quarter};
use domain::proposal::{
    Decision, ImplementationStatus, Stage, StageEvent, StageState, most_advanced,
};
use domain::reform::{Classification, ReformStatus};
use domain::wareki::FiscalYear;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

pub use crate::dashboard::end_of_tokyo_day;

/// The fiscal year (April–March) a day falls in.
pub fn fiscal_year_of(day: NaiveDate) -> i32 {
    if day.month() >= 4 {
        day.year()
    } else {
        day.year() - 1
    }
}

async fn bureau_of_section<C: ConnectionTrait>(conn: &C) -> Result<HashMap<i64, i64>, StoreError> {
    Ok(section::Entity::find()
        .all(conn)
        .await?
        .into_iter()
        .map(|s| (s.id, s.bureau_id))
        .collect())
}

/// One proposal as it stood on the day, as known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProposalStanding {
    pub id: i64,
    pub number: Option<String>,
    pub title: String,
    pub theme: String,
    pub implementation_status: Option<String>,
    /// Rule ※1: the most advanced section's stage; `None` before any section had it.
    pub stage: Option<Stage>,
    /// Bureaus whose sections held it on the day.
    pub bureau_ids: Vec<i64>,
    /// Some section still had it at ① or ②.
    pub awaiting_decision: bool,
    /// The latest stage change or consultation on or before the day.
    pub last_activity: Option<NaiveDate>,
}

fn stage_event_of(row: &stage_event::Model) -> Result<StageEvent, StoreError> {
    let stage = u8::try_from(row.to_stage)
        .ok()
        .and_then(Stage::from_number)
        .ok_or_else(|| StoreError::Corrupt(format!("stage {}", row.to_stage)))?;
    let decision = row
        .decision
        .as_deref()
        .map(|d| Decision::parse(d).ok_or_else(|| StoreError::Corrupt(format!("decision {d}"))))
        .transpose()?;
    Ok(StageEvent {
        assignment_id: row.assignment_id,
        state: StageState { stage, decision },
        effective_on: row.effective_on,
        recorded_at: row.recorded_at,
    })
}

/// Every proposal of the fiscal year that existed on `as_of` (registered by then, or with a stage
/// in force by then), at its stage on that day, counting only stage events and consultations
/// known. Ordered by id.
pub async fn proposal_standings<C: ConnectionTrait>(
    conn: &C,
    fiscal_year: i32,
    as_of: NaiveDate,
    known: Known,
) -> Result<Vec<ProposalStanding>, StoreError> {
    let proposals: BTreeMap<i64, history::ProposalSnapshot> = history::proposals(conn, known)
        .await?
        .into_iter()
        .filter(|(_, p)| p.fiscal_year == fiscal_year)
        .collect();
    let ids: Vec<i64> = proposals.keys().copied().collect();
    let bureau_of_section = bureau_of_section(conn).await?;
    let mut bureau_of_assignment: HashMap<i64, i64> = HashMap::new();
    let mut events: HashMap<i64, BTreeMap<i64, Vec<StageEvent>>> = HashMap::new();
    let mut consulted: HashMap<i64, NaiveDate> = HashMap::new();
    for chunk in ids.chunks(1000) {
        for a in proposal_assignment::Entity::find()
            .filter(proposal_assignment::Column::ProposalId.is_in(chunk.iter().copied()))
            .all(conn)
            .await?
        {
            if let Some(bureau) = bureau_of_section.get(&a.section_id) {
                bureau_of_assignment.insert(a.id, *bureau);
            }
        }
        for row in stage_event::Entity::find()
            .filter(stage_event::Column::ProposalId.is_in(chunk.iter().copied()))
            .filter(stage_event::Column::EffectiveOn.lte(as_of))
            .all(conn)
            .await?
        {
            if !known.knows(row.recorded_at) {
                continue;
            }
            events
                .entry(row.proposal_id)
                .or_default()
                .entry(row.assignment_id)
                .or_default()
                .push(stage_event_of(&row)?);
        }
        for row in consultation::Entity::find()
            .filter(consultation::Column::ProposalId.is_in(chunk.iter().copied()))
            .filter(consultation::Column::HeldOn.lte(as_of))
            .all(conn)
            .await?
        {
            if !known.knows(row.recorded_at) {
                continue;
            }
            let latest = consulted.entry(row.proposal_id).or_insert(row.held_on);
            *latest = (*latest).max(row.held_on);
        }
    }
    let mut out = Vec::with_capacity(proposals.len());
    for (id, p) in proposals {
        let held = events.remove(&id).unwrap_or_default();
        if tallies::tokyo_date(p.created_at) > as_of && held.is_empty() {
            continue;
        }
        let mut stages = Vec::new();
        let mut bureau_ids = Vec::new();
        let mut last_event = None;
        for (assignment, events) in &held {
            last_event = last_event.max(events.iter().map(|e| e.effective_on).max());
            let Some(state) = domain::proposal::state_on(events, as_of) else {
                continue;
            };
            stages.push(state.stage);
            if let Some(bureau) = bureau_of_assignment.get(assignment) {
                bureau_ids.push(*bureau);
            }
        }
        bureau_ids.sort_unstable();
        bureau_ids.dedup();
        out.push(ProposalStanding {
            id,
            number: p.number,
            title: p.title,
            theme: p.theme,
            implementation_status: p.implementation_status,
            awaiting_decision: stages
                .iter()
                .any(|s| matches!(s, Stage::Presented | Stage::Discussed)),
            stage: most_advanced(stages),
            bureau_ids,
            last_activity: last_event.max(consulted.get(&id).copied()),
        });
    }
    Ok(out)
}

/// Systems in production on `as_of` (started by then, not retired by then), as known.
pub async fn systems_in_production<C: ConnectionTrait>(
    conn: &C,
    bureau_id: Option<i64>,
    as_of: NaiveDate,
    known: Known,
) -> Result<Vec<SystemFacts>, StoreError> {
    let bureau_of_section = bureau_of_section(conn).await?;
    Ok(history::systems(conn, known)
        .await?
        .into_iter()
        .filter(|(_, s)| s.production_started_on.is_some_and(|d| d <= as_of))
        .filter(|(_, s)| s.retired_on.is_none_or(|r| r > as_of))
        .map(|(id, s)| SystemFacts {
            id,
            bureau_id: bureau_of_section.get(&s.section_id).copied(),
            annual_hours_saved: s.annual_hours_saved.unwrap_or(0.0),
            production_started_on: s.production_started_on,
            built_in_house: s.built_in_house,
            cost_effect_yen: s.cost_effect_yen,
        })
        .filter(|s| bureau_id.is_none() || s.bureau_id == bureau_id)
        .collect())
}

/// The X policies of a fiscal year (optionally one bureau's): policy id → bureau id.
async fn policies_of_year<C: ConnectionTrait>(
    conn: &C,
    fiscal_year: i32,
    bureau_id: Option<i64>,
) -> Result<HashMap<i64, i64>, StoreError> {
    let mut policies = policy::Entity::find().filter(policy::Column::FiscalYear.eq(fiscal_year));
    if let Some(bureau) = bureau_id {
        policies = policies.filter(policy::Column::BureauId.eq(bureau));
    }
    Ok(policies
        .all(conn)
        .await?
        .into_iter()
        .map(|p| (p.id, p.bureau_id))
        .collect())
}

/// The milestones of the X policies of a fiscal year, and whether each was done by the day, as
/// known.
pub async fn milestone_facts<C: ConnectionTrait>(
    conn: &C,
    fiscal_year: i32,
    bureau_id: Option<i64>,
    as_of: NaiveDate,
    known: Known,
) -> Result<Vec<MilestoneFacts>, StoreError> {
    let policies = policies_of_year(conn, fiscal_year, bureau_id).await?;
    let issues: BTreeMap<i64, history::IssueSnapshot> = history::issues(conn, known)
        .await?
        .into_iter()
        .filter(|(_, i)| policies.contains_key(&i.policy_id))
        .collect();
    let mut facts = Vec::new();
    for (id, m) in history::milestones(conn, known).await? {
        let (Some(issue), Some(quarter)) = (
            issues.get(&m.issue_id),
            u8::try_from(m.quarter).ok().and_then(Quarter::new),
        ) else {
            continue;
        };
        let Some(bureau) = policies.get(&issue.policy_id) else {
            continue;
        };
        let state = MilestoneState::parse(&m.state);
        facts.push(MilestoneFacts {
            id,
            title: m.title,
            issue_id: m.issue_id,
            issue_title: issue.title.clone(),
            policy_id: issue.policy_id,
            bureau_id: *bureau,
            quarter,
            due_on: quarter.last_day(FiscalYear(fiscal_year)),
            done_by_then: state == Some(MilestoneState::Done)
                && m.done_on.is_none_or(|d| d <= as_of),
            slipped: state == Some(MilestoneState::Slipped),
        });
    }
    Ok(facts)
}

/// The KPIs of the X policies of a fiscal year, each with its two latest actuals measured by
/// the day, as known.
pub async fn kpi_facts<C: ConnectionTrait>(
    conn: &C,
    fiscal_year: i32,
    bureau_id: Option<i64>,
    as_of: NaiveDate,
    known: Known,
) -> Result<Vec<KpiFacts>, StoreError> {
    let policies = policies_of_year(conn, fiscal_year, bureau_id).await?;
    let bureau_of_issue: HashMap<i64, i64> = history::issues(conn, known)
        .await?
        .into_iter()
        .filter_map(|(id, i)| policies.get(&i.policy_id).map(|b| (id, *b)))
        .collect();
    let kpis: BTreeMap<i64, history::KpiSnapshot> = history::kpis(conn, known)
        .await?
        .into_iter()
        .filter(|(_, k)| bureau_of_issue.contains_key(&k.issue_id))
        .collect();
    let mut actuals: HashMap<i64, Vec<(NaiveDate, f64, i64)>> = HashMap::new();
    for (id, a) in history::actuals(conn, known).await? {
        if a.measured_on <= as_of && kpis.contains_key(&a.kpi_id) {
            actuals
                .entry(a.kpi_id)
                .or_default()
                .push((a.measured_on, a.value, id));
        }
    }
    Ok(kpis
        .into_iter()
        .filter_map(|(id, k)| {
            let bureau_id = *bureau_of_issue.get(&k.issue_id)?;
            let mut series = actuals.remove(&id).unwrap_or_default();
            series.sort_by_key(|(on, _, id)| (*on, *id));
            let latest = series.pop().map(|(on, v, _)| (on, v));
            let previous = series.pop().map(|(on, v, _)| (on, v));
            Some(KpiFacts {
                id,
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

/// The reforms of a fiscal year registered by the day (optionally one bureau's), as known.
pub async fn reforms_registered<C: ConnectionTrait>(
    conn: &C,
    fiscal_year: i32,
    bureau_id: Option<i64>,
    as_of: NaiveDate,
    known: Known,
) -> Result<BTreeMap<i64, history::ReformSnapshot>, StoreError> {
    Ok(history::reforms(conn, known)
        .await?
        .into_iter()
        .filter(|(_, r)| r.fiscal_year == fiscal_year)
        .filter(|(_, r)| bureau_id.is_none_or(|b| b == r.bureau_id))
        .filter(|(_, r)| tallies::tokyo_date(r.created_at) <= as_of)
        .collect())
}

/// The dashboard's figures of one scope (`tallies::CITY` or a bureau id) as of the day, keyed as
/// `tallies::counts_as_of` keys them, and the proposals gone stale after `stale_days`: the same
/// numbers the tallies give on the live axis, computed from the records on either axis.
pub async fn dashboard_counts<C: ConnectionTrait>(
    conn: &C,
    fiscal_year: i32,
    scope: i64,
    as_of: NaiveDate,
    stale_days: i64,
    known: Known,
) -> Result<(HashMap<(String, String), u64>, u64), StoreError> {
    let mut counts: HashMap<(String, String), u64> = HashMap::new();
    let mut add = |figure: &str, key: String| {
        *counts.entry((figure.to_owned(), key)).or_default() += 1;
    };
    let stale_before = as_of.checked_sub_signed(chrono::Duration::days(stale_days));
    let mut stale = 0;
    for p in proposal_standings(conn, fiscal_year, as_of, known).await? {
        if scope != tallies::CITY && !p.bureau_ids.contains(&scope) {
            continue;
        }
        add(figure::PROPOSALS, String::new());
        add(
            figure::PROPOSAL_STAGE,
            format!(
                "{}{KEY_SEPARATOR}{}",
                p.theme,
                p.stage.map_or(0, Stage::number)
            ),
        );
        let status = p
            .implementation_status
            .as_deref()
            .and_then(ImplementationStatus::parse)
            .map_or("none", ImplementationStatus::as_str);
        add(figure::PROPOSAL_STATUS, status.to_owned());
        for bureau in &p.bureau_ids {
            if scope == tallies::CITY || scope == *bureau {
                add(figure::PROPOSAL_BUREAU, bureau.to_string());
            }
        }
        if p.awaiting_decision
            && let (Some(last), Some(before)) = (p.last_activity, stale_before)
            && last < before
        {
            stale += 1;
        }
    }
    let bureau = (scope != tallies::CITY).then_some(scope);
    for r in reforms_registered(conn, fiscal_year, bureau, as_of, known)
        .await?
        .into_values()
    {
        add(figure::REFORMS, String::new());
        add(figure::REFORM_BUREAU, r.bureau_id.to_string());
        let classification = r
            .classification
            .as_deref()
            .and_then(Classification::parse)
            .map_or("none", Classification::as_str);
        add(figure::REFORM_CLASSIFICATION, classification.to_owned());
        add(figure::REFORM_STATUS, r.status.clone());
        match (r.period_start, &r.period_text) {
            (Some(start), _) => add(
                figure::REFORM_MONTH,
                format!("{:04}-{:02}", start.year(), start.month()),
            ),
            (None, Some(_)) => add(figure::REFORM_PERIOD, "text_only".into()),
            (None, None) => {}
        }
        if r.period_text.is_none() {
            add(figure::REFORM_PERIOD, "missing".into());
        }
        for tag in r.tags {
            add(figure::REFORM_TAG, tag);
        }
    }
    Ok((counts, stale))
}

/// The latest figure published for a target of `metric` measured by the day, as known:
/// `(measured_on, value, note)`.
pub async fn published_measurement<C: ConnectionTrait>(
    conn: &C,
    metric: &str,
    as_of: NaiveDate,
    known: Known,
) -> Result<Option<(NaiveDate, f64, Option<String>)>, StoreError> {
    let Some(target) = target::Entity::find()
        .filter(target::Column::Metric.eq(metric))
        .order_by_asc(target::Column::Id)
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    Ok(target_measurement::Entity::find()
        .filter(target_measurement::Column::TargetId.eq(target.id))
        .filter(target_measurement::Column::MeasuredOn.lte(as_of))
        .all(conn)
        .await?
        .into_iter()
        .filter(|m| known.knows(m.recorded_at))
        // Two figures of one day: the first recorded is the one the source states first.
        .max_by_key(|m| (m.measured_on, std::cmp::Reverse(m.id)))
        .map(|m| (m.measured_on, m.value, m.note)))
}

// ---------------------------------------------------------------------------------------------
// The round's report

/// One row of the stage table (a theme) or its totals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageRow {
    pub theme: String,
    /// Proposals at ①, ②, ③, ④.
    pub counts: [u64; 4],
    pub not_presented: u64,
    pub total: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LatestNote {
    pub as_of: NaiveDate,
    pub as_of_label: String,
    pub body: String,
    pub recorded_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IssueProgress {
    pub id: i64,
    pub area: String,
    pub number: i32,
    pub title: String,
    pub latest_note: Option<LatestNote>,
}

/// Milestones of the fiscal year's quarters up to 基準日's.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MilestoneCounts {
    pub done: u64,
    pub slipped: u64,
    /// Neither done by 基準日 nor marked slipped.
    pub open: u64,
    /// Past their quarter and not done by 基準日 (slipped ones included).
    pub overdue: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KpiChange {
    pub id: i64,
    pub name: String,
    pub unit: String,
    pub baseline_value: f64,
    pub target_value: Option<f64>,
    pub latest_on: Option<NaiveDate>,
    pub latest_value: Option<f64>,
    pub previous_on: Option<NaiveDate>,
    pub previous_value: Option<f64>,
    /// latest − previous, or latest − baseline for the first actual.
    pub change: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BureauProgress {
    pub bureau_id: i64,
    pub bureau: String,
    pub issues: Vec<IssueProgress>,
    pub milestones: MilestoneCounts,
    pub kpis: Vec<KpiChange>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EffectTotal {
    pub kind: String,
    pub unit: String,
    pub total: f64,
    /// Reforms claiming an effect of this kind and unit.
    pub reforms: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReformFigures {
    pub total: u64,
    /// Status (`ReformStatus::as_str`) → count, every status listed.
    pub by_status: BTreeMap<String, u64>,
    /// Bureau id → count, bureaus with reforms only.
    pub by_bureau: BTreeMap<i64, u64>,
    pub effects: Vec<EffectTotal>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LedgerFigures {
    pub systems_in_production: u64,
    pub in_house: u64,
    /// in_house / systems_in_production, 0 when there are none.
    pub in_house_rate: f64,
    pub annual_hours_saved: f64,
    pub cost_effect_yen: i64,
    /// The city's latest published hours figure measured by 基準日 (city scope only).
    pub published_hours: Option<f64>,
    pub published_hours_on: Option<NaiveDate>,
}

/// A round's report: "as of 基準日, as known at `known_at`" (`None`: as known when computed).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub as_of: NaiveDate,
    pub known_at: Option<DateTime<Utc>>,
    pub fiscal_year: i32,
    pub bureau_id: Option<i64>,
    pub stage_labels: [String; 4],
    /// Rule ※1: each proposal once, at its most advanced section's stage.
    pub proposal_stages: Vec<StageRow>,
    pub proposal_totals: StageRow,
    pub bureaus: Vec<BureauProgress>,
    pub reforms: ReformFigures,
    pub ledger: LedgerFigures,
}

fn stage_row(theme: &str, standings: &[&ProposalStanding]) -> StageRow {
    let mut counts = [0_u64; 4];
    let mut not_presented = 0;
    for p in standings {
        match p.stage {
            Some(stage) => counts[usize::from(stage.number() - 1)] += 1,
            None => not_presented += 1,
        }
    }
    StageRow {
        theme: theme.to_owned(),
        counts,
        not_presented,
        total: standings.len() as u64,
    }
}

/// The quarter of the fiscal year `fiscal_year` that 基準日 falls in: 0 before the year, 4 after.
fn quarters_reached(fiscal_year: i32, as_of: NaiveDate) -> u8 {
    let year = FiscalYear(fiscal_year);
    (1..=4)
        .filter_map(Quarter::new)
        .filter(|q| {
            let first = q
                .last_day(year)
                .with_day(1)
                .and_then(|d| d.checked_sub_months(chrono::Months::new(2)));
            first.is_some_and(|f| f <= as_of)
        })
        .map(Quarter::number)
        .max()
        .unwrap_or(0)
}

/// Counts the milestones of the quarters up to 基準日's.
pub fn count_milestones(
    facts: &[MilestoneFacts],
    fiscal_year: i32,
    as_of: NaiveDate,
) -> MilestoneCounts {
    let reached = quarters_reached(fiscal_year, as_of);
    let mut counts = MilestoneCounts::default();
    for m in facts.iter().filter(|m| m.quarter.number() <= reached) {
        if m.done_by_then {
            counts.done += 1;
        } else if m.slipped {
            counts.slipped += 1;
        } else {
            counts.open += 1;
        }
        if m.overdue_on(as_of) {
            counts.overdue += 1;
        }
    }
    counts
}

/// The report of a round: as of `as_of` (its fiscal year), as known at `known_at` (`None`: now),
/// for the city or one bureau.
pub async fn report<C: ConnectionTrait>(
    conn: &C,
    as_of: NaiveDate,
    known_at: Option<DateTime<Utc>>,
    bureau_id: Option<i64>,
) -> Result<Report, StoreError> {
    let known = Known::from_option(known_at);
    let fiscal_year = fiscal_year_of(as_of);
    let bureaus: Vec<(i64, String)> = bureau::Entity::find()
        .order_by_asc(bureau::Column::SortOrder)
        .order_by_asc(bureau::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .filter(|b| bureau_id.is_none_or(|id| id == b.id))
        .map(|b| (b.id, b.name))
        .collect();

    let standings: Vec<ProposalStanding> = proposal_standings(conn, fiscal_year, as_of, known)
        .await?
        .into_iter()
        .filter(|p| bureau_id.is_none_or(|b| p.bureau_ids.contains(&b)))
        .collect();
    let mut themes: Vec<String> = crate::proposals::find_project_team_by_year(conn, fiscal_year)
        .await?
        .map(|t| t.themes)
        .unwrap_or_default();
    for p in &standings {
        if !themes.contains(&p.theme) {
            themes.push(p.theme.clone());
        }
    }
    let proposal_stages = themes
        .iter()
        .map(|theme| {
            let of_theme: Vec<&ProposalStanding> =
                standings.iter().filter(|p| &p.theme == theme).collect();
            stage_row(theme, &of_theme)
        })
        .collect();
    let proposal_totals = stage_row("合計", &standings.iter().collect::<Vec<_>>());

    let milestones = milestone_facts(conn, fiscal_year, bureau_id, as_of, known).await?;
    let kpis = kpi_facts(conn, fiscal_year, bureau_id, as_of, known).await?;
    let policies = policies_of_year(conn, fiscal_year, bureau_id).await?;
    let mut notes: HashMap<i64, history::NoteSnapshot> = HashMap::new();
    for note in history::notes(conn, known).await?.into_values() {
        if note.as_of > as_of {
            continue;
        }
        let newer = notes
            .get(&note.issue_id)
            .is_none_or(|n| (note.as_of, note.recorded_at) > (n.as_of, n.recorded_at));
        if newer {
            notes.insert(note.issue_id, note);
        }
    }
    let mut issues_of: BTreeMap<i64, Vec<IssueProgress>> = BTreeMap::new();
    for (id, issue) in history::issues(conn, known).await? {
        let Some(bureau) = policies.get(&issue.policy_id) else {
            continue;
        };
        issues_of.entry(*bureau).or_default().push(IssueProgress {
            id,
            latest_note: notes.remove(&id).map(|n| LatestNote {
                as_of: n.as_of,
                as_of_label: n.as_of_label,
                body: n.body,
                recorded_at: n.recorded_at,
            }),
            area: issue.area,
            number: issue.number,
            title: issue.title,
        });
    }
    let bureau_progress = bureaus
        .iter()
        .filter_map(|(id, name)| {
            let mut issues = issues_of.remove(id).unwrap_or_default();
            issues.sort_by(|a, b| (&a.area, a.number, a.id).cmp(&(&b.area, b.number, b.id)));
            let own: Vec<MilestoneFacts> = milestones
                .iter()
                .filter(|m| m.bureau_id == *id)
                .cloned()
                .collect();
            let kpis: Vec<KpiChange> = kpis
                .iter()
                .filter(|k| k.bureau_id == *id)
                .map(|k| KpiChange {
                    id: k.id,
                    name: k.name.clone(),
                    unit: k.unit.clone(),
                    baseline_value: k.baseline.1,
                    target_value: k.target,
                    latest_on: k.latest.map(|(d, _)| d),
                    latest_value: k.latest.map(|(_, v)| v),
                    previous_on: k.previous.map(|(d, _)| d),
                    previous_value: k.previous.map(|(_, v)| v),
                    change: k
                        .latest
                        .map(|(_, v)| v - k.previous.map_or(k.baseline.1, |(_, p)| p)),
                })
                .collect();
            (!issues.is_empty() || !own.is_empty() || !kpis.is_empty()).then(|| BureauProgress {
                bureau_id: *id,
                bureau: name.clone(),
                issues,
                milestones: count_milestones(&own, fiscal_year, as_of),
                kpis,
            })
        })
        .collect();

    let reforms = reforms_registered(conn, fiscal_year, bureau_id, as_of, known).await?;
    let mut by_status: BTreeMap<String, u64> = ReformStatus::ALL
        .iter()
        .map(|s| (s.as_str().to_owned(), 0))
        .collect();
    let mut by_bureau: BTreeMap<i64, u64> = BTreeMap::new();
    let mut effects: BTreeMap<(String, String), (f64, u64)> = BTreeMap::new();
    for r in reforms.values() {
        *by_status.entry(r.status.clone()).or_default() += 1;
        *by_bureau.entry(r.bureau_id).or_default() += 1;
        let mut claimed: Vec<(String, String)> = Vec::new();
        for e in &r.effects {
            let key = (e.kind.clone(), e.unit.clone());
            let entry = effects.entry(key.clone()).or_default();
            entry.0 += e.value;
            if !claimed.contains(&key) {
                entry.1 += 1;
                claimed.push(key);
            }
        }
    }
    let reform_figures = ReformFigures {
        total: reforms.len() as u64,
        by_status,
        by_bureau,
        effects: effects
            .into_iter()
            .map(|((kind, unit), (total, reforms))| EffectTotal {
                kind,
                unit,
                total,
                reforms,
            })
            .collect(),
    };

    let systems = systems_in_production(conn, bureau_id, as_of, known).await?;
    let in_house = systems.iter().filter(|s| s.built_in_house).count() as u64;
    let count = systems.len() as u64;
    let published = if bureau_id.is_none() {
        published_measurement(conn, "annual_hours_saved", as_of, known).await?
    } else {
        None
    };
    let ledger = LedgerFigures {
        systems_in_production: count,
        in_house,
        in_house_rate: if count == 0 {
            0.0
        } else {
            in_house as f64 / count as f64
        },
        annual_hours_saved: total_hours(systems.iter().map(|s| s.annual_hours_saved)),
        cost_effect_yen: systems.iter().filter_map(|s| s.cost_effect_yen).sum(),
        published_hours: published.as_ref().map(|(_, v, _)| *v),
        published_hours_on: published.map(|(d, _, _)| d),
    };

    Ok(Report {
        as_of,
        known_at,
        fiscal_year,
        bureau_id,
        stage_labels: Stage::ALL.map(|s| s.label_ja().to_owned()),
        proposal_stages,
        proposal_totals,
        bureaus: bureau_progress,
        reforms: reform_figures,
        ledger,
    })
}

/// A closed round's stored report: one version per close.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredReport {
    pub round_id: i64,
    pub version: i32,
    pub as_of: NaiveDate,
    pub known_at: DateTime<Utc>,
    pub bureau_id: Option<i64>,
    pub report: Report,
    /// The report as kept, byte for byte: what is served, so it never changes.
    pub json: String,
    pub computed_at: DateTime<Utc>,
}

/// Computes the report of round #`round_id` as of `as_of`, as known at `known_at` (the close),
/// and keeps it as the round's next version; the versions kept at earlier closes stay.
pub async fn store_round_report<C: ConnectionTrait>(
    conn: &C,
    round_id: i64,
    as_of: NaiveDate,
    known_at: DateTime<Utc>,
    bureau_id: Option<i64>,
) -> Result<StoredReport, StoreError> {
    let report = report(conn, as_of, Some(known_at), bureau_id).await?;
    keep_round_report(conn, round_id, as_of, known_at, bureau_id, report).await
}

/// Keeps `report`, computed as known at `known_at`, as the next version of round #`round_id`'s
/// report. Two writers keeping a version at once: one of them gets `StoreError::Duplicate`.
pub async fn keep_round_report<C: ConnectionTrait>(
    conn: &C,
    round_id: i64,
    as_of: NaiveDate,
    known_at: DateTime<Utc>,
    bureau_id: Option<i64>,
    report: Report,
) -> Result<StoredReport, StoreError> {
    let json =
        serde_json::to_string(&report).map_err(|e| StoreError::Corrupt(format!("report: {e}")))?;
    let computed_at = crate::clock::now();
    let latest: Option<i32> = round_report::Entity::find()
        .select_only()
        .column(round_report::Column::Version)
        .filter(round_report::Column::RoundId.eq(round_id))
        .order_by_desc(round_report::Column::Version)
        .into_tuple()
        .one(conn)
        .await?;
    let version = latest.unwrap_or(0) + 1;
    round_report::ActiveModel {
        round_id: Set(round_id),
        version: Set(version),
        as_of: Set(as_of),
        known_at: Set(known_at),
        bureau_id: Set(bureau_id),
        report: Set(json.clone()),
        computed_at: Set(computed_at),
        ..Default::default()
    }
    .insert(conn)
    .await
    .map_err(StoreError::from_write)?;
    Ok(StoredReport {
        round_id,
        version,
        as_of,
        known_at,
        bureau_id,
        report,
        json,
        computed_at,
    })
}

fn stored_of(row: round_report::Model) -> Result<StoredReport, StoreError> {
    let report = serde_json::from_str(&row.report)
        .map_err(|e| StoreError::Corrupt(format!("round report {}: {e}", row.round_id)))?;
    Ok(StoredReport {
        round_id: row.round_id,
        version: row.version,
        as_of: row.as_of,
        known_at: row.known_at,
        bureau_id: row.bureau_id,
        report,
        json: row.report,
        computed_at: row.computed_at,
    })
}

/// The kept report of round #`round_id`: its latest version, or the one asked for; `None` if
/// the round was never closed (or has no such version).
pub async fn find_round_report<C: ConnectionTrait>(
    conn: &C,
    round_id: i64,
    version: Option<i32>,
) -> Result<Option<StoredReport>, StoreError> {
    let mut query = round_report::Entity::find().filter(round_report::Column::RoundId.eq(round_id));
    if let Some(version) = version {
        query = query.filter(round_report::Column::Version.eq(version));
    }
    query
        .order_by_desc(round_report::Column::Version)
        .one(conn)
        .await?
        .map(stored_of)
        .transpose()
}

/// One kept version of a round's report, without its figures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportVersion {
    pub version: i32,
    pub known_at: DateTime<Utc>,
}

/// The versions of round #`round_id`'s report, oldest first.
pub async fn round_report_versions<C: ConnectionTrait>(
    conn: &C,
    round_id: i64,
) -> Result<Vec<ReportVersion>, StoreError> {
    let rows: Vec<(i32, DateTime<Utc>)> = round_report::Entity::find()
        .select_only()
        .columns([round_report::Column::Version, round_report::Column::KnownAt])
        .filter(round_report::Column::RoundId.eq(round_id))
        .order_by_asc(round_report::Column::Version)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(version, known_at)| ReportVersion { version, known_at })
        .collect())
}

/// Hours summed from zero: `Sum for f64` starts at -0.0, so a ledger without systems would be
/// kept (and exported) as "-0" hours.
fn total_hours(hours: impl Iterator<Item = f64>) -> f64 {
    hours.fold(0.0, |total, h| total + h)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ledger_without_systems_saves_zero_hours_not_minus_zero() {
        let none = total_hours(std::iter::empty());
        assert_eq!(none, 0.0);
        assert!(none.is_sign_positive());
        assert_eq!(serde_json::to_string(&none).unwrap_or_default(), "0.0");
        assert_eq!(total_hours([1200.0, 34.5].into_iter()), 1234.5);
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    #[test]
    fn the_quarters_reached_follow_the_fiscal_year_from_april() {
        assert_eq!(quarters_reached(2025, day(2025, 3, 31)), 0);
        assert_eq!(quarters_reached(2025, day(2025, 4, 1)), 1);
        assert_eq!(quarters_reached(2025, day(2025, 11, 25)), 3);
        assert_eq!(quarters_reached(2025, day(2025, 12, 31)), 3);
        assert_eq!(quarters_reached(2025, day(2026, 1, 1)), 4);
        assert_eq!(quarters_reached(2025, day(2026, 6, 1)), 4);
    }

    fn milestone(quarter: u8, done: bool, slipped: bool) -> MilestoneFacts {
        MilestoneFacts {
            id: 1,
            title: String::new(),
            issue_id: 1,
            issue_title: String::new(),
            policy_id: 1,
            bureau_id: 1,
            quarter: Quarter::new(quarter).unwrap_or_else(|| unreachable!()),
            due_on: Quarter::new(quarter)
                .map(|q| q.last_day(FiscalYear(2025)))
                .unwrap_or_default(),
            done_by_then: done,
            slipped,
        }
    }

    #[test]
    fn milestones_of_later_quarters_are_not_counted_and_past_undone_ones_are_overdue() {
        let facts = [
            milestone(1, true, false),
            milestone(2, false, true),
            milestone(2, false, false),
            milestone(3, false, false),
            milestone(4, false, false),
        ];
        let counts = count_milestones(&facts, 2025, day(2025, 11, 25));
        assert_eq!(
            counts,
            MilestoneCounts {
                done: 1,
                slipped: 1,
                open: 2,
                overdue: 2,
            }
        );
    }

    #[test]
    fn the_fiscal_year_of_a_day_starts_in_april() {
        assert_eq!(fiscal_year_of(day(2025, 4, 1)), 2025);
        assert_eq!(fiscal_year_of(day(2026, 3, 31)), 2025);
    }
}
