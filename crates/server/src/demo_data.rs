//! The demo dataset of `data/demo/`: the city's own 令和7年度 picture transcribed from the seeds
//! (bureaus and sections, the R6 and R7 project teams with their 13 and 34 proposals, the 130
//! self-initiated reforms, two X policies, the ledger's targets and figures). It is compiled into
//! the binary so `make run` and a container show the same data without a path to configure, and
//! it is loaded only into a database that has no proposals and no reforms yet.

use crate::StartError;
use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, Utc};
use domain::ledger::{Platform, SystemStatus};
use domain::organization::BureauKind;
use domain::organization::NewBureau;
use domain::period::Period;
use domain::policy::{Area, Level, MilestoneState, Quarter};
use domain::policy::{IssueFields, KpiFields, MilestoneFields, PolicyFields};
use domain::proposal::{Decision, ImplementationStatus, Stage};
use domain::proposal::{Member, ProjectTeamFields, ProposalFields, StageChange};
use domain::reform::{Classification, EffectKind, ReformStatus};
use domain::reform::{Effect, ReformFields};
use domain::round::{Outcome, RecordKind};
use persistence::organization;
use persistence::rounds::{self, Answer, HeldAt, RoundFields, RoundScope};
use persistence::{AuditActor, Database, as_known, ledger, policies, proposals, reforms};
use serde::Deserialize;
use std::collections::HashMap;

const PROPOSALS_R7: &str = include_str!("../../../data/demo/proposals_r7.json");
const PROPOSALS_R6: &str = include_str!("../../../data/demo/proposals_r6.json");
const REFORMS: &str = include_str!("../../../data/demo/reforms.json");
const POLICIES: &str = include_str!("../../../data/demo/policies.json");
const LEDGER: &str = include_str!("../../../data/demo/ledger.json");
const ROUNDS: &str = include_str!("../../../data/demo/rounds.json");

/// The day the annual report's reform list stands at (R8.3.31時点): statuses left blank in the
/// report are read from each period as of this day, not as of whenever the demo is started.
const REPORT_DAY: (i32, u32, u32) = (2026, 3, 31);
/// Sections whose names exist before the seeds' dates.
const SECTIONS_EXIST_FROM: (i32, u32, u32) = (2019, 4, 1);
/// Renames the annual report announces for R8.4.1; both names belong to one section.
const RENAMES: [(&str, &str); 2] = [
    ("広報戦略課", "企画・マーケティング課"),
    ("広聴課", "みんなの声課"),
];
const RENAMED_ON: (i32, u32, u32) = (2026, 4, 1);
/// Seed 003 names no responsible section for some proposals; their stages still need one.
const UNNAMED_BUREAU: &str = "（所管未記載）";
const UNNAMED_SECTION: &str = "（所管課未記載）";

#[derive(Deserialize)]
struct ProposalsFile {
    fiscal_year: i32,
    team: TeamRow,
    proposals: Vec<ProposalRow>,
}

#[derive(Deserialize)]
struct TeamRow {
    name: String,
    headcount: Option<i32>,
    themes: Vec<ThemeRow>,
    members: Vec<MemberRow>,
}

#[derive(Deserialize)]
struct ThemeRow {
    name: String,
}

#[derive(Deserialize)]
struct MemberRow {
    name: String,
    bureau: Option<String>,
    theme: Option<String>,
}

/// The days a team's proposals reached their stages. The seeds date the R7 stages by the
/// 2025-11-25 progress report and give no dates for R6, whose proposals were made a year before.
struct StageDays {
    presented: (i32, u32, u32),
    discussed: (i32, u32, u32),
    decided: (i32, u32, u32),
}

const R7_STAGE_DAYS: StageDays = StageDays {
    presented: (2025, 10, 1),
    discussed: (2025, 11, 10),
    decided: (2025, 11, 20),
};
const R6_STAGE_DAYS: StageDays = StageDays {
    presented: (2024, 10, 1),
    discussed: (2024, 11, 10),
    decided: (2024, 11, 20),
};

#[derive(Deserialize)]
struct ProposalRow {
    number: Option<String>,
    theme: String,
    scene: Option<String>,
    viewpoint: Option<String>,
    title: String,
    pain_point: Option<String>,
    proposed_solution: Option<String>,
    assignments: Vec<AssignmentRow>,
    stage: u8,
    annual_report: Option<AnnualReportRow>,
}

#[derive(Deserialize)]
struct AssignmentRow {
    bureau: Option<String>,
    section: String,
    stage: Option<u8>,
    decision: Option<String>,
}

