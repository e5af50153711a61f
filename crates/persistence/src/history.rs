//! The versions of the records that hold only their current state, for figures "as known at" a
//! past moment. Every audited write of a proposal, reform, digital system, policy issue,
//! milestone, KPI, KPI actual or progress note appends, in its own transaction, the record as it
//! stands after the write (or a deletion mark) to `record_history`, stamped with the write's time.
//! A reader asks for a kind of record either as it is now ([`Known::Now`], read from the records
//! themselves) or as known at a moment ([`Known::At`], each record's latest version recorded by
//! then); both give the same snapshot types, so a report is computed by one piece of code on
//! either axis.
//!
//! A snapshot holds only what the reports read, not the whole row: figures and the labels shown
//! beside them. Stage events and consultations need no versions: they are only ever added, and
//! carry their own `recorded_at`.

use crate::StoreError;
use crate::entities::{
    digital_system, kpi, kpi_actual, milestone, policy_issue, progress_note, proposal,
    record_history, reform, reform_effect, reform_tag,
};
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The kinds of record that keep versions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Proposal,
    Reform,
    DigitalSystem,
    PolicyIssue,
    Milestone,
    Kpi,
    KpiActual,
    ProgressNote,
}

impl Kind {
    pub const ALL: [Kind; 8] = [
        Kind::Proposal,
        Kind::Reform,
        Kind::DigitalSystem,
        Kind::PolicyIssue,
        Kind::Milestone,
        Kind::Kpi,
        Kind::KpiActual,
        Kind::ProgressNote,
    ];

    /// The name stored in `record_history.kind`, which is also the audit trail's entity type.
    pub const fn as_str(self) -> &'static str {
        match self {
            Kind::Proposal => "proposal",
            Kind::Reform => "reform",
            Kind::DigitalSystem => "digital_system",
            Kind::PolicyIssue => "policy_issue",
            Kind::Milestone => "milestone",
            Kind::Kpi => "kpi",
            Kind::KpiActual => "kpi_actual",
            Kind::ProgressNote => "progress_note",
        }
    }

    /// The kind an audited write of `entity_type` changes, when that kind keeps versions.
    pub fn of_entity_type(entity_type: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == entity_type)
    }
}

/// Which time axis a reader stands on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Known {
    /// The records as they are (the live view).
    Now,
    /// Each record's latest version recorded at or before the moment.
    At(DateTime<Utc>),
}

impl Known {
    pub fn from_option(known_at: Option<DateTime<Utc>>) -> Known {
        known_at.map_or(Known::Now, Known::At)
    }

