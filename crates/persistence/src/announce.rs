//! The events the write paths announce, each written by [`crate::events::record`] inside the
//! change's own transaction: who owns the record (as `domain::access` sees it), a one-line
//! Japanese title and the SPA path of the record. The repositories call these; nothing here opens
//! a transaction of its own.

use crate::StoreError;
use crate::audit::AuditActor;
use crate::entities::{bureau, policy, policy_issue, proposal, proposal_assignment, section};
use crate::events::{self, NewEvent};
use chrono::{DateTime, Utc};
use domain::event;
use domain::{Owner, PrincipalKind, SectionOf};
use sea_orm::sea_query::{Expr, ExprTrait, Order, Query};
use sea_orm::{ConnectionTrait, EntityTrait};

/// The account an event names as its actor: only people, so a user is never told of their own
/// change while a service account's change reaches everyone concerned.
pub fn actor_user(actor: &AuditActor) -> Option<i64> {
    (actor.kind == "user").then_some(actor.id).flatten()
}

/// A section together with its bureau; `None` when the section does not exist.
pub async fn section_of<C: ConnectionTrait>(
    conn: &C,
    section_id: i64,
) -> Result<Option<SectionOf>, StoreError> {
    Ok(section::Entity::find_by_id(section_id)
        .one(conn)
        .await?
        .map(|s| SectionOf {
            section_id: s.id,
            bureau_id: s.bureau_id,
        }))
}

/// A proposal's owner as it stands in `conn`: its author and the sections now responsible.
pub async fn proposal_owner<C: ConnectionTrait>(
    conn: &C,
    proposal_id: i64,
) -> Result<Option<Owner>, StoreError> {
    Ok(proposal_with_owner(conn, proposal_id)
        .await?
        .map(|(_, owner)| owner))
}

/// A proposal's row and its owner, in two reads: these run inside the write transaction that
/// announces the event, where on SQLite every statement holds up the other writers.
async fn proposal_with_owner<C: ConnectionTrait>(
    conn: &C,
    proposal_id: i64,
) -> Result<Option<(proposal::Model, Owner)>, StoreError> {
    let Some(row) = proposal::Entity::find_by_id(proposal_id).one(conn).await? else {
        return Ok(None);
    };
    let mut assigned = Query::select();
    assigned
        .column((section::Entity, section::Column::Id))
        .column((section::Entity, section::Column::BureauId))
        .from(proposal_assignment::Entity)
        .inner_join(
            section::Entity,
            Expr::col((section::Entity, section::Column::Id)).equals((
                proposal_assignment::Entity,
                proposal_assignment::Column::SectionId,
            )),
        )
        .and_where(
            Expr::col((
                proposal_assignment::Entity,
                proposal_assignment::Column::ProposalId,
            ))
            .eq(proposal_id),
        )
        .order_by(
            (proposal_assignment::Entity, proposal_assignment::Column::Id),
            Order::Asc,
        );
    let mut sections = Vec::new();
    for found in conn.query_all(&assigned).await? {
        sections.push(SectionOf {
            section_id: found.try_get_by_index(0)?,
            bureau_id: found.try_get_by_index(1)?,
        });
    }
    let owner = Owner::Proposal {
        author: row.created_by_user_id,
        sections,
    };
    Ok(Some((row, owner)))
}

/// The title of a proposal for headlines: its number (if any) and title.
async fn proposal_label<C: ConnectionTrait>(
    conn: &C,
    proposal_id: i64,
) -> Result<String, StoreError> {
    let row = proposal::Entity::find_by_id(proposal_id)
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    Ok(label_of(&row))
}

fn label_of(row: &proposal::Model) -> String {
    match &row.number {
        Some(number) if !number.is_empty() => format!("提案 {number}「{}」", row.title),
        _ => format!("提案「{}」", row.title),
    }
}

/// Today's name of a section, or its id when it has none.
async fn section_label<C: ConnectionTrait>(
    conn: &C,
    section_id: i64,
) -> Result<String, StoreError> {
    let wanted = crate::organization::NamesWanted {
        section_ids: vec![section_id],
        ..Default::default()
    };
    let names = crate::organization::names_for(conn, &wanted).await?;
    let today = crate::clock::now().date_naive();
    Ok(names
        .sections
        .get(&section_id)
        .and_then(|(_, names)| domain::organization::name_on(names, today).or_else(|| names.last()))
        .map(|n| n.name.clone())
        .unwrap_or_else(|| format!("課 #{section_id}")))
}

/// A bureau's name, or its id when it is gone.
async fn bureau_name<C: ConnectionTrait>(conn: &C, bureau_id: i64) -> Result<String, StoreError> {
    Ok(bureau::Entity::find_by_id(bureau_id)
        .one(conn)
        .await?
        .map_or_else(|| format!("局 #{bureau_id}"), |b| b.name))
}

