//! `/links`: first-class links along proposal → reform → policy issue → digital system → KPI,
//! readable from either end. A link is stored from the earlier kind to the later one; asking
//! for the other order is a 422 that says which way round it goes.

use crate::auth::Authenticated;
use crate::context::actor;
use crate::department::{Directory, field_error};
use crate::error::{ApiError, ErrorCode, FieldLocation};
use crate::extract::{ValidJson, validate};
use crate::state::AppState;
use actix_web::{HttpResponse, delete, get, post, web};
use domain::link::EntityKind;
use domain::link::{EntityRef, Link};
use domain::{Action, Owner, Principal, Rights, authorize, rights};
use persistence::links::{self, Summary};
use persistence::organization::NamesWanted;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum EntityKindDto {
    Proposal,
    Reform,
    PolicyIssue,
    DigitalSystem,
    Kpi,
}

impl From<EntityKindDto> for EntityKind {
    fn from(k: EntityKindDto) -> Self {
        match k {
            EntityKindDto::Proposal => EntityKind::Proposal,
            EntityKindDto::Reform => EntityKind::Reform,
            EntityKindDto::PolicyIssue => EntityKind::PolicyIssue,
            EntityKindDto::DigitalSystem => EntityKind::DigitalSystem,
            EntityKindDto::Kpi => EntityKind::Kpi,
        }
    }
}

impl From<EntityKind> for EntityKindDto {
    fn from(k: EntityKind) -> Self {
        match k {
            EntityKind::Proposal => EntityKindDto::Proposal,
            EntityKind::Reform => EntityKindDto::Reform,
            EntityKind::PolicyIssue => EntityKindDto::PolicyIssue,
            EntityKind::DigitalSystem => EntityKindDto::DigitalSystem,
            EntityKind::Kpi => EntityKindDto::Kpi,
        }
    }
}

#[derive(Debug, Clone, Copy, Serialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum LinkDirection {
    /// This record comes earlier in the chain and leads to the other.
    Outgoing,
    /// The other record leads to this one.
    Incoming,
}

#[derive(Debug, Clone, Copy, Serialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum LinkOrigin {
    /// Made by someone through `POST /links`.
    Manual,
    /// Implied by a reform of classification iii and the proposal it came from.
    Classification,
}

/// A link as seen from one of its ends: the record at the other end.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LinkOut {
    /// Absent for links a reform's classification implies; those cannot be deleted.
    pub id: Option<i64>,
    pub kind: EntityKindDto,
    pub kind_label: &'static str,
    pub entity_id: i64,
    pub title: String,
    pub bureau_name: Option<String>,
    pub direction: LinkDirection,
    pub origin: LinkOrigin,
    pub note: Option<String>,
    /// Where the screen of the other record is, e.g. `/reforms/5`.
    pub path: String,
    pub can_delete: bool,
}

fn path_of(r: EntityRef) -> String {
    match r.kind {
        EntityKind::Proposal => format!("/proposals/{}", r.id),
        EntityKind::Reform => format!("/reforms/{}", r.id),
        EntityKind::PolicyIssue => format!("/policy-issues/{}", r.id),
        EntityKind::DigitalSystem => format!("/digital-systems/{}", r.id),
        EntityKind::Kpi => format!("/kpis/{}", r.id),
    }
}

/// What the caller may do to one end of a link: see it (`read`) and change its links (`act`;
/// for a proposal that is its responsible sections, not its author).
fn rights_over(dir: &Directory, caller: &Principal, summary: &Summary, kind: EntityKind) -> Rights {
    let owner = match (kind, summary.bureau_id) {
        (EntityKind::Proposal, _) => {
            dir.proposal_owner(summary.created_by_user_id, &summary.section_ids)
        }
        (EntityKind::PolicyIssue | EntityKind::Kpi, Some(bureau)) => {
            return dir.rights_over_bureau(caller, bureau);
        }
        (_, Some(bureau)) => return dir.rights_over(caller, bureau, &summary.section_ids),
        (_, None) => Owner::Nobody,
    };
    rights(caller, &owner)
}

/// A record's links and what they show of the records at their other ends, read before the
/// names, so that one look-up of names serves the links and the record they belong to.
pub(crate) struct LinkSet {
    of: EntityRef,
    stored: Vec<Link>,
    summaries: HashMap<EntityRef, Summary>,
}

