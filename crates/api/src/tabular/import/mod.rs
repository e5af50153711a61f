//! `POST /imports`, `GET /imports/{id}` and `GET /imports/columns`: reforms, proposals or ledger
//! entries from CSV, XLSX or JSON. Columns are recognised by their Japanese or English header (the
//! column tables of `tabular::columns`, which the export writes too), every row passes the same
//! rules as the API, and rows update the record with the same key or create one. A dry run
//! reports per row and changes nothing; a real import writes every row in one transaction, or
//! none.
//!
//! The file is read off the HTTP workers (`offload`) within limits checked as it is read, then
//! stored with the import, which the durable job runner runs (`tabular::jobs::ImportRun`).

mod fields;
mod plan;
mod sheet;
pub mod workbook_guard;

pub(crate) use fields::day_of_text;
pub use fields::{check_columns, importable};
pub use plan::{Importer, new_job, run};
pub use sheet::{
    MAX_CELLS, MAX_COLUMNS, MAX_FILE_BYTES, MAX_ROWS, Sheet, SheetRow, Source, WORKBOOK_LIMITS,
    read_sheet, read_workbook,
};

use crate::auth::Authenticated;
use crate::context::actor;
use crate::error::{ApiError, ErrorCode, FieldError, FieldLocation};
use crate::state::AppState;
use crate::tabular::dto::{ImportJobOut, ImportKindDto, ImportableColumnsOut};
use actix_multipart::Multipart;
use actix_web::http::header;
use actix_web::{HttpResponse, get, post, web};
use domain::{Action, authorize};
use futures_util::StreamExt;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ImportQuery {
    /// What the rows are.
    pub kind: ImportKindDto,
    /// true: report what each row would do and change nothing.
    pub dry_run: Option<bool>,
}

/// The upload.
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct ImportUpload {
    /// A .csv (UTF-8, UTF-8 with BOM or Shift_JIS), .xlsx, .json or .ndjson file of at most 20 MB.
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
}

fn bad_upload(message: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::UnsupportedMediaType).with_detail(message)
}

pub(crate) async fn read_upload(mut payload: Multipart) -> Result<(String, Vec<u8>), ApiError> {
    let mut upload = None;
    while let Some(item) = payload.next().await {
        let mut field =
            item.map_err(|e| bad_upload(format!("send the file as multipart/form-data: {e}")))?;
        let is_file = field.name() == Some("file");
        let file_name: String = field
            .content_disposition()
            .and_then(|cd| cd.get_filename())
            .unwrap_or("upload.csv")
            .chars()
            .filter(|c| !c.is_control())
            .take(200)
            .collect();
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(|e| bad_upload(format!("the upload broke off: {e}")))?;
            if bytes.len() + chunk.len() > MAX_FILE_BYTES {
                return Err(ApiError::new(ErrorCode::PayloadTooLarge)
                    .with_detail("a file of at most 20 MB"));
            }
            if is_file {
                bytes.extend_from_slice(&chunk);
            }
        }
        if is_file {
            upload = Some((file_name, bytes));
        }
    }
    upload.ok_or_else(|| {
        ApiError::validation(vec![FieldError {
            pointer: "/file".into(),
            location: FieldLocation::Body,
            code: "required".into(),
            message: "send the file in the form field `file`".into(),
        }])
    })
}

/// Starts an import (or a dry run) of an uploaded file and answers with the job to poll.
/// Admins and editors; rows outside an editor's bureau or sections are rejected. Proposals are
/// imported by admins (the reform office) only.
#[utoipa::path(
    tag = "imports",
    params(ImportQuery),
    request_body(content = ImportUpload, content_type = "multipart/form-data"),
    responses(
        (status = 202, body = ImportJobOut, headers(("Location" = String, description = "The job to poll"))),
        (status = 403, body = crate::Problem, content_type = "application/problem+json"),
        (status = 413, body = crate::Problem, content_type = "application/problem+json"),
        (status = 415, body = crate::Problem, content_type = "application/problem+json"),
        (status = 422, description = "The file cannot be read or lacks a required column", body = crate::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin", "editor"])),
)]
#[post("/imports")]
pub async fn create_import(
    state: web::Data<AppState>,
    caller: Authenticated,
    query: web::Query<ImportQuery>,
    payload: Multipart,
) -> Result<HttpResponse, ApiError> {
    let caller = caller.0;
    authorize(&caller, Action::EditDepartmentWork)?;
    if query.kind == ImportKindDto::Proposals {
        authorize(&caller, Action::ImportProposals).map_err(|_| {
            ApiError::new(ErrorCode::Forbidden)
                .with_detail("proposals are imported by the reform office (admins)")
        })?;
    }
    let (file_name, bytes) = read_upload(payload).await?;
    let name = file_name.clone();
    // Read here to answer a file that cannot be imported at once; the job reads its stored copy.
    let file = bytes.clone();
    let sheet = crate::offload::run(move || read_sheet(&name, Source::from(bytes))).await??;
    let columns = check_columns(query.kind, &sheet.headers)?;
    let dry_run = query.dry_run.unwrap_or(false);
    let job = new_job(query.kind, dry_run, &file_name, &sheet, columns);
    let actor = actor(&caller).via(format!("import {} {}", job.id, file_name));
    state
        .imports
        .start(&state.db, &caller, &job, file, &actor)
        .await?;
    state.jobs.wake();
    Ok(HttpResponse::Accepted()
        .insert_header((header::LOCATION, format!("/api/v1/imports/{}", job.id)))
        .json(job))
}

/// An import's progress and, once finished, its outcome row by row. Visible to the person who
/// started it and to admins.
#[utoipa::path(
    tag = "imports",
    params(("id" = String, Path)),
    responses(
        (status = 200, body = ImportJobOut),
        (status = 404, body = crate::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin", "editor"])),
)]
#[get("/imports/{id}")]
pub async fn get_import(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<String>,
) -> Result<web::Json<ImportJobOut>, ApiError> {
    state
        .imports
        .find(&state.db, &id, &caller.0)
        .await?
        .map(web::Json)
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound))
}

/// The columns each kind of import reads: the Japanese header the export writes, the English
/// header (also the JSON key), what the column holds and whether a file must have it. The export
/// of the same list writes these columns in this order, among others written for reading only.
#[utoipa::path(
    tag = "imports",
    responses(
        (status = 200, body = ImportableColumnsOut),
        (status = 401, body = crate::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin", "editor", "proposer", "viewer"])),
)]
#[get("/imports/columns")]
pub async fn import_columns(_caller: Authenticated) -> web::Json<ImportableColumnsOut> {
    web::Json(ImportableColumnsOut {
        reforms: importable(ImportKindDto::Reforms),
        proposals: importable(ImportKindDto::Proposals),
        digital_systems: importable(ImportKindDto::DigitalSystems),
    })
}