/// `proposal.created`: a new proposal, owned by its author; the office hears of it.
pub async fn proposal_created<C: ConnectionTrait>(
    conn: &C,
    proposal_id: i64,
    actor: &AuditActor,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let (row, owner) = proposal_with_owner(conn, proposal_id)
        .await?
        .ok_or(StoreError::NotFound)?;
    let label = label_of(&row);
    events::record(
        conn,
        NewEvent {
            kind: event::PROPOSAL_CREATED,
            actor_user_id: actor_user(actor),
            record_kind: "proposal",
            record_id: proposal_id,
            owner,
            title: format!("{label}が登録されました"),
            link: format!("/proposals/{proposal_id}"),
            data: serde_json::json!({ "proposal_id": proposal_id }),
        },
        now,
    )
    .await?;
    Ok(())
}

/// `proposal.assigned`: one per section made responsible, owned by that section.
pub async fn proposal_assigned<C: ConnectionTrait>(
    conn: &C,
    proposal_id: i64,
    section_id: i64,
    actor: &AuditActor,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let section = section_of(conn, section_id)
        .await?
        .ok_or(StoreError::MissingReference("the section"))?;
    let label = proposal_label(conn, proposal_id).await?;
    let section_name = section_label(conn, section_id).await?;
    events::record(
        conn,
        NewEvent {
            kind: event::PROPOSAL_ASSIGNED,
            actor_user_id: actor_user(actor),
            record_kind: "proposal",
            record_id: proposal_id,
            owner: Owner::Assignment(section),
            title: format!("{label}の担当に{section_name}が割り当てられました"),
            link: format!("/proposals/{proposal_id}"),
            data: serde_json::json!({
                "proposal_id": proposal_id,
                "section_id": section_id,
                "bureau_id": section.bureau_id,
            }),
        },
        now,
    )
    .await?;
    Ok(())
}

/// `proposal.stage_changed`, or `proposal.decided` when the change carries a decision (③).
pub async fn proposal_stage_changed<C: ConnectionTrait>(
    conn: &C,
    proposal_id: i64,
    assignment_id: i64,
    change: &domain::proposal::StageChange,
    actor: &AuditActor,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let (row, owner) = proposal_with_owner(conn, proposal_id)
        .await?
        .ok_or(StoreError::NotFound)?;
    let assignment = proposal_assignment::Entity::find_by_id(assignment_id)
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    let label = label_of(&row);
    let section_name = section_label(conn, assignment.section_id).await?;
    let (kind, title) = match change.decision {
        Some(decision) => (
            event::PROPOSAL_DECIDED,
            format!(
                "{label}について{section_name}の対応方針が「{}」に決まりました",
                decision.label_ja()
            ),
        ),
        None => (
            event::PROPOSAL_STAGE_CHANGED,
            format!(
                "{label}の{section_name}での検討段階が「{}」になりました",
                change.to.label_ja()
            ),
        ),
    };
    events::record(
        conn,
        NewEvent {
            kind,
            actor_user_id: actor_user(actor),
            record_kind: "proposal",
            record_id: proposal_id,
            owner,
            title,
            link: format!("/proposals/{proposal_id}"),
            data: serde_json::json!({
                "proposal_id": proposal_id,
                "assignment_id": assignment_id,
                "section_id": assignment.section_id,
                "stage": change.to.number(),
                "decision": change.decision.map(|d| d.as_str()),
                "effective_on": change.effective_on,
            }),
        },
        now,
    )
    .await?;
    Ok(())
}

/// `proposal.consulted`: a consultation recorded on a proposal.
pub async fn proposal_consulted<C: ConnectionTrait>(
    conn: &C,
    proposal_id: i64,
    consultation_id: i64,
    held_on: chrono::NaiveDate,
    actor: &AuditActor,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let (row, owner) = proposal_with_owner(conn, proposal_id)
        .await?
        .ok_or(StoreError::NotFound)?;
    let label = label_of(&row);
    events::record(
        conn,
        NewEvent {
            kind: event::PROPOSAL_CONSULTED,
            actor_user_id: actor_user(actor),
            record_kind: "proposal",
            record_id: proposal_id,
            owner,
            title: format!("{label}について{held_on}の協議が記録されました"),
            link: format!("/proposals/{proposal_id}"),
            data: serde_json::json!({
                "proposal_id": proposal_id,
                "consultation_id": consultation_id,
                "held_on": held_on,
            }),
        },
        now,
    )
    .await?;
    Ok(())
}

