//! The column tables of every export and import: each column once, with its Japanese header, its
//! English key, what it holds, how its cell is read from the record, and (for the kinds that are
//! imported) how an imported cell is read back into the API's request body. A column's place in
//! its table is its place in the file; nothing else lists the columns.

use crate::department::Directory;
use crate::policies::kpi::KpiOut;
use crate::tabular::cells::{Cell, CellKind};
use domain::ledger::DigitalSystem;
use domain::ledger::{Platform, SystemStatus};
use domain::policy::{Issue, Policy};
use domain::proposal::ImplementationStatus;
use domain::proposal::Proposal;
use domain::reform::Reform;
use domain::reform::ReformStatus;
use persistence::entities::audit_event::Model as AuditEvent;

/// What every format needs of a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Head {
    /// The English header, also the NDJSON key and the import's name for the field.
    pub key: &'static str,
    /// The Japanese header the export writes.
    pub ja: &'static str,
    pub kind: CellKind,
}

impl Head {
    pub const fn new(key: &'static str, ja: &'static str, kind: CellKind) -> Self {
        Head { key, ja, kind }
    }
}

/// How an imported cell is read.
#[derive(Debug, Clone, Copy)]
pub enum Read {
    Text,
    /// A whole number (digits grouped or in full width too).
    Integer,
    Number,
    /// ISO, slashed or dotted dates, or a day in the era (R7.4.1).
    Date,
    /// はい／いいえ, ○／×, true／false and the like.
    YesNo,
    /// 2025, 2025年度, 令和7年度 or R7.
    FiscalYear,
    /// The code or the Japanese label of one of the choices, as (code, label).
    Choice(fn() -> Vec<(&'static str, &'static str)>),
    /// Items separated by 、 , ; or line breaks.
    List,
    /// A JSON array, as the export writes structured cells.
    JsonArray,
    /// The classification code that opens the cell ("iii プラチナPTの提案から" is iii).
    LeadingCode,
    /// A bureau by name, into its id.
    Bureau,
    /// Section names of the row's bureau (read from its `bureau` column), into their ids.
    Sections,
    /// One section name of the row's bureau, into its id.
    Section,
}

/// What the request body gets for a blank cell, so that the API's own rules say what is missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Blank {
    Null,
    Zero,
    EmptyText,
    EmptyList,
    False,
    Code(&'static str),
}

impl Blank {
    pub fn value(self) -> serde_json::Value {
        use serde_json::Value;
        match self {
            Blank::Null => Value::Null,
            Blank::Zero => Value::from(0),
            Blank::EmptyText => Value::String(String::new()),
            Blank::EmptyList => Value::Array(Vec::new()),
            Blank::False => Value::Bool(false),
            Blank::Code(code) => Value::from(code),
        }
    }
}

/// How a column comes back in through an import.
#[derive(Debug, Clone, Copy)]
pub struct Import {
    /// The request body's field; `None` for a column read to find the record (ID) or to resolve
    /// another column (the bureau of a ledger entry's section).
    pub into: Option<&'static str>,
    pub read: Read,
    pub blank: Blank,
    /// A file without this column is refused.
    pub required: bool,
    /// Headers other systems (kintone, the report's own tables) use for the same column.
    pub aliases: &'static [&'static str],
}

/// A column of the records `R`.
pub struct Column<R> {
    pub head: Head,
    /// The cell of one record.
    pub(crate) cell: fn(&Directory, &R) -> Cell,
    /// `None`: written for reading only (computed or bookkeeping columns).
    pub import: Option<Import>,
}

impl<R> Column<R> {
    const fn new(
        key: &'static str,
        ja: &'static str,
        kind: CellKind,
        cell: fn(&Directory, &R) -> Cell,
    ) -> Self {
        Column {
            head: Head::new(key, ja, kind),
            cell,
            import: None,
        }
    }

    /// Imported into the body's field `into`.
    const fn into(mut self, into: &'static str, read: Read, blank: Blank) -> Self {
        self.import = Some(Import {
            into: Some(into),
            read,
            blank,
            required: false,
            aliases: &[],
        });
        self
    }

