//! Self-initiated reforms with their sections, tags and quantified effects, and the per-bureau
//! numbering the annual report uses.

use crate::StoreError;
use crate::audit::AuditActor;
use crate::entities::{
    bureau, proposal, reform, reform_effect, reform_section, reform_tag, section,
};
use crate::page::{Page, PageRequest};
use crate::proposals::like_literal;
use crate::tallies;
use crate::unlink;
use crate::write::{self, Change, Tallied, Write};
use chrono::{DateTime, NaiveDate, Utc};
use domain::ids::{ProposalId, ReformId};
use domain::link::EntityKind;
use domain::reform::{Classification, Effect, EffectKind, Reform, ReformFields, ReformStatus};
use domain::search::{SearchText, search_form};
use sea_orm::DatabaseTransaction;
use sea_orm::sea_query::{
    Alias, Expr, ExprTrait, IntoIden, LikeExpr, Order, Query, SubQueryStatement,
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, FromQueryResult, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait,
    TransactionTrait,
};
use std::collections::HashMap;

async fn check_references<C: ConnectionTrait>(
    conn: &C,
    fields: &ReformFields,
) -> Result<(), StoreError> {
    if bureau::Entity::find_by_id(fields.bureau_id)
        .one(conn)
        .await?
        .is_none()
    {
        return Err(StoreError::MissingReference("bureau"));
    }
    if !fields.section_ids.is_empty() {
        let found = section::Entity::find()
            .filter(section::Column::Id.is_in(fields.section_ids.iter().copied()))
            .filter(section::Column::BureauId.eq(fields.bureau_id))
            .count(conn)
            .await?;
        if found != fields.section_ids.len() as u64 {
            return Err(StoreError::MissingReference("section of this bureau"));
        }
    }
    if let Some(source) = fields.source_proposal_id
        && proposal::Entity::find_by_id(source.get())
            .one(conn)
            .await?
            .is_none()
    {
        return Err(StoreError::MissingReference("proposal"));
    }
    Ok(())
}

fn period_bounds(fields: &ReformFields) -> (Option<NaiveDate>, Option<NaiveDate>) {
    match fields.period() {
        Some(period) if period.is_structured() => (period.earliest(), period.latest()),
        _ => (None, None),
    }
}

fn row_values(fields: &ReformFields, row: &mut reform::ActiveModel) {
    let (start, end) = period_bounds(fields);
    row.fiscal_year = Set(fields.fiscal_year);
    row.bureau_id = Set(fields.bureau_id);
    row.report_number = Set(fields.report_number);
    row.classification = Set(fields.classification.map(|c| c.as_str().to_owned()));
    row.source_proposal_id = Set(fields.source_proposal_id.map(ProposalId::get));
    row.title = Set(fields.title.clone());
    row.problem = Set(fields.problem.clone());
    row.action = Set(fields.action.clone());
    row.effect = Set(fields.effect.clone());
    row.period_text = Set(fields.period_text.clone());
    row.period_start = Set(start);
    row.period_end = Set(end);
    row.status = Set(fields.status.as_str().to_owned());
    row.featured = Set(fields.featured);
    row.search_text = Set(fields.search_text());
}

/// Replaces the sections, tags and effects of a reform with those in `fields`.
async fn write_children<C: ConnectionTrait>(
    conn: &C,
    reform_id: i64,
    fields: &ReformFields,
) -> Result<(), StoreError> {
    reform_section::Entity::delete_many()
        .filter(reform_section::Column::ReformId.eq(reform_id))
        .exec(conn)
        .await?;
    reform_tag::Entity::delete_many()
        .filter(reform_tag::Column::ReformId.eq(reform_id))
        .exec(conn)
        .await?;
    reform_effect::Entity::delete_many()
        .filter(reform_effect::Column::ReformId.eq(reform_id))
        .exec(conn)
        .await?;
    for section_id in &fields.section_ids {
        reform_section::ActiveModel {
            reform_id: Set(reform_id),
            section_id: Set(*section_id),
            ..Default::default()
        }
        .insert(conn)
        .await
        .map_err(StoreError::from_write)?;
    }
    for tag in &fields.tags {
        reform_tag::ActiveModel {
            reform_id: Set(reform_id),
            tag: Set(tag.clone()),
            tag_key: Set(search_form(tag)),
            ..Default::default()
        }
        .insert(conn)
        .await
        .map_err(StoreError::from_write)?;
    }
    for (position, effect) in fields.effects.iter().enumerate() {
        reform_effect::ActiveModel {
            reform_id: Set(reform_id),
            position: Set(i32::try_from(position).unwrap_or(i32::MAX)),
            kind: Set(effect.kind.as_str().to_owned()),
            value: Set(effect.value),
            unit: Set(effect.unit.clone()),
            basis: Set(effect.basis.clone()),
            ..Default::default()
        }
        .insert(conn)
        .await?;
    }
    Ok(())
}

