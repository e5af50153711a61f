//! What the department-work endpoints (reforms, X policies, the ledger, links) share: the
//! names of bureaus and sections, the owners of a record as `domain::access::rights` needs
//! them, the first steps of every replace and delete, and field errors at a pointer.

use crate::clock::today_in_tokyo;
use crate::concurrency::IfMatch;
use crate::error::{ApiError, ErrorCode, FieldError, FieldLocation};
use crate::state::AppState;
use domain::{Action, Owner, Principal, Rights, SectionOf, authorize, rights};
use persistence::organization;
use serde::Serialize;
use std::collections::HashMap;
use std::future::Future;
use utoipa::ToSchema;
use validator::ValidationError;

/// The first steps of every replace and delete of department work, in this order: the version
/// from `If-Match` (asked only now, with the path and any body accepted, so a broken body is
/// reported before a missing precondition), the caller's right to edit department work at all,
/// the record as `find` reads it (404 without it), and the directory. Whether the caller may edit
/// this record is the handler's to ask, of `domain::access::rights` through the directory.
/// Answers the version the caller read, the record as it stands, and the directory.
pub(crate) async fn guard<T>(
    state: &AppState,
    caller: &Principal,
    if_match: &IfMatch,
    find: impl Future<Output = Result<Option<T>, persistence::StoreError>>,
) -> Result<(i32, T, Directory), ApiError> {
    let version = if_match.version()?;
    authorize(caller, Action::EditDepartmentWork)?;
    let current = find
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound))?;
    let dir = Directory::load(state).await?;
    Ok((version, current, dir))
}

/// A section by id and its name today.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SectionRef {
    pub id: i64,
    pub name: String,
}

/// Bureau and section names, looked up once per response.
pub(crate) struct Directory {
    bureaus: HashMap<i64, String>,
    sections: HashMap<i64, (String, i64)>,
}

impl Directory {
    pub(crate) async fn load(state: &AppState) -> Result<Directory, ApiError> {
        Directory::load_from(&state.db).await
    }

    pub(crate) async fn load_from(db: &persistence::Database) -> Result<Directory, ApiError> {
        let today = today_in_tokyo();
        let sections = organization::list_sections(&db.conn, None)
            .await?
            .into_iter()
            .map(|s| {
                let name = s
                    .name_on(today)
                    .or_else(|| s.names.last())
                    .map(|n| n.name.clone())
                    .unwrap_or_default();
                (s.id, (name, s.bureau_id))
            })
            .collect();
        let bureaus = organization::list_bureaus(&db.conn)
            .await?
            .into_iter()
            .map(|b| (b.id, b.name))
            .collect();
        Ok(Directory { bureaus, sections })
    }

    /// The names one response shows, read for those bureaus and sections alone (see
    /// `organization::names_for`); asking it of anything else answers as for an unknown id.
    pub(crate) async fn load_for(
        state: &AppState,
        wanted: &organization::NamesWanted,
    ) -> Result<Directory, ApiError> {
        let today = today_in_tokyo();
        let names = organization::names_for(&state.db.conn, wanted).await?;
        let sections = names
            .sections
            .into_iter()
            .map(|(id, (bureau_id, names))| {
                let name = domain::organization::name_on(&names, today)
                    .or_else(|| names.last())
                    .map(|n| n.name.clone())
                    .unwrap_or_default();
                (id, (name, bureau_id))
            })
            .collect();
        Ok(Directory {
            bureaus: names.bureaus,
            sections,
        })
    }

    pub(crate) fn bureau_name(&self, id: i64) -> String {
        self.bureaus.get(&id).cloned().unwrap_or_default()
    }

    pub(crate) fn has_bureau(&self, id: i64) -> bool {
        self.bureaus.contains_key(&id)
    }

    pub(crate) fn section(&self, id: i64) -> SectionRef {
        SectionRef {
            id,
            name: self
                .sections
                .get(&id)
                .map(|(name, _)| name.clone())
                .unwrap_or_default(),
        }
    }

    pub(crate) fn bureau_of_section(&self, id: i64) -> Option<i64> {
        self.sections.get(&id).map(|(_, bureau)| *bureau)
    }