    /// Read by the import, but not sent in the body.
    const fn read_only(mut self, read: Read) -> Self {
        self.import = Some(Import {
            into: None,
            read,
            blank: Blank::Null,
            required: false,
            aliases: &[],
        });
        self
    }

    const fn required(mut self) -> Self {
        if let Some(import) = &mut self.import {
            import.required = true;
        }
        self
    }

    const fn aliases(mut self, aliases: &'static [&'static str]) -> Self {
        if let Some(import) = &mut self.import {
            import.aliases = aliases;
        }
        self
    }
}

/// The cells of one record, in the table's order.
pub(crate) fn cells<R>(columns: &[Column<R>], dir: &Directory, record: &R) -> Vec<Cell> {
    columns.iter().map(|c| (c.cell)(dir, record)).collect()
}

pub fn heads<R>(columns: &[Column<R>]) -> Vec<Head> {
    columns.iter().map(|c| c.head).collect()
}

/// Names joined as the report writes lists: 国保年金課、保険年金課.
fn joined(names: impl Iterator<Item = String>) -> Cell {
    let names: Vec<String> = names.filter(|n| !n.is_empty()).collect();
    if names.is_empty() {
        Cell::Empty
    } else {
        Cell::Text(names.join("、"))
    }
}

fn reform_statuses() -> Vec<(&'static str, &'static str)> {
    ReformStatus::ALL
        .iter()
        .map(|s| (s.as_str(), s.label_ja()))
        .collect()
}

fn implementation_statuses() -> Vec<(&'static str, &'static str)> {
    ImplementationStatus::ALL
        .iter()
        .map(|s| (s.as_str(), s.label_ja()))
        .collect()
}

fn platforms() -> Vec<(&'static str, &'static str)> {
    Platform::ALL
        .iter()
        .map(|p| (p.as_str(), p.label_ja()))
        .collect()
}

fn system_statuses() -> Vec<(&'static str, &'static str)> {
    SystemStatus::ALL
        .iter()
        .map(|s| (s.as_str(), s.label_ja()))
        .collect()
}

const BUREAU_ALIASES: &[&str] = &["局区", "局区名", "局名", "担当局", "所管局"];

use CellKind::{Bool, Date, DateTime, Integer, Json, Number, Text};

pub const PROPOSAL_COLUMNS: &[Column<Proposal>] = &[
    Column::<Proposal>::new("id", "ID", Integer, |_, p| Cell::Integer(p.id.get()))
        .read_only(Read::Integer),
    Column::<Proposal>::new("fiscal_year", "年度", Integer, |_, p| {
        Cell::Integer(p.fields.fiscal_year.into())
    })
    .into("fiscal_year", Read::FiscalYear, Blank::Zero)
    .required(),
    Column::<Proposal>::new("number", "番号", Text, |_, p| {
        Cell::opt_text(p.fields.number.as_deref())
    })
    .into("number", Read::Text, Blank::Null),
    Column::<Proposal>::new("theme", "テーマ", Text, |_, p| {
        Cell::text(&p.fields.theme)
    })
    .into("theme", Read::Text, Blank::EmptyText)
    .required(),
    Column::<Proposal>::new("scene", "場面", Text, |_, p| {
        Cell::opt_text(p.fields.scene.as_deref())
    })
    .into("scene", Read::Text, Blank::Null),
    Column::<Proposal>::new("viewpoint", "視点", Text, |_, p| {
        Cell::opt_text(p.fields.viewpoint.as_deref())
    })
    .into("viewpoint", Read::Text, Blank::Null),
    Column::<Proposal>::new("title", "提案名", Text, |_, p| {
        Cell::text(&p.fields.title)
    })
    .into("title", Read::Text, Blank::EmptyText)
    .required()
    .aliases(&["課題名"]),
    Column::<Proposal>::new("pain_point", "困りごと", Text, |_, p| {
        Cell::opt_text(p.fields.pain_point.as_deref())
    })
    .into("pain_point", Read::Text, Blank::Null),
    Column::<Proposal>::new("proposed_solution", "解決策", Text, |_, p| {
        Cell::opt_text(p.fields.proposed_solution.as_deref())
    })
    .into("proposed_solution", Read::Text, Blank::Null),
    Column::<Proposal>::new("implementation_status", "実施状況", Text, |_, p| {
        Cell::opt_text(p.fields.implementation_status.map(|s| s.label_ja()))
    })
    .into(
        "implementation_status",
        Read::Choice(implementation_statuses),
        Blank::Null,
    ),
    Column::<Proposal>::new("outcome_period", "実施時期", Text, |_, p| {
        Cell::opt_text(p.fields.outcome_period_text.as_deref())
    })
    .into("outcome_period", Read::Text, Blank::Null),
    Column::<Proposal>::new("outcome_text", "結果", Text, |_, p| {
        Cell::opt_text(p.fields.outcome_text.as_deref())
    })
    .into("outcome_text", Read::Text, Blank::Null),
    Column::<Proposal>::new("continues_proposal_id", "継続元ID", Integer, |_, p| {
        Cell::opt_integer(p.fields.continues_proposal_id)
    })
    .into("continues_proposal_id", Read::Integer, Blank::Null),
    Column::<Proposal>::new("stage", "段階", Text, |_, p| {
        Cell::opt_text(p.stage.map(|s| s.label_ja()))
    }),
    // The responsible sections, which an import does not assign.
    Column::<Proposal>::new("sections", "担当課", Text, |dir, p| {
        joined(p.assignments.iter().map(|a| dir.section(a.section_id).name))
    }),
    Column::<Proposal>::new("version", "版", Integer, |_, p| {
        Cell::Integer(p.version.into())
    }),
    Column::<Proposal>::new("updated_at", "更新日時", DateTime, |_, p| {
        Cell::DateTime(p.updated_at)
    }),
];

