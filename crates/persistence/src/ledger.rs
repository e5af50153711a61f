//! The digital-system ledger and the city-wide targets with their dated measurements.

use crate::StoreError;
use crate::audit::AuditActor;
use crate::entities::{digital_system, section, target, target_measurement};
use crate::page::{Page, PageRequest};
use crate::proposals::like_literal;
use crate::rows;
use crate::unlink;
use crate::write::{self, Change, FiledUnder, Write};
use chrono::NaiveDate;
use domain::ledger::{
    DigitalSystem, LedgerEntry, Measurement, MeasurementFields, Platform, SystemFields,
    SystemStatus, Target, TargetFields,
};
use domain::link::EntityKind;
use domain::search::SearchText;
use sea_orm::DatabaseTransaction;
use sea_orm::sea_query::{Expr, ExprTrait, LikeExpr, Query};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};
use std::collections::HashMap;

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("{what} {value}"))
}

// ---------------------------------------------------------------------------------------------
// Digital systems

fn system_of(row: digital_system::Model) -> Result<DigitalSystem, StoreError> {
    Ok(DigitalSystem {
        fields: SystemFields {
            platform: Platform::parse(&row.platform)
                .ok_or_else(|| corrupt("platform", &row.platform))?,
            status: SystemStatus::parse(&row.status)
                .ok_or_else(|| corrupt("system status", &row.status))?,
            name: row.name,
            section_id: row.section_id,
            built_in_house: row.built_in_house,
            trial_started_on: row.trial_started_on,
            production_started_on: row.production_started_on,
            retired_on: row.retired_on,
            workflow_before: row.workflow_before,
            workflow_after: row.workflow_after,
            annual_hours_saved: row.annual_hours_saved,
            hours_basis: row.hours_basis,
            cost_effect_yen: row.cost_effect_yen,
            note: row.note,
        },
        id: row.id,
        version: row.version,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

fn system_values(f: &SystemFields, row: &mut digital_system::ActiveModel) {
    row.name = Set(f.name.clone());
    row.section_id = Set(f.section_id);
    row.platform = Set(f.platform.as_str().to_owned());
    row.built_in_house = Set(f.built_in_house);
    row.status = Set(f.status.as_str().to_owned());
    row.trial_started_on = Set(f.trial_started_on);
    row.production_started_on = Set(f.production_started_on);
    row.retired_on = Set(f.retired_on);
    row.workflow_before = Set(f.workflow_before.clone());
    row.workflow_after = Set(f.workflow_after.clone());
    row.annual_hours_saved = Set(f.annual_hours_saved);
    row.hours_basis = Set(f.hours_basis.clone());
    row.cost_effect_yen = Set(f.cost_effect_yen);
    row.note = Set(f.note.clone());
    row.search_text = Set(f.search_text());
}

async fn check_section<C: ConnectionTrait>(conn: &C, section_id: i64) -> Result<(), StoreError> {
    match section::Entity::find_by_id(section_id).one(conn).await? {
        Some(_) => Ok(()),
        None => Err(StoreError::MissingReference("section")),
    }
}

pub async fn find_system<C: ConnectionTrait>(
    conn: &C,
    id: i64,
) -> Result<Option<DigitalSystem>, StoreError> {
    rows::find_decoded::<digital_system::Entity, _>(conn, id, system_of).await
}

pub async fn create_system<C: TransactionTrait<Transaction = DatabaseTransaction>>(
    db: &C,
    fields: SystemFields,
    actor: &AuditActor,
) -> Result<DigitalSystem, StoreError> {
    write::create(
        db,
        Write::new("digital_system.create", "digital_system", actor),
        move |txn, now| {
            Box::pin(async move {
                check_section(txn, fields.section_id).await?;
                let mut row: digital_system::ActiveModel = Default::default();
                system_values(&fields, &mut row);
                system_of(write::insert_row(txn, now, row).await?)
            })
        },
    )
    .await
}

pub async fn replace_system<C: TransactionTrait<Transaction = DatabaseTransaction>>(
    db: &C,
    id: i64,
    expected_version: i32,
    fields: SystemFields,
    actor: &AuditActor,
) -> Result<DigitalSystem, StoreError> {
    write::update(
        db,
        Change::new(
            "digital_system.update",
            "digital_system",
            id,
            expected_version,
            actor,
        ),
        move |txn| Box::pin(find_system(txn, id)),
        move |txn, _| Box::pin(async move { check_section(txn, fields.section_id).await }),
        move |txn, _, step| {
            Box::pin(async move {
                let mut row: digital_system::ActiveModel = Default::default();
                system_values(&fields, &mut row);
                write::replace_row(txn, step, id, row).await
            })
        },
    )
    .await
}

pub async fn delete_system(
    db: &DatabaseConnection,
    id: i64,
    expected_version: i32,
    actor: &AuditActor,
) -> Result<(), StoreError> {
    write::delete(
        db,
        Change::new(
            "digital_system.delete",
            "digital_system",
            id,
            expected_version,
            actor,
        ),
        move |txn| Box::pin(find_system(txn, id)),
        move |txn, _, _| {
            Box::pin(async move {
                unlink::delete_links_of(txn, EntityKind::DigitalSystem, id).await?;
                digital_system::Entity::delete_by_id(id).exec(txn).await?;
                Ok(())
            })
        },
    )
    .await
}

#[derive(Debug, Clone, Default)]
pub struct SystemFilter {
    pub bureau_id: Option<i64>,
    pub section_id: Option<i64>,
    pub platform: Option<Platform>,
    pub status: Option<SystemStatus>,
    pub built_in_house: Option<bool>,
    /// In search form; matched as a literal substring.
    pub text: Option<String>,
    /// In production on this day: started by then and not retired by then.
    pub in_production_on: Option<NaiveDate>,
    /// Production started within this fiscal year (April to March).
    pub production_fiscal_year: Option<i32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SystemSort {
    Id,
    Name,
    AnnualHoursSaved,
    UpdatedAt,
}

/// The rows the filter selects, unordered.
fn systems_query(filter: &SystemFilter) -> sea_orm::Select<digital_system::Entity> {
    use digital_system::Column as D;
    let mut query = digital_system::Entity::find();
    if let Some(section_id) = filter.section_id {
        query = query.filter(D::SectionId.eq(section_id));
    }
    if let Some(bureau_id) = filter.bureau_id {
        let mut sections = Query::select();
        sections
            .column(section::Column::Id)
            .from(section::Entity)
            .and_where(Expr::col(section::Column::BureauId).eq(bureau_id));
        query = query.filter(D::SectionId.in_subquery(sections.to_owned()));
    }
    if let Some(platform) = filter.platform {
        query = query.filter(D::Platform.eq(platform.as_str()));
    }
    if let Some(status) = filter.status {
        query = query.filter(D::Status.eq(status.as_str()));
    }
    if let Some(in_house) = filter.built_in_house {
        query = query.filter(D::BuiltInHouse.eq(in_house));
    }
    if let Some(day) = filter.in_production_on {
        query = query
            .filter(D::ProductionStartedOn.lte(day))
            .filter(D::RetiredOn.is_null().or(D::RetiredOn.gt(day)));
    }
    if let Some(year) = filter.production_fiscal_year
        && let (Some(first), Some(last)) = (
            NaiveDate::from_ymd_opt(year, 4, 1),
            NaiveDate::from_ymd_opt(year + 1, 3, 31),
        )
    {
        query = query.filter(D::ProductionStartedOn.between(first, last));
    }
    if let Some(text) = filter.text.as_deref().filter(|t| !t.is_empty()) {
        query = query.filter(D::SearchText.like(LikeExpr::new(like_literal(text)).escape('\\')));
    }
    query
}

/// Up to `limit` of the rows the filter selects with ids above `after_id`, in id order: how an
/// export walks a list of any length in constant memory.
pub async fn systems_after<C: ConnectionTrait>(
    conn: &C,
    filter: &SystemFilter,
    after_id: i64,
    limit: u64,
) -> Result<Vec<DigitalSystem>, StoreError> {
    systems_query(filter)
        .filter(digital_system::Column::Id.gt(after_id))
        .order_by_asc(digital_system::Column::Id)
        .limit(limit)
        .all(conn)
        .await?
        .into_iter()
        .map(system_of)
        .collect()
}

pub async fn list_systems<C: ConnectionTrait>(
    conn: &C,
    filter: &SystemFilter,
    sort: SystemSort,
    descending: bool,
    page: PageRequest,
) -> Result<Page<DigitalSystem>, StoreError> {
    use digital_system::Column as D;
    let mut query = systems_query(filter);
    let total = query.clone().count(conn).await?;
    let order = if descending {
        sea_orm::Order::Desc
    } else {
        sea_orm::Order::Asc
    };
    query = match sort {
        SystemSort::Id => query,
        SystemSort::Name => query.order_by(D::Name, order.clone()),
        // Systems with no recorded saving last in either direction.
        SystemSort::AnnualHoursSaved => query
            .order_by_asc(Expr::col(D::AnnualHoursSaved).is_null())
            .order_by(D::AnnualHoursSaved, order.clone()),
        SystemSort::UpdatedAt => query.order_by(D::UpdatedAt, order.clone()),
    };
    let rows = query
        .order_by(D::Id, order)
        .offset(page.offset())
        .limit(page.per_page)
        .all(conn)
        .await?;
    Ok(Page {
        items: rows.into_iter().map(system_of).collect::<Result<_, _>>()?,
        total,
        page: page.page,
        per_page: page.per_page,
    })
}

/// Section, status, in-house, production start, hours and cost of one ledger row.
type LedgerRow = (
    i64,
    String,
    bool,
    Option<NaiveDate>,
    Option<f64>,
    Option<i64>,
);

/// Every ledger entry with its bureau, for computing where the city stands.
pub async fn ledger_entries<C: ConnectionTrait>(conn: &C) -> Result<Vec<LedgerEntry>, StoreError> {
    let bureau_of: HashMap<i64, i64> = section::Entity::find()
        .select_only()
        .column(section::Column::Id)
        .column(section::Column::BureauId)
        .into_tuple::<(i64, i64)>()
        .all(conn)
        .await?
        .into_iter()
        .collect();
    let rows: Vec<LedgerRow> = digital_system::Entity::find()
        .select_only()
        .column(digital_system::Column::SectionId)
        .column(digital_system::Column::Status)
        .column(digital_system::Column::BuiltInHouse)
        .column(digital_system::Column::ProductionStartedOn)
        .column(digital_system::Column::AnnualHoursSaved)
        .column(digital_system::Column::CostEffectYen)
        .into_tuple()
        .all(conn)
        .await?;
    rows.into_iter()
        .map(|(section_id, status, in_house, started, hours, cost)| {
            Ok(LedgerEntry {
                bureau_id: bureau_of.get(&section_id).copied().unwrap_or_default(),
                status: SystemStatus::parse(&status)
                    .ok_or_else(|| corrupt("system status", &status))?,
                built_in_house: in_house,
                production_started_on: started,
                annual_hours_saved: hours,
                cost_effect_yen: cost,
            })
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Targets

async fn targets_of_rows<C: ConnectionTrait>(
    conn: &C,
    rows: Vec<target::Model>,
) -> Result<Vec<Target>, StoreError> {
    let mut measurements: HashMap<i64, Vec<Measurement>> = HashMap::new();
    if !rows.is_empty() {
        for m in target_measurement::Entity::find()
            .filter(target_measurement::Column::TargetId.is_in(rows.iter().map(|r| r.id)))
            .order_by_desc(target_measurement::Column::MeasuredOn)
            .order_by_desc(target_measurement::Column::Id)
            .all(conn)
            .await?
        {
            measurements
                .entry(m.target_id)
                .or_default()
                .push(Measurement {
                    id: m.id,
                    target_id: m.target_id,
                    value: m.value,
                    measured_on: m.measured_on,
                    fiscal_year: m.fiscal_year,
                    source: m.source,
                    note: m.note,
                });
        }
    }
    Ok(rows
        .into_iter()
        .map(|row| Target {
            measurements: measurements.remove(&row.id).unwrap_or_default(),
            id: row.id,
            fields: TargetFields {
                code: row.code,
                name: row.name,
                metric: row.metric,
                unit: row.unit,
                target_value: row.target_value,
                due_on: row.due_on,
                description: row.description,
            },
            version: row.version,
        })
        .collect())
}

fn target_values(f: &TargetFields, row: &mut target::ActiveModel) {
    row.code = Set(f.code.clone());
    row.name = Set(f.name.clone());
    row.metric = Set(f.metric.clone());
    row.unit = Set(f.unit.clone());
    row.target_value = Set(f.target_value);
    row.due_on = Set(f.due_on);
    row.description = Set(f.description.clone());
}

pub async fn list_targets<C: ConnectionTrait>(conn: &C) -> Result<Vec<Target>, StoreError> {
    let rows = target::Entity::find()
        .order_by_asc(target::Column::Id)
        .all(conn)
        .await?;
    targets_of_rows(conn, rows).await
}

pub async fn find_target<C: ConnectionTrait>(
    conn: &C,
    id: i64,
) -> Result<Option<Target>, StoreError> {
    let Some(row) = target::Entity::find_by_id(id).one(conn).await? else {
        return Ok(None);
    };
    Ok(targets_of_rows(conn, vec![row]).await?.pop())
}

pub async fn create_target(
    db: &DatabaseConnection,
    fields: TargetFields,
    actor: &AuditActor,
) -> Result<Target, StoreError> {
    write::create(
        db,
        Write::new("target.create", "target", actor),
        move |txn, now| {
            Box::pin(async move {
                let mut row: target::ActiveModel = Default::default();
                target_values(&fields, &mut row);
                let row = write::insert_row(txn, now, row).await?;
                targets_of_rows(txn, vec![row])
                    .await?
                    .pop()
                    .ok_or(StoreError::NotFound)
            })
        },
    )
    .await
}

pub async fn replace_target(
    db: &DatabaseConnection,
    id: i64,
    expected_version: i32,
    fields: TargetFields,
    actor: &AuditActor,
) -> Result<Target, StoreError> {
    let mut row: target::ActiveModel = Default::default();
    target_values(&fields, &mut row);
    write::replace(
        db,
        Change::new("target.update", "target", id, expected_version, actor),
        move |txn| Box::pin(find_target(txn, id)),
        row,
    )
    .await
}

pub async fn add_measurement(
    db: &DatabaseConnection,
    target_id: i64,
    fields: MeasurementFields,
    actor: &AuditActor,
) -> Result<Target, StoreError> {
    let (after, _) = write::amend(
        db,
        Write::new("target_measurement.create", "target_measurement", actor),
        FiledUnder::Part,
        move |txn| Box::pin(find_target(txn, target_id)),
        move |txn, _, now| {
            Box::pin(async move {
                let created = target_measurement::ActiveModel {
                    target_id: Set(target_id),
                    value: Set(fields.value),
                    measured_on: Set(fields.measured_on),
                    fiscal_year: Set(fields.fiscal_year),
                    source: Set(fields.source),
                    note: Set(fields.note),
                    recorded_at: Set(now),
                    ..Default::default()
                }
                .insert(txn)
                .await?;
                write::move_on::<target::Entity>(txn, target_id, now).await?;
                Ok(created.id)
            })
        },
    )
    .await?;
    Ok(after)
}

pub async fn delete_measurement(
    db: &DatabaseConnection,
    id: i64,
    actor: &AuditActor,
) -> Result<(), StoreError> {
    // Measurements are never rewritten, so the target one belongs to can be read first.
    let target_id = target_measurement::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(StoreError::NotFound)?
        .target_id;
    write::amend(
        db,
        Write::new("target_measurement.delete", "target_measurement", actor),
        FiledUnder::Part,
        move |txn| Box::pin(find_target(txn, target_id)),
        move |txn, _, now| {
            Box::pin(async move {
                let deleted = target_measurement::Entity::delete_by_id(id)
                    .exec(txn)
                    .await?;
                if deleted.rows_affected == 0 {
                    return Err(StoreError::NotFound);
                }
                write::move_on::<target::Entity>(txn, target_id, now).await?;
                Ok(id)
            })
        },
    )
    .await?;
    Ok(())
}

/// The bureau's system of this name, if any: the key an import matches rows by.
pub async fn find_system_id_by_name<C: ConnectionTrait>(
    conn: &C,
    bureau_id: i64,
    name: &str,
) -> Result<Option<i64>, StoreError> {
    let mut sections = Query::select();
    sections
        .column(section::Column::Id)
        .from(section::Entity)
        .and_where(Expr::col(section::Column::BureauId).eq(bureau_id));
    Ok(digital_system::Entity::find()
        .select_only()
        .column(digital_system::Column::Id)
        .filter(digital_system::Column::SectionId.in_subquery(sections.to_owned()))
        .filter(digital_system::Column::Name.eq(name))
        .order_by_asc(digital_system::Column::Id)
        .into_tuple()
        .one(conn)
        .await?)
}
