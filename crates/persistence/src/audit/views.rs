//! How each record shows in the audit trail. Every view destructures its record without `..`:
//! a field added to a record does not compile until its view either shows it or names it with
//! `_`, and the comment beside the `_` says why the trail leaves it out.

use super::AuditView;
use domain::ledger::{DigitalSystem, Measurement, SystemFields, Target, TargetFields};
use domain::link::{EntityRef, Link};
use domain::organization::{Bureau, Section};
use domain::policy::{
    Issue, IssueFields, Kpi, KpiActual, KpiFields, Milestone, MilestoneFields, Policy,
    PolicyFields, ProgressNote,
};
use domain::proposal::{Assignment, Consultation, ProjectTeam, Proposal, ProposalFields};
use domain::reform::{Effect, Reform, ReformFields};
use serde_json::{Value, json};

impl AuditView for Reform {
    fn audit_view(&self) -> Value {
        let Reform {
            id,
            fields,
            // Derived from the bureau's other reforms, and kept by the row itself.
            number_in_bureau: _,
            created_by_user_id: _,
            created_at: _,
            updated_at: _,
            version,
        } = self;
        json!({ "id": id, "fields": fields.audit_view(), "version": version })
    }
}

impl AuditView for ReformFields {
    fn audit_view(&self) -> Value {
        let ReformFields {
            fiscal_year,
            bureau_id,
            section_ids,
            report_number,
            classification,
            source_proposal_id,
            title,
            problem,
            action,
            effect,
            period_text,
            status,
            tags,
            featured,
            effects,
        } = self;
        let effects: Vec<Value> = effects
            .iter()
            .map(|effect| {
                let Effect {
                    kind,
                    value,
                    unit,
                    basis,
                } = effect;
                json!({ "kind": kind.as_str(), "value": value, "unit": unit, "basis": basis })
            })
            .collect();
        json!({
            "fiscal_year": fiscal_year, "bureau_id": bureau_id, "section_ids": section_ids,
            "report_number": report_number, "classification": classification.map(|c| c.as_str()),
            "source_proposal_id": source_proposal_id, "title": title, "problem": problem,
            "action": action, "effect": effect, "period": period_text,
            "status": status.as_str(), "tags": tags, "featured": featured, "effects": effects,
        })
    }
}

impl AuditView for ProjectTeam {
    fn audit_view(&self) -> Value {
        let ProjectTeam {
            id,
            fiscal_year,
            name,
            themes,
            members,
            headcount,
            version,
        } = self;
        json!({ "id": id, "fiscal_year": fiscal_year, "name": name, "themes": themes, "members": members, "headcount": headcount, "version": version })
    }
}

impl AuditView for Proposal {
    fn audit_view(&self) -> Value {
        let Proposal {
            id,
            fields,
            stage,
            // Kept by the row itself; the trail's actor says who wrote each change.
            created_by_user_id: _,
            assignments,
            version,
            created_at: _,
            updated_at: _,
        } = self;
        let assignments: Vec<Value> = assignments
            .iter()
            .map(|assignment| {
                let Assignment {
                    id,
                    // The proposal the view is of.
                    proposal_id: _,
                    section_id,
                    stage,
                    decision,
                } = assignment;
                json!({ "id": id, "section_id": section_id, "stage": stage.map(|s| s.number()), "decision": decision.map(|d| d.as_str()) })
            })
            .collect();
        json!({ "id": id, "fields": fields.audit_view(), "stage": stage.map(|s| s.number()), "assignments": assignments, "version": version })
    }
}

impl AuditView for ProposalFields {
    fn audit_view(&self) -> Value {
        let ProposalFields {
            fiscal_year,
            number,
            theme,
            scene,
            viewpoint,
            title,
            pain_point,
            proposed_solution,
            implementation_status,
            outcome_period_text,
            outcome_text,
            continues_proposal_id,
        } = self;
        json!({
            "fiscal_year": fiscal_year, "number": number, "theme": theme, "scene": scene,
            "viewpoint": viewpoint, "title": title, "pain_point": pain_point,
            "proposed_solution": proposed_solution,
            "implementation_status": implementation_status.map(|s| s.as_str()),
            "outcome_period_text": outcome_period_text, "outcome_text": outcome_text,
            "continues_proposal_id": continues_proposal_id,
        })
    }
}

