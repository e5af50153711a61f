//! Running tallies behind the dashboards: for each figure (proposals at a stage of a theme,
//! reforms of a bureau, proposals gone stale…), by how much its count changes on each day. A
//! dashboard as of a day sums the deltas dated on or before it, a few thousand rows, instead of
//! replaying every stage event of the year.
//!
//! The tallies are derived data. Every repository write that changes what a proposal or reform
//! counts under takes the record's contributions before and after the change, in the same
//! transaction, and applies the difference, so a back-dated correction moves the figures of
//! every day after it. [`rebuild`] recomputes them all from the records; the tests check that
//! both ways agree with each other and with the lists the figures link to.
//!
//! The same contributions carry each proposal's stage and bureau spans: the stretches of days
//! over which it stood at a stage or was held by a bureau's section. They are not added up but
//! replaced, proposal by proposal, in the same transaction; a list as of a day selects the spans
//! covering it instead of replaying the events.

use crate::StoreError;
use crate::entities::{
    consultation, dashboard_tally, proposal, proposal_assignment, proposal_bureau_span,
    proposal_stage_span, reform, reform_tag, section, stage_event, stale_tally,
};
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use domain::proposal::{ImplementationStatus, Stage, StageEvent, StageState, most_advanced};
use domain::reform::{Classification, ReformStatus};
use sea_orm::sea_query::{Alias, Expr, ExprTrait as _, OnConflict};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The scope of the whole city; any other scope is a bureau id.
pub const CITY: i64 = 0;

/// The figures a tally row can belong to.
pub mod figure {
    /// Proposals that existed on the day.
    pub const PROPOSALS: &str = "proposals";
    /// Key `theme` + [`super::KEY_SEPARATOR`] + stage number (0 before any section had it).
    pub const PROPOSAL_STAGE: &str = "proposal_stage";
    /// Key: the implementation status, or `none`.
    pub const PROPOSAL_STATUS: &str = "proposal_status";
    /// Key: the id of a bureau whose sections held the proposal on the day.
    pub const PROPOSAL_BUREAU: &str = "proposal_bureau";
    pub const REFORMS: &str = "reforms";
    /// Key: the bureau id.
    pub const REFORM_BUREAU: &str = "reform_bureau";
    /// Key: i, ii, iii or `none`.
    pub const REFORM_CLASSIFICATION: &str = "reform_classification";
    pub const REFORM_STATUS: &str = "reform_status";
    /// Key: the tag's search key (ｋｉｎｔｏｎｅ and kintone are one tag).
    pub const REFORM_TAG: &str = "reform_tag";
    /// Key: `YYYY-MM` of the period's start.
    pub const REFORM_MONTH: &str = "reform_month";
    /// Key: `text_only` (a period no day can be read from) or `missing`.
    pub const REFORM_PERIOD: &str = "reform_period";
}

/// Separates the theme from the stage in a [`figure::PROPOSAL_STAGE`] key; no theme contains it.
pub const KEY_SEPARATOR: char = '\u{1f}';

type FigureKey = (i32, i64, &'static str, String, NaiveDate);
type StaleKey = (i32, i64, NaiveDate, NaiveDate);

/// The end of a span that has not ended: stored as a day so that "covers the day" is two plain
/// comparisons an index answers, on both databases.
pub fn open_end() -> NaiveDate {
    NaiveDate::from_ymd_opt(9999, 12, 31).unwrap_or(NaiveDate::MAX)
}

/// A stretch of days `[from, to)` over which a proposal stood at `stage` (rule ※1; 0 before any
/// section had it) and some section did or did not still await a decision (had it at ① or ②).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageSpan {
    pub stage: i16,
    pub awaiting_decision: bool,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// A stretch of days `[from, to)` over which a section of the bureau held a proposal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BureauSpan {
    pub bureau_id: i64,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// One proposal's spans: its stages cover every day from the one it came to exist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProposalSpans {
    pub fiscal_year: i32,
    pub stages: Vec<StageSpan>,
    pub bureaus: Vec<BureauSpan>,
}

