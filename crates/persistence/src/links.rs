//! Links between proposals, reforms, policy issues, digital systems and KPIs, stored once in
//! the chain's direction and read from either end. A reform of classification iii also counts
//! as linked to the proposal it came from, without a stored row.

use crate::StoreError;
use crate::audit::{AuditActor, AuditView};
use crate::entities::{
    digital_system, kpi, link, policy, policy_issue, proposal, reform, reform_section, section,
};
use crate::rows;
use crate::write::{self, Audited, Write};
use domain::ids::ProposalId;
use domain::link::{EntityKind, EntityRef, Link};
use sea_orm::sea_query::ExprTrait;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use std::collections::HashMap;

fn link_of(row: link::Model) -> Result<Link, StoreError> {
    let kind =
        |k: &str| EntityKind::parse(k).ok_or_else(|| StoreError::Corrupt(format!("link kind {k}")));
    Ok(Link {
        id: Some(row.id),
        from: EntityRef {
            kind: kind(&row.from_kind)?,
            id: row.from_id,
        },
        to: EntityRef {
            kind: kind(&row.to_kind)?,
            id: row.to_id,
        },
        note: row.note,
        created_at: Some(row.created_at),
    })
}

/// What a link shows of the record at its other end, and whose record it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub title: String,
    pub bureau_id: Option<i64>,
    /// The sections that own the record; empty for bureau-wide records.
    pub section_ids: Vec<i64>,
    /// Who submitted it, for proposals (proposers see only their own).
    pub created_by_user_id: Option<i64>,
}

/// Titles and owners of the given records; records that do not exist are absent.
pub async fn summaries<C: ConnectionTrait>(
    conn: &C,
    refs: &[EntityRef],
) -> Result<HashMap<EntityRef, Summary>, StoreError> {
    let ids_of = |kind: EntityKind| -> Vec<i64> {
        refs.iter()
            .filter(|r| r.kind == kind)
            .map(|r| r.id)
            .collect()
    };
    let mut out = HashMap::new();
    let ids = ids_of(EntityKind::Proposal);
    if !ids.is_empty() {
        for row in proposal::Entity::find()
            .filter(proposal::Column::Id.is_in(ids))
            .all(conn)
            .await?
        {
            let sections = crate::proposals::find_proposal(conn, ProposalId::new(row.id))
                .await?
                .map(|p| p.assignments.iter().map(|a| a.section_id).collect())
                .unwrap_or_default();
            out.insert(
                EntityRef {
                    kind: EntityKind::Proposal,
                    id: row.id,
                },
                Summary {
                    title: row.title,
                    bureau_id: None,
                    section_ids: sections,
                    created_by_user_id: row.created_by_user_id,
                },
            );
        }
    }
    let ids = ids_of(EntityKind::Reform);
    if !ids.is_empty() {
        // The title and owners only: a link does not show the reform's texts or its number.
        let rows: Vec<(i64, String, i64, Option<i64>)> = reform::Entity::find()
            .select_only()
            .column(reform::Column::Id)
            .column(reform::Column::Title)
            .column(reform::Column::BureauId)
            .column(reform::Column::CreatedByUserId)
            .filter(reform::Column::Id.is_in(ids.iter().copied()))
            .into_tuple()
            .all(conn)
            .await?;
        let mut sections: HashMap<i64, Vec<i64>> = HashMap::new();
        for row in reform_section::Entity::find()
            .filter(reform_section::Column::ReformId.is_in(ids))
            .order_by_asc(reform_section::Column::Id)
            .all(conn)
            .await?
        {
            sections
                .entry(row.reform_id)
                .or_default()
                .push(row.section_id);
        }
        for (id, title, bureau_id, created_by_user_id) in rows {
            out.insert(
                EntityRef {
                    kind: EntityKind::Reform,
                    id,
                },
                Summary {
                    title,
                    bureau_id: Some(bureau_id),
                    section_ids: sections.remove(&id).unwrap_or_default(),
                    created_by_user_id,
                },
            );
        }
    }
    let issue_ids = ids_of(EntityKind::PolicyIssue);
    let kpi_ids = ids_of(EntityKind::Kpi);
    let kpis = if kpi_ids.is_empty() {
        Vec::new()
    } else {
        kpi::Entity::find()
            .filter(kpi::Column::Id.is_in(kpi_ids))
            .all(conn)
            .await?
    };
    let mut all_issue_ids = issue_ids.clone();
    all_issue_ids.extend(kpis.iter().map(|k| k.issue_id));
    if !all_issue_ids.is_empty() {
        let issues = policy_issue::Entity::find()
            .filter(policy_issue::Column::Id.is_in(all_issue_ids))
            .all(conn)
            .await?;
        let policies: HashMap<i64, i64> = policy::Entity::find()
            .filter(policy::Column::Id.is_in(issues.iter().map(|i| i.policy_id)))
            .all(conn)
            .await?
            .into_iter()
            .map(|p| (p.id, p.bureau_id))
            .collect();
        let bureau_of_issue: HashMap<i64, i64> = issues
            .iter()
            .filter_map(|i| policies.get(&i.policy_id).map(|b| (i.id, *b)))
            .collect();
        for issue in issues.iter().filter(|i| issue_ids.contains(&i.id)) {
            let code = domain::policy::Area::parse(&issue.area)
                .map(|a| a.code(issue.number))
                .unwrap_or_default();
            out.insert(
                EntityRef {
                    kind: EntityKind::PolicyIssue,
                    id: issue.id,
                },
                Summary {
                    title: format!("{code} {}", issue.title),
                    bureau_id: bureau_of_issue.get(&issue.id).copied(),
                    section_ids: Vec::new(),
                    created_by_user_id: None,
                },
            );
        }
        for k in kpis {
            out.insert(
                EntityRef {
                    kind: EntityKind::Kpi,
                    id: k.id,
                },
                Summary {
                    title: k.name,
                    bureau_id: bureau_of_issue.get(&k.issue_id).copied(),
                    section_ids: Vec::new(),
                    created_by_user_id: None,
                },
            );
        }
    }
    let ids = ids_of(EntityKind::DigitalSystem);
    if !ids.is_empty() {
        let systems = digital_system::Entity::find()
            .filter(digital_system::Column::Id.is_in(ids))
            .all(conn)
            .await?;
        let bureaus: HashMap<i64, i64> = section::Entity::find()
            .filter(section::Column::Id.is_in(systems.iter().map(|s| s.section_id)))
            .all(conn)
            .await?
            .into_iter()
            .map(|s| (s.id, s.bureau_id))
            .collect();
        for s in systems {
            out.insert(
                EntityRef {
                    kind: EntityKind::DigitalSystem,
                    id: s.id,
                },
                Summary {
                    title: s.name,
                    bureau_id: bureaus.get(&s.section_id).copied(),
                    section_ids: vec![s.section_id],
                    created_by_user_id: None,
                },
            );
        }
    }
    Ok(out)
}

