//! The expected answer of every API operation to every kind of caller, written down beside the
//! rules so that a change of rule and a change of expectation are reviewed together.
//!
//! The table is data, not code that decides anything: the server decides with the rules in
//! [`crate::access`], and the role-by-operation test (`tests/api/operations_by_role.rs`) walks
//! every operation of the served OpenAPI document with every [`Caller`], against records owned by
//! someone else, and compares the status class of each answer with this table. An operation that
//! is documented but missing here fails that test, and so does a row whose operation is gone.
//!
//! Operations are named the way the OpenAPI document names them, `"METHOD /path"`. That is the
//! only trace of HTTP in this crate, and it is a name: nothing here parses or serves requests.

use super::Role;

/// Who calls, described by their relationship to the records the test works on: a proposal
/// written by one proposer and routed to one section, and reforms, an X policy with its issue,
/// milestone, progress note and KPI, a ledger entry and links, all owned by that section or its
/// bureau. An import job is owned by the editor who started it, the editor of the owning section.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Caller {
    /// 市政変革推進室.
    Admin,
    /// An editor scoped to a section of another bureau.
    EditorOfAnotherSection,
    /// An editor scoped to the owning section (not to its whole bureau).
    EditorOfOwningSection,
    /// The proposer who wrote the proposal.
    Author,
    /// A proposer who did not write it.
    AnotherProposer,
    Viewer,
    /// No token at all.
    Anonymous,
}

impl Caller {
    /// In the order of each row's outcomes.
    pub const ALL: [Caller; 7] = [
        Caller::Admin,
        Caller::EditorOfAnotherSection,
        Caller::EditorOfOwningSection,
        Caller::Author,
        Caller::AnotherProposer,
        Caller::Viewer,
        Caller::Anonymous,
    ];

    /// The role the caller signs in with; `None` for no token.
    pub fn role(self) -> Option<Role> {
        match self {
            Caller::Admin => Some(Role::Admin),
            Caller::EditorOfAnotherSection | Caller::EditorOfOwningSection => Some(Role::Editor),
            Caller::Author | Caller::AnotherProposer => Some(Role::Proposer),
            Caller::Viewer => Some(Role::Viewer),
            Caller::Anonymous => None,
        }
    }

    fn index(self) -> usize {
        Caller::ALL
            .iter()
            .position(|c| *c == self)
            .unwrap_or_default()
    }
}

/// The class of answer a caller gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// 2xx: the caller may, and a valid request succeeds.
    Allowed,
    /// 403: the caller knows the record exists but may not do this (role or scope).
    Forbidden,
    /// 404: the record is invisible to the caller (a proposer and someone else's proposal, an
    /// editor and someone else's import).
    Hidden,
    /// 401: no token.
    Unauthenticated,
}

impl Outcome {
    /// Whether an HTTP status belongs to this class.
    pub fn matches(self, status: u16) -> bool {
        match self {
            Outcome::Allowed => (200..300).contains(&status),
            Outcome::Forbidden => status == 403,
            Outcome::Hidden => status == 404,
            Outcome::Unauthenticated => status == 401,
        }
    }
}

/// One operation and what each caller gets, in the order of [`Caller::ALL`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expectation {
    pub operation: &'static str,
    pub outcomes: [Outcome; 7],
}

impl Expectation {
    pub fn outcome(&self, caller: Caller) -> Outcome {
        self.outcomes[caller.index()]
    }
}

use Outcome::{Allowed as A, Forbidden as F, Hidden as H, Unauthenticated as U};

// The recurring rows, named for the rule they follow. Columns: admin, editor of another section,
// editor of the owning section, author, another proposer, viewer, no token.