/// Holds the reform's row until the transaction ends (PostgreSQL; SQLite has one writer), so
/// two writers cannot both count the tallies from the state before the other's change.
async fn lock_reform<C: ConnectionTrait>(conn: &C, id: i64) -> Result<(), StoreError> {
    reform::Entity::find_by_id(id)
        .select_only()
        .column(reform::Column::Id)
        .lock_exclusive()
        .into_tuple::<i64>()
        .one(conn)
        .await?;
    Ok(())
}

pub async fn create_reform<C: TransactionTrait<Transaction = DatabaseTransaction>>(
    db: &C,
    fields: ReformFields,
    created_by_user_id: Option<i64>,
    actor: &AuditActor,
) -> Result<Reform, StoreError> {
    write::create(
        db,
        Write::new("reform.create", "reform", actor).tallied(Tallied::Reform),
        move |txn, now| {
            Box::pin(async move {
                check_references(txn, &fields).await?;
                let mut row = reform::ActiveModel {
                    created_by_user_id: Set(created_by_user_id),
                    ..Default::default()
                };
                row_values(&fields, &mut row);
                let row = write::insert_row(txn, now, row).await?;
                write_children(txn, row.id, &fields).await?;
                find_reform(txn, ReformId::new(row.id))
                    .await?
                    .ok_or(StoreError::NotFound)
            })
        },
    )
    .await
}

/// The references of a batch of reforms, checked in three queries: every bureau exists, every
/// section belongs to its reform's bureau, every source proposal exists.
async fn check_batch_references<C: ConnectionTrait>(
    conn: &C,
    batch: &[ReformFields],
) -> Result<(), StoreError> {
    let mut bureaus: Vec<i64> = batch.iter().map(|f| f.bureau_id).collect();
    bureaus.sort_unstable();
    bureaus.dedup();
    let found = bureau::Entity::find()
        .filter(bureau::Column::Id.is_in(bureaus.iter().copied()))
        .count(conn)
        .await?;
    if found != bureaus.len() as u64 {
        return Err(StoreError::MissingReference("bureau"));
    }
    let mut sections: Vec<i64> = batch.iter().flat_map(|f| f.section_ids.clone()).collect();
    sections.sort_unstable();
    sections.dedup();
    if !sections.is_empty() {
        let bureau_of: HashMap<i64, i64> = section::Entity::find()
            .select_only()
            .column(section::Column::Id)
            .column(section::Column::BureauId)
            .filter(section::Column::Id.is_in(sections))
            .into_tuple::<(i64, i64)>()
            .all(conn)
            .await?
            .into_iter()
            .collect();
        let misplaced = batch.iter().any(|f| {
            f.section_ids
                .iter()
                .any(|s| bureau_of.get(s) != Some(&f.bureau_id))
        });
        if misplaced {
            return Err(StoreError::MissingReference("section of this bureau"));
        }
    }
    let mut proposals: Vec<i64> = batch
        .iter()
        .filter_map(|f| f.source_proposal_id.map(i64::from))
        .collect();
    proposals.sort_unstable();
    proposals.dedup();
    if !proposals.is_empty() {
        let found = proposal::Entity::find()
            .filter(proposal::Column::Id.is_in(proposals.iter().copied()))
            .count(conn)
            .await?;
        if found != proposals.len() as u64 {
            return Err(StoreError::MissingReference("proposal"));
        }
    }
    Ok(())
}

/// Rows of one multi-row INSERT: few enough values for either database's limit on one statement.
const ROWS_PER_INSERT: usize = 500;