#[derive(Deserialize)]
struct AnnualReportRow {
    outcome_status: Option<String>,
    timing_text: Option<String>,
    outcome_text: Option<String>,
}

#[derive(Deserialize)]
struct ReformsFile {
    fiscal_year: i32,
    reforms: Vec<ReformRow>,
}

#[derive(Deserialize)]
struct ReformRow {
    report_number: i32,
    bureau: String,
    sections: Vec<String>,
    classification: Option<String>,
    title: String,
    problem: Option<String>,
    action: Option<String>,
    effect: Option<String>,
    period: Option<String>,
    featured: bool,
    tags: Vec<String>,
    effects: Vec<EffectRow>,
}

#[derive(Deserialize)]
struct EffectRow {
    kind: String,
    value: f64,
    unit: String,
    basis: Option<String>,
}

#[derive(Deserialize)]
struct PoliciesFile {
    policies: Vec<PolicyRow>,
}

#[derive(Deserialize)]
struct PolicyRow {
    bureau: String,
    fiscal_year: i32,
    mission: Option<String>,
    basic_information: Option<String>,
    review_summary: Option<String>,
    review_achieved: Option<String>,
    review_not_achieved: Option<String>,
    direction: Option<String>,
    issues: Vec<IssueRow>,
}

#[derive(Deserialize)]
struct IssueRow {
    area: String,
    number: i32,
    policy_field: Option<String>,
    impact: Option<String>,
    urgency: Option<String>,
    title: String,
    content: Option<String>,
    background: Option<String>,
    target_outcome: Option<String>,
    actions: Option<String>,
    milestones: Vec<MilestoneRow>,
    progress_notes: Vec<NoteRow>,
    kpis: Vec<KpiRow>,
}

/// A milestone as the seed's quarter grid plans it, and where the bureau's progress text puts
/// it (`planned`, `done`, `slipped`). The file's `evidence`, the sentence of the progress text
/// behind the state, has no place on a milestone and stays in the file and its README.
#[derive(Deserialize)]
struct MilestoneRow {
    workstream: Option<String>,
    quarter: u8,
    title: String,
    state: String,
    done_on: Option<NaiveDate>,
    /// The progress text's sentence that puts the milestone in its state: for a slipped one, the
    /// reason it slipped as the ward wrote it.
    evidence: Option<String>,
}

#[derive(Deserialize)]
struct NoteRow {
    as_of: NaiveDate,
    as_of_label: String,
    body: String,
}

#[derive(Deserialize)]
struct KpiRow {
    name: String,
    unit: String,
    baseline_value: f64,
    baseline_on: NaiveDate,
    target_value: Option<f64>,
    target_on: Option<NaiveDate>,
    note: Option<String>,
    actuals: Vec<ActualRow>,
}

#[derive(Deserialize)]
struct ActualRow {
    value: f64,
    measured_on: NaiveDate,
    /// The seed's sentence the figure comes from, when it says more than the number.
    #[serde(default)]
    note: Option<String>,
}

#[derive(Deserialize)]
struct LedgerFile {
    targets: Vec<TargetRow>,
    digital_systems: Vec<SystemRow>,
}

#[derive(Deserialize)]
struct TargetRow {
    code: String,
    name: String,
    metric: String,
    unit: String,
    target_value: Option<f64>,
    due_on: Option<NaiveDate>,
    description: Option<String>,
    measurements: Vec<MeasurementRow>,
}

#[derive(Deserialize)]
struct MeasurementRow {
    value: f64,
    measured_on: NaiveDate,
    fiscal_year: Option<i32>,
    source: Option<String>,
    note: Option<String>,
}

#[derive(Deserialize)]
struct SystemRow {
    name: String,
    section: String,
    bureau: Option<String>,
    platform: String,
    built_in_house: bool,
    status: String,
    production_started_on: Option<NaiveDate>,
    workflow_before: Option<String>,
    workflow_after: Option<String>,
    annual_hours_saved: Option<f64>,
    cost_effect_yen: Option<i64>,
    note: Option<String>,
}

#[derive(Deserialize)]
struct RoundsFile {
    closed_rounds: Vec<ClosedRoundRow>,
    open_round: OpenRoundRow,
}

#[derive(Deserialize)]
struct ClosedRoundRow {
    title: String,
    as_of: NaiveDate,
    due_on: NaiveDate,
    opened_at: DateTime<FixedOffset>,
    answered_at: DateTime<FixedOffset>,
    accepted_at: DateTime<FixedOffset>,
    closed_at: DateTime<FixedOffset>,
    record_kinds: Vec<String>,
    bureaus: Vec<String>,
    /// When the bureaus wrote their X policy's records the round asks about (before it opened).
    policies_written_at: Option<DateTime<FixedOffset>>,
}