    pub(crate) fn sections_of_bureau(&self, bureau_id: i64) -> Vec<i64> {
        let mut ids: Vec<i64> = self
            .sections
            .iter()
            .filter(|(_, (_, b))| *b == bureau_id)
            .map(|(id, _)| *id)
            .collect();
        ids.sort_unstable();
        ids
    }

    /// What the caller may do to department work of this bureau held by these sections (a
    /// reform, a ledger entry).
    pub(crate) fn rights_over(
        &self,
        caller: &Principal,
        bureau_id: i64,
        section_ids: &[i64],
    ) -> Rights {
        rights(
            caller,
            &Owner::Sections {
                bureau_id,
                section_ids: section_ids.to_vec(),
            },
        )
    }

    /// What the caller may do to bureau-wide work: the X policy and what hangs under it.
    pub(crate) fn rights_over_bureau(&self, caller: &Principal, bureau_id: i64) -> Rights {
        rights(
            caller,
            &Owner::Bureau {
                bureau_id,
                sections_of_bureau: self.sections_of_bureau(bureau_id),
            },
        )
    }

    /// A proposal's owners from its author and responsible sections; a section the directory
    /// does not know makes no one responsible.
    pub(crate) fn proposal_owner(&self, author: Option<i64>, section_ids: &[i64]) -> Owner {
        Owner::Proposal {
            author,
            sections: section_ids
                .iter()
                .filter_map(|&section_id| {
                    self.bureau_of_section(section_id)
                        .map(|bureau_id| SectionOf {
                            section_id,
                            bureau_id,
                        })
                })
                .collect(),
        }
    }
}

/// A 422 naming one field.
pub(crate) fn field_error(pointer: &str, code: &str, message: impl Into<String>) -> ApiError {
    ApiError::validation(vec![FieldError {
        pointer: pointer.into(),
        location: FieldLocation::Body,
        code: code.into(),
        message: message.into(),
    }])
}

/// Turns a missing reference from the store into a 422 at the field that named it.
pub(crate) fn missing_at(pointer: &'static str) -> impl Fn(persistence::StoreError) -> ApiError {
    move |err| match err {
        persistence::StoreError::MissingReference(what) => field_error(
            pointer,
            "missing_reference",
            format!("{what} does not exist"),
        ),
        other => other.into(),
    }
}

/// `check_amount` as a field rule, so that the limit shows in the OpenAPI document too.
pub(crate) fn amount(value: f64) -> Result<(), validator::ValidationError> {
    if value.is_finite() && value.abs() <= 1e15 {
        return Ok(());
    }
    let mut e = validator::ValidationError::new("out_of_range");
    e.message = Some("must be a number between -1e15 and 1e15".into());
    Err(e)
}

/// Numbers arrive as JSON numbers; this keeps them to magnitudes a ledger can mean.
pub(crate) fn check_amount(pointer: &str, value: f64) -> Result<(), ApiError> {
    if value.is_finite() && value.abs() <= 1e15 {
        Ok(())
    } else {
        Err(field_error(
            pointer,
            "out_of_range",
            "must be a number between -1e15 and 1e15",
        ))
    }
}

/// Free-text query as matched: control and invisible characters dropped (the stored text holds
/// none), NFKC, lower case, trimmed.
pub(crate) fn search_text(q: Option<&str>) -> Option<String> {
    q.map(domain::search::search_form)
        .map(|q| q.trim().to_owned())
        .filter(|q| !q.is_empty())
}

/// Accepts a `sort` word (with or without `-`) that `parse` knows; otherwise `unknown_sort`,
/// saying which words there are.
pub(crate) fn known_sort_word<S>(
    value: &str,
    parse: impl Fn(&str) -> Option<S>,
    words: &'static str,
) -> Result<(), ValidationError> {
    match sort_spec(Some(value)).0.and_then(parse) {
        Some(_) => Ok(()),
        None => {
            let mut e = ValidationError::new("unknown_sort");
            e.message = Some(format!("sort by {words}").into());
            Err(e)
        }
    }
}

/// `sort=-field` → (field, descending).
pub(crate) fn sort_spec(sort: Option<&str>) -> (Option<&str>, bool) {
    match sort {
        Some(s) => match s.strip_prefix('-') {
            Some(field) => (Some(field), true),
            None => (Some(s), false),
        },
        None => (None, false),
    }
}