/// Every link of a record, stored or implied, oldest first.
pub async fn links_of<C: ConnectionTrait>(
    conn: &C,
    of: EntityRef,
) -> Result<Vec<Link>, StoreError> {
    let mut links = Vec::new();
    match of.kind {
        EntityKind::Proposal => {
            for r in reform::Entity::find()
                .filter(reform::Column::SourceProposalId.eq(of.id))
                .order_by_asc(reform::Column::Id)
                .all(conn)
                .await?
            {
                links.push(implied_link(of.id, r.id));
            }
        }
        EntityKind::Reform => {
            let source: Option<Option<i64>> = reform::Entity::find_by_id(of.id)
                .select_only()
                .column(reform::Column::SourceProposalId)
                .into_tuple()
                .one(conn)
                .await?;
            links.extend(source.flatten().map(|source| implied_link(source, of.id)));
        }
        _ => {}
    }
    links.extend(stored_links_of(conn, of).await?);
    Ok(links)
}

/// The links stored for a record, oldest first, without the one a reform's classification
/// implies: for a reader that holds the reform already (`implied_link` makes that one).
pub async fn stored_links_of<C: ConnectionTrait>(
    conn: &C,
    of: EntityRef,
) -> Result<Vec<Link>, StoreError> {
    let kind = of.kind.as_str();
    link::Entity::find()
        .filter(
            (link::Column::FromKind
                .eq(kind)
                .and(link::Column::FromId.eq(of.id)))
            .or(link::Column::ToKind
                .eq(kind)
                .and(link::Column::ToId.eq(of.id))),
        )
        .order_by_asc(link::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(link_of)
        .collect()
}

/// The link a reform of classification iii has to the proposal it came from.
pub fn implied_link(proposal_id: i64, reform_id: i64) -> Link {
    Link {
        id: None,
        from: EntityRef {
            kind: EntityKind::Proposal,
            id: proposal_id,
        },
        to: EntityRef {
            kind: EntityKind::Reform,
            id: reform_id,
        },
        note: None,
        created_at: None,
    }
}

pub async fn find_link<C: ConnectionTrait>(conn: &C, id: i64) -> Result<Option<Link>, StoreError> {
    rows::find_decoded::<link::Entity, _>(conn, id, link_of).await
}

impl Audited for Link {
    fn audit_id(&self) -> i64 {
        self.id.unwrap_or_default()
    }
    fn snapshot(&self) -> serde_json::Value {
        AuditView::audit_view(self)
    }
}

/// Stores a link. The caller has checked the direction (`EntityKind::may_link_to`).
pub async fn create_link(
    db: &DatabaseConnection,
    from: EntityRef,
    to: EntityRef,
    note: Option<String>,
    actor: &AuditActor,
) -> Result<Link, StoreError> {
    write::create(
        db,
        Write::new("link.create", "link", actor),
        move |txn, now| {
            Box::pin(async move {
                let found = summaries(txn, &[from, to]).await?;
                if !found.contains_key(&from) {
                    return Err(StoreError::MissingReference(
                        "the record the link starts from",
                    ));
                }
                if !found.contains_key(&to) {
                    return Err(StoreError::MissingReference(
                        "the record the link points to",
                    ));
                }
                let row = link::ActiveModel {
                    from_kind: Set(from.kind.as_str().to_owned()),
                    from_id: Set(from.id),
                    to_kind: Set(to.kind.as_str().to_owned()),
                    to_id: Set(to.id),
                    note: Set(note),
                    created_at: Set(now),
                    ..Default::default()
                }
                .insert(txn)
                .await
                .map_err(StoreError::from_write)?;
                link_of(row)
            })
        },
    )
    .await
}

pub async fn delete_link(
    db: &DatabaseConnection,
    id: i64,
    actor: &AuditActor,
) -> Result<(), StoreError> {
    write::remove(
        db,
        Write::new("link.delete", "link", actor),
        move |txn| Box::pin(find_link(txn, id)),
        move |txn, _| {
            Box::pin(async move {
                link::Entity::delete_by_id(id).exec(txn).await?;
                Ok(())
            })
        },
    )
    .await
}