/// What some records add to the tallies.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Contributions {
    figures: BTreeMap<FigureKey, i64>,
    stale: BTreeMap<StaleKey, i64>,
    /// The spans of each proposal counted, by id. A proposal that is gone has none, so applying
    /// contributions from before its deletion to none after removes its spans.
    spans: BTreeMap<i64, ProposalSpans>,
}

impl Contributions {
    fn figure(
        &mut self,
        year: i32,
        scope: i64,
        figure: &'static str,
        key: String,
        day: NaiveDate,
        delta: i64,
    ) {
        *self
            .figures
            .entry((year, scope, figure, key, day))
            .or_default() += delta;
    }

    fn stale(&mut self, year: i32, scope: i64, since: NaiveDate, day: NaiveDate, delta: i64) {
        *self.stale.entry((year, scope, since, day)).or_default() += delta;
    }

    /// Adds `other` times `sign` (1 to add, -1 to take away).
    fn absorb(&mut self, other: Contributions, sign: i64) {
        for (key, delta) in other.figures {
            *self.figures.entry(key).or_default() += sign * delta;
        }
        for (key, delta) in other.stale {
            *self.stale.entry(key).or_default() += sign * delta;
        }
    }

    /// Adds what `other` contributes: how a large import gathers its batches' contributions
    /// and applies them once.
    pub fn add(&mut self, other: Contributions) {
        self.absorb(other, 1);
    }

    /// How many tally rows applying these touches at most.
    pub fn len(&self) -> usize {
        self.figures.len() + self.stale.len()
    }

    pub fn is_empty(&self) -> bool {
        self.figures.is_empty() && self.stale.is_empty()
    }

    fn drop_zeros(&mut self) {
        self.figures.retain(|_, d| *d != 0);
        self.stale.retain(|_, d| *d != 0);
    }
}

/// The calendar date in Japan (UTC+9 all year; Japan keeps no daylight time), which is the date
/// every report of the city means.
pub(crate) fn tokyo_date(at: DateTime<Utc>) -> NaiveDate {
    (at + Duration::hours(9)).date_naive()
}

async fn bureau_of_section<C: ConnectionTrait>(conn: &C) -> Result<HashMap<i64, i64>, StoreError> {
    Ok(section::Entity::find()
        .select_only()
        .column(section::Column::Id)
        .column(section::Column::BureauId)
        .into_tuple::<(i64, i64)>()
        .all(conn)
        .await?
        .into_iter()
        .collect())
}

/// One proposal and everything its figures depend on.
struct ProposalRecord {
    fiscal_year: i32,
    theme: String,
    status: Option<ImplementationStatus>,
    created_on: NaiveDate,
    /// Assignment id → bureau id.
    bureau_of_assignment: HashMap<i64, i64>,
    events: Vec<StageEvent>,
    consultations: Vec<NaiveDate>,
}

/// The proposal as it stood at the end of a day.
struct Snapshot {
    stage: Option<Stage>,
    bureaus: Vec<i64>,
    awaiting_decision: bool,
    last_activity: Option<NaiveDate>,
}

impl ProposalRecord {
    fn snapshot(&self, day: NaiveDate) -> Snapshot {
        let mut by_assignment: BTreeMap<i64, Vec<&StageEvent>> = BTreeMap::new();
        for event in self.events.iter().filter(|e| e.effective_on <= day) {
            by_assignment
                .entry(event.assignment_id)
                .or_default()
                .push(event);
        }
        let mut stages = Vec::new();
        let mut bureaus = Vec::new();
        for (assignment, events) in &by_assignment {
            let Some(state) = domain::proposal::state_on(events.iter().copied(), day) else {
                continue;
            };
            stages.push(state.stage);
            if let Some(bureau) = self.bureau_of_assignment.get(assignment) {
                bureaus.push(*bureau);
            }
        }
        bureaus.sort_unstable();
        bureaus.dedup();
        let last_event = by_assignment
            .values()
            .flatten()
            .map(|e| e.effective_on)
            .max();
        let last_consultation = self
            .consultations
            .iter()
            .copied()
            .filter(|c| *c <= day)
            .max();
        Snapshot {
            awaiting_decision: stages
                .iter()
                .any(|s| matches!(s, Stage::Presented | Stage::Discussed)),
            stage: most_advanced(stages),
            bureaus,
            last_activity: Ord::max(last_event, last_consultation),
        }
    }