#[derive(Deserialize)]
struct OpenRoundRow {
    title: String,
    record_kinds: Vec<String>,
    overdue_by_days: i64,
    accepted: usize,
    submitted: usize,
    returned: usize,
    return_comment: String,
    in_progress: usize,
    editor_bureau: String,
}

/// What a load put into the database.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Loaded {
    pub bureaus: usize,
    pub sections: usize,
    pub proposals: usize,
    pub reforms: usize,
    pub policies: usize,
    pub policy_issues: usize,
    pub targets: usize,
    pub digital_systems: usize,
    pub rounds: usize,
    /// Ledger systems of the seeds that name no bureau, so they have no section to belong to.
    pub systems_without_bureau: Vec<String>,
}

fn day((y, m, d): (i32, u32, u32)) -> Result<NaiveDate, StartError> {
    NaiveDate::from_ymd_opt(y, m, d).ok_or_else(|| StartError::Setup(format!("date {y}-{m}-{d}")))
}

fn failed(what: &str) -> impl Fn(&dyn std::fmt::Display) -> StartError + '_ {
    move |e| StartError::Setup(format!("demo data, {what}: {e}"))
}

/// Bureaus and sections by name, created on first use.
struct Organisation<'a> {
    db: &'a Database,
    actor: &'a AuditActor,
    bureaus: HashMap<String, i64>,
    sections: HashMap<(i64, String), i64>,
    loaded: Loaded,
}

impl Organisation<'_> {
    async fn bureau(&mut self, name: &str) -> Result<i64, StartError> {
        if let Some(id) = self.bureaus.get(name) {
            return Ok(*id);
        }
        let sort_order = i32::try_from(self.bureaus.len() + 1).unwrap_or(i32::MAX);
        let bureau = organization::create_bureau(
            &self.db.conn,
            NewBureau {
                name: name.to_owned(),
                kind: BureauKind::from_name(name),
                sort_order,
            },
            self.actor,
        )
        .await
        .map_err(|e| failed("bureau")(&e))?;
        self.bureaus.insert(name.to_owned(), bureau.id);
        self.loaded.bureaus += 1;
        Ok(bureau.id)
    }

    async fn section(&mut self, bureau: &str, name: &str) -> Result<i64, StartError> {
        let bureau_id = self.bureau(bureau).await?;
        let canonical = RENAMES
            .iter()
            .find(|(old, new)| *old == name || *new == name)
            .map_or(name, |(old, _)| *old);
        if let Some(id) = self.sections.get(&(bureau_id, canonical.to_owned())) {
            return Ok(*id);
        }
        let section = organization::create_section(
            &self.db.conn,
            bureau_id,
            canonical.to_owned(),
            day(SECTIONS_EXIST_FROM)?,
            self.actor,
        )
        .await
        .map_err(|e| failed("section")(&e))?;
        if let Some((_, new)) = RENAMES.iter().find(|(old, _)| *old == canonical) {
            organization::rename_section(
                &self.db.conn,
                section.id,
                section.version,
                (*new).to_owned(),
                day(RENAMED_ON)?,
                self.actor,
            )
            .await
            .map_err(|e| failed("section rename")(&e))?;
        }
        self.sections
            .insert((bureau_id, canonical.to_owned()), section.id);
        self.loaded.sections += 1;
        Ok(section.id)
    }
}

/// Loads the dataset unless the database already holds proposals or reforms; answers what it
/// loaded (`None` when it left the database alone).
pub async fn load_into_empty(db: &Database) -> Result<Option<Loaded>, StartError> {
    if reforms::holds_reform_work(&db.conn)
        .await
        .map_err(|e| failed("count")(&e))?
    {
        return Ok(None);
    }
    load(db).await.map(Some)
}

