//! The compliance view of reporting rounds: per round, per bureau and per owner (section or
//! bureau), how many requests were made, answered (回答済 + 受理), returned (差戻し) and overdue,
//! and the median business days from opening to the latest submission; and the trend of the
//! answered rate and the median across the newest rounds. Every figure carries the filter of
//! `GET /api/v1/rounds/{id}/requests` that lists exactly the requests it counts, so a screen links
//! each number to its rows.
//!
//! Figures are counted here from the requests of the rounds asked about (one per owner, a few
//! hundred per round), read in one query per view.

use crate::auth::Authenticated;
use crate::department::Directory;
use crate::error::{ApiError, ErrorCode};
use crate::state::AppState;
use actix_web::{get, web};
use chrono::{FixedOffset, NaiveDate};
use domain::calendar::BusinessCalendar;
use domain::round::{OwnerKind, RequestState, RoundState};
use domain::{Action, authorize};
use persistence::rounds::{self, Request, Round};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

/// The request list that shows exactly the requests a figure counts: the query of
/// `GET /api/v1/rounds/{round_id}/requests`, and the same as a path.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct ComplianceRequestsLink {
    pub round_id: i64,
    /// Comma-separated request states, e.g. `answered,accepted`.
    pub state: Option<String>,
    pub overdue: Option<bool>,
    pub bureau_id: Option<i64>,
    pub section_id: Option<i64>,
    /// `bureau` for a bureau's own request.
    pub owner_kind: Option<String>,
    /// The API path with its query, e.g.
    /// `/api/v1/rounds/3/requests?state=answered%2Caccepted&bureau_id=2`.
    pub href: String,
}

/// Which requests one group of figures is about.
#[derive(Debug, Clone, Copy, Default)]
struct Scope {
    bureau_id: Option<i64>,
    section_id: Option<i64>,
    bureau_own: bool,
}

impl Scope {
    fn link(self, round_id: i64, state: Option<&str>, overdue: bool) -> ComplianceRequestsLink {
        let mut query: Vec<(String, String)> = Vec::new();
        if let Some(state) = state {
            query.push(("state".into(), state.into()));
        }
        if overdue {
            query.push(("overdue".into(), "true".into()));
        }
        if let Some(id) = self.bureau_id {
            query.push(("bureau_id".into(), id.to_string()));
        }
        if let Some(id) = self.section_id {
            query.push(("section_id".into(), id.to_string()));
        }
        if self.bureau_own {
            query.push(("owner_kind".into(), OwnerKind::Bureau.as_str().into()));
        }
        let encoded = query
            .iter()
            .map(|(k, v)| format!("{k}={}", v.replace(',', "%2C")))
            .collect::<Vec<_>>()
            .join("&");
        let href = if encoded.is_empty() {
            format!("/api/v1/rounds/{round_id}/requests")
        } else {
            format!("/api/v1/rounds/{round_id}/requests?{encoded}")
        };
        ComplianceRequestsLink {
            round_id,
            state: state.map(str::to_owned),
            overdue: overdue.then_some(true),
            bureau_id: self.bureau_id,
            section_id: self.section_id,
            owner_kind: self
                .bureau_own
                .then(|| OwnerKind::Bureau.as_str().to_owned()),
            href,
        }
    }
}

/// A count and the requests it counts.
#[derive(Debug, Serialize, ToSchema)]
pub struct ComplianceFigureOut {
    pub count: u64,
    pub requests: ComplianceRequestsLink,
}

/// The compliance figures of a group of requests.
#[derive(Debug, Serialize, ToSchema)]
pub struct ComplianceFiguresOut {
    /// Every request (依頼数).
    pub requested: ComplianceFigureOut,
    /// 回答済 and 受理.
    pub answered: ComplianceFigureOut,
    /// 差戻し, waiting for the owner to submit again.
    pub returned: ComplianceFigureOut,
    /// Past 回答期限 and waiting for the owner (未回答, 回答中, 差戻し) while the round is open.
    pub overdue: ComplianceFigureOut,
    /// answered ÷ requested, 0–1; null with no request.
    pub answered_rate: Option<f64>,
    /// The median, over the answered requests, of the business days (開庁日, the city's
    /// calendar) from the day the round first opened to the day of the latest submission, both
    /// in Asia/Tokyo: 0 when answered on the day it opened. Its requests are `answered`'s.
    pub median_business_days_to_answer: Option<f64>,
}

