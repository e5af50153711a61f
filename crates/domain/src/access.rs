//! Roles, scopes and the one authorization rule: deny unless a rule below allows.

pub mod expectations;

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// What a signed-in account is trusted with. Stored by its `as_str` name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 市政変革推進室: may do everything.
    Admin,
    /// Acts within the sections or bureau in its scopes.
    Editor,
    /// Creates proposals and sees their own.
    Proposer,
    /// Reads; analysts and internal reporting systems use this role.
    Viewer,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Admin, Role::Editor, Role::Proposer, Role::Viewer];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Editor => "editor",
            Role::Proposer => "proposer",
            Role::Viewer => "viewer",
        }
    }

    /// The name staff see in the Japanese interface.
    pub fn label_ja(self) -> &'static str {
        match self {
            Role::Admin => "管理者（市政変革推進室）",
            Role::Editor => "編集者",
            Role::Proposer => "提案者",
            Role::Viewer => "閲覧者",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role `{0}`: expected one of admin, editor, proposer, viewer")]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|role| role.as_str() == s)
            .ok_or_else(|| UnknownRole(s.to_owned()))
    }
}

/// The organisational units an editor acts within. Empty for roles that are not scoped.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scopes {
    #[serde(default)]
    pub section_ids: Vec<i64>,
    #[serde(default)]
    pub bureau_ids: Vec<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PrincipalKind {
    User,
    ServiceAccount,
}

/// The authenticated caller of one request, read fresh from storage on every request so that a
/// role change or a disabled account takes effect at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub kind: PrincipalKind,
    pub id: i64,
    pub display_name: String,
    pub role: Role,
    pub scopes: Scopes,
}

/// Everything a caller can ask to do. Each variant names its allowed roles in one place, which the
/// HTTP layer also prints into the OpenAPI document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Read one's own account (`GET /api/v1/me`).
    ReadOwnAccount,
    /// List the accounts of the system.
    ListUsers,
    /// Create accounts for people.
    ManageUsers,
    /// Read the audit trail.
    ReadAuditEvents,
    /// Read bureaus and sections.
    ReadOrganization,
    /// Create, rename and reorder bureaus and sections.
    ManageOrganization,
    /// Read proposals (proposers only their own) and the progress report.
    ReadProposals,
    /// Submit a new proposal.
    CreateProposal,
    /// Make sections responsible for a proposal, and manage project teams.
    ManageProposalWorkflow,
    /// Move an assignment's stage or record a consultation; editors only for their sections.
    ActOnAssignment,
    /// Read reforms, X policies, the system ledger, targets and links.
    ReadDepartmentWork,
    /// Write reforms, X policies, ledger entries and links; editors only within their scopes.
    EditDepartmentWork,
    /// Set the city-wide targets and record their measurements.
    ManageTargets,
}

impl Action {
    pub fn allowed_roles(self) -> &'static [Role] {
        match self {
            Action::ReadOwnAccount | Action::ReadOrganization => &Role::ALL,
            Action::ListUsers
            | Action::ManageUsers
            | Action::ReadAuditEvents
            | Action::ManageOrganization
            | Action::ManageProposalWorkflow => &[Role::Admin],
            Action::ReadProposals => &Role::ALL,
            Action::CreateProposal => &[Role::Admin, Role::Editor, Role::Proposer],
            Action::ActOnAssignment | Action::EditDepartmentWork => &[Role::Admin, Role::Editor],
            Action::ReadDepartmentWork => &Role::ALL,
            Action::ManageTargets => &[Role::Admin],
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{role} may not {action:?}")]
pub struct Denied {
    pub role: Role,
    pub action: Action,
}

/// The authorization rule. Nothing is allowed unless the action lists the caller's role.
pub fn authorize(principal: &Principal, action: Action) -> Result<(), Denied> {
    if action.allowed_roles().contains(&principal.role) {
        Ok(())
    } else {
        Err(Denied {
            role: principal.role,
            action,
        })
    }
}

impl Principal {
    /// Whether the caller acts for this section: admins for all, editors for the sections and
    /// bureaus in their scopes.
    pub fn acts_for_section(&self, section_id: i64, bureau_id: i64) -> bool {
        match self.role {
            Role::Admin => true,
            Role::Editor => {
                self.scopes.section_ids.contains(&section_id)
                    || self.scopes.bureau_ids.contains(&bureau_id)
            }
            Role::Proposer | Role::Viewer => false,
        }
    }

    /// Whether the caller acts for a bureau as a whole (its X policy, a reform of no particular
    /// section): admins, editors scoped to the bureau, and editors of any of its sections.
    pub fn acts_for_bureau(&self, bureau_id: i64, sections_of_bureau: &[i64]) -> bool {
        match self.role {
            Role::Admin => true,
            Role::Editor => {
                self.scopes.bureau_ids.contains(&bureau_id)
                    || sections_of_bureau
                        .iter()
                        .any(|s| self.scopes.section_ids.contains(s))
            }
            Role::Proposer | Role::Viewer => false,
        }
    }

    /// Proposers see only the proposals they submitted; everyone else sees all.
    pub fn sees_only_own_proposals(&self) -> bool {
        self.role == Role::Proposer
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal(role: Role) -> Principal {
        Principal {
            kind: PrincipalKind::User,
            id: 1,
            display_name: "市役所 太郎".into(),
            role,
            scopes: Scopes::default(),
        }
    }

    #[test]
    fn every_role_round_trips_through_its_stored_name() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
        }
        assert!("superuser".parse::<Role>().is_err());
    }

    #[test]
    fn only_admins_may_read_the_audit_trail() {
        assert!(authorize(&principal(Role::Admin), Action::ReadAuditEvents).is_ok());
        for role in [Role::Editor, Role::Proposer, Role::Viewer] {
            assert_eq!(
                authorize(&principal(role), Action::ReadAuditEvents),
                Err(Denied {
                    role,
                    action: Action::ReadAuditEvents
                })
            );
        }
    }

    #[test]
    fn an_editor_acts_for_the_sections_and_bureaus_in_scope_only() {
        let mut editor = principal(Role::Editor);
        editor.scopes = Scopes {
            section_ids: vec![3],
            bureau_ids: vec![9],
        };
        assert!(editor.acts_for_section(3, 1));
        assert!(editor.acts_for_section(7, 9));
        assert!(!editor.acts_for_section(7, 1));
        assert!(principal(Role::Admin).acts_for_section(7, 1));
        assert!(!principal(Role::Viewer).acts_for_section(3, 9));
    }

    #[test]
    fn every_role_may_read_its_own_account() {
        for role in Role::ALL {
            assert!(authorize(&principal(role), Action::ReadOwnAccount).is_ok());
        }
    }
}
