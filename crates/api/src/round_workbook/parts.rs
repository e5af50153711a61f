//! The workbook's part sheets: rows that belong to an item listed on another sheet. マイルストーン
//! holds each policy issue's milestones, one row each, to move to 完了 (with the day) or 遅延
//! (with the reason); 改革の効果 holds each reform's quantified effects, whose rows are the
//! reform's effects (added, changed or removed by editing the rows). Part sheets are read before
//! the items' own sheets, and what they change is written with the item's row (the issue's
//! check-in, the reform's write) under that row's answer, so a part never answers on its own.

use super::{
    FieldChangeOut, ITEM, Page, Reading, TITLE, UNIT, VERSION, WorkbookRowErrorOut, parse_number,
    text_rule,
};
use crate::tabular::cells::{Cell, CellKind};
use crate::tabular::columns::Head;
use crate::tabular::import::day_of_text;
use chrono::NaiveDate;
use domain::policy::{MilestoneConflict, MilestoneState};
use domain::reform::{Effect, EffectKind};
use domain::round::RecordKind;
use persistence::policies::MilestoneMove;
use persistence::rounds::{Item, RecordNow};
use std::collections::{HashMap, HashSet};

pub(super) const MILESTONE_SHEET: &str = "マイルストーン";
pub(super) const EFFECT_SHEET: &str = "改革の効果";

/// A reform's effects as one value of the dry run's changes.
pub(super) const EFFECTS: Head = Head::new("effects", "効果", CellKind::Text);
const MILESTONE_CHANGE: &str = "milestone";

const ISSUE: Head = Head::new("issue", "課題", CellKind::Text);
const MILESTONE: Head = Head::new("milestone_id", "マイルストーンID", CellKind::Integer);
const QUARTER: Head = Head::new("quarter", "四半期", CellKind::Text);
const STATE: Head = Head::new("state", "状態（予定／完了／遅延）", CellKind::Text);
const DONE_ON: Head = Head::new("done_on", "完了日", CellKind::Date);
const SLIP_REASON: Head = Head::new("slip_reason", "遅延の理由", CellKind::Text);
const REFORM: Head = Head::new("reform", "取組", CellKind::Text);
const KIND: Head = Head::new("kind", "種類", CellKind::Text);
const VALUE: Head = Head::new("value", "値", CellKind::Number);
const BASIS: Head = Head::new("basis", "根拠", CellKind::Text);

/// The effects one reform may carry, as `PUT /reforms/{id}` allows.
const MOST_EFFECTS: usize = 20;

// ---------------------------------------------------------------------------------------------
// Download

pub(super) fn milestone_columns() -> Vec<Head> {
    vec![
        ITEM,
        ISSUE,
        MILESTONE,
        VERSION,
        QUARTER,
        TITLE,
        STATE,
        DONE_ON,
        SLIP_REASON,
    ]
}

pub(super) fn effect_columns() -> Vec<Head> {
    vec![ITEM, REFORM, KIND, VALUE, UNIT, BASIS]
}

/// One row per milestone of the issue `item` asks about, as it stands now.
pub(super) fn milestone_rows(item: &Item, now: &RecordNow) -> Vec<Vec<Cell>> {
    now.values["milestones"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|m| {
            vec![
                Cell::Integer(item.id),
                Cell::text(now.title.clone()),
                Cell::opt_integer(m["id"].as_i64()),
                Cell::opt_integer(m["version"].as_i64()),
                Cell::opt_text(quarter_text(&m["quarter"])),
                Cell::opt_text(m["title"].as_str().map(str::to_owned)),
                Cell::opt_text(
                    m["state"]
                        .as_str()
                        .and_then(MilestoneState::parse)
                        .map(|s| s.label_ja().to_owned()),
                ),
                Cell::opt_date(m["done_on"].as_str().and_then(|d| d.parse().ok())),
                Cell::opt_text(m["slip_reason"].as_str().map(str::to_owned)),
            ]
        })
        .collect()
}

/// One row per quantified effect of the reform `item` asks about.
pub(super) fn effect_rows(item: &Item, now: &RecordNow) -> Vec<Vec<Cell>> {
    now.values["effects"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| {
            vec![
                Cell::Integer(item.id),
                Cell::text(now.title.clone()),
                Cell::opt_text(
                    e["kind"]
                        .as_str()
                        .and_then(EffectKind::parse)
                        .map(|k| k.label_ja().to_owned()),
                ),
                Cell::opt_number(e["value"].as_f64()),
                Cell::opt_text(e["unit"].as_str().map(str::to_owned)),
                Cell::opt_text(e["basis"].as_str().map(str::to_owned)),
            ]
        })
        .collect()
}

