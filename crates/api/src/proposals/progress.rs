//! `/reports/proposal-progress`: the progress table of seed 003 (stage ①–④ × theme), recomputed
//! as of any date, as JSON or as CSV for Excel.

use crate::auth::Authenticated;
use crate::clock::today_in_tokyo;
use crate::error::{ApiError, FieldError, FieldLocation};
use crate::extract::validate;
use crate::state::AppState;
use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, NaiveDate, Utc};
use domain::proposal::Stage;
use domain::{Action, Principal, ProposalReach, authorize};
use persistence::proposals::{self, ProposalFilter, ProposalSort};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::{Validate, ValidationError};

/// The forms the progress report comes in.
pub(crate) const PROGRESS_FORMATS: &[&str] = &["json", "csv"];

fn progress_format(value: &str) -> Result<(), ValidationError> {
    if PROGRESS_FORMATS.contains(&value) {
        return Ok(());
    }
    let mut e = ValidationError::new("unknown_value");
    e.message = Some("must be json or csv".into());
    Err(e)
}

#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ProgressQuery {
    /// 2025 = 令和7年度
    #[validate(range(
        min = 2000,
        max = 2100,
        code = "out_of_range",
        message = "must be between 2000 and 2100"
    ))]
    pub fiscal_year: i32,
    /// The date to recompute the table for; today when absent.
    pub as_of: Option<NaiveDate>,
    /// Count only what was recorded by the end of this day (Asia/Tokyo): the table as it was
    /// known then, unchanged by later corrections, back-dated or not. The live table when absent.
    pub as_known_on: Option<NaiveDate>,
    /// Like `as_known_on`, to the instant (RFC 3339), e.g. the moment a round closed.
    pub as_known_at: Option<DateTime<Utc>>,
    /// `json` (default) or `csv` (UTF-8 with BOM, for Excel).
    #[validate(custom(function = "progress_format"))]
    pub format: Option<String>,
}