async fn load(db: &Database) -> Result<Loaded, StartError> {
    let parse = |what: &'static str| move |e: serde_json::Error| failed(what)(&e);
    let proposals_r7: ProposalsFile =
        serde_json::from_str(PROPOSALS_R7).map_err(parse("proposals R7"))?;
    let proposals_r6: ProposalsFile =
        serde_json::from_str(PROPOSALS_R6).map_err(parse("proposals R6"))?;
    let reforms_file: ReformsFile = serde_json::from_str(REFORMS).map_err(parse("reforms"))?;
    let policies_file: PoliciesFile = serde_json::from_str(POLICIES).map_err(parse("policies"))?;
    let ledger_file: LedgerFile = serde_json::from_str(LEDGER).map_err(parse("ledger"))?;
    let actor = AuditActor::command_line("demo dataset (data/demo)");
    let mut org = Organisation {
        db,
        actor: &actor,
        bureaus: organization::list_bureaus(&db.conn)
            .await
            .map_err(|e| failed("bureaus")(&e))?
            .into_iter()
            .map(|b| (b.name, b.id))
            .collect(),
        sections: HashMap::new(),
        loaded: Loaded::default(),
    };
    // The report's own order of the 28 bureaus comes first.
    for row in &reforms_file.reforms {
        org.bureau(&row.bureau).await?;
    }
    let reforms_year = reforms_file.fiscal_year;
    load_reforms(&mut org, reforms_file).await?;
    load_proposals(&mut org, proposals_r7, &R7_STAGE_DAYS).await?;
    load_proposals(&mut org, proposals_r6, &R6_STAGE_DAYS).await?;
    load_policies(&mut org, policies_file).await?;
    load_ledger(&mut org, ledger_file).await?;
    let rounds_file: RoundsFile = serde_json::from_str(ROUNDS).map_err(parse("rounds"))?;
    let latest_year = reforms_year;
    load_rounds(&mut org, rounds_file, latest_year).await?;
    Ok(org.loaded)
}

async fn load_reforms(org: &mut Organisation<'_>, file: ReformsFile) -> Result<(), StartError> {
    let report_day = day(REPORT_DAY)?;
    let mut created_ids = Vec::new();
    for row in file.reforms {
        let bureau_id = org.bureau(&row.bureau).await?;
        let mut section_ids = Vec::new();
        for section in &row.sections {
            section_ids.push(org.section(&row.bureau, section).await?);
        }
        let status = row
            .period
            .as_deref()
            .map(Period::parse)
            .and_then(|p| ReformStatus::implied_by(&p, report_day))
            .unwrap_or(ReformStatus::UnderConsideration);
        let mut effects = Vec::new();
        for e in row.effects {
            let kind = EffectKind::parse(&e.kind)
                .ok_or_else(|| StartError::Setup(format!("demo data: effect kind {}", e.kind)))?;
            effects.push(Effect {
                kind,
                value: e.value,
                unit: e.unit,
                basis: e.basis,
            });
        }
        let created = reforms::create_reform(
            &org.db.conn,
            ReformFields {
                fiscal_year: file.fiscal_year,
                bureau_id,
                section_ids,
                report_number: Some(row.report_number),
                classification: row
                    .classification
                    .as_deref()
                    .and_then(Classification::parse),
                source_proposal_id: None,
                title: row.title,
                problem: row.problem,
                action: row.action,
                effect: row.effect,
                period_text: row.period,
                status,
                tags: row.tags,
                featured: row.featured,
                effects,
            },
            None,
            org.actor,
        )
        .await
        .map_err(|e| failed("reform")(&e))?;
        created_ids.push(created.id.get());
        org.loaded.reforms += 1;
    }
    // The listing is the report's as of its day, so that is when these reforms were registered.
    let registered_at = report_day
        .and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc() - chrono::Duration::hours(9))
        .ok_or_else(|| StartError::Setup("report day".into()))?;
    reforms::date_registration(&org.db.conn, &created_ids, registered_at)
        .await
        .map_err(|e| failed("reform registration")(&e))?;
    Ok(())
}

fn implementation_status(label: &str) -> ImplementationStatus {
    match label {
        "実施済" => ImplementationStatus::Done,
        "実施予定" => ImplementationStatus::Planned,
        "試行" => ImplementationStatus::Trial,
        "実証" => ImplementationStatus::Demonstration,
        "終了" => ImplementationStatus::Ended,
        _ => ImplementationStatus::UnderConsideration,
    }
}