    /// Whether a fact recorded at `recorded_at` was known.
    pub fn knows(self, recorded_at: DateTime<Utc>) -> bool {
        match self {
            Known::Now => true,
            Known::At(at) => recorded_at <= at,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProposalSnapshot {
    pub fiscal_year: i32,
    pub number: Option<String>,
    pub title: String,
    pub theme: String,
    pub implementation_status: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EffectSnapshot {
    pub kind: String,
    pub unit: String,
    pub value: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReformSnapshot {
    pub fiscal_year: i32,
    pub bureau_id: i64,
    pub classification: Option<String>,
    pub status: String,
    pub title: String,
    pub period_text: Option<String>,
    pub period_start: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
    /// Tag search keys.
    pub tags: Vec<String>,
    pub effects: Vec<EffectSnapshot>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SystemSnapshot {
    pub name: String,
    pub section_id: i64,
    pub built_in_house: bool,
    pub status: String,
    pub production_started_on: Option<NaiveDate>,
    pub retired_on: Option<NaiveDate>,
    pub annual_hours_saved: Option<f64>,
    pub cost_effect_yen: Option<i64>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssueSnapshot {
    pub policy_id: i64,
    pub area: String,
    pub number: i32,
    pub title: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MilestoneSnapshot {
    pub issue_id: i64,
    pub quarter: i16,
    pub title: String,
    pub state: String,
    pub done_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KpiSnapshot {
    pub issue_id: i64,
    pub name: String,
    pub unit: String,
    pub baseline_value: f64,
    pub baseline_on: NaiveDate,
    pub target_value: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActualSnapshot {
    pub kpi_id: i64,
    pub value: f64,
    pub measured_on: NaiveDate,
    pub recorded_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoteSnapshot {
    pub issue_id: i64,
    pub as_of: NaiveDate,
    pub as_of_label: String,
    pub body: String,
    pub recorded_at: DateTime<Utc>,
}

/// Ids per `IN (…)` list: well below both databases' limits on bound values.
const IDS_PER_QUERY: usize = 1000;

/// Runs `load` for all records (`None`) or for the ids in chunks, merging the maps.
async fn by_chunks<T, F, Fut>(
    ids: Option<&[i64]>,
    mut load: F,
) -> Result<BTreeMap<i64, T>, StoreError>
where
    F: FnMut(Option<Vec<i64>>) -> Fut,
    Fut: std::future::Future<Output = Result<BTreeMap<i64, T>, StoreError>>,
{
    match ids {
        None => load(None).await,
        Some(ids) => {
            let mut all = BTreeMap::new();
            for chunk in ids.chunks(IDS_PER_QUERY) {
                all.extend(load(Some(chunk.to_vec())).await?);
            }
            Ok(all)
        }
    }
}

pub async fn current_proposals<C: ConnectionTrait>(
    conn: &C,
    ids: Option<&[i64]>,
) -> Result<BTreeMap<i64, ProposalSnapshot>, StoreError> {
    by_chunks(ids, |chunk| async move {
        use proposal::Column as P;
        let mut query = proposal::Entity::find()
            .select_only()
            .columns([
                P::Id,
                P::FiscalYear,
                P::Number,
                P::Title,
                P::Theme,
                P::ImplementationStatus,
                P::CreatedAt,
            ])
            .order_by_asc(P::Id);
        if let Some(chunk) = chunk {
            query = query.filter(P::Id.is_in(chunk));
        }
        type Row = (
            i64,
            i32,
            Option<String>,
            String,
            String,
            Option<String>,
            DateTime<Utc>,
        );
        Ok(query
            .into_tuple::<Row>()
            .all(conn)
            .await?
            .into_iter()
            .map(
                |(id, fiscal_year, number, title, theme, status, created_at)| {
                    (
                        id,
                        ProposalSnapshot {
                            fiscal_year,
                            number,
                            title,
                            theme,
                            implementation_status: status,
                            created_at,
                        },
                    )
                },
            )
            .collect())
    })
    .await
}

pub async fn current_reforms<C: ConnectionTrait>(
    conn: &C,
    ids: Option<&[i64]>,
) -> Result<BTreeMap<i64, ReformSnapshot>, StoreError> {
    by_chunks(ids, |chunk| async move {
        use reform::Column as R;
        let mut query = reform::Entity::find()
            .select_only()
            .columns([
                R::Id,
                R::FiscalYear,
                R::BureauId,
                R::Classification,
                R::Status,
                R::Title,
                R::PeriodText,
                R::PeriodStart,
                R::CreatedAt,
            ])
            .order_by_asc(R::Id);
        let mut tags = reform_tag::Entity::find()
            .select_only()
            .column(reform_tag::Column::ReformId)
            .column(reform_tag::Column::TagKey)
            .order_by_asc(reform_tag::Column::Id);
        let mut effects = reform_effect::Entity::find()
            .order_by_asc(reform_effect::Column::ReformId)
            .order_by_asc(reform_effect::Column::Position);
        if let Some(chunk) = chunk {
            query = query.filter(R::Id.is_in(chunk.clone()));
            tags = tags.filter(reform_tag::Column::ReformId.is_in(chunk.clone()));
            effects = effects.filter(reform_effect::Column::ReformId.is_in(chunk));
        }
        let mut tags_of: HashMap<i64, BTreeSet<String>> = HashMap::new();
        for (id, key) in tags.into_tuple::<(i64, String)>().all(conn).await? {
            tags_of.entry(id).or_default().insert(key);
        }
        let mut effects_of: HashMap<i64, Vec<EffectSnapshot>> = HashMap::new();
        for e in effects.all(conn).await? {
            effects_of
                .entry(e.reform_id)
                .or_default()
                .push(EffectSnapshot {
                    kind: e.kind,
                    unit: e.unit,
                    value: e.value,
                });
        }
        type Row = (
            i64,
            i32,
            i64,
            Option<String>,
            String,
            String,
            Option<String>,
            Option<NaiveDate>,
            DateTime<Utc>,
        );
        Ok(query
            .into_tuple::<Row>()
            .all(conn)
            .await?
            .into_iter()
            .map(
                |(id, fiscal_year, bureau_id, classification, status, title, text, start, at)| {
                    (
                        id,
                        ReformSnapshot {
                            fiscal_year,
                            bureau_id,
                            classification,
                            status,
                            title,
                            period_text: text,
                            period_start: start,
                            created_at: at,
                            tags: tags_of
                                .remove(&id)
                                .unwrap_or_default()
                                .into_iter()
                                .collect(),
                            effects: effects_of.remove(&id).unwrap_or_default(),
                        },
                    )
                },
            )
            .collect())
    })
    .await
}

pub async fn current_systems<C: ConnectionTrait>(
    conn: &C,
    ids: Option<&[i64]>,
) -> Result<BTreeMap<i64, SystemSnapshot>, StoreError> {
    by_chunks(ids, |chunk| async move {
        let mut query = digital_system::Entity::find();
        if let Some(chunk) = chunk {
            query = query.filter(digital_system::Column::Id.is_in(chunk));
        }
        Ok(query
            .all(conn)
            .await?
            .into_iter()
            .map(|s| {
                (
                    s.id,
                    SystemSnapshot {
                        name: s.name,
                        section_id: s.section_id,
                        built_in_house: s.built_in_house,
                        status: s.status,
                        production_started_on: s.production_started_on,
                        retired_on: s.retired_on,
                        annual_hours_saved: s.annual_hours_saved,
                        cost_effect_yen: s.cost_effect_yen,
                        created_at: s.created_at,
                    },
                )
            })
            .collect())
    })
    .await
}

pub async fn current_issues<C: ConnectionTrait>(
    conn: &C,
    ids: Option<&[i64]>,
) -> Result<BTreeMap<i64, IssueSnapshot>, StoreError> {
    by_chunks(ids, |chunk| async move {
        use policy_issue::Column as I;
        let mut query = policy_issue::Entity::find().select_only().columns([
            I::Id,
            I::PolicyId,
            I::Area,
            I::Number,
            I::Title,
        ]);
        if let Some(chunk) = chunk {
            query = query.filter(I::Id.is_in(chunk));
        }
        Ok(query
            .into_tuple::<(i64, i64, String, i32, String)>()
            .all(conn)
            .await?
            .into_iter()
            .map(|(id, policy_id, area, number, title)| {
                (
                    id,
                    IssueSnapshot {
                        policy_id,
                        area,
                        number,
                        title,
                    },
                )
            })
            .collect())
    })
    .await
}

pub async fn current_milestones<C: ConnectionTrait>(
    conn: &C,
    ids: Option<&[i64]>,
) -> Result<BTreeMap<i64, MilestoneSnapshot>, StoreError> {
    by_chunks(ids, |chunk| async move {
        let mut query = milestone::Entity::find();
        if let Some(chunk) = chunk {
            query = query.filter(milestone::Column::Id.is_in(chunk));
        }
        Ok(query
            .all(conn)
            .await?
            .into_iter()
            .map(|m| {
                (
                    m.id,
                    MilestoneSnapshot {
                        issue_id: m.issue_id,
                        quarter: m.quarter,
                        title: m.title,
                        state: m.state,
                        done_on: m.done_on,
                    },
                )
            })
            .collect())
    })
    .await
}

pub async fn current_kpis<C: ConnectionTrait>(
    conn: &C,
    ids: Option<&[i64]>,
) -> Result<BTreeMap<i64, KpiSnapshot>, StoreError> {
    by_chunks(ids, |chunk| async move {
        let mut query = kpi::Entity::find();
        if let Some(chunk) = chunk {
            query = query.filter(kpi::Column::Id.is_in(chunk));
        }
        Ok(query
            .all(conn)
            .await?
            .into_iter()
            .map(|k| {
                (
                    k.id,
                    KpiSnapshot {
                        issue_id: k.issue_id,
                        name: k.name,
                        unit: k.unit,
                        baseline_value: k.baseline_value,
                        baseline_on: k.baseline_on,
                        target_value: k.target_value,
                    },
                )
            })
            .collect())
    })
    .await
}

pub async fn current_actuals<C: ConnectionTrait>(
    conn: &C,
    ids: Option<&[i64]>,
) -> Result<BTreeMap<i64, ActualSnapshot>, StoreError> {
    by_chunks(ids, |chunk| async move {
        let mut query = kpi_actual::Entity::find();
        if let Some(chunk) = chunk {
            query = query.filter(kpi_actual::Column::Id.is_in(chunk));
        }
        Ok(query
            .all(conn)
            .await?
            .into_iter()
            .map(|a| {
                (
                    a.id,
                    ActualSnapshot {
                        kpi_id: a.kpi_id,
                        value: a.value,
                        measured_on: a.measured_on,
                        recorded_at: a.recorded_at,
                    },
                )
            })
            .collect())
    })
    .await
}

pub async fn current_notes<C: ConnectionTrait>(
    conn: &C,
    ids: Option<&[i64]>,
) -> Result<BTreeMap<i64, NoteSnapshot>, StoreError> {
    by_chunks(ids, |chunk| async move {
        let mut query = progress_note::Entity::find();
        if let Some(chunk) = chunk {
            query = query.filter(progress_note::Column::Id.is_in(chunk));
        }
        Ok(query
            .all(conn)
            .await?
            .into_iter()
            .map(|n| {
                (
                    n.id,
                    NoteSnapshot {
                        issue_id: n.issue_id,
                        as_of: n.as_of,
                        as_of_label: n.as_of_label,
                        body: n.body,
                        recorded_at: n.recorded_at,
                    },
                )
            })
            .collect())
    })
    .await
}

/// The records' current snapshots as JSON, by id (records that no longer exist are absent).
async fn current_json<C: ConnectionTrait>(
    conn: &C,
    kind: Kind,
    ids: Option<&[i64]>,
) -> Result<BTreeMap<i64, String>, StoreError> {
    fn json<T: Serialize>(map: BTreeMap<i64, T>) -> Result<BTreeMap<i64, String>, StoreError> {
        map.into_iter()
            .map(|(id, s)| {
                serde_json::to_string(&s)
                    .map(|j| (id, j))
                    .map_err(|e| StoreError::Corrupt(format!("snapshot: {e}")))
            })
            .collect()
    }
    match kind {
        Kind::Proposal => json(current_proposals(conn, ids).await?),
        Kind::Reform => json(current_reforms(conn, ids).await?),
        Kind::DigitalSystem => json(current_systems(conn, ids).await?),
        Kind::PolicyIssue => json(current_issues(conn, ids).await?),
        Kind::Milestone => json(current_milestones(conn, ids).await?),
        Kind::Kpi => json(current_kpis(conn, ids).await?),
        Kind::KpiActual => json(current_actuals(conn, ids).await?),
        Kind::ProgressNote => json(current_notes(conn, ids).await?),
    }
}

/// Rows per INSERT: well below both databases' limits on bound values.
const ROWS_PER_INSERT: usize = 2000;

async fn insert_versions<C: ConnectionTrait>(
    conn: &C,
    rows: Vec<record_history::ActiveModel>,
) -> Result<(), StoreError> {
    for batch in rows.chunks(ROWS_PER_INSERT) {
        record_history::Entity::insert_many(batch.to_vec())
            .exec_without_returning(conn)
            .await?;
    }
    Ok(())
}

fn version(
    kind: Kind,
    record_id: i64,
    at: DateTime<Utc>,
    snapshot: Option<String>,
) -> record_history::ActiveModel {
    record_history::ActiveModel {
        kind: Set(kind.as_str().to_owned()),
        record_id: Set(record_id),
        recorded_at: Set(at),
        deleted: Set(snapshot.is_none()),
        snapshot: Set(snapshot),
        ..Default::default()
    }
}

/// Appends the version of records #`ids` of `kind` as they stand now in `conn`'s transaction,
/// recorded `at`: a snapshot of each record that exists, a deletion mark for each that does not.
pub async fn capture<C: ConnectionTrait>(
    conn: &C,
    kind: Kind,
    ids: &[i64],
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    if ids.is_empty() {
        return Ok(());
    }
    let mut current = current_json(conn, kind, Some(ids)).await?;
    let unique: BTreeSet<i64> = ids.iter().copied().collect();
    let rows = unique
        .into_iter()
        .map(|id| version(kind, id, at, current.remove(&id)))
        .collect();
    insert_versions(conn, rows).await
}

/// Replaces the versions of records #`ids` by one, recorded `at`: for records transcribed from a
/// published report, whose registration is dated to the report's day.
pub async fn redate<C: ConnectionTrait>(
    conn: &C,
    kind: Kind,
    ids: &[i64],
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    for chunk in ids.chunks(IDS_PER_QUERY) {
        record_history::Entity::delete_many()
            .filter(record_history::Column::Kind.eq(kind.as_str()))
            .filter(record_history::Column::RecordId.is_in(chunk.iter().copied()))
            .exec(conn)
            .await?;
    }
    capture(conn, kind, ids, at).await
}

/// When a record's current state was last written: what a first version written from the
/// record itself is recorded at.
async fn last_written<C: ConnectionTrait>(
    conn: &C,
    kind: Kind,
    ids: &[i64],
) -> Result<HashMap<i64, DateTime<Utc>>, StoreError> {
    macro_rules! stamped {
        ($entity:ident, $column:ident) => {
            $entity::Entity::find()
                .select_only()
                .column($entity::Column::Id)
                .column($entity::Column::$column)
                .filter($entity::Column::Id.is_in(ids.iter().copied()))
                .into_tuple::<(i64, DateTime<Utc>)>()
                .all(conn)
                .await?
        };
    }
    let rows = match kind {
        Kind::Proposal => stamped!(proposal, UpdatedAt),
        Kind::Reform => stamped!(reform, UpdatedAt),
        Kind::DigitalSystem => stamped!(digital_system, UpdatedAt),
        Kind::PolicyIssue => stamped!(policy_issue, UpdatedAt),
        Kind::Milestone => stamped!(milestone, UpdatedAt),
        Kind::Kpi => stamped!(kpi, UpdatedAt),
        Kind::KpiActual => stamped!(kpi_actual, RecordedAt),
        Kind::ProgressNote => stamped!(progress_note, RecordedAt),
    };
    Ok(rows.into_iter().collect())
}

/// Writes a first version of every record that has none, recorded when the record was last
/// changed (`updated_at`; `recorded_at` for KPI actuals and progress notes): after the migration
/// that adds the history, after a restore of a backup made before it, after a bulk load. Records
/// that already have versions are left alone, so running it again changes nothing.
pub async fn backfill<C: ConnectionTrait>(conn: &C) -> Result<u64, StoreError> {
    let mut written = 0;
    for kind in Kind::ALL {
        let versioned: BTreeSet<i64> = record_history::Entity::find()
            .select_only()
            .column(record_history::Column::RecordId)
            .distinct()
            .filter(record_history::Column::Kind.eq(kind.as_str()))
            .into_tuple::<i64>()
            .all(conn)
            .await?
            .into_iter()
            .collect();
        let mut after = 0_i64;
        loop {
            let page = current_page(conn, kind, after).await?;
            let Some(last) = page.last() else { break };
            after = *last;
            let missing: Vec<i64> = page
                .into_iter()
                .filter(|id| !versioned.contains(id))
                .collect();
            if missing.is_empty() {
                continue;
            }
            let stamps = last_written(conn, kind, &missing).await?;
            let mut snapshots = current_json(conn, kind, Some(&missing)).await?;
            let rows: Vec<_> = missing
                .iter()
                .filter_map(|id| {
                    let at = *stamps.get(id)?;
                    let snapshot = snapshots.remove(id)?;
                    Some(version(kind, *id, at, Some(snapshot)))
                })
                .collect();
            written += rows.len() as u64;
            insert_versions(conn, rows).await?;
        }
    }
    Ok(written)
}

/// The next ids of records of `kind` after `after`, in order.
async fn current_page<C: ConnectionTrait>(
    conn: &C,
    kind: Kind,
    after: i64,
) -> Result<Vec<i64>, StoreError> {
    const PAGE: u64 = 5000;
    macro_rules! page {
        ($entity:ident) => {
            $entity::Entity::find()
                .select_only()
                .column($entity::Column::Id)
                .filter($entity::Column::Id.gt(after))
                .order_by_asc($entity::Column::Id)
                .limit(PAGE)
                .into_tuple::<i64>()
                .all(conn)
                .await?
        };
    }
    Ok(match kind {
        Kind::Proposal => page!(proposal),
        Kind::Reform => page!(reform),
        Kind::DigitalSystem => page!(digital_system),
        Kind::PolicyIssue => page!(policy_issue),
        Kind::Milestone => page!(milestone),
        Kind::Kpi => page!(kpi),
        Kind::KpiActual => page!(kpi_actual),
        Kind::ProgressNote => page!(progress_note),
    })
}

/// Each record of `kind` as known at `at`: its latest version recorded at or before then, unless
/// that version is its deletion.
pub async fn as_known<C: ConnectionTrait, T: DeserializeOwned>(
    conn: &C,
    kind: Kind,
    at: DateTime<Utc>,
) -> Result<BTreeMap<i64, T>, StoreError> {
    use record_history::Column as H;
    let rows: Vec<(i64, Option<String>)> = record_history::Entity::find()
        .select_only()
        .column(H::RecordId)
        .column(H::Snapshot)
        .filter(H::Kind.eq(kind.as_str()))
        .filter(H::RecordedAt.lte(at))
        .order_by_asc(H::RecordId)
        .order_by_asc(H::RecordedAt)
        .order_by_asc(H::Id)
        .into_tuple()
        .all(conn)
        .await?;
    let mut latest: BTreeMap<i64, Option<String>> = BTreeMap::new();
    for (id, snapshot) in rows {
        latest.insert(id, snapshot);
    }
    latest
        .into_iter()
        .filter_map(|(id, snapshot)| snapshot.map(|s| (id, s)))
        .map(|(id, s)| {
            serde_json::from_str(&s)
                .map(|t| (id, t))
                .map_err(|e| StoreError::Corrupt(format!("{} #{id} version: {e}", kind.as_str())))
        })
        .collect()
}

/// A version recorded after some moment: what changed since a round closed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LaterVersion {
    pub kind: Kind,
    pub record_id: i64,
    pub recorded_at: DateTime<Utc>,
    pub deleted: bool,
}

/// The versions recorded after `since`, oldest first.
pub async fn recorded_since<C: ConnectionTrait>(
    conn: &C,
    since: DateTime<Utc>,
) -> Result<Vec<LaterVersion>, StoreError> {
    use record_history::Column as H;
    let rows: Vec<(String, i64, DateTime<Utc>, bool)> = record_history::Entity::find()
        .select_only()
        .columns([H::Kind, H::RecordId, H::RecordedAt, H::Deleted])
        .filter(H::RecordedAt.gt(since))
        .order_by_asc(H::RecordedAt)
        .order_by_asc(H::Id)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(kind, record_id, recorded_at, deleted)| {
            Some(LaterVersion {
                kind: Kind::of_entity_type(&kind)?,
                record_id,
                recorded_at,
                deleted,
            })
        })
        .collect())
}

/// Records of a kind on the chosen axis: now from the records, or as known at a moment.
macro_rules! on_axis {
    ($(#[$doc:meta])* $name:ident, $current:ident, $kind:expr, $snapshot:ty) => {
        $(#[$doc])*
        pub async fn $name<C: ConnectionTrait>(
            conn: &C,
            known: Known,
        ) -> Result<BTreeMap<i64, $snapshot>, StoreError> {
            match known {
                Known::Now => $current(conn, None).await,
                Known::At(at) => as_known(conn, $kind, at).await,
            }
        }
    };
}

on_axis!(
    proposals,
    current_proposals,
    Kind::Proposal,
    ProposalSnapshot
);
on_axis!(reforms, current_reforms, Kind::Reform, ReformSnapshot);
on_axis!(
    systems,
    current_systems,
    Kind::DigitalSystem,
    SystemSnapshot
);
on_axis!(issues, current_issues, Kind::PolicyIssue, IssueSnapshot);
on_axis!(
    milestones,
    current_milestones,
    Kind::Milestone,
    MilestoneSnapshot
);
on_axis!(kpis, current_kpis, Kind::Kpi, KpiSnapshot);
on_axis!(actuals, current_actuals, Kind::KpiActual, ActualSnapshot);
on_axis!(notes, current_notes, Kind::ProgressNote, NoteSnapshot);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_is_found_by_its_audit_entity_type() {
        for kind in Kind::ALL {
            assert_eq!(Kind::of_entity_type(kind.as_str()), Some(kind));
        }
        assert_eq!(Kind::of_entity_type("target"), None);
    }

    #[test]
    fn a_fact_recorded_after_the_moment_is_not_known_at_it() {
        let at = DateTime::parse_from_rfc3339("2025-11-28T09:00:00Z")
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default();
        assert!(Known::At(at).knows(at));
        assert!(!Known::At(at).knows(at + chrono::Duration::microseconds(1)));
        assert!(Known::Now.knows(at + chrono::Duration::days(365)));
    }
}