    /// Adds `sign` on `day` to every figure the snapshot counts under.
    fn count(&self, snapshot: &Snapshot, day: NaiveDate, sign: i64, out: &mut Contributions) {
        let year = self.fiscal_year;
        let stage_key = format!(
            "{}{KEY_SEPARATOR}{}",
            self.theme,
            snapshot.stage.map_or(0, Stage::number)
        );
        let status_key = self.status.map_or("none", ImplementationStatus::as_str);
        let scopes = std::iter::once(CITY).chain(snapshot.bureaus.iter().copied());
        for scope in scopes {
            out.figure(year, scope, figure::PROPOSALS, String::new(), day, sign);
            out.figure(
                year,
                scope,
                figure::PROPOSAL_STAGE,
                stage_key.clone(),
                day,
                sign,
            );
            out.figure(
                year,
                scope,
                figure::PROPOSAL_STATUS,
                status_key.to_owned(),
                day,
                sign,
            );
            for bureau in &snapshot.bureaus {
                if scope == CITY || scope == *bureau {
                    out.figure(
                        year,
                        scope,
                        figure::PROPOSAL_BUREAU,
                        bureau.to_string(),
                        day,
                        sign,
                    );
                }
            }
            if snapshot.awaiting_decision
                && let Some(since) = snapshot.last_activity
            {
                out.stale(year, scope, since, day, sign);
            }
        }
    }

    fn contributions(&self, id: i64, out: &mut Contributions) {
        let first_event = self.events.iter().map(|e| e.effective_on).min();
        let exists_from = first_event.map_or(self.created_on, |f| Ord::min(f, self.created_on));
        let days: BTreeSet<NaiveDate> = std::iter::once(self.created_on)
            .chain(self.events.iter().map(|e| e.effective_on))
            .chain(self.consultations.iter().copied())
            .filter(|d| *d >= exists_from)
            .collect();
        let days: Vec<NaiveDate> = days.into_iter().collect();
        let mut spans = SpanBuilder::new(self.fiscal_year);
        for (i, day) in days.iter().enumerate() {
            let snapshot = self.snapshot(*day);
            self.count(&snapshot, *day, 1, out);
            if let Some(next) = days.get(i + 1) {
                self.count(&snapshot, *next, -1, out);
            }
            spans.on(*day, &snapshot);
        }
        out.spans.insert(id, spans.finish());
    }
}

/// Turns the snapshots of a proposal's days, in order, into spans: a new stage span wherever the
/// stage or `awaiting_decision` changes, a bureau span for each stretch a bureau is held.
struct SpanBuilder {
    done: ProposalSpans,
    stage: Option<StageSpan>,
    bureaus: BTreeMap<i64, NaiveDate>,
}

impl SpanBuilder {
    fn new(fiscal_year: i32) -> Self {
        SpanBuilder {
            done: ProposalSpans {
                fiscal_year,
                stages: Vec::new(),
                bureaus: Vec::new(),
            },
            stage: None,
            bureaus: BTreeMap::new(),
        }
    }

    fn on(&mut self, day: NaiveDate, snapshot: &Snapshot) {
        let stage = snapshot.stage.map_or(0, |s| i16::from(s.number()));
        let awaiting = snapshot.awaiting_decision;
        let same = self
            .stage
            .as_ref()
            .is_some_and(|open| open.stage == stage && open.awaiting_decision == awaiting);
        if !same {
            if let Some(mut open) = self.stage.take() {
                open.to = day;
                self.done.stages.push(open);
            }
            self.stage = Some(StageSpan {
                stage,
                awaiting_decision: awaiting,
                from: day,
                to: open_end(),
            });
        }
        let ended: Vec<i64> = self
            .bureaus
            .keys()
            .filter(|b| !snapshot.bureaus.contains(b))
            .copied()
            .collect();
        for bureau_id in ended {
            if let Some(from) = self.bureaus.remove(&bureau_id) {
                self.done.bureaus.push(BureauSpan {
                    bureau_id,
                    from,
                    to: day,
                });
            }
        }
        for bureau in &snapshot.bureaus {
            self.bureaus.entry(*bureau).or_insert(day);
        }
    }