/// Creates a batch of reforms in the caller's transaction (an import's), as [`create_reform`]
/// creates one, with multi-row statements: the reforms in INSERT … RETURNING, their sections,
/// tags and effects in one INSERT each, and the audit events in one INSERT. What they add to the
/// tallies is counted once for the batch and added to `pending_tallies`, for the caller to apply
/// once for the whole import. Nothing is read back: the audit trail shows the fields as written,
/// which is what reading them back gives. Answers the new ids in the order of `batch`.
pub async fn create_reforms(
    txn: &DatabaseTransaction,
    batch: &[ReformFields],
    created_by_user_id: Option<i64>,
    actor: &AuditActor,
    pending_tallies: &mut tallies::Contributions,
) -> Result<Vec<i64>, StoreError> {
    if batch.is_empty() {
        return Ok(Vec::new());
    }
    check_batch_references(txn, batch).await?;
    let now = crate::clock::now();
    let mut ids: Vec<i64> = Vec::with_capacity(batch.len());
    for chunk in batch.chunks(ROWS_PER_INSERT) {
        let rows: Vec<reform::ActiveModel> = chunk
            .iter()
            .map(|fields| {
                let mut row = reform::ActiveModel {
                    created_by_user_id: Set(created_by_user_id),
                    version: Set(1),
                    created_at: Set(now),
                    updated_at: Set(now),
                    ..Default::default()
                };
                row_values(fields, &mut row);
                row
            })
            .collect();
        let mut keys = reform::Entity::insert_many(rows)
            .exec_with_returning_keys(txn)
            .await
            .map_err(StoreError::from_write)?;
        // RETURNING promises the rows, not their order; both databases hand out the ids of one
        // statement's rows in increasing order of its VALUES, so sorted ids are in batch order.
        keys.sort_unstable();
        if keys.len() != chunk.len() {
            return Err(StoreError::Corrupt(format!(
                "{} reforms inserted, {} ids returned",
                chunk.len(),
                keys.len()
            )));
        }
        ids.extend(keys);
    }
    insert_children(txn, &ids, batch).await?;
    let created: Vec<Reform> = ids
        .iter()
        .zip(batch)
        .map(|(id, fields)| Reform {
            id: ReformId::new(*id),
            fields: fields.clone(),
            number_in_bureau: 0,
            created_by_user_id,
            version: 1,
            created_at: now,
            updated_at: now,
        })
        .collect();
    write::created_many(
        txn,
        Write::new("reform.create", "reform", actor).tallied(Tallied::Reform),
        &created,
        now,
        pending_tallies,
    )
    .await?;
    Ok(ids)
}

/// The sections, tags and effects of new reforms #`ids` (in the order of `batch`), each kind in
/// multi-row inserts.
async fn insert_children<C: ConnectionTrait>(
    conn: &C,
    ids: &[i64],
    batch: &[ReformFields],
) -> Result<(), StoreError> {
    let sections: Vec<reform_section::ActiveModel> = ids
        .iter()
        .zip(batch)
        .flat_map(|(id, f)| {
            f.section_ids
                .iter()
                .map(|section_id| reform_section::ActiveModel {
                    reform_id: Set(*id),
                    section_id: Set(*section_id),
                    ..Default::default()
                })
        })
        .collect();
    for chunk in sections.chunks(ROWS_PER_INSERT * 2) {
        reform_section::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(conn)
            .await
            .map_err(StoreError::from_write)?;
    }
    let tags: Vec<reform_tag::ActiveModel> = ids
        .iter()
        .zip(batch)
        .flat_map(|(id, f)| {
            f.tags.iter().map(|tag| reform_tag::ActiveModel {
                reform_id: Set(*id),
                tag: Set(tag.clone()),
                tag_key: Set(search_form(tag)),
                ..Default::default()
            })
        })
        .collect();
    for chunk in tags.chunks(ROWS_PER_INSERT * 2) {
        reform_tag::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(conn)
            .await
            .map_err(StoreError::from_write)?;
    }
    let effects: Vec<reform_effect::ActiveModel> = ids
        .iter()
        .zip(batch)
        .flat_map(|(id, f)| {
            f.effects
                .iter()
                .enumerate()
                .map(|(position, effect)| reform_effect::ActiveModel {
                    reform_id: Set(*id),
                    position: Set(i32::try_from(position).unwrap_or(i32::MAX)),
                    kind: Set(effect.kind.as_str().to_owned()),
                    value: Set(effect.value),
                    unit: Set(effect.unit.clone()),
                    basis: Set(effect.basis.clone()),
                    ..Default::default()
                })
        })
        .collect();
    for chunk in effects.chunks(ROWS_PER_INSERT) {
        reform_effect::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(conn)
            .await?;
    }
    Ok(())
}

pub async fn replace_reform<C: TransactionTrait<Transaction = DatabaseTransaction>>(
    db: &C,
    reform_id: ReformId,
    expected_version: i32,
    fields: ReformFields,
    actor: &AuditActor,
) -> Result<Reform, StoreError> {
    let id = reform_id.get();
    let checked = fields.clone();
    write::update(
        db,
        Change::new("reform.update", "reform", id, expected_version, actor)
            .tallied(Tallied::Reform),
        move |txn| {
            Box::pin(async move {
                lock_reform(txn, id).await?;
                find_reform(txn, reform_id).await
            })
        },
        move |txn, _| Box::pin(async move { check_references(txn, &checked).await }),
        move |txn, _, step| {
            Box::pin(async move {
                let mut row: reform::ActiveModel = Default::default();
                row_values(&fields, &mut row);
                write::replace_row(txn, step, id, row).await?;
                write_children(txn, id, &fields).await
            })
        },
    )
    .await
}