const ANSWERED: &str = "answered,accepted";

fn is_answered(state: RequestState) -> bool {
    matches!(state, RequestState::Answered | RequestState::Accepted)
}

fn tokyo_date(at: chrono::DateTime<chrono::Utc>) -> NaiveDate {
    match FixedOffset::east_opt(9 * 3600) {
        Some(tokyo) => at.with_timezone(&tokyo).date_naive(),
        None => at.date_naive(),
    }
}

/// The middle value, or the mean of the two middle ones.
fn median(mut values: Vec<i64>) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    let mid = values.len() / 2;
    Some(if values.len() % 2 == 1 {
        values[mid] as f64
    } else {
        (values[mid - 1] + values[mid]) as f64 / 2.0
    })
}

fn figures(
    round: &Round,
    requests: &[&Request],
    scope: Scope,
    calendar: &BusinessCalendar,
    today: NaiveDate,
) -> ComplianceFiguresOut {
    let overdue_now = round.state == RoundState::Open && round.fields.due_on < today;
    let count = |keep: &dyn Fn(&Request) -> bool| -> u64 {
        requests.iter().filter(|r| keep(r)).count() as u64
    };
    let requested = requests.len() as u64;
    let answered = count(&|r| is_answered(r.state));
    let returned = count(&|r| r.state == RequestState::Returned);
    let overdue = if overdue_now {
        count(&|r| r.state.awaits_owner())
    } else {
        0
    };
    let opened = round.opened_at.map(tokyo_date);
    let days: Vec<i64> = requests
        .iter()
        .filter(|r| is_answered(r.state))
        .filter_map(|r| {
            let (opened, submitted) = (opened?, tokyo_date(r.submitted_at?));
            Some(calendar.business_days_between(opened, submitted))
        })
        .collect();
    let figure = |count: u64, state: Option<&str>, overdue: bool| ComplianceFigureOut {
        count,
        requests: scope.link(round.id, state, overdue),
    };
    ComplianceFiguresOut {
        requested: figure(requested, None, false),
        answered: figure(answered, Some(ANSWERED), false),
        returned: figure(returned, Some(RequestState::Returned.as_str()), false),
        overdue: figure(overdue, None, true),
        answered_rate: (requested > 0).then(|| answered as f64 / requested as f64),
        median_business_days_to_answer: median(days),
    }
}

/// One owner's figures: a section, or a bureau's own request.
#[derive(Debug, Serialize, ToSchema)]
pub struct OwnerComplianceOut {
    /// section or bureau.
    pub owner_kind: String,
    pub owner_id: i64,
    pub owner_name: String,
    pub request_id: i64,
    /// The request's state (unanswered, in_progress, answered, returned, accepted).
    pub state: String,
    pub state_label: String,
    pub figures: ComplianceFiguresOut,
}

/// One bureau's figures (its own request and its sections'), with each owner's.
#[derive(Debug, Serialize, ToSchema)]
pub struct BureauComplianceOut {
    pub bureau_id: i64,
    pub bureau_name: String,
    pub figures: ComplianceFiguresOut,
    pub owners: Vec<OwnerComplianceOut>,
}

/// A reminder date of the round that was handled.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReminderSentOut {
    pub date: NaiveDate,
    /// before_due, on_due_date or overdue.
    pub kind: String,
    /// Requests reminded.
    pub reminded: i32,
    /// The day had passed when its job ran (the server was down): nothing was sent late.
    pub skipped: bool,
}

