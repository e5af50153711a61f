//! Dashboards: every figure is counted from the rows `persistence::dashboard` gives as of a day,
//! and carries the list query that returns exactly those rows, so staff can always open the
//! records behind a number. Also the milestone list those figures link to.

use crate::auth::Authenticated;
use crate::clock::today_in_tokyo;
use crate::dto::PageOut;
use crate::error::{ApiError, ErrorCode, FieldLocation};
use crate::extract::{page_of_query, validate};
use crate::state::AppState;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use domain::proposal::{ImplementationStatus, Stage};
use domain::reform::{Classification, ReformStatus};
use domain::wareki::FiscalYear;
use domain::{Action, authorize};
use persistence::as_known;
use persistence::dashboard;
use persistence::history::Known;
use persistence::organization;
use persistence::tallies::{self, figure};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

/// How long a proposal may wait at ① or ② without a stage change or consultation before the
/// dashboard calls it stale, unless the query says otherwise.
pub const DEFAULT_STALE_DAYS: i64 = 60;

#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DashboardQuery {
    /// 2025 = 令和7年度; the fiscal year `as_of` falls in when absent.
    #[validate(range(
        min = 2000,
        max = 2100,
        code = "out_of_range",
        message = "must be between 2000 and 2100"
    ))]
    pub fiscal_year: Option<i32>,
    /// The day the figures are computed for (the end of it, in Japan); today when absent.
    pub as_of: Option<NaiveDate>,
    /// Count only what was recorded by the end of this day (Asia/Tokyo): the figures as they were
    /// known then, unchanged by later corrections, back-dated or not. Live figures when absent.
    pub as_known_on: Option<NaiveDate>,
    /// Like `as_known_on`, to the instant (RFC 3339), e.g. the moment a round closed.
    pub as_known_at: Option<DateTime<Utc>>,
    /// Days without a stage change or consultation after which a proposal awaiting a decision
    /// is stale; 60 when absent.
    #[validate(range(
        min = 1,
        max = 3650,
        code = "out_of_range",
        message = "must be 1 to 3650"
    ))]
    pub stale_days: Option<i64>,
}

/// A number and the list behind it.
#[derive(Debug, Clone, Serialize, ToSchema, Hash)]
pub struct FigureOut {
    pub count: u64,
    /// The API list query that returns exactly `count` rows.
    pub list: String,
    /// The same list in the web app.
    pub path: String,
}