/// Where a reform's period falls, when the text says.
fn reform_period_bound(r: &Reform, latest: bool) -> Cell {
    let period = r.fields.period();
    let structured = period.as_ref().filter(|p| p.is_structured());
    Cell::opt_date(structured.and_then(|p| if latest { p.latest() } else { p.earliest() }))
}

fn reform_effects(r: &Reform) -> Cell {
    let effects: Vec<serde_json::Value> = r
        .fields
        .effects
        .iter()
        .map(|e| serde_json::json!({ "kind": e.kind.as_str(), "value": e.value, "unit": e.unit, "basis": e.basis }))
        .collect();
    if effects.is_empty() {
        Cell::Empty
    } else {
        Cell::Json(serde_json::Value::Array(effects))
    }
}

pub const REFORM_COLUMNS: &[Column<Reform>] = &[
    Column::<Reform>::new("id", "ID", Integer, |_, r| Cell::Integer(r.id.get()))
        .read_only(Read::Integer),
    Column::<Reform>::new("fiscal_year", "年度", Integer, |_, r| {
        Cell::Integer(r.fields.fiscal_year.into())
    })
    .into("fiscal_year", Read::FiscalYear, Blank::Zero)
    .required(),
    Column::<Reform>::new("report_number", "No.", Integer, |_, r| {
        Cell::opt_integer(r.fields.report_number)
    })
    .into("report_number", Read::Integer, Blank::Null)
    .aliases(&["no", "報告書no."]),
    Column::<Reform>::new("bureau", "局・区", Text, |dir, r| {
        Cell::text(dir.bureau_name(r.fields.bureau_id))
    })
    .into("bureau_id", Read::Bureau, Blank::Zero)
    .required()
    .aliases(BUREAU_ALIASES),
    Column::<Reform>::new("sections", "所管課", Text, |dir, r| {
        joined(r.fields.section_ids.iter().map(|s| dir.section(*s).name))
    })
    .into("section_ids", Read::Sections, Blank::EmptyList)
    .aliases(&["担当課", "課"]),
    Column::<Reform>::new("classification", "分類", Text, |_, r| {
        Cell::opt_text(r.fields.classification.map(|c| c.as_str()))
    })
    .into("classification", Read::LeadingCode, Blank::Null),
    Column::<Reform>::new("title", "取組名", Text, |_, r| {
        Cell::text(&r.fields.title)
    })
    .into("title", Read::Text, Blank::EmptyText)
    .required()
    .aliases(&["課題名"]),
    Column::<Reform>::new("problem", "課題", Text, |_, r| {
        Cell::opt_text(r.fields.problem.as_deref())
    })
    .into("problem", Read::Text, Blank::Null),
    Column::<Reform>::new("action", "取組", Text, |_, r| {
        Cell::opt_text(r.fields.action.as_deref())
    })
    .into("action", Read::Text, Blank::Null),
    Column::<Reform>::new("effect", "効果", Text, |_, r| {
        Cell::opt_text(r.fields.effect.as_deref())
    })
    .into("effect", Read::Text, Blank::Null),
    Column::<Reform>::new("period", "実施時期", Text, |_, r| {
        Cell::opt_text(r.fields.period_text.as_deref())
    })
    .into("period", Read::Text, Blank::Null)
    .aliases(&["実施(予定)日", "実施予定日"]),
    Column::<Reform>::new("period_start", "開始日", Date, |_, r| {
        reform_period_bound(r, false)
    }),
    Column::<Reform>::new("period_end", "終了日", Date, |_, r| {
        reform_period_bound(r, true)
    }),
    Column::<Reform>::new("status", "状況", Text, |_, r| {
        Cell::text(r.fields.status.label_ja())
    })
    .into("status", Read::Choice(reform_statuses), Blank::Null),
    Column::<Reform>::new("featured", "注目", Bool, |_, r| {
        Cell::Bool(r.fields.featured)
    })
    .into("featured", Read::YesNo, Blank::False),
    Column::<Reform>::new("tags", "タグ", Text, |_, r| {
        joined(r.fields.tags.iter().cloned())
    })
    .into("tags", Read::List, Blank::EmptyList),
    Column::<Reform>::new("effects", "数値効果", Json, |_, r| reform_effects(r)).into(
        "effects",
        Read::JsonArray,
        Blank::EmptyList,
    ),
    Column::<Reform>::new("source_proposal_id", "元の提案ID", Integer, |_, r| {
        Cell::opt_integer(r.fields.source_proposal_id)
    })
    .into("source_proposal_id", Read::Integer, Blank::Null),
    Column::<Reform>::new("version", "版", Integer, |_, r| {
        Cell::Integer(r.version.into())
    }),
    Column::<Reform>::new("updated_at", "更新日時", DateTime, |_, r| {
        Cell::DateTime(r.updated_at)
    }),
];