impl LinkSet {
    /// The summaries of the other ends of `stored`, and of the record itself unless the caller
    /// holds it already (`own`).
    pub(crate) async fn load(
        state: &AppState,
        of: EntityRef,
        stored: Vec<Link>,
        own: Option<Summary>,
    ) -> Result<LinkSet, ApiError> {
        let mut ends: Vec<EntityRef> = stored
            .iter()
            .map(|l| if l.from == of { l.to } else { l.from })
            .collect();
        if own.is_none() {
            ends.push(of);
        }
        let mut summaries = links::summaries(&state.db.conn, &ends).await?;
        if let Some(own) = own {
            summaries.insert(of, own);
        }
        Ok(LinkSet {
            of,
            stored,
            summaries,
        })
    }

    /// Adds the bureaus and sections whose names and rights `outs` reads.
    pub(crate) fn names_wanted(&self, wanted: &mut NamesWanted) {
        for (end, summary) in &self.summaries {
            if let Some(bureau) = summary.bureau_id {
                wanted.bureau_ids.push(bureau);
                if matches!(end.kind, EntityKind::PolicyIssue | EntityKind::Kpi) {
                    wanted.sections_of_bureaus.push(bureau);
                }
            }
            wanted.section_ids.extend(&summary.section_ids);
        }
    }

    /// The links as the caller's screens show them.
    pub(crate) fn outs(&self, dir: &Directory, caller: &Principal) -> Vec<LinkOut> {
        // A proposal the caller may not see has no links for them, as if it did not exist: its
        // links would tell what became of it.
        if self.of.kind == EntityKind::Proposal
            && self
                .summaries
                .get(&self.of)
                .is_some_and(|s| !rights_over(dir, caller, s, self.of.kind).read)
        {
            return Vec::new();
        }
        self.stored
            .iter()
            .filter_map(|l| view(dir, caller, &self.summaries, self.of, l))
            .collect()
    }
}

/// The links of a record as its screens show them.
pub(crate) async fn link_outs(
    state: &AppState,
    caller: &Principal,
    of: EntityRef,
) -> Result<Vec<LinkOut>, ApiError> {
    let stored = links::links_of(&state.db.conn, of).await?;
    let set = LinkSet::load(state, of, stored, None).await?;
    let mut wanted = NamesWanted::default();
    set.names_wanted(&mut wanted);
    let dir = Directory::load_for(state, &wanted).await?;
    Ok(set.outs(&dir, caller))
}

