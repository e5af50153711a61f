//! Wire types shared by several endpoints. The database model never goes out as is.

use chrono::NaiveDate;
use domain::period::{Period, PeriodPoint, Precision};
use domain::{Role, Scopes};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RoleOut {
    Admin,
    Editor,
    Proposer,
    Viewer,
}

impl From<Role> for RoleOut {
    fn from(role: Role) -> Self {
        match role {
            Role::Admin => RoleOut::Admin,
            Role::Editor => RoleOut::Editor,
            Role::Proposer => RoleOut::Proposer,
            Role::Viewer => RoleOut::Viewer,
        }
    }
}

/// A role as a client sets it.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RoleIn {
    Admin,
    Editor,
    Proposer,
    Viewer,
}

impl From<RoleIn> for Role {
    fn from(role: RoleIn) -> Self {
        match role {
            RoleIn::Admin => Role::Admin,
            RoleIn::Editor => Role::Editor,
            RoleIn::Proposer => Role::Proposer,
            RoleIn::Viewer => Role::Viewer,
        }
    }
}

/// The sections and bureaus an editor acts within.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ScopesOut {
    pub section_ids: Vec<i64>,
    pub bureau_ids: Vec<i64>,
}

impl From<&Scopes> for ScopesOut {
    fn from(scopes: &Scopes) -> Self {
        ScopesOut {
            section_ids: scopes.section_ids.clone(),
            bureau_ids: scopes.bureau_ids.clone(),
        }
    }
}

/// A person who signs in.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UserOut {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub role: RoleOut,
    pub scopes: ScopesOut,
    pub disabled: bool,
}

impl From<&persistence::accounts::User> for UserOut {
    fn from(user: &persistence::accounts::User) -> Self {
        UserOut {
            id: user.id,
            email: user.email.clone(),
            display_name: user.display_name.clone(),
            role: user.role.into(),
            scopes: (&user.scopes).into(),
            disabled: user.disabled,
        }
    }
}

/// One page of a list, with the total over all pages.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PageOut<T: ToSchema> {
    pub items: Vec<T>,
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
}

impl<T: ToSchema> PageOut<T> {
    pub fn from_page<S>(page: persistence::Page<S>, map: impl Fn(&S) -> T) -> Self {
        PageOut {
            items: page.items.iter().map(map).collect(),
            total: page.total,
            page: page.page,
            per_page: page.per_page,
        }
    }
}

/// One end of a period: the dates it may mean and how precisely it was written.
#[derive(Debug, Serialize, ToSchema)]
pub struct PeriodPointOut {
    /// day, month, season or fiscal_year
    pub precision: &'static str,
    pub earliest: NaiveDate,
    pub latest: NaiveDate,
}

/// A date as staff wrote it (e.g. `R8.3~`, `R7年度中`), read by the wareki module. Text it cannot
/// read is kept with `structured: false` and no dates.
#[derive(Debug, Serialize, ToSchema)]
pub struct PeriodOut {
    pub original: String,
    pub structured: bool,
    pub start: Option<PeriodPointOut>,
    /// Absent for a single point and for an open end (`R8.3~`): see `open_ended`.
    pub end: Option<PeriodPointOut>,
    pub open_ended: bool,
    /// 実施済, 実施中, 予定, 試行, 実証, 随時 or 検討中 when the text says so.
    pub status: Option<&'static str>,
    /// A canonical Japanese rendering, e.g. 令和7年4月～令和8年2月.
    pub display: String,
}

fn point_out(point: &PeriodPoint) -> PeriodPointOut {
    PeriodPointOut {
        precision: match point.precision() {
            Precision::Day => "day",
            Precision::Month => "month",
            Precision::Season => "season",
            Precision::FiscalYear => "fiscal_year",
        },
        earliest: point.earliest(),
        latest: point.latest(),
    }
}

impl From<&Period> for PeriodOut {
    fn from(p: &Period) -> Self {
        PeriodOut {
            original: p.original.clone(),
            structured: p.is_structured(),
            start: p.start.as_ref().map(point_out),
            end: p
                .end
                .as_ref()
                .filter(|e| Some(*e) != p.start.as_ref())
                .map(point_out),
            open_ended: p.start.is_some() && p.end.is_none(),
            status: p.status.map(|s| s.as_str()),
            display: p.format(),
        }
    }
}

/// A record's computed health on a day (see docs/health.md): 完了, 順調, 注意, 遅延, 未着手,
/// 評価対象外. Computed from the record's own data, never written.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum HealthDto {
    /// 完了
    Done,
    /// 順調
    OnTrack,
    /// 注意
    AtRisk,
    /// 遅延
    Late,
    /// 未着手
    NotStarted,
    /// 評価対象外
    NotAssessed,
}

impl From<domain::health::Health> for HealthDto {
    fn from(health: domain::health::Health) -> Self {
        use domain::health::Health;
        match health {
            Health::Done => HealthDto::Done,
            Health::OnTrack => HealthDto::OnTrack,
            Health::AtRisk => HealthDto::AtRisk,
            Health::Late => HealthDto::Late,
            Health::NotStarted => HealthDto::NotStarted,
            Health::NotAssessed => HealthDto::NotAssessed,
        }
    }
}