pub const SYSTEM_COLUMNS: &[Column<DigitalSystem>] = &[
    Column::<DigitalSystem>::new("id", "ID", Integer, |_, s| Cell::Integer(s.id))
        .read_only(Read::Integer),
    Column::<DigitalSystem>::new("name", "システム名", Text, |_, s| {
        Cell::text(&s.fields.name)
    })
    .into("name", Read::Text, Blank::EmptyText)
    .required()
    .aliases(&["名称"]),
    // The body names the section alone; the bureau tells which of the same-named sections.
    Column::<DigitalSystem>::new("bureau", "局・区", Text, |dir, s| {
        Cell::opt_text(
            dir.bureau_of_section(s.fields.section_id)
                .map(|b| dir.bureau_name(b)),
        )
    })
    .read_only(Read::Bureau)
    .required()
    .aliases(BUREAU_ALIASES),
    Column::<DigitalSystem>::new("section", "所管課", Text, |dir, s| {
        Cell::text(dir.section(s.fields.section_id).name)
    })
    .into("section_id", Read::Section, Blank::Zero)
    .required()
    .aliases(&["所管"]),
    Column::<DigitalSystem>::new("platform", "基盤", Text, |_, s| {
        Cell::text(s.fields.platform.label_ja())
    })
    .into("platform", Read::Choice(platforms), Blank::Code("other"))
    .required(),
    Column::<DigitalSystem>::new("built_in_house", "内製", Bool, |_, s| {
        Cell::Bool(s.fields.built_in_house)
    })
    .into("built_in_house", Read::YesNo, Blank::False),
    Column::<DigitalSystem>::new("status", "状況", Text, |_, s| {
        Cell::text(s.fields.status.label_ja())
    })
    .into(
        "status",
        Read::Choice(system_statuses),
        Blank::Code("trial"),
    )
    .required(),
    Column::<DigitalSystem>::new("trial_started_on", "試行開始日", Date, |_, s| {
        Cell::opt_date(s.fields.trial_started_on)
    })
    .into("trial_started_on", Read::Date, Blank::Null),
    Column::<DigitalSystem>::new(
        "production_started_on",
        "本運用開始日",
        Date,
        |_, s| Cell::opt_date(s.fields.production_started_on),
    )
    .into("production_started_on", Read::Date, Blank::Null),
    Column::<DigitalSystem>::new("retired_on", "廃止日", Date, |_, s| {
        Cell::opt_date(s.fields.retired_on)
    })
    .into("retired_on", Read::Date, Blank::Null),
    Column::<DigitalSystem>::new("workflow_before", "導入前の業務", Text, |_, s| {
        Cell::opt_text(s.fields.workflow_before.as_deref())
    })
    .into("workflow_before", Read::Text, Blank::Null),
    Column::<DigitalSystem>::new("workflow_after", "導入後の業務", Text, |_, s| {
        Cell::opt_text(s.fields.workflow_after.as_deref())
    })
    .into("workflow_after", Read::Text, Blank::Null),
    Column::<DigitalSystem>::new("annual_hours_saved", "削減時間", Number, |_, s| {
        Cell::opt_number(s.fields.annual_hours_saved)
    })
    .into("annual_hours_saved", Read::Number, Blank::Null)
    .aliases(&["年間削減時間", "年間削減時間(h)"]),
    Column::<DigitalSystem>::new("hours_basis", "算定根拠", Text, |_, s| {
        Cell::opt_text(s.fields.hours_basis.as_deref())
    })
    .into("hours_basis", Read::Text, Blank::Null),
    Column::<DigitalSystem>::new("cost_effect_yen", "費用効果", Integer, |_, s| {
        Cell::opt_integer(s.fields.cost_effect_yen)
    })
    .into("cost_effect_yen", Read::Integer, Blank::Null),
    Column::<DigitalSystem>::new("note", "備考", Text, |_, s| {
        Cell::opt_text(s.fields.note.as_deref())
    })
    .into("note", Read::Text, Blank::Null),
    Column::<DigitalSystem>::new("version", "版", Integer, |_, s| {
        Cell::Integer(s.version.into())
    }),
    Column::<DigitalSystem>::new("updated_at", "更新日時", DateTime, |_, s| {
        Cell::DateTime(s.updated_at)
    }),
];