pub async fn delete_reform(
    db: &DatabaseConnection,
    reform_id: ReformId,
    expected_version: i32,
    actor: &AuditActor,
) -> Result<(), StoreError> {
    let id = reform_id.get();
    write::delete(
        db,
        Change::new("reform.delete", "reform", id, expected_version, actor)
            .tallied(Tallied::Reform),
        move |txn| {
            Box::pin(async move {
                lock_reform(txn, id).await?;
                find_reform(txn, reform_id).await
            })
        },
        move |txn, _, _| {
            Box::pin(async move {
                unlink::delete_links_of(txn, EntityKind::Reform, id).await?;
                reform::Entity::delete_by_id(id).exec(txn).await?;
                Ok(())
            })
        },
    )
    .await
}

pub async fn find_reform<C: ConnectionTrait>(
    conn: &C,
    id: ReformId,
) -> Result<Option<Reform>, StoreError> {
    let filter = ReformFilter {
        ids: Some(vec![id.get()]),
        ..Default::default()
    };
    let read = Read {
        sort: ReformSort::Id,
        descending: false,
        page: PageRequest {
            page: 1,
            per_page: 1,
        },
        numbering: Numbering::Counted,
        total: false,
    };
    let (mut reforms, _) = read_reforms(conn, reforms_query(&filter), &read).await?;
    Ok(reforms.pop())
}

/// How the reforms a read returns are numbered within their bureau's year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Numbering {
    /// Each reform counts the reforms of its bureau's year before it, in
    /// `ix_reforms_bureau_year_number`, without reading their rows: the cost follows the page and
    /// the reform's place, never the table's size. For pages and single reforms.
    Counted,
    /// Every reform of the read's bureau-years is read once from that index and numbered in
    /// order: for reads that hold whole years (the annual report), where counting per reform
    /// would walk each year once per reform.
    WholeYears,
    /// For walking a whole list in batches (an export); `number_in_bureau` is then 0.
    Skipped,
}

/// What one read of reforms returns: which page, in which order, how numbered, and whether the
/// total of the filter is counted with it.
struct Read {
    sort: ReformSort,
    descending: bool,
    page: PageRequest,
    numbering: Numbering,
    total: bool,
}

/// The name the page of a read goes by in the statement that numbers and counts it.
const PAGE: &str = "page";

/// A reform's place in its bureau's year, from 1, for the row `page` of the outer statement: the
/// report's No. order, reforms without a No. after those with one, in the order they were entered
/// (`numbers_in_years` says the same in Rust). A fiscal year's No. is unique
/// (`ux_reforms_report_number`), so the reforms before a numbered one are those with a smaller No.
const NUMBER_IN_BUREAU: &str = "1 + CASE WHEN page.report_number IS NULL THEN \
     (SELECT COUNT(*) FROM reforms AS before WHERE before.bureau_id = page.bureau_id \
        AND before.fiscal_year = page.fiscal_year AND before.report_number IS NOT NULL) \
     + (SELECT COUNT(*) FROM reforms AS before WHERE before.bureau_id = page.bureau_id \
        AND before.fiscal_year = page.fiscal_year AND before.report_number IS NULL \
        AND before.id < page.id) \
   ELSE (SELECT COUNT(*) FROM reforms AS before WHERE before.bureau_id = page.bureau_id \
        AND before.fiscal_year = page.fiscal_year AND before.report_number < page.report_number) \
   END";

/// A reform's row as a read returns it: every column but `search_text`, which only filters read,
/// with its number in its bureau's year and the filter's total when the read asks for them.
#[derive(Debug, FromQueryResult)]
struct ReadRow {
    id: i64,
    fiscal_year: i32,
    bureau_id: i64,
    report_number: Option<i32>,
    classification: Option<String>,
    source_proposal_id: Option<i64>,
    title: String,
    problem: Option<String>,
    action: Option<String>,
    effect: Option<String>,
    period_text: Option<String>,
    status: String,
    featured: bool,
    created_by_user_id: Option<i64>,
    version: i32,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    number_in_bureau: Option<i64>,
    total: Option<i64>,
}

/// The columns `ReadRow` takes from `reforms`.
const READ_COLUMNS: [reform::Column; 17] = [
    reform::Column::Id,
    reform::Column::FiscalYear,
    reform::Column::BureauId,
    reform::Column::ReportNumber,
    reform::Column::Classification,
    reform::Column::SourceProposalId,
    reform::Column::Title,
    reform::Column::Problem,
    reform::Column::Action,
    reform::Column::Effect,
    reform::Column::PeriodText,
    reform::Column::Status,
    reform::Column::Featured,
    reform::Column::CreatedByUserId,
    reform::Column::Version,
    reform::Column::CreatedAt,
    reform::Column::UpdatedAt,
];

