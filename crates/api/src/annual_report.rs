//! The annual プラチナレポート generated from the records: the project teams' proposals with the
//! outcomes and timing the sections reported, and each bureau's self-initiated reforms with their
//! count, in the structure of the city's printed report. JSON for systems, HTML for printing.

use crate::auth::Authenticated;
use crate::clock::today_in_tokyo;
use crate::department::Directory;
use crate::error::{ApiError, FieldLocation};
use crate::proposals::teams::ProjectTeamOut;
use crate::proposals::{Names, ProposalOut};
use crate::reforms::{ReformOut, reform_out};
use crate::state::AppState;
use actix_web::{HttpResponse, get, web};
use chrono::NaiveDate;
use domain::wareki::FiscalYear;
use domain::{Action, authorize};
use persistence::page::PageRequest;
use persistence::proposals::{self, ProposalFilter, ProposalSort};
use persistence::reforms::{self, ReformFilter, ReformSort};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fmt::Write as _;
use utoipa::{IntoParams, ToSchema};

/// The forms the annual report comes in.
pub(crate) const REPORT_FORMATS: &[&str] = &["json", "html"];

fn report_format(value: &str) -> Result<(), validator::ValidationError> {
    if REPORT_FORMATS.contains(&value) {
        return Ok(());
    }
    let mut e = validator::ValidationError::new("unknown_value");
    e.message = Some("must be json or html".into());
    Err(e)
}