pub const POLICY_COLUMNS: &[Column<Policy>] = &[
    Column::<Policy>::new("id", "ID", Integer, |_, p| Cell::Integer(p.id)),
    Column::<Policy>::new("fiscal_year", "年度", Integer, |_, p| {
        Cell::Integer(p.fields.fiscal_year.into())
    }),
    Column::<Policy>::new("bureau", "局・区", Text, |dir, p| {
        Cell::text(dir.bureau_name(p.fields.bureau_id))
    }),
    Column::<Policy>::new("mission", "ミッション", Text, |_, p| {
        Cell::opt_text(p.fields.mission.as_deref())
    }),
    Column::<Policy>::new("basic_information", "基本情報", Text, |_, p| {
        Cell::opt_text(p.fields.basic_information.as_deref())
    }),
    Column::<Policy>::new(
        "review_summary",
        "前年度の振り返り",
        Text,
        |_, p| Cell::opt_text(p.fields.review_summary.as_deref()),
    ),
    Column::<Policy>::new("review_achieved", "できたこと", Text, |_, p| {
        Cell::opt_text(p.fields.review_achieved.as_deref())
    }),
    Column::<Policy>::new(
        "review_not_achieved",
        "できなかったこと",
        Text,
        |_, p| Cell::opt_text(p.fields.review_not_achieved.as_deref()),
    ),
    Column::<Policy>::new("direction", "今年度の方向性", Text, |_, p| {
        Cell::opt_text(p.fields.direction.as_deref())
    }),
    Column::<Policy>::new("issue_count", "課題数", Integer, |_, p| {
        Cell::Integer(i64::try_from(p.issue_count).unwrap_or(i64::MAX))
    }),
    Column::<Policy>::new("version", "版", Integer, |_, p| {
        Cell::Integer(p.version.into())
    }),
    Column::<Policy>::new("updated_at", "更新日時", DateTime, |_, p| {
        Cell::DateTime(p.updated_at)
    }),
];

