//! Bureaus and sections, with each section's dated names.

use crate::StoreError;
use crate::audit::AuditActor;
use crate::entities::{bureau, section, section_name};
use crate::rows;
use crate::write::{self, Change, Write};
use chrono::NaiveDate;
use domain::organization::{Bureau, BureauPatch, NewBureau, Section, SectionName};
use sea_orm::sea_query::{Alias, Condition, Expr, ExprTrait, Query, UnionType};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, FromQueryResult, QueryFilter, QueryOrder, QuerySelect,
};
use std::collections::HashMap;

impl TryFrom<bureau::Model> for Bureau {
    type Error = StoreError;

    fn try_from(row: bureau::Model) -> Result<Self, Self::Error> {
        Ok(Bureau {
            kind: row
                .kind
                .parse()
                .map_err(|e: domain::organization::UnknownBureauKind| {
                    StoreError::Corrupt(e.to_string())
                })?,
            id: row.id,
            name: row.name,
            sort_order: row.sort_order,
            version: row.version,
            updated_at: row.updated_at,
        })
    }
}

pub async fn list_bureaus<C: ConnectionTrait>(conn: &C) -> Result<Vec<Bureau>, StoreError> {
    bureau::Entity::find()
        .order_by_asc(bureau::Column::SortOrder)
        .order_by_asc(bureau::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(Bureau::try_from)
        .collect()
}

pub async fn find_bureau<C: ConnectionTrait>(
    conn: &C,
    id: i64,
) -> Result<Option<Bureau>, StoreError> {
    rows::find_decoded::<bureau::Entity, _>(conn, id, Bureau::try_from).await
}

pub async fn create_bureau(
    db: &DatabaseConnection,
    new: NewBureau,
    actor: &AuditActor,
) -> Result<Bureau, StoreError> {
    write::create(
        db,
        Write::new("bureau.create", "bureau", actor),
        move |txn, now| {
            Box::pin(async move {
                let row = bureau::ActiveModel {
                    name: Set(new.name),
                    kind: Set(new.kind.as_str().to_owned()),
                    sort_order: Set(new.sort_order),
                    ..Default::default()
                };
                Bureau::try_from(write::insert_row(txn, now, row).await?)
            })
        },
    )
    .await
}

/// Applies the patch only if the bureau is still at `expected_version`.
pub async fn update_bureau(
    db: &DatabaseConnection,
    id: i64,
    expected_version: i32,
    patch: BureauPatch,
    actor: &AuditActor,
) -> Result<Bureau, StoreError> {
    let mut row: bureau::ActiveModel = Default::default();
    if let Some(name) = patch.name {
        row.name = Set(name);
    }
    if let Some(kind) = patch.kind {
        row.kind = Set(kind.as_str().to_owned());
    }
    if let Some(sort_order) = patch.sort_order {
        row.sort_order = Set(sort_order);
    }
    write::replace(
        db,
        Change::new("bureau.update", "bureau", id, expected_version, actor),
        move |txn| Box::pin(find_bureau(txn, id)),
        row,
    )
    .await
}

async fn names_by_section<C: ConnectionTrait>(
    conn: &C,
    section_ids: Option<&[i64]>,
) -> Result<HashMap<i64, Vec<SectionName>>, StoreError> {
    let mut query = section_name::Entity::find()
        .order_by_asc(section_name::Column::SectionId)
        .order_by_asc(section_name::Column::EffectiveFrom);
    if let Some(ids) = section_ids {
        query = query.filter(section_name::Column::SectionId.is_in(ids.iter().copied()));
    }
    let mut names: HashMap<i64, Vec<SectionName>> = HashMap::new();
    for row in query.all(conn).await? {
        names.entry(row.section_id).or_default().push(SectionName {
            name: row.name,
            effective_from: row.effective_from,
        });
    }
    Ok(names)
}

/// The ids of a bureau's sections, whose editors act for the bureau's own work.
pub async fn section_ids_of_bureau<C: ConnectionTrait>(
    conn: &C,
    bureau_id: i64,
) -> Result<Vec<i64>, StoreError> {
    Ok(section::Entity::find()
        .select_only()
        .column(section::Column::Id)
        .filter(section::Column::BureauId.eq(bureau_id))
        .order_by_asc(section::Column::Id)
        .into_tuple()
        .all(conn)
        .await?)
}

pub async fn list_sections<C: ConnectionTrait>(
    conn: &C,
    bureau_id: Option<i64>,
) -> Result<Vec<Section>, StoreError> {
    let mut query = section::Entity::find().order_by_asc(section::Column::Id);
    if let Some(bureau_id) = bureau_id {
        query = query.filter(section::Column::BureauId.eq(bureau_id));
    }
    let rows = query.all(conn).await?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut names = names_by_section(conn, bureau_id.map(|_| ids.as_slice())).await?;
    Ok(rows
        .into_iter()
        .map(|row| Section {
            names: names.remove(&row.id).unwrap_or_default(),
            id: row.id,
            bureau_id: row.bureau_id,
            version: row.version,
        })
        .collect())
}

pub async fn find_section<C: ConnectionTrait>(
    conn: &C,
    id: i64,
) -> Result<Option<Section>, StoreError> {
    let Some(row) = section::Entity::find_by_id(id).one(conn).await? else {
        return Ok(None);
    };
    let mut names = names_by_section(conn, Some(&[id])).await?;
    Ok(Some(Section {
        names: names.remove(&id).unwrap_or_default(),
        id: row.id,
        bureau_id: row.bureau_id,
        version: row.version,
    }))
}

pub async fn create_section(
    db: &DatabaseConnection,
    bureau_id: i64,
    name: String,
    effective_from: NaiveDate,
    actor: &AuditActor,
) -> Result<Section, StoreError> {
    write::create(
        db,
        Write::new("section.create", "section", actor),
        move |txn, now| {
            Box::pin(async move {
                if find_bureau(txn, bureau_id).await?.is_none() {
                    return Err(StoreError::MissingReference("the bureau"));
                }
                let row = section::ActiveModel {
                    bureau_id: Set(bureau_id),
                    ..Default::default()
                };
                let row = write::insert_row(txn, now, row).await?;
                section_name::ActiveModel {
                    section_id: Set(row.id),
                    name: Set(name),
                    effective_from: Set(effective_from),
                    recorded_at: Set(now),
                    ..Default::default()
                }
                .insert(txn)
                .await?;
                find_section(txn, row.id).await?.ok_or(StoreError::NotFound)
            })
        },
    )
    .await
}

/// Records a new name from `effective_from`; the section keeps its id and its older names.
pub async fn rename_section(
    db: &DatabaseConnection,
    id: i64,
    expected_version: i32,
    name: String,
    effective_from: NaiveDate,
    actor: &AuditActor,
) -> Result<Section, StoreError> {
    write::update(
        db,
        Change::new("section.rename", "section", id, expected_version, actor),
        move |txn| Box::pin(find_section(txn, id)),
        move |_, _| Box::pin(async move { Ok(()) }),
        move |txn, before, step| {
            Box::pin(async move {
                if before
                    .names
                    .iter()
                    .any(|n| n.effective_from == effective_from)
                {
                    return Err(StoreError::Duplicate);
                }
                // Only the version and the time move on: the name is a row of its own.
                let bumped: section::ActiveModel = Default::default();
                write::replace_row(txn, step, id, bumped).await?;
                section_name::ActiveModel {
                    section_id: Set(id),
                    name: Set(name),
                    effective_from: Set(effective_from),
                    recorded_at: Set(step.now),
                    ..Default::default()
                }
                .insert(txn)
                .await
                .map_err(StoreError::from_write)?;
                Ok(())
            })
        },
    )
    .await
}

/// Which bureaus and sections a response names: read for those alone rather than the whole
/// organisation, so that a page costs the same in a city of 30 bureaus as in one of 3,000.
#[derive(Debug, Clone, Default)]
pub struct NamesWanted {
    pub bureau_ids: Vec<i64>,
    pub section_ids: Vec<i64>,
    /// Bureaus all of whose sections are wanted (who may edit bureau-wide work depends on them).
    pub sections_of_bureaus: Vec<i64>,
}

impl NamesWanted {
    pub fn is_empty(&self) -> bool {
        self.bureau_ids.is_empty()
            && self.section_ids.is_empty()
            && self.sections_of_bureaus.is_empty()
    }
}

/// The names a response shows: bureaus by id, and each section's bureau and names, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Names {
    pub bureaus: HashMap<i64, String>,
    pub sections: HashMap<i64, (i64, Vec<SectionName>)>,
}