/// Sign-in and health: open to anyone, with or without a token.
const OPEN: [Outcome; 7] = [A, A, A, A, A, A, A];
/// Reading the organisation, department work and reports: every signed-in role.
const EVERY_ROLE: [Outcome; 7] = [A, A, A, A, A, A, U];
/// Accounts, the audit trail, the organisation, project teams, targets, routing proposals, the
/// job queue.
const ADMINS_ONLY: [Outcome; 7] = [A, F, F, F, F, F, U];
/// Department work (reforms, X policies and what hangs off them, the ledger, links): admins and
/// the editors of the owning section or bureau. A section's editor writes its bureau's X policy.
const OWNERS: [Outcome; 7] = [A, F, A, F, F, F, U];
/// Reading one proposal: everyone but a proposer who did not write it, for whom it does not exist.
const PROPOSAL_READERS: [Outcome; 7] = [A, A, A, A, H, A, U];
/// Editing a proposal: admins, its author and the editors of a section it is routed to.
const PROPOSAL_EDITORS: [Outcome; 7] = [A, F, A, A, H, F, U];
/// Submitting a proposal: everyone but viewers.
const PROPOSERS: [Outcome; 7] = [A, A, A, A, A, F, U];
/// An import job: the person who started it and admins; another editor does not see it.
const IMPORT_OWNER: [Outcome; 7] = [A, H, A, F, F, F, U];
/// Starting an import: admins and editors; each row is then checked against the editor's scope
/// (rows outside it are rejected in the job, which `data_exchange` tests).
const IMPORTERS: [Outcome; 7] = [A, A, A, F, F, F, U];

/// Reporting rounds and a round's list of requests: the office, editors (who see their own
/// requests in it) and viewers (the office's analysts); proposers have no part in rounds.
const ROUND_READERS: [Outcome; 7] = [A, A, A, F, F, A, U];
/// The compliance view of rounds: the office and viewers (its analysts), not editors.
const COMPLIANCE_READERS: [Outcome; 7] = [A, F, F, F, F, A, U];
/// The inbox of requests to answer: admins and editors.
const ROUND_ANSWERERS: [Outcome; 7] = [A, A, A, F, F, F, U];
/// One request: its owner's editors, admins and viewers; for another section's editor it does
/// not exist.
const REQUEST_READERS: [Outcome; 7] = [A, H, A, F, F, A, U];
/// Answering and submitting one request: its owner's editors and admins.
const REQUEST_ANSWERERS: [Outcome; 7] = [A, H, A, F, F, F, U];

/// Another person's notification: it does not exist for anyone but its owner.
const NOBODY_ELSE: [Outcome; 7] = [H, H, H, H, H, H, U];

const fn row(operation: &'static str, outcomes: [Outcome; 7]) -> Expectation {
    Expectation {
        operation,
        outcomes,
    }
}