    fn finish(mut self) -> ProposalSpans {
        self.done.stages.extend(self.stage.take());
        for (bureau_id, from) in std::mem::take(&mut self.bureaus) {
            self.done.bureaus.push(BureauSpan {
                bureau_id,
                from,
                to: open_end(),
            });
        }
        self.done.bureaus.sort_by_key(|b| (b.bureau_id, b.from));
        self.done
    }
}

fn stage_event_of(row: &stage_event::Model) -> Result<StageEvent, StoreError> {
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
    Ok(StageEvent {
        assignment_id: row.assignment_id,
        state: StageState { stage, decision },
        effective_on: row.effective_on,
        recorded_at: row.recorded_at,
    })
}

/// What the proposals with these ids add to the tallies now.
pub async fn proposal_contributions<C: ConnectionTrait>(
    conn: &C,
    ids: &[i64],
) -> Result<Contributions, StoreError> {
    let sections = bureau_of_section(conn).await?;
    let mut out = Contributions::default();
    for chunk in ids.chunks(1000) {
        add_proposals(conn, chunk, &sections, &mut out).await?;
    }
    Ok(out)
}

async fn add_proposals<C: ConnectionTrait>(
    conn: &C,
    ids: &[i64],
    bureau_of_section: &HashMap<i64, i64>,
    out: &mut Contributions,
) -> Result<(), StoreError> {
    let rows = proposal::Entity::find()
        .select_only()
        .column(proposal::Column::Id)
        .column(proposal::Column::FiscalYear)
        .column(proposal::Column::Theme)
        .column(proposal::Column::ImplementationStatus)
        .column(proposal::Column::CreatedAt)
        .filter(proposal::Column::Id.is_in(ids.iter().copied()))
        .into_tuple::<(i64, i32, String, Option<String>, DateTime<Utc>)>()
        .all(conn)
        .await?;
    let mut records: BTreeMap<i64, ProposalRecord> = BTreeMap::new();
    for (id, fiscal_year, theme, status, created_at) in rows {
        let status = status
            .as_deref()
            .map(|s| {
                ImplementationStatus::parse(s)
                    .ok_or_else(|| StoreError::Corrupt(format!("implementation status {s}")))
            })
            .transpose()?;
        records.insert(
            id,
            ProposalRecord {
                fiscal_year,
                theme,
                status,
                created_on: tokyo_date(created_at),
                bureau_of_assignment: HashMap::new(),
                events: Vec::new(),
                consultations: Vec::new(),
            },
        );
    }
    if records.is_empty() {
        return Ok(());
    }
    let present: Vec<i64> = records.keys().copied().collect();
    for (assignment, proposal_id, section_id) in proposal_assignment::Entity::find()
        .select_only()
        .column(proposal_assignment::Column::Id)
        .column(proposal_assignment::Column::ProposalId)
        .column(proposal_assignment::Column::SectionId)
        .filter(proposal_assignment::Column::ProposalId.is_in(present.iter().copied()))
        .into_tuple::<(i64, i64, i64)>()
        .all(conn)
        .await?
    {
        if let (Some(record), Some(bureau)) = (
            records.get_mut(&proposal_id),
            bureau_of_section.get(&section_id),
        ) {
            record.bureau_of_assignment.insert(assignment, *bureau);
        }
    }
    for row in stage_event::Entity::find()
        .filter(stage_event::Column::ProposalId.is_in(present.iter().copied()))
        .order_by_asc(stage_event::Column::Id)
        .all(conn)
        .await?
    {
        let event = stage_event_of(&row)?;
        if let Some(record) = records.get_mut(&row.proposal_id) {
            record.events.push(event);
        }
    }
    for (proposal_id, held_on) in consultation::Entity::find()
        .select_only()
        .column(consultation::Column::ProposalId)
        .column(consultation::Column::HeldOn)
        .filter(consultation::Column::ProposalId.is_in(present.iter().copied()))
        .into_tuple::<(i64, NaiveDate)>()
        .all(conn)
        .await?
    {
        if let Some(record) = records.get_mut(&proposal_id) {
            record.consultations.push(held_on);
        }
    }
    for (id, record) in &records {
        record.contributions(*id, out);
    }
    Ok(())
}