/// A round's compliance view.
#[derive(Debug, Serialize, ToSchema)]
pub struct ComplianceOut {
    pub round_id: i64,
    pub title: String,
    pub as_of: NaiveDate,
    pub due_on: NaiveDate,
    /// draft, open or closed.
    pub state: String,
    /// The day (Asia/Tokyo) overdue is counted on.
    pub today: NaiveDate,
    pub totals: ComplianceFiguresOut,
    /// By bureau (in id order), each with its owners (the bureau's own request first).
    pub bureaus: Vec<BureauComplianceOut>,
    /// The reminder dates handled so far, oldest first.
    pub reminders: Vec<ReminderSentOut>,
}

fn compliance_of(
    dir: &Directory,
    round: &Round,
    requests: &[Request],
    calendar: &BusinessCalendar,
    today: NaiveDate,
) -> (ComplianceFiguresOut, Vec<BureauComplianceOut>) {
    let all: Vec<&Request> = requests.iter().collect();
    let totals = figures(round, &all, Scope::default(), calendar, today);
    let mut by_bureau: BTreeMap<i64, Vec<&Request>> = BTreeMap::new();
    for request in requests {
        by_bureau
            .entry(request.bureau_id)
            .or_default()
            .push(request);
    }
    let bureaus = by_bureau
        .into_iter()
        .map(|(bureau_id, mut members)| {
            members.sort_by_key(|r| (r.owner_kind != OwnerKind::Bureau, r.owner_id));
            let bureau_scope = Scope {
                bureau_id: Some(bureau_id),
                ..Scope::default()
            };
            let owners = members
                .iter()
                .map(|r| {
                    let scope = match r.owner_kind {
                        OwnerKind::Section => Scope {
                            section_id: Some(r.owner_id),
                            ..Scope::default()
                        },
                        OwnerKind::Bureau => Scope {
                            bureau_id: Some(bureau_id),
                            bureau_own: true,
                            ..Scope::default()
                        },
                    };
                    OwnerComplianceOut {
                        owner_kind: r.owner_kind.as_str().to_owned(),
                        owner_id: r.owner_id,
                        owner_name: match r.owner_kind {
                            OwnerKind::Section => dir.section(r.owner_id).name,
                            OwnerKind::Bureau => dir.bureau_name(bureau_id),
                        },
                        request_id: r.id,
                        state: r.state.as_str().to_owned(),
                        state_label: r.state.label_ja().to_owned(),
                        figures: figures(round, &[*r], scope, calendar, today),
                    }
                })
                .collect();
            BureauComplianceOut {
                bureau_id,
                bureau_name: dir.bureau_name(bureau_id),
                figures: figures(round, &members, bureau_scope, calendar, today),
                owners,
            }
        })
        .collect();
    (totals, bureaus)
}

/// A round's compliance: per bureau and per owner, requested, answered (回答済 + 受理), returned,
/// overdue and the median business days to answer, each count with the request list that
/// shows its requests; and the reminders handled so far. Admins and viewers.
#[utoipa::path(
    tag = "rounds",
    params(("id" = i64, Path)),
    responses((status = 200, body = ComplianceOut)),
    security(("bearer" = ["admin", "viewer"])),
)]
#[get("/rounds/{id}/compliance")]
pub async fn round_compliance(
    state: web::Data<AppState>,
    caller: Authenticated,
    id: web::Path<i64>,
) -> Result<web::Json<ComplianceOut>, ApiError> {
    authorize(&caller.0, Action::ReadRoundCompliance)?;
    let round = rounds::find(&state.db.conn, *id)
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound).with_detail("no such round"))?;
    let requests = rounds::requests_of_round(&state.db.conn, round.id).await?;
    let handled = persistence::round_reminders::handled(&state.db.conn, round.id).await?;
    let dir = Directory::load(&state).await?;
    let today = state.clock.today_in_tokyo();
    let (totals, bureaus) = compliance_of(&dir, &round, &requests, &state.calendar, today);
    Ok(web::Json(ComplianceOut {
        round_id: round.id,
        title: round.fields.title.clone(),
        as_of: round.fields.as_of,
        due_on: round.fields.due_on,
        state: round.state.as_str().to_owned(),
        today,
        totals,
        bureaus,
        reminders: handled
            .into_iter()
            .map(|r| ReminderSentOut {
                date: r.on_date,
                kind: r.kind,
                reminded: r.reminded,
                skipped: r.skipped,
            })
            .collect(),
    }))
}