/// Every documented operation, sorted by path. A new operation needs its row here.
pub const EXPECTATIONS: &[Expectation] = &[
    row("GET /api/v1/admin/jobs", ADMINS_ONLY),
    row("GET /api/v1/admin/jobs/{id}", ADMINS_ONLY),
    row("POST /api/v1/admin/jobs/{id}/cancel", ADMINS_ONLY),
    row("POST /api/v1/admin/jobs/{id}/retry", ADMINS_ONLY),
    row("GET /api/v1/admin/sent-mail", ADMINS_ONLY),
    row("GET /api/v1/admin/sent-mail/{id}", ADMINS_ONLY),
    // Webhook endpoints hold the secrets other systems trust: the office's alone.
    row(
        "POST /api/v1/admin/webhook-deliveries/{id}/redeliver",
        ADMINS_ONLY,
    ),
    row("GET /api/v1/admin/webhooks", ADMINS_ONLY),
    row("POST /api/v1/admin/webhooks", ADMINS_ONLY),
    row("DELETE /api/v1/admin/webhooks/{id}", ADMINS_ONLY),
    row("GET /api/v1/admin/webhooks/{id}", ADMINS_ONLY),
    row("PUT /api/v1/admin/webhooks/{id}", ADMINS_ONLY),
    row("GET /api/v1/admin/webhooks/{id}/deliveries", ADMINS_ONLY),
    row(
        "POST /api/v1/admin/webhooks/{id}/rotate-secret",
        ADMINS_ONLY,
    ),
    row("POST /api/v1/admin/webhooks/{id}/test", ADMINS_ONLY),
    row("GET /api/v1/audit-events", ADMINS_ONLY),
    row("GET /api/v1/audit-events/export", ADMINS_ONLY),
    row("POST /api/v1/auth/login", OPEN),
    row("POST /api/v1/auth/logout", OPEN),
    row("POST /api/v1/auth/refresh", OPEN),
    row("POST /api/v1/auth/token", OPEN),
    row("GET /api/v1/bureaus", EVERY_ROLE),
    row("POST /api/v1/bureaus", ADMINS_ONLY),
    row("GET /api/v1/bureaus/{id}", EVERY_ROLE),
    row("PATCH /api/v1/bureaus/{id}", ADMINS_ONLY),
    row("GET /api/v1/bureaus/{id}/dashboard", EVERY_ROLE),
    row("GET /api/v1/bureaus/{id}/reforms", EVERY_ROLE),
    row("GET /api/v1/dashboard", EVERY_ROLE),
    row("GET /api/v1/digital-systems", EVERY_ROLE),
    row("POST /api/v1/digital-systems", OWNERS),
    row("GET /api/v1/digital-systems/export", EVERY_ROLE),
    row("DELETE /api/v1/digital-systems/{id}", OWNERS),
    row("GET /api/v1/digital-systems/{id}", EVERY_ROLE),
    row("PUT /api/v1/digital-systems/{id}", OWNERS),
    row("POST /api/v1/imports", IMPORTERS),
    // The column tables are no secret: every list they describe is exported to every role.
    row("GET /api/v1/imports/columns", EVERY_ROLE),
    row("GET /api/v1/imports/{id}", IMPORT_OWNER),
    row("DELETE /api/v1/kpi-actuals/{id}", OWNERS),
    row("GET /api/v1/kpis/export", EVERY_ROLE),
    row("DELETE /api/v1/kpis/{id}", OWNERS),
    row("GET /api/v1/kpis/{id}", EVERY_ROLE),
    row("PUT /api/v1/kpis/{id}", OWNERS),
    row("POST /api/v1/kpis/{id}/actuals", OWNERS),
    row("GET /api/v1/links", EVERY_ROLE),
    row("POST /api/v1/links", OWNERS),
    row("DELETE /api/v1/links/{id}", OWNERS),
    row("GET /api/v1/me", EVERY_ROLE),
    row("GET /api/v1/me/notification-preferences", EVERY_ROLE),
    row("PUT /api/v1/me/notification-preferences", EVERY_ROLE),
    row("GET /api/v1/me/notifications", EVERY_ROLE),
    row("POST /api/v1/me/notifications/read-all", EVERY_ROLE),
    row("GET /api/v1/me/notifications/unread-count", EVERY_ROLE),
    row("POST /api/v1/me/notifications/{id}/read", NOBODY_ELSE),
    row("GET /api/v1/me/round-requests", ROUND_ANSWERERS),
    row("GET /api/v1/me/subscriptions", EVERY_ROLE),
    row(
        "DELETE /api/v1/me/subscriptions/{record_kind}/{record_id}",
        PROPOSAL_READERS,
    ),
    row(
        "GET /api/v1/me/subscriptions/{record_kind}/{record_id}",
        PROPOSAL_READERS,
    ),
    row(
        "PUT /api/v1/me/subscriptions/{record_kind}/{record_id}",
        PROPOSAL_READERS,
    ),
    row("GET /api/v1/milestones", EVERY_ROLE),
    row("DELETE /api/v1/milestones/{id}", OWNERS),
    row("PUT /api/v1/milestones/{id}", OWNERS),
    row("GET /api/v1/policies", EVERY_ROLE),
    row("POST /api/v1/policies", OWNERS),
    row("GET /api/v1/policies/export", EVERY_ROLE),
    row("GET /api/v1/policies/{id}", EVERY_ROLE),
    row("PUT /api/v1/policies/{id}", OWNERS),
    row("POST /api/v1/policies/{id}/issues", OWNERS),
    row("GET /api/v1/policy-issues", EVERY_ROLE),
    row("GET /api/v1/policy-issues/export", EVERY_ROLE),
    row("DELETE /api/v1/policy-issues/{id}", OWNERS),
    row("GET /api/v1/policy-issues/{id}", EVERY_ROLE),
    row("PUT /api/v1/policy-issues/{id}", OWNERS),
    row("POST /api/v1/policy-issues/{id}/check-ins", OWNERS),
    row("POST /api/v1/policy-issues/{id}/kpis", OWNERS),
    row("POST /api/v1/policy-issues/{id}/milestones", OWNERS),
    row("POST /api/v1/policy-issues/{id}/progress-notes", OWNERS),
    row("DELETE /api/v1/progress-notes/{id}", OWNERS),
    row("GET /api/v1/project-teams", EVERY_ROLE),
    row("POST /api/v1/project-teams", ADMINS_ONLY),
    row("GET /api/v1/project-teams/{id}", EVERY_ROLE),
    row("PUT /api/v1/project-teams/{id}", ADMINS_ONLY),
    row("GET /api/v1/proposals", EVERY_ROLE),
    row("POST /api/v1/proposals", PROPOSERS),
    row("GET /api/v1/proposals/export", EVERY_ROLE),
    row("GET /api/v1/proposals/{id}", PROPOSAL_READERS),
    row("PUT /api/v1/proposals/{id}", PROPOSAL_EDITORS),
    row("POST /api/v1/proposals/{id}/assignments", ADMINS_ONLY),
    // Moving a stage is the responsible section's act: its author may not.
    row(
        "POST /api/v1/proposals/{id}/assignments/{assignment_id}/transitions",
        OWNERS,
    ),
    row("GET /api/v1/proposals/{id}/consultations", PROPOSAL_READERS),
    row("POST /api/v1/proposals/{id}/consultations", OWNERS),
    row("GET /api/v1/proposals/{id}/history", PROPOSAL_READERS),
    row("GET /api/v1/reforms", EVERY_ROLE),
    row("POST /api/v1/reforms", OWNERS),
    row("GET /api/v1/reforms/export", EVERY_ROLE),
    row("DELETE /api/v1/reforms/{id}", OWNERS),
    row("GET /api/v1/reforms/{id}", EVERY_ROLE),
    row("PUT /api/v1/reforms/{id}", OWNERS),
    row("GET /api/v1/reports/annual", EVERY_ROLE),
    row("GET /api/v1/reports/proposal-progress", EVERY_ROLE),
    row("GET /api/v1/round-requests/{id}", REQUEST_READERS),
    row("POST /api/v1/round-requests/{id}/accept", ADMINS_ONLY),
    row(
        "PUT /api/v1/round-requests/{id}/items/{item_id}",
        REQUEST_ANSWERERS,
    ),
    row("POST /api/v1/round-requests/{id}/nudge", ADMINS_ONLY),
    row("POST /api/v1/round-requests/{id}/return", ADMINS_ONLY),
    row("POST /api/v1/round-requests/{id}/submit", REQUEST_ANSWERERS),
    row("GET /api/v1/round-requests/{id}/workbook", REQUEST_READERS),
    row(
        "POST /api/v1/round-requests/{id}/workbook",
        REQUEST_ANSWERERS,
    ),
    row("GET /api/v1/rounds", ROUND_READERS),
    row("POST /api/v1/rounds", ADMINS_ONLY),
    row("DELETE /api/v1/rounds/{id}", ADMINS_ONLY),
    row("GET /api/v1/rounds/compliance-trend", COMPLIANCE_READERS),
    row("GET /api/v1/rounds/{id}", ROUND_READERS),
    row("PUT /api/v1/rounds/{id}", ADMINS_ONLY),
    row("POST /api/v1/rounds/{id}/close", ADMINS_ONLY),
    row("GET /api/v1/rounds/{id}/compliance", COMPLIANCE_READERS),
    row("POST /api/v1/rounds/{id}/nudge-overdue", ADMINS_ONLY),
    row("POST /api/v1/rounds/{id}/open", ADMINS_ONLY),
    row("GET /api/v1/rounds/{id}/preview", ADMINS_ONLY),
    row("POST /api/v1/rounds/{id}/reopen", ADMINS_ONLY),
    row("GET /api/v1/rounds/{id}/report", ROUND_READERS),
    row("GET /api/v1/rounds/{id}/report.csv", ROUND_READERS),
    row("GET /api/v1/rounds/{id}/report.xlsx", ROUND_READERS),
    row("GET /api/v1/rounds/{id}/requests", ROUND_READERS),
    row("GET /api/v1/search", EVERY_ROLE),
    row("GET /api/v1/sections", EVERY_ROLE),
    row("POST /api/v1/sections", ADMINS_ONLY),
    row("GET /api/v1/sections/{id}", EVERY_ROLE),
    row("POST /api/v1/sections/{id}/renames", ADMINS_ONLY),
    row("DELETE /api/v1/target-measurements/{id}", ADMINS_ONLY),
    row("GET /api/v1/targets", EVERY_ROLE),
    row("POST /api/v1/targets", ADMINS_ONLY),
    row("PUT /api/v1/targets/{id}", ADMINS_ONLY),
    row("POST /api/v1/targets/{id}/measurements", ADMINS_ONLY),
    row("GET /api/v1/users", ADMINS_ONLY),
    row("POST /api/v1/users", ADMINS_ONLY),
    row("GET /api/v1/wareki/parse", EVERY_ROLE),
    row("GET /healthz", OPEN),
    row("GET /readyz", OPEN),
];