/// What the reforms with these ids add to the tallies now: each counts from the day it was
/// registered.
pub async fn reform_contributions<C: ConnectionTrait>(
    conn: &C,
    ids: &[i64],
) -> Result<Contributions, StoreError> {
    let mut out = Contributions::default();
    for chunk in ids.chunks(1000) {
        add_reforms(conn, chunk, &mut out).await?;
    }
    Ok(out)
}

type ReformRow = (
    i64,
    i32,
    i64,
    Option<String>,
    String,
    Option<String>,
    Option<NaiveDate>,
    DateTime<Utc>,
);

async fn add_reforms<C: ConnectionTrait>(
    conn: &C,
    ids: &[i64],
    out: &mut Contributions,
) -> Result<(), StoreError> {
    let rows: Vec<ReformRow> = reform::Entity::find()
        .select_only()
        .column(reform::Column::Id)
        .column(reform::Column::FiscalYear)
        .column(reform::Column::BureauId)
        .column(reform::Column::Classification)
        .column(reform::Column::Status)
        .column(reform::Column::PeriodText)
        .column(reform::Column::PeriodStart)
        .column(reform::Column::CreatedAt)
        .filter(reform::Column::Id.is_in(ids.iter().copied()))
        .into_tuple()
        .all(conn)
        .await?;
    let mut tags: HashMap<i64, BTreeSet<String>> = HashMap::new();
    for (reform_id, key) in reform_tag::Entity::find()
        .select_only()
        .column(reform_tag::Column::ReformId)
        .column(reform_tag::Column::TagKey)
        .filter(reform_tag::Column::ReformId.is_in(ids.iter().copied()))
        .into_tuple::<(i64, String)>()
        .all(conn)
        .await?
    {
        tags.entry(reform_id).or_default().insert(key);
    }
    for (id, year, bureau, classification, status, period_text, period_start, created_at) in rows {
        let status = ReformStatus::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("reform status {status}")))?;
        let classification = classification
            .as_deref()
            .and_then(Classification::parse)
            .map_or("none", Classification::as_str);
        let day = tokyo_date(created_at);
        let mut keys: Vec<(&'static str, String)> = vec![
            (figure::REFORMS, String::new()),
            (figure::REFORM_BUREAU, bureau.to_string()),
            (figure::REFORM_CLASSIFICATION, classification.to_owned()),
            (figure::REFORM_STATUS, status.as_str().to_owned()),
        ];
        match (period_start, &period_text) {
            (Some(start), _) => keys.push((
                figure::REFORM_MONTH,
                format!("{:04}-{:02}", start.year(), start.month()),
            )),
            (None, Some(_)) => keys.push((figure::REFORM_PERIOD, "text_only".into())),
            (None, None) => {}
        }
        if period_text.is_none() {
            keys.push((figure::REFORM_PERIOD, "missing".into()));
        }
        for tag in tags.remove(&id).unwrap_or_default() {
            keys.push((figure::REFORM_TAG, tag));
        }
        for scope in [CITY, bureau] {
            for (figure, key) in &keys {
                out.figure(year, scope, figure, key.clone(), day, 1);
            }
        }
    }
    Ok(())
}

/// Applies `after − before` to the stored tallies, and replaces the stored spans of every
/// proposal whose spans differ between the two.
pub async fn apply<C: ConnectionTrait>(
    conn: &C,
    mut before: Contributions,
    after: Contributions,
) -> Result<(), StoreError> {
    let mut change = after;
    let spans_before = std::mem::take(&mut before.spans);
    let mut spans_after = std::mem::take(&mut change.spans);
    change.absorb(before, -1);
    change.drop_zeros();
    add_to_stored(conn, change).await?;
    let changed: Vec<i64> = spans_before
        .keys()
        .chain(spans_after.keys())
        .copied()
        .collect::<BTreeSet<i64>>()
        .into_iter()
        .filter(|id| spans_before.get(id) != spans_after.get(id))
        .collect();
    if changed.is_empty() {
        return Ok(());
    }
    delete_spans(conn, &changed).await?;
    spans_after.retain(|id, _| changed.contains(id));
    insert_spans(conn, spans_after).await
}