async fn load_proposals(
    org: &mut Organisation<'_>,
    file: ProposalsFile,
    days: &StageDays,
) -> Result<(), StartError> {
    proposals::create_project_team(
        &org.db.conn,
        ProjectTeamFields {
            fiscal_year: file.fiscal_year,
            name: file.team.name,
            themes: file.team.themes.into_iter().map(|t| t.name).collect(),
            members: file
                .team
                .members
                .into_iter()
                .map(|m| Member {
                    name: m.name,
                    bureau: m.bureau,
                    theme: m.theme,
                })
                .collect(),
            headcount: file.team.headcount,
        },
        org.actor,
    )
    .await
    .map_err(|e| failed("project team")(&e))?;
    let presented = day(days.presented)?;
    let discussed = day(days.discussed)?;
    let decided = day(days.decided)?;
    let mut created_ids = Vec::new();
    for row in file.proposals {
        let report = row.annual_report.as_ref();
        let created = proposals::create_proposal(
            &org.db.conn,
            ProposalFields {
                fiscal_year: file.fiscal_year,
                number: row.number,
                theme: row.theme,
                scene: row.scene,
                viewpoint: row.viewpoint,
                title: row.title,
                pain_point: row.pain_point,
                proposed_solution: row.proposed_solution,
                implementation_status: report
                    .and_then(|r| r.outcome_status.as_deref())
                    .map(implementation_status),
                outcome_period_text: report.and_then(|r| r.timing_text.clone()),
                outcome_text: report.and_then(|r| r.outcome_text.clone()),
                continues_proposal_id: None,
            },
            None,
            org.actor,
        )
        .await
        .map_err(|e| failed("proposal")(&e))?;
        created_ids.push(created.id.get());
        let mut assignments: Vec<(String, String, u8, Option<String>)> = row
            .assignments
            .into_iter()
            .map(|a| {
                let bureau = a.bureau.unwrap_or_else(|| a.section.clone());
                (bureau, a.section, a.stage.unwrap_or(row.stage), a.decision)
            })
            .collect();
        if assignments.is_empty() {
            assignments.push((
                UNNAMED_BUREAU.into(),
                UNNAMED_SECTION.into(),
                row.stage,
                None,
            ));
        }
        for (bureau, section, stage, decision) in assignments {
            let section_id = org.section(&bureau, &section).await?;
            let first = if stage == 4 {
                Stage::AlreadyHandled
            } else {
                Stage::Presented
            };
            let change = |to, decision, effective_on| StageChange {
                to,
                decision,
                effective_on,
                note: None,
            };
            let (_, assignment_id) = proposals::add_assignment(
                &org.db.conn,
                created.id,
                section_id,
                change(first, None, presented),
                org.actor,
            )
            .await
            .map_err(|e| failed("assignment")(&e))?;
            let mut moves = Vec::new();
            if stage >= 2 && stage != 4 {
                moves.push(change(Stage::Discussed, None, discussed));
            }
            if stage == 3 {
                let decision = decision.as_deref().and_then(Decision::parse);
                moves.push(change(Stage::Decided, decision, decided));
            }
            for step in moves {
                proposals::change_stage(&org.db.conn, created.id, assignment_id, step, org.actor)
                    .await
                    .map_err(|e| failed("stage")(&e))?;
            }
        }
        org.loaded.proposals += 1;
    }
    // The PT made its proposals by the day they were presented to the sections.
    let made_at = presented
        .and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc() - chrono::Duration::hours(9))
        .ok_or_else(|| StartError::Setup("presentation day".into()))?;
    proposals::date_registration(&org.db.conn, &created_ids, made_at)
        .await
        .map_err(|e| failed("proposal registration")(&e))?;
    proposals::date_stage_records(&org.db.conn, &created_ids)
        .await
        .map_err(|e| failed("stage records")(&e))?;
    Ok(())
}