/// The bureau that owns a policy issue, with its sections, and the issue's label.
pub async fn issue_owner<C: ConnectionTrait>(
    conn: &C,
    issue_id: i64,
) -> Result<(Owner, String), StoreError> {
    let issue = policy_issue::Entity::find_by_id(issue_id)
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    let policy = policy::Entity::find_by_id(issue.policy_id)
        .one(conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    let sections_of_bureau =
        crate::organization::section_ids_of_bureau(conn, policy.bureau_id).await?;
    let bureau = bureau_name(conn, policy.bureau_id).await?;
    Ok((
        Owner::Bureau {
            bureau_id: policy.bureau_id,
            sections_of_bureau,
        },
        format!("{bureau}の{}({})", issue.area, issue.number),
    ))
}

/// `milestone.slipped`: a milestone's state became 遅延.
pub async fn milestone_slipped<C: ConnectionTrait>(
    conn: &C,
    milestone: &domain::policy::Milestone,
    actor: &AuditActor,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let (owner, issue_label) = issue_owner(conn, milestone.issue_id).await?;
    events::record(
        conn,
        NewEvent {
            kind: event::MILESTONE_SLIPPED,
            actor_user_id: actor_user(actor),
            record_kind: "milestone",
            record_id: milestone.id,
            owner,
            title: format!(
                "{issue_label} のマイルストーン「{}」({})が遅延になりました",
                milestone.fields.title,
                milestone.fields.quarter.label_ja()
            ),
            link: format!("/policy-issues/{}", milestone.issue_id),
            data: serde_json::json!({
                "milestone_id": milestone.id,
                "policy_issue_id": milestone.issue_id,
                "quarter": milestone.fields.quarter.number(),
                "title": milestone.fields.title,
            }),
        },
        now,
    )
    .await?;
    Ok(())
}

/// `kpi.actual_recorded`: a measured value of a KPI.
pub async fn kpi_actual_recorded<C: ConnectionTrait>(
    conn: &C,
    kpi: &domain::policy::Kpi,
    actual_id: i64,
    value: f64,
    measured_on: chrono::NaiveDate,
    actor: &AuditActor,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let (owner, issue_label) = issue_owner(conn, kpi.issue_id).await?;
    events::record(
        conn,
        NewEvent {
            kind: event::KPI_ACTUAL_RECORDED,
            actor_user_id: actor_user(actor),
            record_kind: "kpi",
            record_id: kpi.id,
            owner,
            title: format!(
                "{issue_label} の KPI「{}」に{measured_on}時点の実績 {value}{} が記録されました",
                kpi.fields.name, kpi.fields.unit
            ),
            link: format!("/kpis/{}", kpi.id),
            data: serde_json::json!({
                "kpi_id": kpi.id,
                "policy_issue_id": kpi.issue_id,
                "actual_id": actual_id,
                "value": value,
                "measured_on": measured_on,
            }),
        },
        now,
    )
    .await?;
    Ok(())
}

/// `import.finished` or `import.failed`: told to the account that started the import.
pub async fn import_ended<C: ConnectionTrait>(
    conn: &C,
    job: &crate::entities::import_job::Model,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let failed = job.state != "succeeded";
    let started_by = match (job.owner_kind.as_deref(), job.owner_id) {
        (Some("user"), Some(id)) => Some((PrincipalKind::User, id)),
        (Some("service_account"), Some(id)) => Some((PrincipalKind::ServiceAccount, id)),
        _ => None,
    };
    let title = if failed {
        format!("取込み「{}」は完了しませんでした", job.file_name)
    } else {
        format!(
            "取込み「{}」が完了しました（新規 {}・更新 {}・変更なし {}・却下 {}）",
            job.file_name, job.created, job.updated, job.unchanged, job.rejected
        )
    };
    events::record(
        conn,
        NewEvent {
            kind: if failed {
                event::IMPORT_FAILED
            } else {
                event::IMPORT_FINISHED
            },
            actor_user_id: None,
            record_kind: "import",
            record_id: 0,
            owner: Owner::Account(started_by),
            title,
            link: format!("/imports?job={}", job.id),
            data: serde_json::json!({
                "import_id": job.id,
                "kind": job.kind,
                "state": job.state,
                "file_name": job.file_name,
                "created": job.created,
                "updated": job.updated,
                "unchanged": job.unchanged,
                "rejected": job.rejected,
            }),
        },
        now,
    )
    .await?;
    Ok(())
}

/// `account.created`: a person's account was made; the person and the office hear of it.
pub async fn account_created<C: ConnectionTrait>(
    conn: &C,
    user_id: i64,
    display_name: &str,
    actor: &AuditActor,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    events::record(
        conn,
        NewEvent {
            kind: event::ACCOUNT_CREATED,
            actor_user_id: actor_user(actor),
            record_kind: "user",
            record_id: user_id,
            owner: Owner::Account(Some((PrincipalKind::User, user_id))),
            title: format!("{display_name} さんのアカウントが作成されました"),
            link: "/notifications".into(),
            data: serde_json::json!({ "user_id": user_id }),
        },
        now,
    )
    .await?;
    Ok(())
}