async fn delete_spans<C: ConnectionTrait>(conn: &C, ids: &[i64]) -> Result<(), StoreError> {
    for chunk in ids.chunks(1000) {
        proposal_stage_span::Entity::delete_many()
            .filter(proposal_stage_span::Column::ProposalId.is_in(chunk.iter().copied()))
            .exec(conn)
            .await?;
        proposal_bureau_span::Entity::delete_many()
            .filter(proposal_bureau_span::Column::ProposalId.is_in(chunk.iter().copied()))
            .exec(conn)
            .await?;
    }
    Ok(())
}

/// Rows per INSERT: well below both databases' limits on bound values.
const SPAN_ROWS_PER_STATEMENT: usize = 2000;

async fn insert_spans<C: ConnectionTrait>(
    conn: &C,
    spans: BTreeMap<i64, ProposalSpans>,
) -> Result<(), StoreError> {
    let mut stage_rows = Vec::new();
    let mut bureau_rows = Vec::new();
    for (proposal_id, spans) in spans {
        for span in spans.stages {
            stage_rows.push(proposal_stage_span::ActiveModel {
                proposal_id: Set(proposal_id),
                fiscal_year: Set(spans.fiscal_year),
                stage: Set(span.stage),
                awaiting_decision: Set(span.awaiting_decision),
                from_day: Set(span.from),
                to_day: Set(span.to),
            });
        }
        for span in spans.bureaus {
            bureau_rows.push(proposal_bureau_span::ActiveModel {
                proposal_id: Set(proposal_id),
                bureau_id: Set(span.bureau_id),
                fiscal_year: Set(spans.fiscal_year),
                from_day: Set(span.from),
                to_day: Set(span.to),
            });
        }
    }
    for batch in stage_rows.chunks(SPAN_ROWS_PER_STATEMENT) {
        proposal_stage_span::Entity::insert_many(batch.to_vec())
            .exec_without_returning(conn)
            .await?;
    }
    for batch in bureau_rows.chunks(SPAN_ROWS_PER_STATEMENT) {
        proposal_bureau_span::Entity::insert_many(batch.to_vec())
            .exec_without_returning(conn)
            .await?;
    }
    Ok(())
}

async fn add_to_stored<C: ConnectionTrait>(
    conn: &C,
    change: Contributions,
) -> Result<(), StoreError> {
    let figures: Vec<dashboard_tally::ActiveModel> = change
        .figures
        .into_iter()
        .map(
            |((fiscal_year, bureau_id, figure, key, day), delta)| dashboard_tally::ActiveModel {
                fiscal_year: Set(fiscal_year),
                bureau_id: Set(bureau_id),
                figure: Set(figure.to_owned()),
                key: Set(key),
                day: Set(day),
                delta: Set(delta),
            },
        )
        .collect();
    let mut rows = figures.into_iter().peekable();
    while rows.peek().is_some() {
        let batch: Vec<_> = rows.by_ref().take(1000).collect();
        dashboard_tally::Entity::insert_many(batch)
            .on_conflict(
                OnConflict::columns([
                    dashboard_tally::Column::FiscalYear,
                    dashboard_tally::Column::BureauId,
                    dashboard_tally::Column::Figure,
                    dashboard_tally::Column::Key,
                    dashboard_tally::Column::Day,
                ])
                .value(
                    dashboard_tally::Column::Delta,
                    Expr::col((dashboard_tally::Entity, dashboard_tally::Column::Delta)).add(
                        Expr::col((Alias::new("excluded"), dashboard_tally::Column::Delta)),
                    ),
                )
                .to_owned(),
            )
            .exec_without_returning(conn)
            .await?;
    }
    let stale: Vec<stale_tally::ActiveModel> = change
        .stale
        .into_iter()
        .map(
            |((fiscal_year, bureau_id, since, day), delta)| stale_tally::ActiveModel {
                fiscal_year: Set(fiscal_year),
                bureau_id: Set(bureau_id),
                since: Set(since),
                day: Set(day),
                delta: Set(delta),
            },
        )
        .collect();
    let mut rows = stale.into_iter().peekable();
    while rows.peek().is_some() {
        let batch: Vec<_> = rows.by_ref().take(1000).collect();
        stale_tally::Entity::insert_many(batch)
            .on_conflict(
                OnConflict::columns([
                    stale_tally::Column::FiscalYear,
                    stale_tally::Column::BureauId,
                    stale_tally::Column::Since,
                    stale_tally::Column::Day,
                ])
                .value(
                    stale_tally::Column::Delta,
                    Expr::col((stale_tally::Entity, stale_tally::Column::Delta)).add(Expr::col((
                        Alias::new("excluded"),
                        stale_tally::Column::Delta,
                    ))),
                )
                .to_owned(),
            )
            .exec_without_returning(conn)
            .await?;
    }
    Ok(())
}