/// A reform's effects as they stand (in `records_now`'s values).
fn effects_now(now: &RecordNow) -> Vec<Effect> {
    now.values["effects"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| {
            Some(Effect {
                kind: e["kind"].as_str().and_then(EffectKind::parse)?,
                value: e["value"].as_f64()?,
                unit: e["unit"].as_str()?.to_owned(),
                basis: e["basis"].as_str().map(str::to_owned),
            })
        })
        .collect()
}

/// A reform's effects in one line of text, as the dry run shows them.
pub(super) fn effects_text(effects: &[Effect]) -> Option<String> {
    (!effects.is_empty()).then(|| {
        effects
            .iter()
            .map(|e| format!("{} {} {}", e.kind.label_ja(), e.value, e.unit))
            .collect::<Vec<_>>()
            .join("、")
    })
}

// ---------------------------------------------------------------------------------------------
// Upload

/// A milestone moved by its row, and the change the dry run shows.
pub(super) struct MilestoneEdit {
    pub(super) moved: MilestoneMove,
    pub(super) change: FieldChangeOut,
}

/// Where a part row was read: its sheet and row, for a refusal that names it.
struct RowAt {
    sheet: &'static str,
    row: u32,
}

/// What the part sheets give each item, read before the items' own rows.
#[derive(Default)]
pub(super) struct Parts {
    milestones: HashMap<i64, Vec<MilestoneEdit>>,
    /// Each reform item's effects as its rows give them; `None` when the workbook has no
    /// 改革の効果 sheet (the effects are then left as they are).
    effects: Option<HashMap<i64, Vec<Effect>>>,
    /// The first part row of each item that has any, for an item whose own row is missing.
    first_row: HashMap<i64, RowAt>,
    /// Items with a refused part row: their own row is refused with them.
    refused: HashSet<i64>,
    /// Reform items whose effect rows give the effects they have now: rows left as downloaded
    /// ask nothing, so they need no row of their item.
    effects_as_they_are: HashSet<i64>,
}

/// What is needed to read a part row: the request's items, the records as they stand now and
/// the day a milestone done without a day is done on (基準日, or today when 基準日 is ahead:
/// nothing is done in the future).
pub(super) struct PartContext<'a> {
    pub(super) items: &'a HashMap<i64, &'a Item>,
    pub(super) now: &'a HashMap<(RecordKind, i64), RecordNow>,
    pub(super) done_on: NaiveDate,
}

impl Parts {
    /// Takes the part sheets out of `pages` and reads them; a refused row is recorded in
    /// `errors` and refuses its item.
    pub(super) fn read(
        pages: &mut Vec<Page>,
        context: &PartContext<'_>,
        errors: &mut Vec<WorkbookRowErrorOut>,
    ) -> Parts {
        let mut parts = Parts::default();
        let (part_pages, others): (Vec<Page>, Vec<Page>) = std::mem::take(pages)
            .into_iter()
            .partition(|p| p.name == MILESTONE_SHEET || p.name == EFFECT_SHEET);
        *pages = others;
        for page in part_pages {
            let (sheet, required): (&'static str, &[Head]) = if page.name == MILESTONE_SHEET {
                (MILESTONE_SHEET, &[ITEM, MILESTONE, VERSION, STATE])
            } else {
                (EFFECT_SHEET, &[ITEM, KIND, VALUE, UNIT])
            };
            let headers: HashMap<&str, usize> = page
                .headers
                .iter()
                .enumerate()
                .map(|(i, h)| (h.as_str(), i))
                .collect();
            let mut reading = Reading {
                sheet,
                headers,
                errors,
            };
            if !reading.has_columns(required) {
                continue;
            }
            if sheet == EFFECT_SHEET {
                parts.effects = Some(HashMap::new());
            }
            let mut seen_milestones = HashSet::new();
            for (row, cells) in &page.rows {
                let Some(item) = reading.item_of(*row, cells, context.items, sheet) else {
                    continue;
                };
                parts
                    .first_row
                    .entry(item.id)
                    .or_insert(RowAt { sheet, row: *row });
                let read = if sheet == MILESTONE_SHEET {
                    parts.read_milestone(
                        &mut reading,
                        (*row, cells),
                        item,
                        context,
                        &mut seen_milestones,
                    )
                } else {
                    parts.read_effect(&mut reading, (*row, cells), item, context)
                };
                if !read {
                    parts.refused.insert(item.id);
                }
            }
        }
        if let Some(effects) = &parts.effects {
            for (item_id, given) in effects {
                let now = context
                    .items
                    .get(item_id)
                    .and_then(|i| context.now.get(&(RecordKind::Reform, i.record_id)));
                if now.is_some_and(|n| effects_now(n) == *given) {
                    parts.effects_as_they_are.insert(*item_id);
                }
            }
        }
        parts
    }

