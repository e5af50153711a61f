//! A synthetic city for the benchmark: proposals moving through their sections' stages (with
//! back-dated corrections and consultations), reforms with tags and periods, and an audit trail,
//! at any volume, reproducible from a seed.
//!
//! The rows are written straight into the tables in large batches, with ids counted on from the
//! highest present, because the repositories' one-record transactions would take hours at the
//! national scale the benchmark asks for. Everything derived is then recounted as a restore
//! does: the search indexes by their triggers, the dashboard tallies by `tallies::rebuild`, the record
//! history by `history::backfill`.

use crate::entities::{
    audit_event, consultation, proposal, proposal_assignment, reform, reform_tag, section,
    stage_event,
};
use crate::{Database, StoreError};
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use domain::proposal::{ImplementationStatus, Stage, StageEvent, StageState};
use domain::reform::{Classification, ReformStatus};
use domain::search::search_form;
use sea_orm::{
    ActiveValue::Set, ConnectionTrait, DatabaseBackend, EntityTrait, QuerySelect, TransactionTrait,
};

/// How much to make.
#[derive(Debug, Clone)]
pub struct SynthSpec {
    pub fiscal_year: i32,
    pub proposals: u64,
    /// Spread over the proposals' sections; at least one per proposal.
    pub stage_events: u64,
    pub reforms: u64,
    pub audit_events: u64,
    pub seed: u64,
}

/// What was written, table by table.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SynthReport {
    pub proposals: u64,
    pub assignments: u64,
    pub stage_events: u64,
    pub consultations: u64,
    pub reforms: u64,
    pub reform_tags: u64,
    pub audit_events: u64,
}