/// The row of one operation, `"METHOD /path"`.
pub fn expectation(operation: &str) -> Option<&'static Expectation> {
    EXPECTATIONS.iter().find(|e| e.operation == operation)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn each_operation_has_one_row_named_method_then_path() {
        let mut seen = HashSet::new();
        for e in EXPECTATIONS {
            assert!(seen.insert(e.operation), "{} twice", e.operation);
            let (method, path) = e.operation.split_once(' ').unwrap_or_default();
            assert!(
                ["GET", "POST", "PUT", "PATCH", "DELETE"].contains(&method),
                "{}",
                e.operation
            );
            assert!(path.starts_with('/'), "{}", e.operation);
        }
    }

    #[test]
    fn without_a_token_only_open_operations_answer() {
        for e in EXPECTATIONS {
            let anonymous = e.outcome(Caller::Anonymous);
            let open = e.outcomes == OPEN;
            assert!(
                anonymous == Outcome::Unauthenticated || open,
                "{}: {anonymous:?}",
                e.operation
            );
        }
    }

    #[test]
    fn admins_may_call_every_operation() {
        // Except on another person's own records (a notification), which nobody else may see.
        for e in EXPECTATIONS.iter().filter(|e| e.outcomes != NOBODY_ELSE) {
            assert_eq!(
                e.outcome(Caller::Admin),
                Outcome::Allowed,
                "{}",
                e.operation
            );
        }
    }

    #[test]
    fn viewers_never_write() {
        for e in EXPECTATIONS {
            let reads = e.operation.starts_with("GET ");
            let sign_in = e.outcomes == OPEN;
            // Their own notifications, preferences and follows are theirs to change.
            let own = e.operation.contains(" /api/v1/me/");
            if !reads && !sign_in && !own {
                assert_eq!(
                    e.outcome(Caller::Viewer),
                    Outcome::Forbidden,
                    "{}",
                    e.operation
                );
            }
        }
    }
}