    /// Reads one milestone row; false when it is refused.
    fn read_milestone(
        &mut self,
        reading: &mut Reading<'_>,
        (row, cells): (u32, &[String]),
        item: &Item,
        context: &PartContext<'_>,
        seen: &mut HashSet<i64>,
    ) -> bool {
        if item.record_kind != RecordKind::PolicyIssue {
            reading.refuse(
                row,
                Some(&ITEM),
                "unknown_item",
                "この項目は局区X方針の課題ではありません",
            );
            return false;
        }
        let id_text = reading.cell(cells, &MILESTONE).to_owned();
        let current = whole_number(&id_text).and_then(|id| {
            context
                .now
                .get(&(RecordKind::PolicyIssue, item.record_id))
                .and_then(|n| n.values["milestones"].as_array())
                .and_then(|all| all.iter().find(|m| m["id"].as_i64() == Some(id)))
        });
        let Some(current) = current else {
            reading.refuse(
                row,
                Some(&MILESTONE),
                "unknown_milestone",
                format!("マイルストーンID「{id_text}」はこの課題のマイルストーンではありません"),
            );
            return false;
        };
        let id = current["id"].as_i64().unwrap_or_default();
        if !seen.insert(id) {
            reading.refuse(
                row,
                Some(&MILESTONE),
                "duplicate_item",
                "同じマイルストーンが2行あります",
            );
            return false;
        }
        let was_state = current["state"].as_str().and_then(MilestoneState::parse);
        let was_day: Option<NaiveDate> = current["done_on"].as_str().and_then(|d| d.parse().ok());
        let was_reason = current["slip_reason"].as_str().map(str::to_owned);
        let Some(state) = reading.word(
            row,
            cells,
            &STATE,
            &MilestoneState::ALL,
            MilestoneState::label_ja,
            MilestoneState::as_str,
        ) else {
            return false;
        };
        let day_text = reading.cell(cells, &DONE_ON).to_owned();
        let day = if day_text.is_empty() {
            None
        } else if let Some(day) = day_of_text(&day_text) {
            Some(day)
        } else {
            reading.refuse(
                row,
                Some(&DONE_ON),
                "invalid_value",
                format!("「{day_text}」は日付として読めません（例: 2025-12-31, R7.12.31）"),
            );
            return false;
        };
        let reason_text = reading.cell(cells, &SLIP_REASON).to_owned();
        let reason = (!reason_text.is_empty()).then_some(reason_text);
        // A reason as stored is taken as it is (it was checked when written).
        if let Some(text) = reason.as_ref().filter(|r| Some(*r) != was_reason.as_ref())
            && let Err(message) = text_rule(crate::policies::milestone::reason_text, text)
        {
            reading.refuse(row, Some(&SLIP_REASON), "invalid_value", message);
            return false;
        }
        // The day and the reason shown when the workbook was downloaded stay in their cells
        // when the state moves on; they go with the old state, as on the page.
        let done_on = match state {
            // Done already (some seeds give no day): the day stays as it was.
            MilestoneState::Done if was_state == Some(MilestoneState::Done) => day.or(was_day),
            MilestoneState::Done => day.or(Some(context.done_on)),
            _ => day.filter(|d| Some(*d) != was_day),
        };
        let slip_reason = match state {
            MilestoneState::Slipped => reason,
            _ => reason.filter(|r| Some(r) != was_reason.as_ref()),
        };
        if Some(state) == was_state && done_on == was_day && slip_reason == was_reason {
            return true;
        }
        if let Some(conflict) = MilestoneConflict::of(state, done_on, slip_reason.as_deref()) {
            let (head, message) = match conflict {
                MilestoneConflict::DayWithoutDone => {
                    (&DONE_ON, "完了日は状態が「完了」のときだけ入力します")
                }
                MilestoneConflict::SlippedWithoutReason => (
                    &SLIP_REASON,
                    "状態を「遅延」にするときは遅延の理由を入力してください",
                ),
                MilestoneConflict::ReasonWithoutSlip => (
                    &SLIP_REASON,
                    "遅延の理由は状態が「遅延」のときだけ入力します",
                ),
            };
            reading.refuse(row, Some(head), "invalid_value", message);
            return false;
        }
        let version = current["version"].as_i64().unwrap_or_default();
        let version_text = reading.cell(cells, &VERSION).to_owned();
        if whole_number(&version_text) != Some(version) {
            reading.refuse(
                row,
                Some(&VERSION),
                "stale",
                format!(
                    "このマイルストーンはダウンロード後に更新されています（版 {version_text} → 現在 {version}）。ダウンロードし直してください"
                ),
            );
            return false;
        }
        let name = format!(
            "マイルストーン「{} {}」",
            quarter_text(&current["quarter"]).unwrap_or_default(),
            current["title"].as_str().unwrap_or_default()
        );
        let before = was_state.map(|s| milestone_text(s, was_day, was_reason.as_deref()));
        let after = Some(milestone_text(state, done_on, slip_reason.as_deref()));
        self.milestones
            .entry(item.id)
            .or_default()
            .push(MilestoneEdit {
                moved: MilestoneMove {
                    id,
                    expected_version: i32::try_from(version).unwrap_or_default(),
                    state,
                    done_on,
                    slip_reason,
                },
                change: FieldChangeOut {
                    field: format!("{MILESTONE_CHANGE}:{id}"),
                    label: name,
                    before,
                    after,
                },
            });
        true
    }