/// One row (a theme) or the totals: counts per stage ①–④, with the proposals behind each cell.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProgressRowOut {
    pub theme: String,
    /// Counts for stages 1, 2, 3, 4.
    pub counts: [usize; 4],
    /// Proposal ids behind each count, in the same order.
    pub proposal_ids: [Vec<i64>; 4],
    /// Proposals of the year not yet presented to any section on that date.
    pub not_presented: usize,
    pub not_presented_ids: Vec<i64>,
    pub total: usize,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProgressProposalOut {
    pub id: i64,
    pub number: Option<String>,
    pub title: String,
    pub theme: String,
    #[schema(minimum = 1, maximum = 4)]
    pub stage: Option<u8>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProgressReportOut {
    pub fiscal_year: i32,
    pub fiscal_year_label: String,
    pub as_of: NaiveDate,
    /// The moment the table is as known at; absent for the live table.
    pub as_known_at: Option<DateTime<Utc>>,
    /// ①…④ labels in column order.
    pub stage_labels: [&'static str; 4],
    pub rows: Vec<ProgressRowOut>,
    pub totals: ProgressRowOut,
    pub proposals: Vec<ProgressProposalOut>,
}

fn row(theme: &str, entries: &[&proposals::ProgressEntry]) -> ProgressRowOut {
    let mut ids: [Vec<i64>; 4] = Default::default();
    let mut not_presented_ids = Vec::new();
    for entry in entries {
        match entry.stage {
            Some(stage) => ids[usize::from(stage.number() - 1)].push(entry.proposal_id),
            None => not_presented_ids.push(entry.proposal_id),
        }
    }
    ProgressRowOut {
        theme: theme.to_owned(),
        counts: [ids[0].len(), ids[1].len(), ids[2].len(), ids[3].len()],
        proposal_ids: ids,
        not_presented: not_presented_ids.len(),
        not_presented_ids,
        total: entries.len(),
    }
}

async fn progress_report(
    state: &AppState,
    caller: &Principal,
    fiscal_year: i32,
    as_of: NaiveDate,
    known_at: Option<DateTime<Utc>>,
) -> Result<ProgressReportOut, ApiError> {
    let mut entries = match known_at {
        None => proposals::progress_as_of(&state.db.conn, fiscal_year, as_of).await?,
        Some(at) => persistence::as_known::proposal_standings(
            &state.db.conn,
            fiscal_year,
            as_of,
            persistence::history::Known::At(at),
        )
        .await?
        .into_iter()
        .map(|p| proposals::ProgressEntry {
            proposal_id: p.id,
            number: p.number,
            title: p.title,
            theme: p.theme,
            stage: p.stage,
        })
        .collect(),
    };
    if caller.proposal_reach() != ProposalReach::All {
        let mut visible = ProposalFilter::visible_to(caller);
        visible.fiscal_year = Some(fiscal_year);
        let own: std::collections::HashSet<i64> = proposals::list_proposals(
            &state.db.conn,
            &visible,
            ProposalSort::Id,
            false,
            persistence::PageRequest {
                page: 1,
                per_page: 100_000,
            },
        )
        .await?
        .items
        .iter()
        .map(|p| p.id.get())
        .collect();
        entries.retain(|e| own.contains(&e.proposal_id));
    }
    let mut themes: Vec<String> = proposals::find_project_team_by_year(&state.db.conn, fiscal_year)
        .await?
        .map(|t| t.themes)
        .unwrap_or_default();
    for entry in &entries {
        if !themes.contains(&entry.theme) {
            themes.push(entry.theme.clone());
        }
    }
    let rows = themes
        .iter()
        .map(|theme| {
            row(
                theme,
                &entries
                    .iter()
                    .filter(|e| &e.theme == theme)
                    .collect::<Vec<_>>(),
            )
        })
        .collect();
    Ok(ProgressReportOut {
        fiscal_year,
        fiscal_year_label: domain::wareki::FiscalYear(fiscal_year).to_string(),
        as_of,
        as_known_at: known_at,
        stage_labels: Stage::ALL.map(Stage::label_ja),
        totals: row("合計", &entries.iter().collect::<Vec<_>>()),
        rows,
        proposals: entries
            .iter()
            .map(|e| ProgressProposalOut {
                id: e.proposal_id,
                number: e.number.clone(),
                title: e.title.clone(),
                theme: e.theme.clone(),
                stage: e.stage.map(Stage::number),
            })
            .collect(),
    })
}

/// Cells that Excel would read as a formula are prefixed with an apostrophe.
fn csv_cell(value: &str) -> String {
    let guarded = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    if guarded.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

fn progress_csv(report: &ProgressReportOut) -> String {
    let mut out = String::from("\u{feff}");
    let mut line = |cells: Vec<String>| {
        out.push_str(
            &cells
                .iter()
                .map(|c| csv_cell(c))
                .collect::<Vec<_>>()
                .join(","),
        );
        out.push_str("\r\n");
    };
    let mut title = format!("{} {}時点", report.fiscal_year_label, report.as_of);
    if let Some(at) = report.as_known_at {
        let tokyo = at + chrono::Duration::hours(9);
        title.push_str(&format!("（{}記録分まで）", tokyo.format("%Y-%m-%d %H:%M")));
    }
    let mut header = vec![title];
    header.extend(report.stage_labels.iter().map(|l| (*l).to_owned()));
    header.push("未提示".into());
    header.push("合計".into());
    line(header);
    for r in report.rows.iter().chain(std::iter::once(&report.totals)) {
        let mut cells = vec![r.theme.clone()];
        cells.extend(r.counts.iter().map(usize::to_string));
        cells.push(r.not_presented.to_string());
        cells.push(r.total.to_string());
        line(cells);
    }
    out
}

/// The progress table of seed 003: stage ①–④ × theme with row and column totals, recomputed
/// from the recorded events as of any date (also after back-dated corrections). Every cell lists
/// the proposals behind it. `format=csv` gives the table for Excel. With `as_known_on` (or
/// `as_known_at`) the table counts only stage changes recorded by then: a published table is
/// reproduced exactly, whatever was corrected afterwards.
#[utoipa::path(
    tag = "proposals",
    params(ProgressQuery),
    responses(
        (status = 200, description = "The table as JSON, or as CSV with format=csv", content(
            (ProgressReportOut = "application/json"),
            (String = "text/csv"),
        )),
        (status = 422, body = crate::Problem, content_type = "application/problem+json"),
    ),
    security(("bearer" = ["admin", "editor", "proposer", "viewer"])),
)]
#[get("/reports/proposal-progress")]
pub async fn proposal_progress(
    state: web::Data<AppState>,
    caller: Authenticated,
    query: web::Query<ProgressQuery>,
) -> Result<HttpResponse, ApiError> {
    let caller = caller.0;
    authorize(&caller, Action::ReadProposals)?;
    validate(&*query, FieldLocation::Query)?;
    let known_at = crate::clock::known_at(query.as_known_on, query.as_known_at)?;
    let report = progress_report(
        &state,
        &caller,
        query.fiscal_year,
        query.as_of.unwrap_or_else(today_in_tokyo),
        known_at,
    )
    .await?;
    match query.format.as_deref() {
        None | Some("json") => Ok(HttpResponse::Ok().json(report)),
        Some("csv") => {
            let filename = format!(
                "proposal-progress-{}-{}.csv",
                report.fiscal_year, report.as_of
            );
            Ok(HttpResponse::Ok()
                .content_type("text/csv; charset=utf-8")
                .insert_header((
                    "Content-Disposition",
                    format!("attachment; filename=\"{filename}\""),
                ))
                .body(progress_csv(&report)))
        }
        Some(_) => Err(ApiError::validation(vec![FieldError {
            pointer: "/format".into(),
            location: FieldLocation::Query,
            code: "unknown_value".into(),
            message: "must be json or csv".into(),
        }])),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_that_excel_would_run_are_neutralised() {
        assert_eq!(csv_cell("=1+1"), "'=1+1");
        assert_eq!(csv_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("ユーザーの困りごと"), "ユーザーの困りごと");
    }
}