impl AuditView for Consultation {
    fn audit_view(&self) -> Value {
        let Consultation {
            id,
            // Consultations are filed under their proposal, which the event names.
            proposal_id: _,
            held_on,
            participants,
            note,
            // The event itself records when and by whom.
            recorded_at: _,
            actor_label: _,
        } = self;
        json!({ "consultation_id": id, "held_on": held_on, "participants": participants, "note": note })
    }
}

impl AuditView for Policy {
    fn audit_view(&self) -> Value {
        let Policy {
            id,
            fields,
            // Counted from the issues, which have their own trail.
            issue_count: _,
            version,
            created_at: _,
            updated_at: _,
        } = self;
        let PolicyFields {
            bureau_id,
            fiscal_year,
            mission,
            basic_information,
            review_summary,
            review_achieved,
            review_not_achieved,
            direction,
        } = fields;
        json!({ "id": id, "bureau_id": bureau_id, "fiscal_year": fiscal_year, "mission": mission, "basic_information": basic_information, "review_summary": review_summary, "review_achieved": review_achieved, "review_not_achieved": review_not_achieved, "direction": direction, "version": version })
    }
}

impl AuditView for Issue {
    fn audit_view(&self) -> Value {
        let Issue {
            id,
            policy_id,
            // The policy's, shown in its own trail.
            bureau_id: _,
            fiscal_year: _,
            fields,
            version,
        } = self;
        let IssueFields {
            area,
            number,
            policy_field,
            impact,
            urgency,
            title,
            content,
            background,
            target_outcome,
            actions,
            status,
        } = fields;
        json!({ "id": id, "policy_id": policy_id, "area": area.as_str(), "number": number, "policy_field": policy_field, "impact": impact.map(|l| l.as_str()), "urgency": urgency.map(|l| l.as_str()), "title": title, "content": content, "background": background, "target_outcome": target_outcome, "actions": actions, "status": status.map(|s| s.as_str()), "version": version })
    }
}

impl AuditView for Milestone {
    fn audit_view(&self) -> Value {
        let Milestone {
            id,
            issue_id,
            fields,
            version,
        } = self;
        let MilestoneFields {
            workstream,
            quarter,
            title,
            state,
            done_on,
            slip_reason,
        } = fields;
        json!({ "id": id, "issue_id": issue_id, "workstream": workstream, "quarter": quarter.number(), "title": title, "state": state.as_str(), "done_on": done_on, "slip_reason": slip_reason, "version": version })
    }
}

impl AuditView for ProgressNote {
    fn audit_view(&self) -> Value {
        let ProgressNote {
            id,
            issue_id,
            as_of,
            as_of_label,
            body,
            // The event itself records when.
            recorded_at: _,
        } = self;
        json!({ "id": id, "issue_id": issue_id, "as_of": as_of, "as_of_label": as_of_label, "body": body })
    }
}

impl AuditView for Kpi {
    fn audit_view(&self) -> Value {
        let Kpi {
            id,
            issue_id,
            fields,
            actuals,
            version,
        } = self;
        let KpiFields {
            name,
            unit,
            baseline_value,
            baseline_on,
            target_value,
            target_on,
            note,
            direction,
            tolerance,
        } = fields;
        let actuals: Vec<Value> = actuals
            .iter()
            .map(|actual| {
                let KpiActual {
                    id,
                    // The KPI the view is of.
                    kpi_id: _,
                    value,
                    measured_on,
                    note,
                } = actual;
                json!({ "id": id, "value": value, "measured_on": measured_on, "note": note })
            })
            .collect();
        json!({ "id": id, "issue_id": issue_id, "name": name, "unit": unit, "baseline_value": baseline_value, "baseline_on": baseline_on, "target_value": target_value, "target_on": target_on, "note": note, "direction": direction.map(|d| d.as_str()), "tolerance": tolerance, "actuals": actuals, "version": version })
    }
}