/// The keys a sort orders by, the last of them the id so that pages never overlap. For the report
/// No., unnumbered reforms come last in either direction, the same on both databases.
fn order_keys(sort: ReformSort, descending: bool) -> Vec<(reform::Column, bool, Order)> {
    use reform::Column as R;
    let order = if descending { Order::Desc } else { Order::Asc };
    let mut keys = match sort {
        ReformSort::ReportNumber => vec![
            (R::ReportNumber, true, Order::Asc),
            (R::FiscalYear, false, order.clone()),
            (R::ReportNumber, false, order.clone()),
        ],
        ReformSort::Id => Vec::new(),
        ReformSort::Title => vec![(R::Title, false, order.clone())],
        ReformSort::UpdatedAt => vec![(R::UpdatedAt, false, order.clone())],
    };
    keys.push((R::Id, false, order));
    keys
}

fn order_expr<T: IntoIden + Clone>(table: T, column: reform::Column, is_null: bool) -> Expr {
    let col = Expr::col((table, column));
    if is_null { col.is_null() } else { col }
}

/// Reads one page of the rows `selected` selects, with their children, in one statement for the
/// rows (which also numbers them and counts the filter's total) and one for each kind of child.
/// The page is chosen first, in a subquery the database answers from an index where one fits
/// (`ix_reforms_bureau_status_updated` for a bureau's list of one status, newest first), so the
/// numbers are counted for the page's rows alone. Answers the reforms and, when asked, the total.
async fn read_reforms<C: ConnectionTrait>(
    conn: &C,
    selected: sea_orm::Select<reform::Entity>,
    read: &Read,
) -> Result<(Vec<Reform>, Option<u64>), StoreError> {
    let keys = order_keys(read.sort, read.descending);
    let filtered = selected.into_query();
    let mut page = filtered.clone();
    page.clear_selects();
    for column in READ_COLUMNS {
        page.column((reform::Entity, column));
    }
    for (column, is_null, order) in &keys {
        page.order_by_expr(order_expr(reform::Entity, *column, *is_null), order.clone());
    }
    page.limit(read.page.per_page).offset(read.page.offset());

    let mut outer = Query::select();
    outer
        .expr(Expr::cust("page.*"))
        .from_subquery(page, Alias::new(PAGE));
    outer.expr_as(
        match read.numbering {
            Numbering::Counted => Expr::cust(NUMBER_IN_BUREAU),
            Numbering::WholeYears | Numbering::Skipped => Expr::cust("CAST(NULL AS BIGINT)"),
        },
        Alias::new("number_in_bureau"),
    );
    let mut counted = filtered;
    counted.clear_selects().expr(Expr::cust("COUNT(*)"));
    outer.expr_as(
        if read.total {
            // Not correlated: both databases run it once per statement, from the same indexes
            // as the page where the filter allows.
            Expr::SubQuery(None, Box::new(SubQueryStatement::SelectStatement(counted)))
        } else {
            Expr::cust("CAST(NULL AS BIGINT)")
        },
        Alias::new("total"),
    );
    for (column, is_null, order) in &keys {
        outer.order_by_expr(
            order_expr(Alias::new(PAGE), *column, *is_null),
            order.clone(),
        );
    }
    let statement = conn.get_database_backend().build(&outer);
    let rows = ReadRow::find_by_statement(statement).all(conn).await?;
    let total = rows
        .first()
        .and_then(|r| r.total)
        .map(|t| u64::try_from(t).unwrap_or_default());
    let reforms = assemble(conn, rows, read.numbering).await?;
    Ok((reforms, total))
}