async fn load_policies(org: &mut Organisation<'_>, file: PoliciesFile) -> Result<(), StartError> {
    for row in file.policies {
        let bureau_id = org.bureau(&row.bureau).await?;
        let policy = policies::create_policy(
            &org.db.conn,
            PolicyFields {
                bureau_id,
                fiscal_year: row.fiscal_year,
                mission: row.mission,
                basic_information: row.basic_information,
                review_summary: row.review_summary,
                review_achieved: row.review_achieved,
                review_not_achieved: row.review_not_achieved,
                direction: row.direction,
            },
            org.actor,
        )
        .await
        .map_err(|e| failed("policy")(&e))?;
        org.loaded.policies += 1;
        for i in row.issues {
            let area = Area::parse(&i.area)
                .ok_or_else(|| StartError::Setup(format!("demo data: area {}", i.area)))?;
            let issue = policies::create_issue(
                &org.db.conn,
                policy.id,
                IssueFields {
                    area,
                    number: i.number,
                    policy_field: i.policy_field,
                    impact: i.impact.as_deref().and_then(Level::parse),
                    urgency: i.urgency.as_deref().and_then(Level::parse),
                    title: i.title,
                    content: i.content,
                    background: i.background,
                    target_outcome: i.target_outcome,
                    actions: i.actions,
                    // No seed states an issue's status in a word; the owner gives it with an answer.
                    status: None,
                },
                org.actor,
            )
            .await
            .map_err(|e| failed("policy issue")(&e))?;
            org.loaded.policy_issues += 1;
            for m in i.milestones {
                let quarter = Quarter::new(m.quarter).ok_or_else(|| {
                    StartError::Setup(format!("demo data: quarter {}", m.quarter))
                })?;
                let state = MilestoneState::parse(&m.state).ok_or_else(|| {
                    StartError::Setup(format!("demo data: milestone state {}", m.state))
                })?;
                let fields = MilestoneFields {
                    workstream: m.workstream,
                    quarter,
                    title: m.title,
                    state,
                    done_on: m.done_on,
                    slip_reason: m.evidence.filter(|_| state == MilestoneState::Slipped),
                };
                // The rules the API holds milestones to: a day only when done, a reason when slipped.
                if let Some(conflict) = fields.conflict() {
                    return Err(StartError::Setup(format!(
                        "demo data: milestone {} ({}): {conflict:?}",
                        fields.title, m.state
                    )));
                }
                policies::create_milestone(&org.db.conn, issue.id, fields, org.actor)
                    .await
                    .map_err(|e| failed("milestone")(&e))?;
            }
            for n in i.progress_notes {
                policies::create_note(
                    &org.db.conn,
                    issue.id,
                    n.as_of,
                    n.as_of_label,
                    n.body,
                    org.actor,
                )
                .await
                .map_err(|e| failed("progress note")(&e))?;
            }
            for k in i.kpis {
                let kpi = policies::create_kpi(
                    &org.db.conn,
                    issue.id,
                    KpiFields {
                        name: k.name,
                        unit: k.unit,
                        baseline_value: k.baseline_value,
                        baseline_on: k.baseline_on,
                        target_value: k.target_value,
                        target_on: k.target_on,
                        note: k.note,
                        // Read from the baseline and the target: the seeds state no other.
                        direction: None,
                        tolerance: None,
                    },
                    org.actor,
                )
                .await
                .map_err(|e| failed("kpi")(&e))?;
                for a in k.actuals {
                    policies::add_actual(
                        &org.db.conn,
                        kpi.id,
                        a.value,
                        a.measured_on,
                        a.note,
                        org.actor,
                    )
                    .await
                    .map_err(|e| failed("kpi actual")(&e))?;
                }
            }
        }
    }
    Ok(())
}

async fn load_ledger(org: &mut Organisation<'_>, file: LedgerFile) -> Result<(), StartError> {
    for t in file.targets {
        let target = ledger::create_target(
            &org.db.conn,
            domain::ledger::TargetFields {
                code: t.code,
                name: t.name,
                metric: t.metric,
                unit: t.unit,
                target_value: t.target_value,
                due_on: t.due_on,
                description: t.description,
            },
            org.actor,
        )
        .await
        .map_err(|e| failed("target")(&e))?;
        for m in t.measurements {
            ledger::add_measurement(
                &org.db.conn,
                target.id,
                domain::ledger::MeasurementFields {
                    value: m.value,
                    measured_on: m.measured_on,
                    fiscal_year: m.fiscal_year,
                    source: m.source,
                    note: m.note,
                },
                org.actor,
            )
            .await
            .map_err(|e| failed("measurement")(&e))?;
        }
        org.loaded.targets += 1;
    }
    for s in file.digital_systems {
        // The seed names only 保健所 for one system; its bureau is not guessed.
        let Some(bureau) = s.bureau.as_deref() else {
            org.loaded.systems_without_bureau.push(s.name);
            continue;
        };
        let section_id = org.section(bureau, &s.section).await?;
        let platform = Platform::parse(&s.platform).unwrap_or(Platform::Other);
        let status = SystemStatus::parse(&s.status).unwrap_or(SystemStatus::Production);
        ledger::create_system(
            &org.db.conn,
            domain::ledger::SystemFields {
                name: s.name,
                section_id,
                platform,
                built_in_house: s.built_in_house,
                status,
                trial_started_on: None,
                production_started_on: s.production_started_on,
                retired_on: None,
                workflow_before: s.workflow_before,
                workflow_after: s.workflow_after,
                annual_hours_saved: s.annual_hours_saved,
                hours_basis: None,
                cost_effect_yen: s.cost_effect_yen,
                note: s.note,
            },
            org.actor,
        )
        .await
        .map_err(|e| failed("digital system")(&e))?;
        org.loaded.digital_systems += 1;
    }
    Ok(())
}