impl AuditView for DigitalSystem {
    fn audit_view(&self) -> Value {
        let DigitalSystem {
            id,
            fields,
            version,
            created_at: _,
            updated_at: _,
        } = self;
        let SystemFields {
            name,
            section_id,
            platform,
            built_in_house,
            status,
            trial_started_on,
            production_started_on,
            retired_on,
            workflow_before,
            workflow_after,
            annual_hours_saved,
            hours_basis,
            cost_effect_yen,
            note,
        } = fields;
        json!({ "id": id, "name": name, "section_id": section_id, "platform": platform.as_str(), "built_in_house": built_in_house, "status": status.as_str(), "trial_started_on": trial_started_on, "production_started_on": production_started_on, "retired_on": retired_on, "workflow_before": workflow_before, "workflow_after": workflow_after, "annual_hours_saved": annual_hours_saved, "hours_basis": hours_basis, "cost_effect_yen": cost_effect_yen, "note": note, "version": version })
    }
}

impl AuditView for Target {
    fn audit_view(&self) -> Value {
        let Target {
            id,
            fields,
            measurements,
            version,
        } = self;
        let TargetFields {
            code,
            name,
            metric,
            unit,
            target_value,
            due_on,
            description,
        } = fields;
        let measurements: Vec<Value> = measurements
            .iter()
            .map(|measurement| {
                let Measurement {
                    id,
                    // The target the view is of.
                    target_id: _,
                    value,
                    measured_on,
                    fiscal_year,
                    source,
                    note,
                } = measurement;
                json!({ "id": id, "value": value, "measured_on": measured_on, "fiscal_year": fiscal_year, "source": source, "note": note })
            })
            .collect();
        json!({ "id": id, "code": code, "name": name, "metric": metric, "unit": unit, "target_value": target_value, "due_on": due_on, "description": description, "measurements": measurements, "version": version })
    }
}

impl AuditView for Bureau {
    fn audit_view(&self) -> Value {
        let Bureau {
            id,
            name,
            kind,
            sort_order,
            version,
            updated_at: _,
        } = self;
        json!({ "id": id, "name": name, "kind": kind, "sort_order": sort_order, "version": version })
    }
}

impl AuditView for Section {
    fn audit_view(&self) -> Value {
        let Section {
            id,
            bureau_id,
            names,
            version,
        } = self;
        json!({ "id": id, "bureau_id": bureau_id, "names": names, "version": version })
    }
}

impl AuditView for Link {
    fn audit_view(&self) -> Value {
        let Link {
            id,
            from,
            to,
            note,
            // The event itself records when.
            created_at: _,
        } = self;
        let EntityRef {
            kind: from_kind,
            id: from_id,
        } = from;
        let EntityRef {
            kind: to_kind,
            id: to_id,
        } = to;
        json!({ "id": id, "from_kind": from_kind.as_str(), "from_id": from_id, "to_kind": to_kind.as_str(), "to_id": to_id, "note": note })
    }
}

impl AuditView for crate::entities::job::Model {
    fn audit_view(&self) -> Value {
        let crate::entities::job::Model {
            id,
            kind,
            // The job's input: ids of other records, which the trail names through the kind.
            payload: _,
            state,
            attempts,
            max_attempts,
            run_at,
            locked_by,
            // Renewed every few seconds while the job runs: noise, not a change anyone made.
            locked_until: _,
            last_error,
            dedupe_key,
            created_at: _,
            updated_at: _,
            finished_at,
        } = self;
        json!({
            "id": id, "kind": kind, "state": state, "attempts": attempts,
            "max_attempts": max_attempts, "run_at": run_at, "locked_by": locked_by,
            "last_error": last_error, "dedupe_key": dedupe_key, "finished_at": finished_at,
        })
    }
}