/// Rows to reforms: children loaded in one query each, numbers within the bureau as counted (or
/// computed per year for `WholeYears`).
async fn assemble<C: ConnectionTrait>(
    conn: &C,
    rows: Vec<ReadRow>,
    numbering: Numbering,
) -> Result<Vec<Reform>, StoreError> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut sections: HashMap<i64, Vec<i64>> = HashMap::new();
    let mut tags: HashMap<i64, Vec<String>> = HashMap::new();
    let mut effects: HashMap<i64, Vec<Effect>> = HashMap::new();
    if !ids.is_empty() {
        for row in reform_section::Entity::find()
            .filter(reform_section::Column::ReformId.is_in(ids.iter().copied()))
            .order_by_asc(reform_section::Column::Id)
            .all(conn)
            .await?
        {
            sections
                .entry(row.reform_id)
                .or_default()
                .push(row.section_id);
        }
        for row in reform_tag::Entity::find()
            .filter(reform_tag::Column::ReformId.is_in(ids.iter().copied()))
            .order_by_asc(reform_tag::Column::Id)
            .all(conn)
            .await?
        {
            tags.entry(row.reform_id).or_default().push(row.tag);
        }
        for row in reform_effect::Entity::find()
            .filter(reform_effect::Column::ReformId.is_in(ids.iter().copied()))
            .order_by_asc(reform_effect::Column::Position)
            .all(conn)
            .await?
        {
            let kind = EffectKind::parse(&row.kind)
                .ok_or_else(|| StoreError::Corrupt(format!("effect kind {}", row.kind)))?;
            effects.entry(row.reform_id).or_default().push(Effect {
                kind,
                value: row.value,
                unit: row.unit,
                basis: row.basis,
            });
        }
    }
    let numbers = if numbering == Numbering::WholeYears {
        let mut years: Vec<(i64, i32)> =
            rows.iter().map(|r| (r.bureau_id, r.fiscal_year)).collect();
        years.sort_unstable();
        years.dedup();
        numbers_in_years(conn, &years).await?
    } else {
        HashMap::new()
    };
    rows.into_iter()
        .map(|row| {
            let classification = row
                .classification
                .as_deref()
                .map(|c| {
                    Classification::parse(c)
                        .ok_or_else(|| StoreError::Corrupt(format!("classification {c}")))
                })
                .transpose()?;
            let status = ReformStatus::parse(&row.status)
                .ok_or_else(|| StoreError::Corrupt(format!("reform status {}", row.status)))?;
            let counted = row
                .number_in_bureau
                .map(|n| u32::try_from(n).unwrap_or(u32::MAX));
            Ok(Reform {
                number_in_bureau: counted
                    .or_else(|| numbers.get(&row.id).copied())
                    .unwrap_or(0),
                fields: ReformFields {
                    fiscal_year: row.fiscal_year,
                    bureau_id: row.bureau_id,
                    section_ids: sections.remove(&row.id).unwrap_or_default(),
                    report_number: row.report_number,
                    classification,
                    source_proposal_id: row.source_proposal_id.map(ProposalId::new),
                    title: row.title,
                    problem: row.problem,
                    action: row.action,
                    effect: row.effect,
                    period_text: row.period_text,
                    status,
                    tags: tags.remove(&row.id).unwrap_or_default(),
                    featured: row.featured,
                    effects: effects.remove(&row.id).unwrap_or_default(),
                },
                id: ReformId::new(row.id),
                created_by_user_id: row.created_by_user_id,
                version: row.version,
                created_at: row.created_at,
                updated_at: row.updated_at,
            })
        })
        .collect()
}

/// The report numbers a bureau's reforms of a year 1, 2, 3… in the order of the report's own
/// No. column; reforms without one follow in the order they were entered. Reads the (bureau,
/// year, No., id) of every reform of those years, from `ix_reforms_bureau_year_number` alone.
async fn numbers_in_years<C: ConnectionTrait>(
    conn: &C,
    years: &[(i64, i32)],
) -> Result<HashMap<i64, u32>, StoreError> {
    let mut numbers = HashMap::new();
    if years.is_empty() {
        return Ok(numbers);
    }
    let mut of_years = sea_orm::Condition::any();
    for (bureau_id, year) in years {
        of_years = of_years.add(
            reform::Column::BureauId
                .eq(*bureau_id)
                .and(reform::Column::FiscalYear.eq(*year)),
        );
    }
    let rows: Vec<(i64, i64, i32, Option<i32>)> = reform::Entity::find()
        .select_only()
        .column(reform::Column::Id)
        .column(reform::Column::BureauId)
        .column(reform::Column::FiscalYear)
        .column(reform::Column::ReportNumber)
        .filter(of_years)
        .into_tuple()
        .all(conn)
        .await?;
    // (bureau, fiscal year) → (report number, reform id) of its reforms.
    type Members = Vec<(Option<i32>, i64)>;
    let mut by_year: HashMap<(i64, i32), Members> = HashMap::new();
    for (id, bureau_id, year, report_number) in rows {
        by_year
            .entry((bureau_id, year))
            .or_default()
            .push((report_number, id));
    }
    for mut members in by_year.into_values() {
        members.sort_by_key(|(report_number, id)| (report_number.is_none(), *report_number, *id));
        for (position, (_, id)) in members.into_iter().enumerate() {
            numbers.insert(id, u32::try_from(position + 1).unwrap_or(u32::MAX));
        }
    }
    Ok(numbers)
}

/// Dates the registration of reforms transcribed from a report to the report's day, so a
/// listing as of an earlier day does not show them and one as of that day does.
pub async fn date_registration<C: ConnectionTrait>(
    conn: &C,
    ids: &[i64],
    registered_at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let counted_before = tallies::reform_contributions(conn, ids).await?;
    for chunk in ids.chunks(500) {
        reform::Entity::update_many()
            .col_expr(reform::Column::CreatedAt, Expr::value(registered_at))
            .col_expr(reform::Column::UpdatedAt, Expr::value(registered_at))
            .filter(reform::Column::Id.is_in(chunk.iter().copied()))
            .exec(conn)
            .await?;
    }
    let counted = tallies::reform_contributions(conn, ids).await?;
    tallies::apply(conn, counted_before, counted).await?;
    crate::history::redate(conn, crate::history::Kind::Reform, ids, registered_at).await
}