    /// Reads one effect row; false when it is refused.
    fn read_effect(
        &mut self,
        reading: &mut Reading<'_>,
        (row, cells): (u32, &[String]),
        item: &Item,
        context: &PartContext<'_>,
    ) -> bool {
        if item.record_kind != RecordKind::Reform {
            reading.refuse(
                row,
                Some(&ITEM),
                "unknown_item",
                "この項目は自主改革取組ではありません",
            );
            return false;
        }
        let kind = reading.word(
            row,
            cells,
            &KIND,
            &EffectKind::ALL,
            EffectKind::label_ja,
            EffectKind::as_str,
        );
        let value = match parse_number(reading.cell(cells, &VALUE)) {
            Ok(Some(value)) if crate::department::amount(value).is_ok() => Some(value),
            Ok(Some(_)) => {
                reading.refuse(row, Some(&VALUE), "out_of_range", "±1e15 までの数値です");
                None
            }
            Ok(None) => {
                reading.refuse(row, Some(&VALUE), "value_required", "値を入力してください");
                None
            }
            Err(message) => {
                reading.refuse(row, Some(&VALUE), "invalid_value", message);
                None
            }
        };
        let unit = reading.cell(cells, &UNIT).to_owned();
        let basis = reading.cell(cells, &BASIS).to_owned();
        let basis = (!basis.is_empty()).then_some(basis);
        // An effect as stored is taken as it is (its texts were checked when written).
        let stored = context
            .now
            .get(&(RecordKind::Reform, item.record_id))
            .map(effects_now)
            .unwrap_or_default();
        let as_stored = |kind: Option<EffectKind>, value: Option<f64>| {
            stored.iter().any(|e| {
                Some(e.kind) == kind && Some(e.value) == value && e.unit == unit && e.basis == basis
            })
        };
        let kept = as_stored(kind, value);
        let unit_read = if kept {
            true
        } else if unit.is_empty() {
            reading.refuse(
                row,
                Some(&UNIT),
                "value_required",
                "単位を入力してください（例: 時間/年）",
            );
            false
        } else if let Err(message) = text_rule(crate::reforms::unit_text, &unit) {
            reading.refuse(row, Some(&UNIT), "invalid_value", message);
            false
        } else {
            true
        };
        let basis_read = match basis.as_ref().filter(|_| !kept) {
            Some(text) => match text_rule(crate::reforms::basis_text, text) {
                Ok(()) => true,
                Err(message) => {
                    reading.refuse(row, Some(&BASIS), "invalid_value", message);
                    false
                }
            },
            None => true,
        };
        let (Some(kind), Some(value), true, true) = (kind, value, unit_read, basis_read) else {
            return false;
        };
        let effects = self
            .effects
            .get_or_insert_with(HashMap::new)
            .entry(item.id)
            .or_default();
        if effects.len() == MOST_EFFECTS {
            reading.refuse(
                row,
                None,
                "out_of_range",
                format!("効果は1件の取組につき{MOST_EFFECTS}件までです"),
            );
            return false;
        }
        effects.push(Effect {
            kind,
            value,
            unit,
            basis,
        });
        true
    }