/// Recounts every tally from the records: after the migration that adds them, after a restore,
/// and after a bulk load that wrote rows directly.
pub async fn rebuild<C: ConnectionTrait>(conn: &C) -> Result<(), StoreError> {
    dashboard_tally::Entity::delete_many().exec(conn).await?;
    stale_tally::Entity::delete_many().exec(conn).await?;
    proposal_stage_span::Entity::delete_many()
        .exec(conn)
        .await?;
    proposal_bureau_span::Entity::delete_many()
        .exec(conn)
        .await?;
    let sections = bureau_of_section(conn).await?;
    let mut all = Contributions::default();
    let mut after = 0_i64;
    loop {
        let ids: Vec<i64> = proposal::Entity::find()
            .select_only()
            .column(proposal::Column::Id)
            .filter(proposal::Column::Id.gt(after))
            .order_by_asc(proposal::Column::Id)
            .limit(2000)
            .into_tuple()
            .all(conn)
            .await?;
        let Some(last) = ids.last() else { break };
        after = *last;
        add_proposals(conn, &ids, &sections, &mut all).await?;
        // Written chunk by chunk: unlike the tallies, spans do not shrink when added up.
        insert_spans(conn, std::mem::take(&mut all.spans)).await?;
    }
    after = 0;
    loop {
        let ids: Vec<i64> = reform::Entity::find()
            .select_only()
            .column(reform::Column::Id)
            .filter(reform::Column::Id.gt(after))
            .order_by_asc(reform::Column::Id)
            .limit(5000)
            .into_tuple()
            .all(conn)
            .await?;
        let Some(last) = ids.last() else { break };
        after = *last;
        add_reforms(conn, &ids, &mut all).await?;
    }
    all.drop_zeros();
    add_to_stored(conn, all).await
}

/// The stored tallies, rows of `(figure, key, delta)` (for tests comparing a rebuild with the
/// tallies the writes kept).
pub async fn stored<C: ConnectionTrait>(
    conn: &C,
) -> Result<(Vec<dashboard_tally::Model>, Vec<stale_tally::Model>), StoreError> {
    let figures = dashboard_tally::Entity::find()
        .filter(dashboard_tally::Column::Delta.ne(0))
        .order_by_asc(dashboard_tally::Column::FiscalYear)
        .order_by_asc(dashboard_tally::Column::BureauId)
        .order_by_asc(dashboard_tally::Column::Figure)
        .order_by_asc(dashboard_tally::Column::Key)
        .order_by_asc(dashboard_tally::Column::Day)
        .all(conn)
        .await?;
    let stale = stale_tally::Entity::find()
        .filter(stale_tally::Column::Delta.ne(0))
        .order_by_asc(stale_tally::Column::FiscalYear)
        .order_by_asc(stale_tally::Column::BureauId)
        .order_by_asc(stale_tally::Column::Since)
        .order_by_asc(stale_tally::Column::Day)
        .all(conn)
        .await?;
    Ok((figures, stale))
}