pub const ISSUE_COLUMNS: &[Column<Issue>] = &[
    Column::<Issue>::new("id", "ID", Integer, |_, i| Cell::Integer(i.id)),
    Column::<Issue>::new("fiscal_year", "年度", Integer, |_, i| {
        Cell::Integer(i.fiscal_year.into())
    }),
    Column::<Issue>::new("bureau", "局・区", Text, |dir, i| {
        Cell::text(dir.bureau_name(i.bureau_id))
    }),
    Column::<Issue>::new("code", "番号", Text, |_, i| {
        Cell::text(i.fields.area.code(i.fields.number))
    }),
    Column::<Issue>::new("area", "領域", Text, |_, i| {
        Cell::text(i.fields.area.as_str())
    }),
    Column::<Issue>::new("policy_field", "政策分野", Text, |_, i| {
        Cell::opt_text(i.fields.policy_field.as_deref())
    }),
    Column::<Issue>::new("impact", "影響度", Text, |_, i| {
        Cell::opt_text(i.fields.impact.map(|l| l.label_ja()))
    }),
    Column::<Issue>::new("urgency", "緊急度", Text, |_, i| {
        Cell::opt_text(i.fields.urgency.map(|l| l.label_ja()))
    }),
    Column::<Issue>::new("title", "課題", Text, |_, i| Cell::text(&i.fields.title)),
    Column::<Issue>::new("content", "内容", Text, |_, i| {
        Cell::opt_text(i.fields.content.as_deref())
    }),
    Column::<Issue>::new("background", "背景", Text, |_, i| {
        Cell::opt_text(i.fields.background.as_deref())
    }),
    Column::<Issue>::new("target_outcome", "目指す成果", Text, |_, i| {
        Cell::opt_text(i.fields.target_outcome.as_deref())
    }),
    Column::<Issue>::new("actions", "取組", Text, |_, i| {
        Cell::opt_text(i.fields.actions.as_deref())
    }),
    Column::<Issue>::new("version", "版", Integer, |_, i| {
        Cell::Integer(i.version.into())
    }),
];

/// A KPI with the issue it measures, as the KPI export lists it.
pub struct KpiLine {
    pub fiscal_year: i32,
    pub bureau_id: i64,
    /// The issue's code and title: A(1) 窓口の待ち時間.
    pub issue: String,
    pub kpi: KpiOut,
}

impl KpiLine {
    pub fn new(issue: &Issue, kpi: KpiOut) -> Self {
        KpiLine {
            fiscal_year: issue.fiscal_year,
            bureau_id: issue.bureau_id,
            issue: format!(
                "{} {}",
                issue.fields.area.code(issue.fields.number),
                issue.fields.title
            ),
            kpi,
        }
    }
}

pub const KPI_COLUMNS: &[Column<KpiLine>] = &[
    Column::<KpiLine>::new("id", "ID", Integer, |_, k| Cell::Integer(k.kpi.id)),
    Column::<KpiLine>::new("fiscal_year", "年度", Integer, |_, k| {
        Cell::Integer(k.fiscal_year.into())
    }),
    Column::<KpiLine>::new("bureau", "局・区", Text, |dir, k| {
        Cell::text(dir.bureau_name(k.bureau_id))
    }),
    Column::<KpiLine>::new("issue", "課題", Text, |_, k| Cell::text(&k.issue)),
    Column::<KpiLine>::new("name", "指標", Text, |_, k| Cell::text(&k.kpi.name)),
    Column::<KpiLine>::new("unit", "単位", Text, |_, k| Cell::text(&k.kpi.unit)),
    Column::<KpiLine>::new("baseline_value", "基準値", Number, |_, k| {
        Cell::Number(k.kpi.baseline_value)
    }),
    Column::<KpiLine>::new("baseline_on", "基準日", Date, |_, k| {
        Cell::Date(k.kpi.baseline_on)
    }),
    Column::<KpiLine>::new("target_value", "目標値", Number, |_, k| {
        Cell::opt_number(k.kpi.target_value)
    }),
    Column::<KpiLine>::new("target_on", "目標日", Date, |_, k| {
        Cell::opt_date(k.kpi.target_on)
    }),
    Column::<KpiLine>::new("latest_value", "最新実績", Number, |_, k| {
        Cell::opt_number(k.kpi.latest_value)
    }),
    Column::<KpiLine>::new("latest_on", "実績日", Date, |_, k| {
        Cell::opt_date(k.kpi.latest_on)
    }),
    Column::<KpiLine>::new("change_value", "増減", Number, |_, k| {
        Cell::opt_number(k.kpi.change_value)
    }),
    Column::<KpiLine>::new("change_percent", "増減率(%)", Number, |_, k| {
        Cell::opt_number(k.kpi.change_percent)
    }),
    Column::<KpiLine>::new(
        "target_progress_percent",
        "目標達成率(%)",
        Number,
        |_, k| Cell::opt_number(k.kpi.target_progress_percent),
    ),
    Column::<KpiLine>::new("note", "備考", Text, |_, k| {
        Cell::opt_text(k.kpi.note.as_deref())
    }),
];