/// Whether the database holds any proposal or reform yet: the demo dataset goes only into one
/// that does not.
pub async fn holds_reform_work<C: ConnectionTrait>(conn: &C) -> Result<bool, StoreError> {
    let proposals = proposal::Entity::find().count(conn).await?;
    let reforms = reform::Entity::find().count(conn).await?;
    Ok(proposals + reforms > 0)
}

#[derive(Debug, Clone, Default)]
pub struct ReformFilter {
    pub bureau_id: Option<i64>,
    pub section_id: Option<i64>,
    pub classification: Option<Classification>,
    pub status: Option<ReformStatus>,
    /// In search form (`search_form`).
    pub tag: Option<String>,
    pub fiscal_year: Option<i32>,
    pub featured: Option<bool>,
    pub period_from: Option<NaiveDate>,
    pub period_to: Option<NaiveDate>,
    /// In search form; matched as a literal substring.
    pub text: Option<String>,
    pub ids: Option<Vec<i64>>,
    /// Only reforms without a classification (the report leaves two blank).
    pub unclassified: bool,
    /// Registered by the end of this day in Japan: how the listing stood then.
    pub registered_by: Option<NaiveDate>,
    /// Periods that start within these days (both included).
    pub started_between: Option<(NaiveDate, NaiveDate)>,
    pub period_kind: Option<PeriodKind>,
}

/// How a reform's implementation date was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeriodKind {
    /// Read into dates.
    Parsed,
    /// Written, but as text no date can be read from (随時, 令和7年度中…).
    TextOnly,
    /// Left blank.
    Missing,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReformSort {
    ReportNumber,
    Id,
    Title,
    UpdatedAt,
}

/// The rows the filter selects, unordered.
fn reforms_query(filter: &ReformFilter) -> sea_orm::Select<reform::Entity> {
    use reform::Column as R;
    let mut query = reform::Entity::find();
    if let Some(bureau_id) = filter.bureau_id {
        query = query.filter(R::BureauId.eq(bureau_id));
    }
    if let Some(year) = filter.fiscal_year {
        query = query.filter(R::FiscalYear.eq(year));
    }
    if let Some(classification) = filter.classification {
        query = query.filter(R::Classification.eq(classification.as_str()));
    }
    if filter.unclassified {
        query = query.filter(R::Classification.is_null());
    }
    if let Some(day) = filter.registered_by {
        query = query.filter(R::CreatedAt.lt(crate::dashboard::end_of_tokyo_day(day)));
    }
    if let Some((first, last)) = filter.started_between {
        query = query.filter(R::PeriodStart.between(first, last));
    }
    match filter.period_kind {
        Some(PeriodKind::Parsed) => query = query.filter(R::PeriodStart.is_not_null()),
        Some(PeriodKind::TextOnly) => {
            query = query.filter(R::PeriodStart.is_null().and(R::PeriodText.is_not_null()));
        }
        Some(PeriodKind::Missing) => query = query.filter(R::PeriodText.is_null()),
        None => {}
    }
    if let Some(status) = filter.status {
        query = query.filter(R::Status.eq(status.as_str()));
    }
    if let Some(featured) = filter.featured {
        query = query.filter(R::Featured.eq(featured));
    }
    if let Some(ids) = &filter.ids {
        query = query.filter(R::Id.is_in(ids.iter().copied()));
    }
    if filter.period_from.is_some() || filter.period_to.is_some() {
        // Only structured periods can overlap anything (see `Period::overlaps`).
        query = query.filter(R::PeriodStart.is_not_null());
        if let Some(to) = filter.period_to {
            query = query.filter(R::PeriodStart.lte(to));
        }
        if let Some(from) = filter.period_from {
            query = query.filter(R::PeriodEnd.is_null().or(R::PeriodEnd.gte(from)));
        }
    }
    if let Some(text) = filter.text.as_deref().filter(|t| !t.is_empty()) {
        query = query.filter(R::SearchText.like(LikeExpr::new(like_literal(text)).escape('\\')));
    }
    if let Some(section_id) = filter.section_id {
        let mut in_section = Query::select();
        in_section
            .column(reform_section::Column::ReformId)
            .from(reform_section::Entity)
            .and_where(Expr::col(reform_section::Column::SectionId).eq(section_id));
        query = query.filter(R::Id.in_subquery(in_section.to_owned()));
    }
    if let Some(tag) = &filter.tag {
        let mut tagged = Query::select();
        tagged
            .column(reform_tag::Column::ReformId)
            .from(reform_tag::Entity)
            .and_where(Expr::col(reform_tag::Column::TagKey).eq(tag.as_str()));
        query = query.filter(R::Id.in_subquery(tagged.to_owned()));
    }
    query
}