fn record_kinds(names: &[String]) -> Result<Vec<RecordKind>, StartError> {
    names
        .iter()
        .map(|n| {
            RecordKind::parse(n)
                .ok_or_else(|| StartError::Setup(format!("demo data: record kind {n}")))
        })
        .collect()
}

/// 令和 year of a fiscal year (FY2019 is 令和元年度, written 1 here).
fn reiwa(fiscal_year: i32) -> i32 {
    fiscal_year - 2018
}

/// The rounds of the seeds, replayed and dated to when the city held them, and one open round
/// of the quarter before today's (see `data/demo/README.md`).
async fn load_rounds(
    org: &mut Organisation<'_>,
    file: RoundsFile,
    latest_year: i32,
) -> Result<(), StartError> {
    let conn = &org.db.conn;
    // The demo's rounds plan their reminders as configured rounds do by default: the official
    // calendar, the default schedule, 09:00 in Tokyo.
    let calendar = domain::calendar::BusinessCalendar::official()
        .map_err(|e| failed("the business calendar")(&e))?;
    let schedule = domain::calendar::ReminderSchedule::default();
    let plan = persistence::round_reminders::ReminderPlan {
        calendar: &calendar,
        default_schedule: &schedule,
        today: (Utc::now() + chrono::Duration::hours(9)).date_naive(),
        at: chrono::NaiveTime::from_hms_opt(9, 0, 0).unwrap_or_default(),
    };
    for row in file.closed_rounds {
        let mut bureau_ids = Vec::new();
        for name in &row.bureaus {
            bureau_ids.push(org.bureau(name).await?);
        }
        if let Some(at) = row.policies_written_at {
            let fiscal_year = if row.as_of.month() >= 4 {
                row.as_of.year()
            } else {
                row.as_of.year() - 1
            };
            for bureau_id in &bureau_ids {
                let listed = policies::list_policies(
                    conn,
                    &policies::PolicyFilter {
                        bureau_id: Some(*bureau_id),
                        fiscal_year: Some(fiscal_year),
                        text: None,
                    },
                    persistence::PageRequest {
                        page: 1,
                        per_page: 10,
                    },
                )
                .await
                .map_err(|e| failed("policies")(&e))?;
                for policy in listed.items {
                    policies::date_transcribed(conn, policy.id, at.with_timezone(&Utc))
                        .await
                        .map_err(|e| failed("policy dates")(&e))?;
                }
            }
        }
        let fields = RoundFields {
            title: row.title,
            as_of: row.as_of,
            due_on: row.due_on,
            record_kinds: record_kinds(&row.record_kinds)?,
            scope: RoundScope {
                bureau_ids,
                section_ids: Vec::new(),
            },
            reminder_schedule: None,
        };
        let round = rounds::create(conn, fields, None, org.actor)
            .await
            .map_err(|e| failed("round")(&e))?;
        let (round, requests) = rounds::open(conn, round.id, round.version, &plan, org.actor)
            .await
            .map_err(|e| failed("round open")(&e))?;
        for request in requests {
            let request = answer_all(org, request.id).await?;
            let request = rounds::submit(conn, request.id, request.version, org.actor)
                .await
                .map_err(|e| failed("round submit")(&e))?;
            rounds::accept(conn, request.id, request.version, org.actor)
                .await
                .map_err(|e| failed("round accept")(&e))?;
        }
        let round = rounds::close(conn, round.id, round.version, org.actor)
            .await
            .map_err(|e| failed("round close")(&e))?;
        let closed_at = row.closed_at.with_timezone(&Utc);
        rounds::date_transcribed(
            conn,
            round.id,
            HeldAt {
                opened_at: row.opened_at.with_timezone(&Utc),
                answered_at: row.answered_at.with_timezone(&Utc),
                accepted_at: row.accepted_at.with_timezone(&Utc),
                closed_at,
            },
        )
        .await
        .map_err(|e| failed("round dates")(&e))?;
        let bureau = rounds::report_bureau(conn, &round.fields.scope)
            .await
            .map_err(|e| failed("round report")(&e))?;
        as_known::store_round_report(conn, round.id, round.fields.as_of, closed_at, bureau)
            .await
            .map_err(|e| failed("round report")(&e))?;
        org.loaded.rounds += 1;
    }
    load_open_round(org, file.open_round, latest_year, &plan).await
}