/// One bar or slice: a category, its label and its figure.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BucketOut {
    /// The value the list is filtered by (a bureau id, a status, a tag, a month…).
    pub key: String,
    pub label: String,
    pub figure: FigureOut,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ThemeStagesOut {
    pub theme: String,
    /// ①–④, in order.
    pub stages: Vec<FigureOut>,
    /// Not yet with any section on the day.
    pub not_presented: FigureOut,
    pub total: FigureOut,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProposalPanelOut {
    pub total: FigureOut,
    /// ①提示 … ④既対応, the columns of `by_stage_theme`.
    pub stage_labels: Vec<String>,
    /// Rule ※1: a proposal counts once, at its most advanced section's stage.
    pub by_stage_theme: Vec<ThemeStagesOut>,
    pub stage_totals: Vec<FigureOut>,
    pub not_presented: FigureOut,
    pub by_implementation_status: Vec<BucketOut>,
    /// A proposal held by sections of two bureaus counts under both.
    pub by_bureau: Vec<BucketOut>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReformPanelOut {
    pub total: FigureOut,
    pub by_bureau: Vec<BucketOut>,
    pub by_classification: Vec<BucketOut>,
    pub by_status: Vec<BucketOut>,
    /// A reform with two tags counts under both.
    pub by_tag: Vec<BucketOut>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImplementationsOut {
    /// Reforms by the month their period starts, `YYYY-MM`, in order.
    pub by_month: Vec<BucketOut>,
    /// Dates written as text no day can be read from (随時, 令和7年度中…): counted, not dropped.
    pub text_only: FigureOut,
    /// No date written at all.
    pub missing: FigureOut,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HoursBucketOut {
    pub key: String,
    pub label: String,
    pub hours: f64,
    pub systems: FigureOut,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PublishedHoursOut {
    pub hours: f64,
    pub measured_on: NaiveDate,
    pub note: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HoursSavedOut {
    /// The city's target (100,000 時間), when a target in hours is recorded.
    pub target_hours: Option<f64>,
    /// Annual hours saved by the ledger's systems in production on the day.
    pub hours: f64,
    pub systems: FigureOut,
    /// The latest figure the city published by the day, which may count systems the ledger
    /// does not list one by one.
    pub published: Option<PublishedHoursOut>,
    pub by_bureau: Vec<HoursBucketOut>,
    /// By the fiscal year production started in.
    pub by_fiscal_year: Vec<HoursBucketOut>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct KpiChangeOut {
    pub id: i64,
    pub name: String,
    pub unit: String,
    pub bureau_id: i64,
    pub bureau: String,
    /// The SPA page of the KPI, with every actual.
    pub path: String,
    pub baseline_value: f64,
    pub target_value: Option<f64>,
    pub latest_value: Option<f64>,
    pub latest_on: Option<NaiveDate>,
    pub previous_value: Option<f64>,
    pub previous_on: Option<NaiveDate>,
    /// latest − previous, or latest − baseline for the first actual.
    pub change: Option<f64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StaleOut {
    pub days: i64,
    /// Proposals some section still has at ① or ② with nothing recorded for `days` days.
    pub proposals: FigureOut,
    /// Milestones past their quarter and not done by the day.
    pub milestones: FigureOut,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BureauRefOut {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DashboardOut {
    pub fiscal_year: i32,
    /// e.g. 令和7年度
    pub fiscal_year_label: String,
    pub as_of: NaiveDate,
    /// The moment the figures are as known at; absent for the live figures.
    pub as_known_at: Option<DateTime<Utc>>,
    /// Set on a bureau's dashboard.
    pub bureau: Option<BureauRefOut>,
    pub proposals: ProposalPanelOut,
    pub reforms: ReformPanelOut,
    pub implementations: ImplementationsOut,
    pub hours_saved: HoursSavedOut,
    pub kpis: Vec<KpiChangeOut>,
    pub stale: StaleOut,
}

/// Builds a list query one parameter at a time, so a figure's link names exactly its filters.
#[derive(Clone)]
struct ListQuery {
    resource: &'static str,
    params: Vec<(&'static str, String)>,
}

impl ListQuery {
    fn new(resource: &'static str) -> Self {
        ListQuery {
            resource,
            params: Vec::new(),
        }
    }

    /// The query with `name` set to `value`, replacing an earlier value of it.
    fn with(&self, name: &'static str, value: impl ToString) -> Self {
        let mut next = self.clone();
        next.params.retain(|(n, _)| *n != name);
        next.params.push((name, value.to_string()));
        next
    }

    fn figure(&self, count: usize) -> FigureOut {
        let query = serde_urlencoded::to_string(&self.params).unwrap_or_default();
        let path = if query.is_empty() {
            format!("/{}", self.resource)
        } else {
            format!("/{}?{query}", self.resource)
        };
        FigureOut {
            count: count as u64,
            list: format!("/api/v1{path}"),
            path,
        }
    }
}

fn count_where<T>(rows: &[T], keep: impl Fn(&T) -> bool) -> usize {
    rows.iter().filter(|r| keep(r)).count()
}

/// A scope's figures as of the day, read from the tallies.
struct Counts(HashMap<(String, String), u64>);

impl Counts {
    fn of(&self, figure: &str, key: &str) -> usize {
        self.0
            .get(&(figure.to_owned(), key.to_owned()))
            .map_or(0, |n| usize::try_from(*n).unwrap_or(usize::MAX))
    }

    /// The keys of a figure that count something.
    fn keys<'a>(&'a self, figure: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .keys()
            .filter(move |(f, _)| f == figure)
            .map(|(_, k)| k.as_str())
    }
}

fn stage_key(theme: &str, stage: u8) -> String {
    format!("{theme}{}{stage}", tallies::KEY_SEPARATOR)
}

fn implementation_statuses() -> [(Option<ImplementationStatus>, &'static str); 7] {
    [
        (Some(ImplementationStatus::Done), "done"),
        (Some(ImplementationStatus::Planned), "planned"),
        (Some(ImplementationStatus::Trial), "trial"),
        (Some(ImplementationStatus::Demonstration), "demonstration"),
        (
            Some(ImplementationStatus::UnderConsideration),
            "under_consideration",
        ),
        (Some(ImplementationStatus::Ended), "ended"),
        (None, "none"),
    ]
}

const STAGES: [Stage; 4] = [
    Stage::Presented,
    Stage::Discussed,
    Stage::Decided,
    Stage::AlreadyHandled,
];

fn proposal_panel(
    counts: &Counts,
    base: &ListQuery,
    themes: &[String],
    bureaus: &[(i64, String)],
) -> ProposalPanelOut {
    let mut theme_order: Vec<String> = themes.to_vec();
    let mut others: Vec<String> = counts
        .keys(figure::PROPOSAL_STAGE)
        .filter_map(|k| {
            k.rsplit_once(tallies::KEY_SEPARATOR)
                .map(|(t, _)| t.to_owned())
        })
        .filter(|t| !theme_order.contains(t))
        .collect();
    others.sort();
    others.dedup();
    theme_order.extend(others);
    let stage_count =
        |theme: &str, stage: u8| counts.of(figure::PROPOSAL_STAGE, &stage_key(theme, stage));
    let by_stage_theme = theme_order
        .iter()
        .map(|theme| {
            let of_theme = base.with("theme", theme);
            let total: usize = (0..=4).map(|n| stage_count(theme, n)).sum();
            ThemeStagesOut {
                theme: theme.clone(),
                stages: STAGES
                    .iter()
                    .map(|stage| {
                        of_theme
                            .with("stage", stage.number())
                            .figure(stage_count(theme, stage.number()))
                    })
                    .collect(),
                not_presented: of_theme.with("stage", 0).figure(stage_count(theme, 0)),
                total: of_theme.figure(total),
            }
        })
        .collect();
    let stage_total =
        |stage: u8| -> usize { theme_order.iter().map(|t| stage_count(t, stage)).sum() };
    let by_implementation_status = implementation_statuses()
        .into_iter()
        .map(|(status, key)| BucketOut {
            key: key.to_owned(),
            label: status.map_or("未設定", |s| s.label_ja()).to_owned(),
            figure: base
                .with("implementation_status", key)
                .figure(counts.of(figure::PROPOSAL_STATUS, key)),
        })
        .filter(|b| b.figure.count > 0)
        .collect();
    let by_bureau = bureaus
        .iter()
        .map(|(id, name)| BucketOut {
            key: id.to_string(),
            label: name.clone(),
            figure: base
                .with("bureau_id", id)
                .figure(counts.of(figure::PROPOSAL_BUREAU, &id.to_string())),
        })
        .filter(|b| b.figure.count > 0)
        .collect();
    ProposalPanelOut {
        total: base.figure(counts.of(figure::PROPOSALS, "")),
        stage_labels: STAGES.iter().map(|s| s.label_ja().to_owned()).collect(),
        by_stage_theme,
        stage_totals: STAGES
            .iter()
            .map(|stage| {
                base.with("stage", stage.number())
                    .figure(stage_total(stage.number()))
            })
            .collect(),
        not_presented: base.with("stage", 0).figure(stage_total(0)),
        by_implementation_status,
        by_bureau,
    }
}

const CLASSIFICATIONS: [(Option<Classification>, &str); 4] = [
    (Some(Classification::OwnProjectTeam), "i"),
    (Some(Classification::OrdinaryWork), "ii"),
    (Some(Classification::FromPlatinumProposal), "iii"),
    (None, "none"),
];

fn reform_panel(
    counts: &Counts,
    tag_labels: &HashMap<String, String>,
    base: &ListQuery,
    bureaus: &[(i64, String)],
) -> ReformPanelOut {
    let by_bureau = bureaus
        .iter()
        .map(|(id, name)| BucketOut {
            key: id.to_string(),
            label: name.clone(),
            figure: base
                .with("bureau_id", id)
                .figure(counts.of(figure::REFORM_BUREAU, &id.to_string())),
        })
        .filter(|b| b.figure.count > 0)
        .collect();
    let by_classification = CLASSIFICATIONS
        .iter()
        .map(|(classification, key)| BucketOut {
            key: (*key).to_owned(),
            label: classification
                .map_or("分類なし", |c| c.label_ja())
                .to_owned(),
            figure: base
                .with("classification", key)
                .figure(counts.of(figure::REFORM_CLASSIFICATION, key)),
        })
        .filter(|b| b.figure.count > 0)
        .collect();
    let by_status = ReformStatus::ALL
        .iter()
        .map(|status| BucketOut {
            key: status.as_str().to_owned(),
            label: status.label_ja().to_owned(),
            figure: base
                .with("status", status.as_str())
                .figure(counts.of(figure::REFORM_STATUS, status.as_str())),
        })
        .filter(|b| b.figure.count > 0)
        .collect();
    // Tags are counted by their search key (ｋｉｎｔｏｎｅ and kintone are one tag), labelled as
    // first written.
    let mut by_tag: Vec<BucketOut> = counts
        .keys(figure::REFORM_TAG)
        .map(|key| {
            let label = tag_labels
                .get(key)
                .cloned()
                .unwrap_or_else(|| key.to_owned());
            BucketOut {
                figure: base
                    .with("tag", &label)
                    .figure(counts.of(figure::REFORM_TAG, key)),
                key: key.to_owned(),
                label,
            }
        })
        .collect();
    by_tag.sort_by(|a, b| b.figure.count.cmp(&a.figure.count).then(a.key.cmp(&b.key)));
    ReformPanelOut {
        total: base.figure(counts.of(figure::REFORMS, "")),
        by_bureau,
        by_classification,
        by_status,
        by_tag,
    }
}

fn implementations(counts: &Counts, base: &ListQuery) -> ImplementationsOut {
    let mut months: Vec<&str> = counts.keys(figure::REFORM_MONTH).collect();
    months.sort_unstable();
    ImplementationsOut {
        by_month: months
            .into_iter()
            .map(|month| BucketOut {
                label: month.to_owned(),
                figure: base
                    .with("started_in", month)
                    .figure(counts.of(figure::REFORM_MONTH, month)),
                key: month.to_owned(),
            })
            .collect(),
        text_only: base
            .with("period", "text_only")
            .figure(counts.of(figure::REFORM_PERIOD, "text_only")),
        missing: base
            .with("period", "missing")
            .figure(counts.of(figure::REFORM_PERIOD, "missing")),
    }
}

fn fiscal_year_of(day: NaiveDate) -> i32 {
    if day.month() >= 4 {
        day.year()
    } else {
        day.year() - 1
    }
}

struct Scope {
    fiscal_year: i32,
    as_of: NaiveDate,
    known_at: Option<DateTime<Utc>>,
    stale_days: i64,
    bureau: Option<(i64, String)>,
}

async fn build(state: &AppState, scope: Scope) -> Result<DashboardOut, ApiError> {
    let conn = &state.db.conn;
    let Scope {
        fiscal_year,
        as_of,
        known_at,
        stale_days,
        bureau,
    } = scope;
    let known = Known::from_option(known_at);
    let bureau_id = bureau.as_ref().map(|(id, _)| *id);
    let bureaus: Vec<(i64, String)> = organization::list_bureaus(conn)
        .await?
        .into_iter()
        .filter(|b| bureau_id.is_none_or(|id| id == b.id))
        .map(|b| (b.id, b.name))
        .collect();

    let scope = bureau_id.unwrap_or(tallies::CITY);
    // The tallies hold the live figures only; figures as known at a moment are counted from
    // the records and their versions.
    let (counts, stale_count) = match known {
        Known::Now => (
            tallies::counts_as_of(conn, fiscal_year, scope, as_of).await?,
            tallies::stale_as_of(conn, fiscal_year, scope, as_of, stale_days).await?,
        ),
        Known::At(_) => {
            as_known::dashboard_counts(conn, fiscal_year, scope, as_of, stale_days, known).await?
        }
    };
    let counts = Counts(counts);
    let mut proposals_base = ListQuery::new("proposals")
        .with("fiscal_year", fiscal_year)
        .with("as_of", as_of);
    if let Some(id) = bureau_id {
        proposals_base = proposals_base.with("bureau_id", id);
    }
    let themes = persistence::proposals::find_project_team_by_year(conn, fiscal_year)
        .await?
        .map(|t| t.themes)
        .unwrap_or_default();
    let proposals = proposal_panel(&counts, &proposals_base, &themes, &bureaus);
    let stale_proposals = proposals_base
        .with("stale_days", stale_days)
        .figure(usize::try_from(stale_count).unwrap_or(usize::MAX));

    let mut reforms_base = ListQuery::new("reforms")
        .with("fiscal_year", fiscal_year)
        .with("as_of", as_of);
    if let Some(id) = bureau_id {
        reforms_base = reforms_base.with("bureau_id", id);
    }
    let tag_labels = tallies::first_spellings(conn, counts.keys(figure::REFORM_TAG)).await?;
    let reform_panel = reform_panel(&counts, &tag_labels, &reforms_base, &bureaus);
    let implementations = implementations(&counts, &reforms_base);

    let systems = match known {
        Known::Now => dashboard::systems_in_production(conn, bureau_id, as_of).await?,
        Known::At(_) => as_known::systems_in_production(conn, bureau_id, as_of, known).await?,
    };
    let mut systems_base = ListQuery::new("digital-systems").with("in_production_on", as_of);
    if let Some(id) = bureau_id {
        systems_base = systems_base.with("bureau_id", id);
    }
    let hours_of = |keep: &dyn Fn(&dashboard::SystemFacts) -> bool| -> (f64, usize) {
        systems
            .iter()
            .filter(|s| keep(s))
            .fold((0.0, 0), |(h, n), s| (h + s.annual_hours_saved, n + 1))
    };
    let by_bureau = bureaus
        .iter()
        .filter_map(|(id, name)| {
            let (hours, count) = hours_of(&|s| s.bureau_id == Some(*id));
            (count > 0).then(|| HoursBucketOut {
                key: id.to_string(),
                label: name.clone(),
                hours,
                systems: systems_base.with("bureau_id", id).figure(count),
            })
        })
        .collect();
    let mut years: Vec<i32> = systems
        .iter()
        .filter_map(|s| s.production_started_on.map(fiscal_year_of))
        .collect();
    years.sort_unstable();
    years.dedup();
    let by_fiscal_year = years
        .into_iter()
        .map(|year| {
            let (hours, count) =
                hours_of(&|s| s.production_started_on.map(fiscal_year_of) == Some(year));
            HoursBucketOut {
                key: year.to_string(),
                label: FiscalYear(year).to_string(),
                hours,
                systems: systems_base
                    .with("production_fiscal_year", year)
                    .figure(count),
            }
        })
        .collect();
    let (hours, system_count) = hours_of(&|_| true);
    let targets = persistence::ledger::list_targets(conn).await?;
    let hours_target = targets
        .iter()
        .find(|t| t.fields.metric == "annual_hours_saved");
    let published_known = match known {
        Known::Now => None,
        Known::At(_) => Some(
            as_known::published_measurement(conn, "annual_hours_saved", as_of, known)
                .await?
                .map(|(measured_on, hours, note)| PublishedHoursOut {
                    hours,
                    measured_on,
                    note,
                }),
        ),
    };
    let published = published_known.unwrap_or_else(|| {
        hours_target.and_then(|t| {
            t.measurements
                .iter()
                .filter(|m| m.measured_on <= as_of)
                // Two figures of one day: the first recorded is the one the source states first.
                .max_by_key(|m| (m.measured_on, std::cmp::Reverse(m.id)))
                .map(|m| PublishedHoursOut {
                    hours: m.value,
                    measured_on: m.measured_on,
                    note: m.note.clone(),
                })
        })
    });
    let hours_saved = HoursSavedOut {
        target_hours: hours_target.and_then(|t| t.fields.target_value),
        hours,
        systems: systems_base.figure(system_count),
        published: if bureau_id.is_some() { None } else { published },
        by_bureau,
        by_fiscal_year,
    };

    let names: HashMap<i64, String> = bureaus.iter().cloned().collect();
    let kpi_facts = match known {
        Known::Now => dashboard::kpi_facts(conn, fiscal_year, bureau_id, as_of).await?,
        Known::At(_) => as_known::kpi_facts(conn, fiscal_year, bureau_id, as_of, known).await?,
    };
    let kpis = kpi_facts
        .into_iter()
        .map(|k| KpiChangeOut {
            bureau: names.get(&k.bureau_id).cloned().unwrap_or_default(),
            path: format!("/kpis/{}", k.id),
            change: k
                .latest
                .map(|(_, v)| v - k.previous.map_or(k.baseline.1, |(_, p)| p)),
            id: k.id,
            name: k.name,
            unit: k.unit,
            bureau_id: k.bureau_id,
            baseline_value: k.baseline.1,
            target_value: k.target,
            latest_value: k.latest.map(|(_, v)| v),
            latest_on: k.latest.map(|(d, _)| d),
            previous_value: k.previous.map(|(_, v)| v),
            previous_on: k.previous.map(|(d, _)| d),
        })
        .collect();

    let milestones = match known {
        Known::Now => dashboard::milestone_facts(conn, fiscal_year, bureau_id, as_of).await?,
        Known::At(_) => {
            as_known::milestone_facts(conn, fiscal_year, bureau_id, as_of, known).await?
        }
    };
    let mut milestones_base = ListQuery::new("milestones")
        .with("fiscal_year", fiscal_year)
        .with("overdue_on", as_of);
    if let Some(id) = bureau_id {
        milestones_base = milestones_base.with("bureau_id", id);
    }
    let stale = StaleOut {
        days: stale_days,
        proposals: stale_proposals,
        milestones: milestones_base.figure(count_where(&milestones, |m| m.overdue_on(as_of))),
    };

    Ok(DashboardOut {
        fiscal_year,
        fiscal_year_label: FiscalYear(fiscal_year).to_string(),
        as_of,
        as_known_at: known_at,
        bureau: bureau.map(|(id, name)| BureauRefOut { id, name }),
        proposals,
        reforms: reform_panel,
        implementations,
        hours_saved,
        kpis,
        stale,
    })
}

fn scope_of(query: &DashboardQuery, bureau: Option<(i64, String)>) -> Result<Scope, ApiError> {
    validate(query, FieldLocation::Query)?;
    let as_of = query.as_of.unwrap_or_else(today_in_tokyo);
    Ok(Scope {
        fiscal_year: query.fiscal_year.unwrap_or_else(|| fiscal_year_of(as_of)),
        as_of,
        known_at: crate::clock::known_at(query.as_known_on, query.as_known_at)?,
        stale_days: query.stale_days.unwrap_or(DEFAULT_STALE_DAYS),
        bureau,
    })
}

/// Answers 304 when the caller already holds these figures, else them with their ETag.
fn respond(req: &HttpRequest, body: &DashboardOut) -> Result<HttpResponse, ApiError> {
    let bytes = serde_json::to_vec(body).map_err(ApiError::internal)?;
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut hasher);
    let tag = format!("W/\"{:016x}\"", hasher.finish());
    let matches = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == tag || t.trim() == "*"));
    let mut response = if matches {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((header::ETAG, tag))
        .insert_header((header::CACHE_CONTROL, "private, no-cache"));
    Ok(if matches {
        response.finish()
    } else {
        response.content_type("application/json").body(bytes)
    })
}

/// The city-wide dashboard for a fiscal year as of a day.
#[utoipa::path(tag = "dashboards", params(DashboardQuery), responses((status = 200, body = DashboardOut), (status = 304, description = "The figures are unchanged since the ETag sent in If-None-Match"), (status = 422, body = crate::Problem, content_type = "application/problem+json")), security(("bearer" = ["admin", "editor", "proposer", "viewer"])))]
#[get("/dashboard")]
pub async fn city_dashboard(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Authenticated,
    query: web::Query<DashboardQuery>,
) -> Result<HttpResponse, ApiError> {
    authorize(&caller.0, Action::ReadDepartmentWork)?;
    let scope = scope_of(&query, None)?;
    respond(&req, &build(&state, scope).await?)
}

/// One bureau's dashboard: its proposals, reforms, systems, KPIs and milestones.
#[utoipa::path(tag = "dashboards", params(("id" = i64, Path), DashboardQuery), responses((status = 200, body = DashboardOut), (status = 304, description = "The figures are unchanged since the ETag sent in If-None-Match"), (status = 404, body = crate::Problem, content_type = "application/problem+json"), (status = 422, body = crate::Problem, content_type = "application/problem+json")), security(("bearer" = ["admin", "editor", "proposer", "viewer"])))]
#[get("/bureaus/{id}/dashboard")]
pub async fn bureau_dashboard(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<i64>,
    query: web::Query<DashboardQuery>,
) -> Result<HttpResponse, ApiError> {
    authorize(&caller.0, Action::ReadDepartmentWork)?;
    let bureau = organization::find_bureau(&state.db.conn, *id)
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound))?;
    let scope = scope_of(&query, Some((bureau.id, bureau.name)))?;
    respond(&req, &build(&state, scope).await?)
}

#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct MilestoneQuery {
    /// 2025 = 令和7年度
    #[validate(range(
        min = 2000,
        max = 2100,
        code = "out_of_range",
        message = "must be between 2000 and 2100"
    ))]
    pub fiscal_year: i32,
    pub bureau_id: Option<i64>,
    /// Only milestones past their quarter and not done by this day.
    pub overdue_on: Option<NaiveDate>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MilestoneListItemOut {
    pub id: i64,
    pub title: String,
    /// 1–4: April–June … January–March.
    pub quarter: u8,
    pub quarter_label: String,
    pub due_on: NaiveDate,
    pub done: bool,
    pub overdue: bool,
    pub issue_id: i64,
    pub issue_title: String,
    pub policy_id: i64,
    pub bureau_id: i64,
    pub bureau: String,
}

/// Milestones of the X policies of a fiscal year; with `overdue_on`, those overdue that day.
#[utoipa::path(tag = "dashboards", params(MilestoneQuery), responses((status = 200, body = PageOut<MilestoneListItemOut>), (status = 422, body = crate::Problem, content_type = "application/problem+json")), security(("bearer" = ["admin", "editor", "proposer", "viewer"])))]
#[get("/milestones")]
pub async fn list_milestones(
    state: web::Data<AppState>,
    caller: Authenticated,
    query: web::Query<MilestoneQuery>,
) -> Result<web::Json<PageOut<MilestoneListItemOut>>, ApiError> {
    authorize(&caller.0, Action::ReadDepartmentWork)?;
    let paging = page_of_query(&*query, query.page, query.per_page)?;
    let day = query.overdue_on.unwrap_or_else(today_in_tokyo);
    let facts =
        dashboard::milestone_facts(&state.db.conn, query.fiscal_year, query.bureau_id, day).await?;
    let names: HashMap<i64, String> = organization::list_bureaus(&state.db.conn)
        .await?
        .into_iter()
        .map(|b| (b.id, b.name))
        .collect();
    let selected: Vec<_> = facts
        .into_iter()
        .filter(|m| query.overdue_on.is_none() || m.overdue_on(day))
        .collect();
    let total = selected.len() as u64;
    let items = selected
        .into_iter()
        .skip(usize::try_from(paging.offset()).unwrap_or(usize::MAX))
        .take(usize::try_from(paging.per_page).unwrap_or(usize::MAX))
        .map(|m| MilestoneListItemOut {
            overdue: m.overdue_on(day),
            id: m.id,
            title: m.title,
            quarter: m.quarter.number(),
            quarter_label: m.quarter.label_ja(),
            due_on: m.due_on,
            done: m.done_by_then,
            issue_id: m.issue_id,
            issue_title: m.issue_title,
            policy_id: m.policy_id,
            bureau: names.get(&m.bureau_id).cloned().unwrap_or_default(),
            bureau_id: m.bureau_id,
        })
        .collect();
    Ok(web::Json(PageOut {
        items,
        total,
        page: paging.page,
        per_page: paging.per_page,
    }))
}