/// splitmix64: small, fast and the same on every machine, which is all a generator of test data
/// needs.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// 0 ≤ n < bound.
    fn below(&mut self, bound: u64) -> u64 {
        if bound == 0 { 0 } else { self.next() % bound }
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[usize::try_from(self.below(items.len() as u64)).unwrap_or(0)]
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

const OBJECTS: [&str; 16] = [
    "申請書",
    "会議資料",
    "窓口受付",
    "出張旅費",
    "庁内照会",
    "決裁文書",
    "押印",
    "kintone台帳",
    "RPA処理",
    "Teams会議",
    "郵送通知",
    "統計調査",
    "研修受付",
    "物品購入",
    "公用車予約",
    "問い合わせ対応",
];
const ACTIONS: [&str; 10] = [
    "電子化",
    "簡素化",
    "廃止",
    "見直し",
    "自動化",
    "集約",
    "共有化",
    "標準化",
    "オンライン化",
    "ペーパーレス化",
];
const PAINS: [&str; 6] = [
    "手作業で時間がかかる",
    "紙の回覧で所在が分からない",
    "同じ内容を何度も入力している",
    "担当者しか手順が分からない",
    "市民が窓口に何度も来る必要がある",
    "確認のための電話が多い",
];
const TAGS: [&str; 24] = [
    "kintone",
    "RPA",
    "ペーパーレス",
    "窓口改善",
    "AI",
    "Teams",
    "電子申請",
    "業務削減",
    "押印廃止",
    "会議改革",
    "テレワーク",
    "データ活用",
    "BPR",
    "オープンデータ",
    "LINE",
    "キャッシュレス",
    "職員提案",
    "研修",
    "標準化",
    "共有フォルダ",
    "生成AI",
    "電子決裁",
    "市民サービス",
    "働き方",
];

/// 09:00 in Japan, when the day's work is recorded.
fn tokyo_nine_am(day: NaiveDate) -> DateTime<Utc> {
    day.and_time(NaiveTime::MIN).and_utc()
}

/// Writes the synthetic city into a database that already holds an organisation (the demo
/// data's bureaus and sections).
pub async fn synthesize(
    db: &Database,
    spec: &SynthSpec,
    progress: &mut (dyn FnMut(&str, u64, u64) + Send),
) -> Result<SynthReport, StoreError> {
    let conn = &db.conn;
    let sections: Vec<(i64, i64)> = section::Entity::find()
        .select_only()
        .column(section::Column::Id)
        .column(section::Column::BureauId)
        .into_tuple()
        .all(conn)
        .await?;
    if sections.is_empty() {
        return Err(StoreError::MissingReference(
            "an organisation (load the demo data first)",
        ));
    }
    let mut bureaus: Vec<i64> = sections.iter().map(|(_, b)| *b).collect();
    bureaus.sort_unstable();
    bureaus.dedup();
    let themes = crate::proposals::find_project_team_by_year(conn, spec.fiscal_year)
        .await?
        .map(|t| t.themes)
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| vec!["ユーザーの困りごと".into(), "職員の困りごと".into()]);
    let first_day = NaiveDate::from_ymd_opt(spec.fiscal_year, 4, 1)
        .ok_or_else(|| StoreError::Corrupt(format!("fiscal year {}", spec.fiscal_year)))?;
    let last_day = NaiveDate::from_ymd_opt(spec.fiscal_year + 1, 3, 31).unwrap_or(first_day);
    let year_days = (last_day - first_day).num_days().max(1) as u64;
    let day_in_year = |offset: u64| -> NaiveDate {
        (first_day + Duration::days(i64::try_from(offset).unwrap_or(0))).min(last_day)
    };
    let mut dice = Dice(spec.seed);
    let mut report = SynthReport::default();

    let mut next_proposal = max_id(conn, "proposals").await? + 1;
    let mut next_assignment = max_id(conn, "proposal_assignments").await? + 1;
    let mut next_event = max_id(conn, "stage_events").await? + 1;
    let mut next_consultation = max_id(conn, "consultations").await? + 1;
    let per_proposal = spec.stage_events / spec.proposals.max(1);
    let extra = spec.stage_events % spec.proposals.max(1);

    let mut proposals = Vec::new();
    let mut assignments = Vec::new();
    let mut events = Vec::new();
    let mut consultations = Vec::new();
    for i in 0..spec.proposals {
        let id = next_proposal;
        next_proposal += 1;
        let created_on = day_in_year(dice.below(year_days * 3 / 4));
        let event_count = (per_proposal + u64::from(i < extra)).max(1);
        let assignment_count = (1 + dice.below(3)).min(event_count);
        let mut current_stages = Vec::new();
        let mut recorded = tokyo_nine_am(created_on);
        let mut taken_sections: Vec<i64> = Vec::new();
        for a in 0..assignment_count.min(sections.len() as u64) {
            let assignment_id = next_assignment;
            next_assignment += 1;
            // A section holds a proposal once.
            let mut section = dice.pick(&sections).0;
            while taken_sections.contains(&section) {
                section = dice.pick(&sections).0;
            }
            taken_sections.push(section);
            let mine =
                event_count / assignment_count + u64::from(a < event_count % assignment_count);
            let path: &[Stage] = if dice.chance(10) {
                &[Stage::AlreadyHandled]
            } else {
                &[Stage::Presented, Stage::Discussed, Stage::Decided]
            };
            let mut day = (created_on + Duration::days(i64::try_from(dice.below(20)).unwrap_or(0)))
                .min(last_day);
            let mut written: Vec<StageEvent> = Vec::new();
            for m in 0..mine {
                let (stage, effective_on) = if (m as usize) < path.len() {
                    if m > 0 {
                        day = (day
                            + Duration::days(3 + i64::try_from(dice.below(40)).unwrap_or(0)))
                        .min(last_day);
                    }
                    (path[m as usize], day)
                } else {
                    // A correction recorded later, in force from a few days before or after
                    // the entry it corrects.
                    let corrected = dice.pick(&written).clone();
                    let shift = i64::try_from(dice.below(11)).unwrap_or(0) - 5;
                    (
                        corrected.state.stage,
                        (corrected.effective_on + Duration::days(shift)).clamp(first_day, last_day),
                    )
                };
                let decision = (stage == Stage::Decided).then(|| {
                    if dice.chance(70) {
                        domain::proposal::Decision::Continue
                    } else {
                        domain::proposal::Decision::End
                    }
                });
                recorded = recorded.max(tokyo_nine_am(effective_on)) + Duration::minutes(1);
                written.push(StageEvent {
                    assignment_id,
                    state: StageState { stage, decision },
                    effective_on,
                    recorded_at: recorded,
                });
                events.push(stage_event::ActiveModel {
                    id: Set(next_event),
                    proposal_id: Set(id),
                    assignment_id: Set(assignment_id),
                    to_stage: Set(i16::from(stage.number())),
                    decision: Set(decision.map(|d| d.as_str().to_owned())),
                    effective_on: Set(effective_on),
                    recorded_at: Set(recorded),
                    actor_id: Set(None),
                    actor_label: Set("合成データ".into()),
                    note: Set(None),
                });
                next_event += 1;
            }
            let now_state = domain::proposal::state_on(&written, last_day + Duration::days(3650));
            current_stages.extend(now_state.map(|s| s.stage));
            assignments.push(proposal_assignment::ActiveModel {
                id: Set(assignment_id),
                proposal_id: Set(id),
                section_id: Set(section),
                stage: Set(now_state.map(|s| i16::from(s.stage.number()))),
                decision: Set(now_state
                    .and_then(|s| s.decision)
                    .map(|d| d.as_str().to_owned())),
                created_at: Set(tokyo_nine_am(created_on)),
            });
        }
        if dice.chance(50) {
            consultations.push(consultation::ActiveModel {
                id: Set(next_consultation),
                proposal_id: Set(id),
                held_on: Set((created_on
                    + Duration::days(10 + i64::try_from(dice.below(120)).unwrap_or(0)))
                .min(last_day)),
                participants: Set("PTメンバー、所管課".into()),
                note: Set("進め方を協議".into()),
                recorded_at: Set(recorded),
                actor_label: Set("合成データ".into()),
            });
            next_consultation += 1;
        }
        let object = dice.pick(&OBJECTS);
        let action = dice.pick(&ACTIONS);
        let pain = dice.pick(&PAINS);
        let theme = dice.pick(&themes).clone();
        let title = format!("{object}の{action}");
        let pain_point = format!("{object}について、{pain}。");
        let solution = format!("{object}を{action}し、処理時間を減らす。");
        let number = format!("合成-{:06}", i + 1);
        let search_text =
            search_form(&[number.as_str(), &theme, &title, &pain_point, &solution].join("\n"));
        let status = if dice.chance(60) {
            None
        } else {
            Some(dice.pick(&ImplementationStatus::ALL).as_str().to_owned())
        };
        proposals.push(proposal::ActiveModel {
            id: Set(id),
            fiscal_year: Set(spec.fiscal_year),
            number: Set(Some(number)),
            theme: Set(theme),
            scene: Set(None),
            viewpoint: Set(None),
            title: Set(title),
            pain_point: Set(Some(pain_point)),
            proposed_solution: Set(Some(solution)),
            implementation_status: Set(status),
            outcome_period_text: Set(None),
            outcome_text: Set(None),
            continues_proposal_id: Set(None),
            created_by_user_id: Set(None),
            stage: Set(
                domain::proposal::most_advanced(current_stages).map(|s| i16::from(s.number()))
            ),
            search_text: Set(search_text),
            version: Set(1),
            created_at: Set(tokyo_nine_am(created_on)),
            updated_at: Set(tokyo_nine_am(created_on)),
        });
        if proposals.len() >= 5_000 || i + 1 == spec.proposals {
            report.proposals += proposals.len() as u64;
            report.assignments += assignments.len() as u64;
            report.stage_events += events.len() as u64;
            report.consultations += consultations.len() as u64;
            insert_all::<proposal::Entity, _>(conn, std::mem::take(&mut proposals)).await?;
            insert_all::<proposal_assignment::Entity, _>(conn, std::mem::take(&mut assignments))
                .await?;
            insert_all::<stage_event::Entity, _>(conn, std::mem::take(&mut events)).await?;
            insert_all::<consultation::Entity, _>(conn, std::mem::take(&mut consultations)).await?;
            progress("proposals", report.proposals, spec.proposals);
        }
    }

    let mut next_reform = max_id(conn, "reforms").await? + 1;
    let mut next_tag = max_id(conn, "reform_tags").await? + 1;
    let mut reforms = Vec::new();
    let mut tags = Vec::new();
    for i in 0..spec.reforms {
        let id = next_reform;
        next_reform += 1;
        let bureau = *dice.pick(&bureaus);
        let object = dice.pick(&OBJECTS);
        let action = dice.pick(&ACTIONS);
        let title = format!("{object}の{action}");
        let problem = format!("{object}に{}。", dice.pick(&PAINS));
        let (period_text, period_start) = match dice.below(10) {
            0 => (None, None),
            1 => (Some("随時".to_owned()), None),
            _ => {
                let start = day_in_year(dice.below(year_days));
                let month = start.format("%Y-%m").to_string();
                (
                    Some(format!("{month}～")),
                    NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d").ok(),
                )
            }
        };
        let mut written_tags: Vec<&str> = Vec::new();
        for _ in 0..dice.below(4) {
            let tag = *dice.pick(&TAGS);
            if !written_tags.contains(&tag) {
                written_tags.push(tag);
            }
        }
        let mut text: Vec<&str> = vec![&title, &problem];
        text.extend(period_text.as_deref());
        text.extend(written_tags.iter().copied());
        let created = tokyo_nine_am(day_in_year(dice.below(year_days)));
        for tag in &written_tags {
            tags.push(reform_tag::ActiveModel {
                id: Set(next_tag),
                reform_id: Set(id),
                tag: Set((*tag).to_owned()),
                tag_key: Set(search_form(tag)),
            });
            next_tag += 1;
        }
        reforms.push(reform::ActiveModel {
            id: Set(id),
            fiscal_year: Set(spec.fiscal_year),
            bureau_id: Set(bureau),
            report_number: Set(None),
            classification: Set(if dice.chance(10) {
                None
            } else {
                Some(dice.pick(&Classification::ALL).as_str().to_owned())
            }),
            source_proposal_id: Set(None),
            search_text: Set(search_form(&text.join("\n"))),
            title: Set(title),
            problem: Set(Some(problem)),
            action: Set(Some(format!("{object}を{action}した。"))),
            effect: Set(None),
            period_text: Set(period_text),
            period_start: Set(period_start),
            period_end: Set(None),
            status: Set(dice.pick(&ReformStatus::ALL).as_str().to_owned()),
            featured: Set(false),
            created_by_user_id: Set(None),
            version: Set(1),
            created_at: Set(created),
            updated_at: Set(created),
        });
        if reforms.len() >= 10_000 || i + 1 == spec.reforms {
            report.reforms += reforms.len() as u64;
            report.reform_tags += tags.len() as u64;
            insert_all::<reform::Entity, _>(conn, std::mem::take(&mut reforms)).await?;
            insert_all::<reform_tag::Entity, _>(conn, std::mem::take(&mut tags)).await?;
            progress("reforms", report.reforms, spec.reforms);
        }
    }

    let mut next_audit = max_id(conn, "audit_events").await? + 1;
    let first_proposal = next_proposal - i64::try_from(spec.proposals).unwrap_or(0);
    let mut audit = Vec::new();
    for i in 0..spec.audit_events {
        let (action, entity_type) = *dice.pick(&[
            ("proposal.stage_change", "proposal"),
            ("proposal.update", "proposal"),
            ("proposal.consultation", "proposal"),
            ("reform.update", "reform"),
        ]);
        let entity = first_proposal + i64::try_from(dice.below(spec.proposals.max(1))).unwrap_or(0);
        let at = tokyo_nine_am(day_in_year(dice.below(year_days)))
            + Duration::seconds(i64::try_from(dice.below(8 * 3600)).unwrap_or(0));
        audit.push(audit_event::ActiveModel {
            id: Set(next_audit),
            occurred_at: Set(at),
            actor_kind: Set("command_line".into()),
            actor_id: Set(None),
            actor_label: Set("合成データ".into()),
            action: Set(action.into()),
            entity_type: Set(entity_type.into()),
            entity_id: Set(entity.to_string()),
            before: Set(Some(format!("{{\"id\":{entity},\"version\":1}}"))),
            after: Set(Some(format!("{{\"id\":{entity},\"version\":2}}"))),
            request_id: Set(None),
            source: Set(Some("synth".into())),
        });
        next_audit += 1;
        if audit.len() >= 20_000 || i + 1 == spec.audit_events {
            report.audit_events += audit.len() as u64;
            insert_all::<audit_event::Entity, _>(conn, std::mem::take(&mut audit)).await?;
            progress("audit events", report.audit_events, spec.audit_events);
        }
    }

    if db.backend() == DatabaseBackend::Postgres {
        for table in [
            "proposals",
            "proposal_assignments",
            "stage_events",
            "consultations",
            "reforms",
            "reform_tags",
            "audit_events",
        ] {
            conn.execute_unprepared(&format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), \
                 COALESCE((SELECT MAX(id) FROM {table}), 1), \
                 (SELECT MAX(id) FROM {table}) IS NOT NULL)"
            ))
            .await?;
        }
        conn.execute_unprepared("ANALYZE").await?;
    }
    progress("dashboard tallies", 0, 1);
    let txn = crate::begin_write(conn).await?;
    crate::tallies::rebuild(&txn).await?;
    // The rows were written directly: their first versions are those they hold now.
    crate::history::backfill(&txn).await?;
    sea_orm::TransactionSession::commit(txn).await?;
    db.refresh_statistics().await?;
    progress("dashboard tallies", 1, 1);
    Ok(report)
}

async fn max_id<C: ConnectionTrait>(conn: &C, table: &'static str) -> Result<i64, StoreError> {
    let row = conn
        .query_one_raw(sea_orm::Statement::from_string(
            conn.get_database_backend(),
            format!("SELECT CAST(COALESCE(MAX(id), 0) AS BIGINT) AS top FROM {table}"),
        ))
        .await?
        .ok_or_else(|| StoreError::Corrupt(format!("no maximum id of {table}")))?;
    Ok(row.try_get::<i64>("", "top")?)
}

/// Inserts the rows in one transaction, in statements of as many rows as both backends take.
async fn insert_all<E, C>(conn: &C, rows: Vec<E::ActiveModel>) -> Result<(), StoreError>
where
    E: EntityTrait,
    C: ConnectionTrait + TransactionTrait,
{
    let columns = <E::Column as sea_orm::Iterable>::iter().count().max(1);
    let per_statement = (30_000 / columns).max(1);
    let txn = crate::begin_write(conn).await?;
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let batch: Vec<E::ActiveModel> = rows.by_ref().take(per_statement).collect();
        E::insert_many(batch).exec_without_returning(&txn).await?;
    }
    sea_orm::TransactionSession::commit(txn).await?;
    Ok(())
}