/// The stored spans, stage spans then bureau spans, each in key order (for tests comparing a
/// rebuild with the spans the writes kept).
pub async fn stored_spans<C: ConnectionTrait>(
    conn: &C,
) -> Result<
    (
        Vec<proposal_stage_span::Model>,
        Vec<proposal_bureau_span::Model>,
    ),
    StoreError,
> {
    let stages = proposal_stage_span::Entity::find()
        .order_by_asc(proposal_stage_span::Column::ProposalId)
        .order_by_asc(proposal_stage_span::Column::FromDay)
        .all(conn)
        .await?;
    let bureaus = proposal_bureau_span::Entity::find()
        .order_by_asc(proposal_bureau_span::Column::ProposalId)
        .order_by_asc(proposal_bureau_span::Column::BureauId)
        .order_by_asc(proposal_bureau_span::Column::FromDay)
        .all(conn)
        .await?;
    Ok((stages, bureaus))
}

/// Counts of one scope's figures as of the end of `as_of`, keyed by (figure, key); zero counts
/// are left out.
pub async fn counts_as_of<C: ConnectionTrait>(
    conn: &C,
    fiscal_year: i32,
    scope: i64,
    as_of: NaiveDate,
) -> Result<HashMap<(String, String), u64>, StoreError> {
    let rows: Vec<(String, String, i64)> = dashboard_tally::Entity::find()
        .select_only()
        .column(dashboard_tally::Column::Figure)
        .column(dashboard_tally::Column::Key)
        .column_as(Expr::cust("CAST(SUM(delta) AS BIGINT)"), "total")
        .filter(dashboard_tally::Column::FiscalYear.eq(fiscal_year))
        .filter(dashboard_tally::Column::BureauId.eq(scope))
        .filter(dashboard_tally::Column::Day.lte(as_of))
        .group_by(dashboard_tally::Column::Figure)
        .group_by(dashboard_tally::Column::Key)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(figure, key, total)| {
            u64::try_from(total)
                .ok()
                .filter(|n| *n > 0)
                .map(|n| ((figure, key), n))
        })
        .collect())
}

/// Proposals of one scope awaiting a decision on `as_of` with nothing recorded for more than
/// `days` days.
pub async fn stale_as_of<C: ConnectionTrait>(
    conn: &C,
    fiscal_year: i32,
    scope: i64,
    as_of: NaiveDate,
    days: i64,
) -> Result<u64, StoreError> {
    let Some(before) = as_of.checked_sub_signed(Duration::days(days)) else {
        return Ok(0);
    };
    let total: Option<i64> = stale_tally::Entity::find()
        .select_only()
        .column_as(Expr::cust("CAST(SUM(delta) AS BIGINT)"), "total")
        .filter(stale_tally::Column::FiscalYear.eq(fiscal_year))
        .filter(stale_tally::Column::BureauId.eq(scope))
        .filter(stale_tally::Column::Since.lt(before))
        .filter(stale_tally::Column::Day.lte(as_of))
        .into_tuple::<Option<i64>>()
        .one(conn)
        .await?
        .flatten();
    Ok(total.and_then(|t| u64::try_from(t).ok()).unwrap_or(0))
}

/// The first spelling recorded of each tag key, to label a tally keyed by the search key.
pub async fn first_spellings<C: ConnectionTrait>(
    conn: &C,
    keys: impl IntoIterator<Item = &str>,
) -> Result<HashMap<String, String>, StoreError> {
    let mut labels = HashMap::new();
    for key in keys {
        let first: Option<String> = reform_tag::Entity::find()
            .select_only()
            .column(reform_tag::Column::Tag)
            .filter(reform_tag::Column::TagKey.eq(key))
            .order_by_asc(reform_tag::Column::TagKey)
            .order_by_asc(reform_tag::Column::Id)
            .limit(1)
            .into_tuple()
            .one(conn)
            .await?;
        if let Some(first) = first {
            labels.insert(key.to_owned(), first);
        }
    }
    Ok(labels)
}