/// Up to `limit` of the rows the filter selects with ids above `after_id`, in id order: how an
/// export walks a list of any length in constant memory. They are not numbered within their
/// bureau (`number_in_bureau` is 0).
pub async fn reforms_after<C: ConnectionTrait>(
    conn: &C,
    filter: &ReformFilter,
    after_id: i64,
    limit: u64,
) -> Result<Vec<Reform>, StoreError> {
    let read = Read {
        sort: ReformSort::Id,
        descending: false,
        page: PageRequest {
            page: 1,
            per_page: limit,
        },
        numbering: Numbering::Skipped,
        total: false,
    };
    let selected = reforms_query(filter).filter(reform::Column::Id.gt(after_id));
    Ok(read_reforms(conn, selected, &read).await?.0)
}

/// A page of the reforms the filter selects, numbered within their bureau's year, with the
/// filter's total. A page larger than any the API serves (the annual report's whole year) is
/// numbered a year at a time rather than a reform at a time.
pub async fn list_reforms<C: ConnectionTrait>(
    conn: &C,
    filter: &ReformFilter,
    sort: ReformSort,
    descending: bool,
    page: PageRequest,
) -> Result<Page<Reform>, StoreError> {
    let read = Read {
        sort,
        descending,
        page,
        numbering: if page.per_page > PageRequest::MAX_PER_PAGE {
            Numbering::WholeYears
        } else {
            Numbering::Counted
        },
        total: true,
    };
    let (items, total) = read_reforms(conn, reforms_query(filter), &read).await?;
    let total = match total {
        Some(total) => total,
        // A page past the end has no row to carry the total.
        None if page.page > 1 => reforms_query(filter).count(conn).await?,
        None => 0,
    };
    Ok(Page {
        items,
        total,
        page: page.page,
        per_page: page.per_page,
    })
}

/// The reforms a batch of import rows names by (fiscal year, report No.), in one query per
/// thousand keys: the keys found, with their reform's id.
pub async fn reform_ids_by_numbers<C: ConnectionTrait>(
    conn: &C,
    keys: &[(i32, i32)],
) -> Result<HashMap<(i32, i32), i64>, StoreError> {
    let mut found = HashMap::new();
    for chunk in keys.chunks(1000) {
        let wanted: std::collections::HashSet<(i32, i32)> = chunk.iter().copied().collect();
        let mut years: Vec<i32> = chunk.iter().map(|(y, _)| *y).collect();
        years.sort_unstable();
        years.dedup();
        let numbers: Vec<i32> = chunk.iter().map(|(_, n)| *n).collect();
        let rows: Vec<(i64, i32, Option<i32>)> = reform::Entity::find()
            .select_only()
            .column(reform::Column::Id)
            .column(reform::Column::FiscalYear)
            .column(reform::Column::ReportNumber)
            .filter(reform::Column::FiscalYear.is_in(years))
            .filter(reform::Column::ReportNumber.is_in(numbers))
            .into_tuple()
            .all(conn)
            .await?;
        for (id, year, number) in rows {
            if let Some(number) = number
                && wanted.contains(&(year, number))
            {
                found.insert((year, number), id);
            }
        }
    }
    Ok(found)
}

/// Reforms by id without their number in the bureau (`number_in_bureau` is 0), children in one
/// query each: what a batch of import rows updates.
pub async fn find_reforms<C: ConnectionTrait>(
    conn: &C,
    ids: &[i64],
) -> Result<Vec<Reform>, StoreError> {
    let mut found = Vec::new();
    for chunk in ids.chunks(1000) {
        let filter = ReformFilter {
            ids: Some(chunk.to_vec()),
            ..Default::default()
        };
        let read = Read {
            sort: ReformSort::Id,
            descending: false,
            page: PageRequest {
                page: 1,
                per_page: chunk.len() as u64,
            },
            numbering: Numbering::Skipped,
            total: false,
        };
        found.extend(read_reforms(conn, reforms_query(&filter), &read).await?.0);
    }
    Ok(found)
}

/// The reform a year's report lists under this No., if any: the key an import matches rows by.
pub async fn find_reform_id_by_number<C: ConnectionTrait>(
    conn: &C,
    fiscal_year: i32,
    report_number: i32,
) -> Result<Option<i64>, StoreError> {
    Ok(reform::Entity::find()
        .select_only()
        .column(reform::Column::Id)
        .filter(reform::Column::FiscalYear.eq(fiscal_year))
        .filter(reform::Column::ReportNumber.eq(report_number))
        .into_tuple()
        .one(conn)
        .await?)
}