fn view(
    dir: &Directory,
    caller: &Principal,
    summaries: &HashMap<EntityRef, Summary>,
    of: EntityRef,
    link: &Link,
) -> Option<LinkOut> {
    let (other, direction) = if link.from == of {
        (link.to, LinkDirection::Outgoing)
    } else {
        (link.from, LinkDirection::Incoming)
    };
    let summary = summaries.get(&other)?;
    // A proposal the caller may not see stays out of their link lists too.
    if !rights_over(dir, caller, summary, other.kind).read {
        return None;
    }
    let editable_end = |r: EntityRef| {
        summaries
            .get(&r)
            .is_some_and(|s| rights_over(dir, caller, s, r.kind).act)
    };
    Some(LinkOut {
        id: link.id,
        kind: other.kind.into(),
        kind_label: other.kind.label_ja(),
        entity_id: other.id,
        title: summary.title.clone(),
        bureau_name: summary.bureau_id.map(|b| dir.bureau_name(b)),
        direction,
        origin: if link.id.is_some() {
            LinkOrigin::Manual
        } else {
            LinkOrigin::Classification
        },
        note: link.note.clone(),
        path: path_of(other),
        can_delete: link.id.is_some() && (editable_end(link.from) || editable_end(link.to)),
    })
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct LinkQuery {
    pub kind: EntityKindDto,
    pub id: i64,
}

/// The links of one record, both ways.
#[utoipa::path(tag = "links", params(LinkQuery), responses((status = 200, body = Vec<LinkOut>)), security(("bearer" = ["admin", "editor", "proposer", "viewer"])))]
#[get("/links")]
pub async fn list_links(
    state: web::Data<AppState>,
    caller: Authenticated,
    query: web::Query<LinkQuery>,
) -> Result<web::Json<Vec<LinkOut>>, ApiError> {
    authorize(&caller.0, Action::ReadDepartmentWork)?;
    let of = EntityRef {
        kind: query.kind.into(),
        id: query.id,
    };
    Ok(web::Json(link_outs(&state, &caller.0, of).await?))
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct LinkIn {
    /// The earlier kind in the chain proposal → reform → policy_issue → digital_system → kpi.
    pub from_kind: EntityKindDto,
    pub from_id: i64,
    pub to_kind: EntityKindDto,
    pub to_id: i64,
    #[validate(custom(function = "crate::text_rules::title_text"))]
    pub note: Option<String>,
}

/// Link two records. 409 when they are linked already; 422 when the kinds run against the
/// chain or a record does not exist; 403 when the caller may edit neither record.
#[utoipa::path(tag = "links", request_body = LinkIn, responses((status = 201, body = LinkOut), (status = 409, body = crate::Problem, content_type = "application/problem+json"), (status = 422, body = crate::Problem, content_type = "application/problem+json")), security(("bearer" = ["admin", "editor"])))]
#[post("/links")]
pub async fn create_link(
    state: web::Data<AppState>,
    caller: Authenticated,
    body: ValidJson<LinkIn>,
) -> Result<HttpResponse, ApiError> {
    let caller = caller.0;
    authorize(&caller, Action::EditDepartmentWork)?;
    validate(&body.0, FieldLocation::Body)?;
    let input = body.0;
    let from = EntityRef {
        kind: input.from_kind.into(),
        id: input.from_id,
    };
    let to = EntityRef {
        kind: input.to_kind.into(),
        id: input.to_id,
    };
    if !from.kind.may_link_to(to.kind) {
        return Err(field_error(
            "/to_kind",
            "link_direction",
            "links run proposal → reform → policy_issue → digital_system → kpi; put the earlier kind in from_kind",
        ));
    }
    let summaries = links::summaries(&state.db.conn, &[from, to]).await?;
    let dir = Directory::load(&state).await?;
    for (end, pointer) in [(from, "/from_id"), (to, "/to_id")] {
        if !summaries.contains_key(&end) {
            return Err(field_error(pointer, "missing_reference", "no such record"));
        }
    }
    let editable = [from, to].iter().any(|r| {
        summaries
            .get(r)
            .is_some_and(|s| rights_over(&dir, &caller, s, r.kind).act)
    });
    if !editable {
        return Err(ApiError::new(ErrorCode::Forbidden)
            .with_detail("you may edit neither of the two records"));
    }
    let note = crate::text_rules::optional(input.note);
    let link = links::create_link(&state.db.conn, from, to, note, &actor(&caller))
        .await
        .map_err(|e| match e {
            persistence::StoreError::Duplicate => {
                ApiError::new(ErrorCode::Conflict).with_detail("these records are linked already")
            }
            other => other.into(),
        })?;
    let out = view(&dir, &caller, &summaries, from, &link)
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound))?;
    Ok(HttpResponse::Created().json(out))
}

/// Remove a link. Links implied by a reform's classification are removed by changing the reform.
#[utoipa::path(tag = "links", params(("id" = i64, Path)), responses((status = 204), (status = 404, body = crate::Problem, content_type = "application/problem+json")), security(("bearer" = ["admin", "editor"])))]
#[delete("/links/{id}")]
pub async fn delete_link(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<i64>,
) -> Result<HttpResponse, ApiError> {
    let caller = caller.0;
    authorize(&caller, Action::EditDepartmentWork)?;
    let link = links::find_link(&state.db.conn, *id)
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound))?;
    let summaries = links::summaries(&state.db.conn, &[link.from, link.to]).await?;
    let dir = Directory::load(&state).await?;
    let editable = [link.from, link.to].iter().any(|r| {
        summaries
            .get(r)
            .is_some_and(|s| rights_over(&dir, &caller, s, r.kind).act)
    });
    if !editable {
        return Err(ApiError::new(ErrorCode::Forbidden)
            .with_detail("you may edit neither of the two records"));
    }
    links::delete_link(&state.db.conn, *id, &actor(&caller)).await?;
    Ok(HttpResponse::NoContent().finish())
}