/// Answers every item of request #`request_id` 変更なし: the transcribed records are what the
/// owners reported.
async fn answer_all(
    org: &Organisation<'_>,
    request_id: i64,
) -> Result<rounds::Request, StartError> {
    let conn = &org.db.conn;
    let mut request = rounds::find_request(conn, request_id)
        .await
        .map_err(|e| failed("request")(&e))?
        .ok_or_else(|| StartError::Setup(format!("demo data: request {request_id}")))?;
    for item in rounds::items_of(conn, request_id)
        .await
        .map_err(|e| failed("request items")(&e))?
    {
        let (after, _) = rounds::answer_item(
            conn,
            request_id,
            item.id,
            Answer {
                outcome: Outcome::Unchanged,
                comment: None,
                user_id: None,
            },
            org.actor,
        )
        .await
        .map_err(|e| failed("answer")(&e))?;
        request = after;
    }
    Ok(request)
}

/// The round at work: 基準日 the end of last month (in the demo's latest fiscal year at most, so
/// it asks about the transcribed records), due a few days ago, its requests in every state.
async fn load_open_round(
    org: &mut Organisation<'_>,
    row: OpenRoundRow,
    latest_year: i32,
    plan: &persistence::round_reminders::ReminderPlan<'_>,
) -> Result<(), StartError> {
    let conn = &org.db.conn;
    let today = (Utc::now() + chrono::Duration::hours(9)).date_naive();
    let last_month_end = today
        .with_day(1)
        .and_then(|d| d.pred_opt())
        .ok_or_else(|| StartError::Setup("demo data: last month".into()))?;
    let year_end = day((latest_year + 1, 3, 31))?;
    let as_of = last_month_end.min(year_end);
    let due_on = (today - chrono::Duration::days(row.overdue_by_days)).max(as_of);
    let fiscal_year = if as_of.month() >= 4 {
        as_of.year()
    } else {
        as_of.year() - 1
    };
    let quarter = match as_of.month() {
        4..=6 => 1,
        7..=9 => 2,
        10..=12 => 3,
        _ => 4,
    };
    let title = row
        .title
        .replace("{year}", &format!("令和{}", reiwa(fiscal_year)))
        .replace("{quarter}", &quarter.to_string());
    let editor_bureau = org.bureau(&row.editor_bureau).await?;
    let round = rounds::create(
        conn,
        RoundFields {
            title,
            as_of,
            due_on,
            record_kinds: record_kinds(&row.record_kinds)?,
            scope: RoundScope::default(),
            reminder_schedule: None,
        },
        None,
        org.actor,
    )
    .await
    .map_err(|e| failed("open round")(&e))?;
    let (_, requests) = rounds::open(conn, round.id, round.version, plan, org.actor)
        .await
        .map_err(|e| failed("open round open")(&e))?;
    // The demo editor's bureau is left to answer; the others show the office's other states.
    let mut others = requests
        .into_iter()
        .filter(|r| r.bureau_id != editor_bureau)
        .map(|r| r.id);
    for _ in 0..row.accepted {
        let Some(id) = others.next() else { break };
        let request = answer_all(org, id).await?;
        let request = rounds::submit(conn, id, request.version, org.actor)
            .await
            .map_err(|e| failed("open round submit")(&e))?;
        rounds::accept(conn, id, request.version, org.actor)
            .await
            .map_err(|e| failed("open round accept")(&e))?;
    }
    for _ in 0..row.submitted {
        let Some(id) = others.next() else { break };
        let request = answer_all(org, id).await?;
        rounds::submit(conn, id, request.version, org.actor)
            .await
            .map_err(|e| failed("open round submit")(&e))?;
    }
    for _ in 0..row.returned {
        let Some(id) = others.next() else { break };
        let request = answer_all(org, id).await?;
        let request = rounds::submit(conn, id, request.version, org.actor)
            .await
            .map_err(|e| failed("open round submit")(&e))?;
        rounds::return_request(
            conn,
            id,
            request.version,
            row.return_comment.clone(),
            org.actor,
        )
        .await
        .map_err(|e| failed("open round return")(&e))?;
    }
    for _ in 0..row.in_progress {
        let Some(id) = others.next() else { break };
        let items = rounds::items_of(conn, id)
            .await
            .map_err(|e| failed("request items")(&e))?;
        if let Some(item) = items.first() {
            rounds::answer_item(
                conn,
                id,
                item.id,
                Answer {
                    outcome: Outcome::Unchanged,
                    comment: None,
                    user_id: None,
                },
                org.actor,
            )
            .await
            .map_err(|e| failed("open round answer")(&e))?;
        }
    }
    org.loaded.rounds += 1;
    Ok(())
}