#[derive(Debug, Deserialize, IntoParams, validator::Validate)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AnnualReportQuery {
    /// The report's fiscal year: 2025 = 令和7年度 (its own PT and the previous year's).
    #[validate(range(
        min = 2000,
        max = 2100,
        code = "out_of_range",
        message = "must be between 2000 and 2100"
    ))]
    pub fiscal_year: i32,
    /// `json` (default) or `html` (a printable page).
    #[validate(custom(function = "report_format"))]
    pub format: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReportTeamOut {
    pub team: ProjectTeamOut,
    /// All the team's proposals.
    pub proposal_count: u64,
    /// Those with an outcome the sections reported, in theme and number order.
    pub proposals: Vec<ProposalOut>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReportBureauOut {
    pub bureau_id: i64,
    pub bureau: String,
    pub count: u64,
    pub reforms: Vec<ReformOut>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AnnualReportOut {
    pub fiscal_year: i32,
    /// e.g. 令和7年度
    pub fiscal_year_label: String,
    pub generated_on: NaiveDate,
    /// The year's team first, then the previous year's.
    pub teams: Vec<ReportTeamOut>,
    pub reform_total: u64,
    /// In the report's order: by the first report No. of each bureau.
    pub bureaus: Vec<ReportBureauOut>,
}

/// Everything of a year, without the 200-row page limit of the lists.
const WHOLE_YEAR: PageRequest = PageRequest {
    page: 1,
    per_page: 1_000_000,
};

async fn build(
    state: &AppState,
    caller: &domain::Principal,
    fiscal_year: i32,
) -> Result<AnnualReportOut, ApiError> {
    let conn = &state.db.conn;
    let names = Names::load(state).await?;
    let mut teams = Vec::new();
    for year in [fiscal_year, fiscal_year - 1] {
        let Some(team) = proposals::find_project_team_by_year(conn, year).await? else {
            continue;
        };
        let mut filter = ProposalFilter::visible_to(caller);
        filter.fiscal_year = Some(year);
        let page =
            proposals::list_proposals(conn, &filter, ProposalSort::Id, false, WHOLE_YEAR).await?;
        let theme_rank = |theme: &str| {
            team.themes
                .iter()
                .position(|t| t == theme)
                .unwrap_or(usize::MAX)
        };
        let mut reported: Vec<_> = page
            .items
            .iter()
            .filter(|p| p.fields.outcome_text.is_some() || p.fields.implementation_status.is_some())
            .collect();
        reported.sort_by_key(|p| {
            let number = p
                .fields
                .number
                .as_deref()
                .and_then(|n| n.parse::<u32>().ok())
                .unwrap_or(u32::MAX);
            (theme_rank(&p.fields.theme), number, p.id)
        });
        teams.push(ReportTeamOut {
            team: ProjectTeamOut::from(&team),
            proposal_count: page.total,
            proposals: reported
                .into_iter()
                .map(|p| names.proposal(p, caller))
                .collect(),
        });
    }

    let dir = Directory::load(state).await?;
    let filter = ReformFilter {
        fiscal_year: Some(fiscal_year),
        ..ReformFilter::default()
    };
    let page =
        reforms::list_reforms(conn, &filter, ReformSort::ReportNumber, false, WHOLE_YEAR).await?;
    let mut by_bureau: HashMap<i64, Vec<ReformOut>> = HashMap::new();
    let mut order: Vec<(i32, i64)> = Vec::new();
    for reform in &page.items {
        let out = reform_out(&dir, caller, reform);
        let bureau = out.bureau_id;
        if !by_bureau.contains_key(&bureau) {
            order.push((out.report_number.unwrap_or(i32::MAX), bureau));
        }
        by_bureau.entry(bureau).or_default().push(out);
    }
    order.sort_unstable();
    let bureaus = order
        .into_iter()
        .filter_map(|(_, id)| {
            let reforms = by_bureau.remove(&id)?;
            Some(ReportBureauOut {
                bureau_id: id,
                bureau: dir.bureau_name(id),
                count: reforms.len() as u64,
                reforms,
            })
        })
        .collect();
    Ok(AnnualReportOut {
        fiscal_year,
        fiscal_year_label: FiscalYear(fiscal_year).to_string(),
        generated_on: today_in_tokyo(),
        teams,
        reform_total: page.total,
        bureaus,
    })
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Paragraphs of a text as written, line by line.
fn paragraphs(text: &str) -> String {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| format!("<p>{}</p>", escape(l)))
        .collect()
}

const PRINT_STYLE: &str = "body{font-family:'Noto Sans JP','Hiragino Sans','Yu Gothic',sans-serif;margin:2rem;color:#1a1a1a;line-height:1.6}\
h1{font-size:1.6rem}h2{font-size:1.3rem;border-bottom:2px solid #333;margin-top:2.5rem}h3{font-size:1.1rem;margin-top:1.5rem}\
article{border:1px solid #bbb;border-radius:4px;padding:.75rem 1rem;margin:1rem 0;break-inside:avoid}\
.meta{color:#444;font-size:.9rem}.timing{font-weight:bold}\
table{border-collapse:collapse;width:100%;font-size:.85rem}th,td{border:1px solid #999;padding:.25rem .4rem;vertical-align:top;text-align:left}\
thead{display:table-header-group}tr{break-inside:avoid}\
@media print{body{margin:0}h2{break-before:page}h2:first-of-type{break-before:auto}a{color:inherit;text-decoration:none}}";

fn render_html(report: &AnnualReportOut) -> String {
    let mut html = String::new();
    let title = format!("{} プラチナレポート", report.fiscal_year_label);
    let _ = write!(
        html,
        "<!DOCTYPE html><html lang=\"ja\"><head><meta charset=\"utf-8\"><title>{}</title><style>{PRINT_STYLE}</style></head><body><header><h1>{}</h1><p class=\"meta\">{} 時点の記録から作成</p></header><main>",
        escape(&title),
        escape(&title),
        report.generated_on
    );
    for team in &report.teams {
        let _ = write!(
            html,
            "<section><h2>{} PTによる検討課題</h2><p class=\"meta\">{}（{}名、テーマ：{}）。提案 {} 件のうち、所管課から成果の報告があった {} 件。</p>",
            escape(&team.team.fiscal_year_label),
            escape(&team.team.name),
            team.team.headcount,
            escape(&team.team.themes.join("・")),
            team.proposal_count,
            team.proposals.len()
        );
        for p in &team.proposals {
            let sections: Vec<String> = p
                .assignments
                .iter()
                // An office that is its own section (会計室) is named once.
                .map(|a| {
                    if a.bureau_name == a.section_name {
                        a.section_name.clone()
                    } else {
                        format!("{}{}", a.bureau_name, a.section_name)
                    }
                })
                .collect();
            let _ = write!(
                html,
                "<article><h3>{}{}</h3><p class=\"meta\">{}{}</p>",
                p.number
                    .as_deref()
                    .map(|n| format!("{} ", escape(n)))
                    .unwrap_or_default(),
                escape(&p.title),
                escape(&p.theme),
                if sections.is_empty() {
                    String::new()
                } else {
                    format!(" ／ ～{}～", escape(&sections.join("、")))
                }
            );
            if let Some(pain) = &p.pain_point {
                let _ = write!(html, "<p>困りごと：{}</p>", escape(pain));
            }
            if let Some(outcome) = &p.outcome_text {
                html.push_str(&paragraphs(outcome));
            }
            let timing = p
                .outcome_period
                .as_ref()
                .map(|t| t.original.clone())
                .unwrap_or_default();
            let status = p.implementation_status_label.unwrap_or("");
            if !timing.is_empty() || !status.is_empty() {
                let _ = write!(
                    html,
                    "<p class=\"timing\">{} {}</p>",
                    escape(&timing),
                    escape(status)
                );
            }
            html.push_str("</article>");
        }
        html.push_str("</section>");
    }
    let _ = write!(
        html,
        "<section><h2>各局区による自主改革</h2><p class=\"meta\">{} 局区、計 {} 件</p>",
        report.bureaus.len(),
        report.reform_total
    );
    for bureau in &report.bureaus {
        let _ = write!(
            html,
            "<h3>{}（{}件）</h3><table><thead><tr><th scope=\"col\">No.</th><th scope=\"col\">部署名</th><th scope=\"col\">分類</th><th scope=\"col\">取組名</th><th scope=\"col\">実施(予定)日</th></tr></thead><tbody>",
            escape(&bureau.bureau),
            bureau.count
        );
        for r in &bureau.reforms {
            let sections: Vec<&str> = r.sections.iter().map(|s| s.name.as_str()).collect();
            let _ = write!(
                html,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                r.report_number.map(|n| n.to_string()).unwrap_or_default(),
                escape(&sections.join("、")),
                escape(r.classification_label.unwrap_or("")),
                escape(&r.title),
                escape(r.period.as_ref().map_or("", |p| p.original.as_str()))
            );
        }
        html.push_str("</tbody></table>");
    }
    html.push_str("</section></main></body></html>");
    html
}

/// The year's プラチナレポート from the records: JSON, or `format=html` for a printable page.
#[utoipa::path(tag = "dashboards", params(AnnualReportQuery), responses((status = 200, body = AnnualReportOut, content((AnnualReportOut = "application/json"), (String = "text/html"))), (status = 422, body = crate::Problem, content_type = "application/problem+json")), security(("bearer" = ["admin", "editor", "proposer", "viewer"])))]
#[get("/reports/annual")]
pub async fn annual_report(
    state: web::Data<AppState>,
    caller: Authenticated,
    query: web::Query<AnnualReportQuery>,
) -> Result<HttpResponse, ApiError> {
    authorize(&caller.0, Action::ReadDepartmentWork)?;
    crate::extract::validate(&*query, FieldLocation::Query)?;
    let html = query.format.as_deref() == Some("html");
    let report = build(&state, &caller.0, query.fiscal_year).await?;
    if html {
        Ok(HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .body(render_html(&report)))
    } else {
        Ok(HttpResponse::Ok().json(report))
    }
}

#[cfg(test)]
mod tests {
    use super::{escape, paragraphs};

    #[test]
    fn text_from_the_records_cannot_become_markup_in_the_printed_report() {
        assert_eq!(
            escape(r#"<script>alert("x")</script> & 'y'"#),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;"
        );
        assert_eq!(
            paragraphs("一行目\n\n<b>二行目</b>"),
            "<p>一行目</p><p>&lt;b&gt;二行目&lt;/b&gt;</p>"
        );
    }
}