#[derive(Debug, FromQueryResult)]
struct NameRow {
    /// `None` on a bureau's row.
    section_id: Option<i64>,
    bureau_id: i64,
    name: String,
    effective_from: Option<NaiveDate>,
}

/// The names of the wanted bureaus and sections, and of the bureaus of those sections, in one
/// statement: each section's names, then the bureaus' names.
pub async fn names_for<C: ConnectionTrait>(
    conn: &C,
    wanted: &NamesWanted,
) -> Result<Names, StoreError> {
    let mut names = Names::default();
    if wanted.is_empty() {
        return Ok(names);
    }
    let section_ids = || wanted.section_ids.iter().copied();
    let mut sections = Query::select();
    sections
        .expr_as(
            Expr::col((section::Entity, section::Column::Id)),
            Alias::new("section_id"),
        )
        .expr_as(
            Expr::col((section::Entity, section::Column::BureauId)),
            Alias::new("bureau_id"),
        )
        .expr_as(
            Expr::col((section_name::Entity, section_name::Column::Name)),
            Alias::new("name"),
        )
        .expr_as(
            Expr::col((section_name::Entity, section_name::Column::EffectiveFrom)),
            Alias::new("effective_from"),
        )
        .from(section::Entity)
        .inner_join(
            section_name::Entity,
            Expr::col((section_name::Entity, section_name::Column::SectionId))
                .equals((section::Entity, section::Column::Id)),
        )
        .cond_where(
            Condition::any()
                .add(Expr::col((section::Entity, section::Column::Id)).is_in(section_ids()))
                .add(
                    Expr::col((section::Entity, section::Column::BureauId))
                        .is_in(wanted.sections_of_bureaus.iter().copied()),
                ),
        );
    let mut of_sections = Query::select();
    of_sections
        .column(section::Column::BureauId)
        .from(section::Entity)
        .and_where(Expr::col(section::Column::Id).is_in(section_ids()));
    let mut bureaus = Query::select();
    bureaus
        .expr_as(Expr::cust("CAST(NULL AS BIGINT)"), Alias::new("section_id"))
        .expr_as(
            Expr::col((bureau::Entity, bureau::Column::Id)),
            Alias::new("bureau_id"),
        )
        .expr_as(
            Expr::col((bureau::Entity, bureau::Column::Name)),
            Alias::new("name"),
        )
        .expr_as(
            Expr::cust("CAST(NULL AS DATE)"),
            Alias::new("effective_from"),
        )
        .from(bureau::Entity)
        .cond_where(
            Condition::any()
                .add(
                    Expr::col((bureau::Entity, bureau::Column::Id))
                        .is_in(wanted.bureau_ids.iter().copied()),
                )
                .add(Expr::col((bureau::Entity, bureau::Column::Id)).in_subquery(of_sections)),
        );
    sections.union(UnionType::All, bureaus);
    let statement = conn.get_database_backend().build(&sections);
    let mut rows = NameRow::find_by_statement(statement).all(conn).await?;
    rows.sort_by_key(|r| (r.section_id, r.effective_from));
    for row in rows {
        match (row.section_id, row.effective_from) {
            (Some(section_id), Some(effective_from)) => {
                names
                    .sections
                    .entry(section_id)
                    .or_insert_with(|| (row.bureau_id, Vec::new()))
                    .1
                    .push(SectionName {
                        name: row.name,
                        effective_from,
                    });
            }
            _ => {
                names.bureaus.insert(row.bureau_id, row.name);
            }
        }
    }
    Ok(names)
}