/// A JSON column of the audit trail (before, after), stored as text.
fn stored_json(text: Option<&str>) -> Cell {
    text.and_then(|t| serde_json::from_str(t).ok())
        .map_or(Cell::Empty, Cell::Json)
}

pub const AUDIT_COLUMNS: &[Column<AuditEvent>] = &[
    Column::<AuditEvent>::new("id", "ID", Integer, |_, e| Cell::Integer(e.id)),
    Column::<AuditEvent>::new("occurred_at", "日時", DateTime, |_, e| {
        Cell::DateTime(e.occurred_at)
    }),
    Column::<AuditEvent>::new("actor_kind", "操作者の種別", Text, |_, e| {
        Cell::text(&e.actor_kind)
    }),
    Column::<AuditEvent>::new("actor_id", "操作者ID", Integer, |_, e| {
        Cell::opt_integer(e.actor_id)
    }),
    Column::<AuditEvent>::new("actor_label", "操作者", Text, |_, e| {
        Cell::text(&e.actor_label)
    }),
    Column::<AuditEvent>::new("action", "操作", Text, |_, e| Cell::text(&e.action)),
    Column::<AuditEvent>::new("entity_type", "対象の種別", Text, |_, e| {
        Cell::text(&e.entity_type)
    }),
    Column::<AuditEvent>::new("entity_id", "対象ID", Text, |_, e| {
        Cell::text(&e.entity_id)
    }),
    Column::<AuditEvent>::new("before", "変更前", Json, |_, e| {
        stored_json(e.before.as_deref())
    }),
    Column::<AuditEvent>::new("after", "変更後", Json, |_, e| {
        stored_json(e.after.as_deref())
    }),
    Column::<AuditEvent>::new("request_id", "リクエストID", Text, |_, e| {
        Cell::opt_text(e.request_id.as_deref())
    }),
    Column::<AuditEvent>::new("source", "経由", Text, |_, e| {
        Cell::opt_text(e.source.as_deref())
    }),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn keys<R>(columns: &[Column<R>]) -> Vec<&'static str> {
        columns.iter().map(|c| c.head.key).collect()
    }

    #[test]
    fn sections_are_read_after_the_bureau_they_belong_to() {
        for keys in [keys(REFORM_COLUMNS), keys(SYSTEM_COLUMNS)] {
            let bureau = keys.iter().position(|k| *k == "bureau");
            let section = keys
                .iter()
                .position(|k| *k == "sections" || *k == "section");
            assert!(bureau < section, "{keys:?}");
        }
    }

    #[test]
    fn every_key_and_header_appears_once_per_table() {
        let tables: Vec<Vec<Head>> = vec![
            heads(PROPOSAL_COLUMNS),
            heads(REFORM_COLUMNS),
            heads(SYSTEM_COLUMNS),
            heads(POLICY_COLUMNS),
            heads(ISSUE_COLUMNS),
            heads(KPI_COLUMNS),
            heads(AUDIT_COLUMNS),
        ];
        for table in tables {
            for (i, head) in table.iter().enumerate() {
                assert!(
                    table[..i]
                        .iter()
                        .all(|h| h.key != head.key && h.ja != head.ja),
                    "{head:?}"
                );
            }
        }
    }
}
