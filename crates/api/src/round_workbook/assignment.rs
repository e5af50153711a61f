//! A proposal assignment's row of the workbook (PT提案の検討状況): the section's stage and
//! decision, moved on 基準日 (or today, when 基準日 has not come), and the proposal's outcome
//! (実施状況, 実施時期), each allowed only to those the proposal's own endpoints allow.

use super::{
    Answering, DECISION, FieldChangeOut, IMPLEMENTATION, OUTCOME_PERIOD, Reading, STAGE,
    STAGE_NOTE, change, stage_of, text_rule,
};
use crate::error::ApiError;
use crate::proposals::Names;
use domain::ids::ProposalId;
use domain::proposal::{Decision, ImplementationStatus, Stage, StageChange};
use persistence::StoreError;
use persistence::rounds::{Item, RecordNow, RecordWrite};

/// A stage and decision as one value of the dry run's changes.
fn stage_text(stage: Option<Stage>, decision: Option<Decision>) -> Option<String> {
    stage.map(|s| match decision {
        Some(d) => format!("{}（{}）", s.label_ja(), d.label_ja()),
        None => s.label_ja().to_owned(),
    })
}

/// The write an assignment's row asks for (`None` inside when it changes nothing) and what it
/// changes; `None` when a cell is refused (the reason is in `reading.errors`).
pub(super) async fn assignment_write(
    answering: &Answering<'_>,
    reading: &mut Reading<'_>,
    (row, cells): (u32, &[String]),
    item: &Item,
    now: &RecordNow,
) -> Result<Option<(Option<RecordWrite>, Vec<FieldChangeOut>)>, ApiError> {
    let v = &now.values;
    let mut refused = false;
    let mut changes = Vec::new();

    let was_stage = stage_of(&v["stage"]);
    let was_decision = v["decision"].as_str().and_then(Decision::parse);
    let stage_cell = reading.cell(cells, &STAGE).to_owned();
    // A blank stage keeps the assignment where it is (a stage is never taken back).
    let stage = if stage_cell.is_empty() {
        None
    } else {
        let found = Stage::from_text(&stage_cell);
        if found.is_none() {
            refused = true;
            let words: Vec<&str> = Stage::ALL.iter().map(|s| s.label_ja()).collect();
            reading.refuse(
                row,
                Some(&STAGE),
                "invalid_value",
                format!(
                    "検討段階は {} のいずれかです（①〜④でも可）",
                    words.join("、")
                ),
            );
        }
        found
    };
    let decision = if reading.cell(cells, &DECISION).is_empty() {
        None
    } else {
        let found = reading.word(
            row,
            cells,
            &DECISION,
            &Decision::ALL,
            Decision::label_ja,
            Decision::as_str,
        );
        refused |= found.is_none();
        found
    };
    let note = reading.cell(cells, &STAGE_NOTE).to_owned();
    let note = (!note.is_empty()).then_some(note);
    if let Some(text) = &note
        && let Err(message) = text_rule(crate::text_rules::long_text, text)
    {
        refused = true;
        reading.refuse(row, Some(&STAGE_NOTE), "invalid_value", message);
    }
    // Only ③ carries a decision: one left in its cell from ③継続 goes with the old stage.
    let decision = match stage {
        Some(to) if to != Stage::Decided && decision == was_decision => None,
        _ => decision,
    };
    let stage_change = match stage {
        Some(to) if Some(to) != was_stage || decision != was_decision => {
            changes.push(FieldChangeOut {
                field: STAGE.key.to_owned(),
                label: STAGE.ja.to_owned(),
                before: stage_text(was_stage, was_decision),
                after: stage_text(Some(to), decision),
            });
            Some(StageChange {
                to,
                decision,
                // A stage is not recorded ahead of the day it happens: before 基準日 has come,
                // the move is effective today.
                effective_on: answering.as_of.min(answering.state.clock.today_in_tokyo()),
                note: note.clone(),
            })
        }
        _ => None,
    };
    if stage_change.is_none() && note.is_some() {
        refused = true;
        reading.refuse(
            row,
            Some(&STAGE_NOTE),
            "not_allowed",
            "段階の備考は検討段階を変えるときに入力します",
        );
    }

    let was_status = v["implementation_status"]
        .as_str()
        .and_then(ImplementationStatus::parse);
    let status = if reading.cell(cells, &IMPLEMENTATION).is_empty() {
        None
    } else {
        let found = reading.word(
            row,
            cells,
            &IMPLEMENTATION,
            &ImplementationStatus::ALL,
            ImplementationStatus::label_ja,
            ImplementationStatus::as_str,
        );
        if found.is_none() {
            refused = true;
        }
        found.or(was_status)
    };
    let period = reading.cell(cells, &OUTCOME_PERIOD).to_owned();
    let period = (!period.is_empty()).then_some(period);
    if let Some(text) = &period
        && let Err(message) = text_rule(crate::text_rules::period_text, text)
    {
        refused = true;
        reading.refuse(row, Some(&OUTCOME_PERIOD), "invalid_value", message);
    }
    let was_period = v["outcome_period_text"].as_str().map(str::to_owned);
    let outcome_moved = status != was_status || period != was_period;
    if status != was_status {
        changes.push(change(
            &IMPLEMENTATION,
            was_status.map(|s| s.label_ja().to_owned()),
            status.map(|s| s.label_ja().to_owned()),
        ));
    }
    if period != was_period {
        changes.push(change(&OUTCOME_PERIOD, was_period, period.clone()));
    }
    if refused {
        return Ok(None);
    }
    if !outcome_moved && stage_change.is_none() {
        return Ok(Some((None, changes)));
    }

    let proposal_id = ProposalId::new(v["proposal_id"].as_i64().unwrap_or_default());
    let proposal = persistence::proposals::find_proposal(&answering.state.db.conn, proposal_id)
        .await?
        .ok_or(StoreError::NotFound)?;
    let Some(assignment) = proposal.assignments.iter().find(|a| a.id == item.record_id) else {
        return Err(StoreError::NotFound.into());
    };
    // A stage recorded after the day this move would take effect on is where the sheet's
    // "before" comes from; a move slipped in under it would be judged and shown against another
    // stage than the one the owner saw, so such a row is answered on the page.
    if let Some(change) = &stage_change {
        let events =
            persistence::proposals::stage_events(&answering.state.db.conn, proposal_id).await?;
        if events
            .iter()
            .any(|e| e.assignment_id == assignment.id && e.effective_on > change.effective_on)
        {
            reading.refuse(
                row,
                Some(&STAGE),
                "later_stage",
                format!(
                    "{}より後の日付で検討段階が記録されているため、この段階の変更は回答ページで行ってください",
                    change.effective_on
                ),
            );
            return Ok(None);
        }
    }
    let names = Names::load_for(answering.state, [&proposal]).await?;
    let caller = answering.caller;
    let may_move = names.assignment_rights(caller, assignment.section_id).act;
    let may_edit = domain::rights(caller, &names.owner(&proposal)).edit;
    if (stage_change.is_some() && !may_move) || (outcome_moved && !may_edit) {
        reading.refuse(row, None, "forbidden", "この記録を更新する権限がありません");
        return Ok(None);
    }
    let outcome = outcome_moved.then(|| {
        let mut fields = proposal.fields.clone();
        fields.implementation_status = status;
        fields.outcome_period_text = period;
        fields
    });
    Ok(Some((
        Some(RecordWrite::Assignment {
            proposal: proposal_id,
            assignment_id: assignment.id,
            expected_version: now.version,
            outcome,
            stage: stage_change,
        }),
        changes,
    )))
}