/// The most rounds the trend shows.
pub const MAX_TREND_ROUNDS: u64 = 24;

#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct TrendQuery {
    /// How many of the newest opened rounds (by 基準日), 1–24; 6 when absent.
    #[validate(range(
        min = 1,
        max = 24,
        code = "out_of_range",
        message = "limit must be between 1 and 24"
    ))]
    pub limit: Option<u64>,
    /// Only this bureau's requests (its own and its sections').
    pub bureau_id: Option<i64>,
}

/// One round in the trend.
#[derive(Debug, Serialize, ToSchema)]
pub struct TrendPointOut {
    pub round_id: i64,
    pub title: String,
    pub as_of: NaiveDate,
    pub due_on: NaiveDate,
    /// open or closed.
    pub state: String,
    pub figures: ComplianceFiguresOut,
}

/// The trend across rounds, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct TrendOut {
    pub bureau_id: Option<i64>,
    pub today: NaiveDate,
    pub rounds: Vec<TrendPointOut>,
}

/// The answered rate, the median business days to answer and the other compliance figures of
/// the newest opened rounds (newest first), for the whole city or one bureau, each count with the
/// request list that shows its requests. Admins and viewers.
#[utoipa::path(
    tag = "rounds",
    params(TrendQuery),
    responses((status = 200, body = TrendOut)),
    security(("bearer" = ["admin", "viewer"])),
)]
#[get("/rounds/compliance-trend")]
pub async fn compliance_trend(
    state: web::Data<AppState>,
    caller: Authenticated,
    query: web::Query<TrendQuery>,
) -> Result<web::Json<TrendOut>, ApiError> {
    authorize(&caller.0, Action::ReadRoundCompliance)?;
    crate::extract::validate(&*query, crate::error::FieldLocation::Query)?;
    let limit = query.limit.unwrap_or(6).clamp(1, MAX_TREND_ROUNDS);
    let recent = rounds::recent_opened(&state.db.conn, limit).await?;
    let ids: Vec<i64> = recent.iter().map(|r| r.id).collect();
    let requests = rounds::requests_of_rounds(&state.db.conn, &ids).await?;
    let today = state.clock.today_in_tokyo();
    let scope = Scope {
        bureau_id: query.bureau_id,
        ..Scope::default()
    };
    let rounds = recent
        .iter()
        .map(|round| {
            let members: Vec<&Request> = requests
                .iter()
                .filter(|r| r.round_id == round.id)
                .filter(|r| query.bureau_id.is_none_or(|b| r.bureau_id == b))
                .collect();
            TrendPointOut {
                round_id: round.id,
                title: round.fields.title.clone(),
                as_of: round.fields.as_of,
                due_on: round.fields.due_on,
                state: round.state.as_str().to_owned(),
                figures: figures(round, &members, scope, &state.calendar, today),
            }
        })
        .collect();
    Ok(web::Json(TrendOut {
        bureau_id: query.bureau_id,
        today,
        rounds,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_median_is_the_middle_value_or_the_mean_of_the_two_middle_ones() {
        assert_eq!(median(vec![]), None);
        assert_eq!(median(vec![5, 1, 3]), Some(3.0));
        assert_eq!(median(vec![4, 1, 2, 8]), Some(3.0));
    }

    #[test]
    fn a_figure_links_to_the_request_list_with_exactly_its_filter() {
        let scope = Scope {
            bureau_id: Some(2),
            bureau_own: true,
            ..Scope::default()
        };
        let link = scope.link(3, Some(ANSWERED), false);
        assert_eq!(
            link.href,
            "/api/v1/rounds/3/requests?state=answered%2Caccepted&bureau_id=2&owner_kind=bureau"
        );
        let overdue = Scope::default().link(3, None, true);
        assert_eq!(overdue.href, "/api/v1/rounds/3/requests?overdue=true");
        assert_eq!(overdue.overdue, Some(true));
    }
}