    /// Whether a part row of item #`item_id` was refused (its own row is refused with it).
    pub(super) fn refused(&self, item_id: i64) -> bool {
        self.refused.contains(&item_id)
    }

    /// The milestones the rows of item #`item_id` move.
    pub(super) fn take_milestones(&mut self, item_id: i64) -> Vec<MilestoneEdit> {
        self.milestones.remove(&item_id).unwrap_or_default()
    }

    /// The effects the rows of reform item #`item_id` give (none when it has no row); `None`
    /// when the workbook has no 改革の効果 sheet.
    pub(super) fn take_effects(&mut self, item_id: i64) -> Option<Vec<Effect>> {
        self.effects
            .as_mut()
            .map(|e| e.remove(&item_id).unwrap_or_default())
    }

    /// Whether the workbook has a readable 改革の効果 sheet.
    pub(super) fn has_effect_sheet(&self) -> bool {
        self.effects.is_some()
    }

    /// Refuses the part rows of items whose own row is not in the workbook: a part changes its
    /// record only under its item's answer.
    pub(super) fn refuse_orphans(
        self,
        rows_seen: &HashSet<i64>,
        errors: &mut Vec<WorkbookRowErrorOut>,
    ) {
        let orphans = self
            .milestones
            .keys()
            .copied()
            .chain(
                self.effects
                    .iter()
                    .flat_map(|e| e.keys().copied())
                    .filter(|id| !self.effects_as_they_are.contains(id)),
            )
            .filter(|id| !rows_seen.contains(id))
            .collect::<HashSet<i64>>();
        let mut orphans: Vec<i64> = orphans.into_iter().collect();
        orphans.sort_unstable();
        for item_id in orphans {
            if let Some(at) = self.first_row.get(&item_id) {
                let owner = if at.sheet == MILESTONE_SHEET {
                    "局区X方針の課題"
                } else {
                    "自主改革取組"
                };
                errors.push(WorkbookRowErrorOut {
                    sheet: at.sheet.to_owned(),
                    row: at.row,
                    column: Some(ITEM.ja.to_owned()),
                    code: "item_row_missing".into(),
                    message: format!(
                        "項目ID {item_id} の行が「{owner}」シートにありません（回答はその行で行います）"
                    ),
                });
            }
        }
    }
}

impl Reading<'_> {
    /// Whether the sheet has every column of `required`; each missing one is refused at row 1.
    pub(super) fn has_columns(&mut self, required: &[Head]) -> bool {
        let mut all = true;
        for head in required {
            if !self.headers.contains_key(head.ja) && !self.headers.contains_key(head.key) {
                all = false;
                self.refuse(
                    1,
                    Some(head),
                    "missing_column",
                    format!("列「{}」がありません", head.ja),
                );
            }
        }
        all
    }

    /// The request's item named in the row's 項目ID, refused when it names none.
    fn item_of<'i>(
        &mut self,
        row: u32,
        cells: &[String],
        items: &HashMap<i64, &'i Item>,
        sheet: &str,
    ) -> Option<&'i Item> {
        let text = self.cell(cells, &ITEM).to_owned();
        let found = whole_number(&text).and_then(|id| items.get(&id).copied());
        if found.is_none() {
            self.refuse(
                row,
                Some(&ITEM),
                "unknown_item",
                format!("項目ID「{text}」はこの依頼の項目ではありません（{sheet}）"),
            );
        }
        found
    }
}

/// A cell's whole number (Excel may give 12 as "12" or "12.0").
pub(super) fn whole_number(text: &str) -> Option<i64> {
    text.parse::<f64>()
        .ok()
        .filter(|n| n.fract() == 0.0 && n.abs() < 9e15)
        .map(|n| n as i64)
}

fn milestone_text(state: MilestoneState, day: Option<NaiveDate>, reason: Option<&str>) -> String {
    match (state, day, reason) {
        (MilestoneState::Done, Some(day), _) => format!("{}（{day}）", state.label_ja()),
        (MilestoneState::Slipped, _, Some(reason)) => format!("{}：{reason}", state.label_ja()),
        _ => state.label_ja().to_owned(),
    }
}

/// 第n四半期, for a milestone's stored quarter number.
fn quarter_text(quarter: &serde_json::Value) -> Option<String> {
    quarter.as_i64().map(|n| format!("第{n}四半期"))
}
