//! Roles, scopes and the rules that decide: `authorize` (may this role attempt the operation at
//! all) and `rights` (what may this principal do to this record, given its owner).

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
    /// Read and mark one's own notifications, choose channels, follow records (people only).
    ManageOwnNotifications,
    /// List the accounts of the system.
    ListUsers,
    /// Create accounts for people.
    ManageUsers,
    /// Read the audit trail.
    ReadAuditEvents,
    /// Read the e-mail Platina sent or recorded (送信済みメール): it quotes every recipient's
    /// notifications, so only the reform office.
    ReadSentMail,
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
    /// Import proposals from a file: the reform office's work, since proposals belong to no
    /// editor's scope.
    ImportProposals,
    /// Watch the job runner's queue, retry dead jobs and cancel queued ones.
    ManageJobs,
    /// Register, change and remove webhook endpoints, rotate their secrets, read their delivery
    /// log and redeliver: the office's connection of other systems.
    ManageWebhooks,
    /// Create, edit, preview, open, close and reopen reporting rounds (照会), and return or accept
    /// the answers: the reform office's work.
    ManageRounds,
    /// Read rounds and their requests with the counts per state; editors see only the requests
    /// of their own sections and bureau (see [`request_rights`]).
    ReadRounds,
    /// Answer the requests of one's own sections or bureau: the inbox, answering items,
    /// submitting (回答する).
    AnswerRounds,
    /// Read the compliance view of rounds (who answered, who is overdue, per bureau and section,
    /// and the trend across rounds): the office and its analysts. Editors see their own
    /// requests, not how every other section stands.
    ReadRoundCompliance,
    /// Read a closed round's report, frozen or live, and export it: the figures are the
    /// dashboard's, which every staff member but proposers reads, so editors read every round's.
    ReadRoundReports,
}

impl Action {
    pub fn allowed_roles(self) -> &'static [Role] {
        match self {
            Action::ReadOwnAccount | Action::ManageOwnNotifications | Action::ReadOrganization => {
                &Role::ALL
            }
            Action::ListUsers
            | Action::ManageUsers
            | Action::ReadAuditEvents
            | Action::ReadSentMail
            | Action::ManageOrganization
            | Action::ManageProposalWorkflow => &[Role::Admin],
            Action::ReadProposals => &Role::ALL,
            Action::CreateProposal => &[Role::Admin, Role::Editor, Role::Proposer],
            Action::ActOnAssignment | Action::EditDepartmentWork => &[Role::Admin, Role::Editor],
            Action::ReadDepartmentWork => &Role::ALL,
            Action::ManageTargets
            | Action::ImportProposals
            | Action::ManageJobs
            | Action::ManageWebhooks
            | Action::ManageRounds => &[Role::Admin],
            Action::ReadRounds | Action::ReadRoundReports => {
                &[Role::Admin, Role::Editor, Role::Viewer]
            }
            Action::AnswerRounds => &[Role::Admin, Role::Editor],
            Action::ReadRoundCompliance => &[Role::Admin, Role::Viewer],
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

impl Role {
    /// Whether accounts of this role act within sections or bureaus, and so must name at least
    /// one (editors), or must name none (everyone else).
    pub fn is_scoped(self) -> bool {
        self == Role::Editor
    }
}

/// A section together with the bureau it belongs to: an editor scoped to either acts for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SectionOf {
    pub section_id: i64,
    pub bureau_id: i64,
}

/// Who owns one record, as far as deciding access goes. Handlers describe the record they read
/// with one of these and ask [`rights`]; none of them looks at the caller's role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "of")]
pub enum Owner {
    /// A PT proposal: the account that wrote it and the sections responsible for it.
    Proposal {
        author: Option<i64>,
        sections: Vec<SectionOf>,
    },
    /// One responsible section's assignment of a proposal.
    Assignment(SectionOf),
    /// Department work of a bureau held by some of its sections (a reform, a ledger entry).
    /// With no section named, only editors scoped to the whole bureau act for it: an editor of
    /// one of its sections does not (see `Principal::acts_for_bureau`).
    Sections {
        bureau_id: i64,
        section_ids: Vec<i64>,
    },
    /// Bureau-wide work: the X policy and everything under it. `sections_of_bureau` are the
    /// bureau's sections, whose editors act for the whole.
    Bureau {
        bureau_id: i64,
        sections_of_bureau: Vec<i64>,
    },
    /// Something one account started (an import job): only that account, and admins. `None`:
    /// started by no account (the operator at the command line), so only admins.
    Account(Option<(PrincipalKind, i64)>),
    /// A record no bureau owns: only admins change it.
    Nobody,
}

/// What a principal may do to one record. The DTOs' flags are read from here (`can_edit` from
/// `edit`, `can_act` from `act`), and handlers check the same fields, so a button the screen
/// shows is a request the server accepts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Rights {
    /// May see the record at all; a record the caller may not read answers 404, as if it did
    /// not exist.
    pub read: bool,
    /// May change the record's own fields.
    pub edit: bool,
    /// May act on it as a responsible owner: move an assignment's stage, record a consultation
    /// on a proposal, change the record's links.
    pub act: bool,
}

impl Rights {
    const READ_ONLY: Rights = Rights {
        read: true,
        edit: false,
        act: false,
    };

    fn owning(owns: bool) -> Rights {
        Rights {
            read: true,
            edit: owns,
            act: owns,
        }
    }
}

/// The decision: what `principal` may do to a record owned by `owner`. Whether the role may
/// attempt that kind of operation at all is [`authorize`]'s question; this one answers for the
/// particular record.
pub fn rights(principal: &Principal, owner: &Owner) -> Rights {
    if principal.role == Role::Admin {
        return Rights {
            read: true,
            edit: true,
            act: true,
        };
    }
    match owner {
        Owner::Proposal { author, sections } => {
            let wrote_it = principal.kind == PrincipalKind::User && *author == Some(principal.id);
            let responsible = sections
                .iter()
                .any(|s| principal.acts_for_section(s.section_id, s.bureau_id));
            Rights {
                read: principal.proposal_reach().includes(*author),
                edit: wrote_it || responsible,
                act: responsible,
            }
        }
        Owner::Assignment(s) => {
            Rights::owning(principal.acts_for_section(s.section_id, s.bureau_id))
        }
        Owner::Sections {
            bureau_id,
            section_ids,
        } => Rights::owning(
            principal.role == Role::Editor && {
                principal.scopes.bureau_ids.contains(bureau_id)
                    || section_ids
                        .iter()
                        .any(|s| principal.scopes.section_ids.contains(s))
            },
        ),
        Owner::Bureau {
            bureau_id,
            sections_of_bureau,
        } => Rights::owning(principal.acts_for_bureau(*bureau_id, sections_of_bureau)),
        Owner::Account(started_by) => {
            let started_it = *started_by == Some((principal.kind, principal.id));
            Rights {
                read: started_it,
                edit: started_it,
                act: started_it,
            }
        }
        Owner::Nobody => Rights::READ_ONLY,
    }
}

/// What a principal may do to one request of a reporting round, owned by `owner` (a section:
/// [`Owner::Sections`] with that one section; a bureau: [`Owner::Bureau`]). Unlike the records
/// themselves, a request is not public inside the city hall: an editor sees only the requests
/// they answer for (another section's is absent, 404), while admins and viewers (analysts of
/// the office's figures) read them all. `act` is answering it; only admins return or accept.
pub fn request_rights(principal: &Principal, owner: &Owner) -> Rights {
    match principal.role {
        Role::Admin => rights(principal, owner),
        Role::Viewer => Rights::READ_ONLY,
        Role::Editor => {
            let owns = rights(principal, owner).act;
            Rights {
                read: owns,
                edit: false,
                act: owns,
            }
        }
        Role::Proposer => Rights::default(),
    }
}

/// Which requests of reporting rounds a principal may read, in the form a query narrows by:
/// the same rule as [`request_rights`], for lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestReach {
    /// Every request.
    All,
    /// Those an editor with these scopes answers for: a section's request when the section or
    /// its bureau is in scope; a bureau's request when the bureau is in scope or one of its
    /// sections is (as for the bureau's X policy, [`Owner::Bureau`]).
    AnsweredBy(Scopes),
    /// None.
    Nothing,
}

impl Principal {
    /// The requests this principal may read; see [`RequestReach`].
    pub fn request_reach(&self) -> RequestReach {
        match self.role {
            Role::Admin | Role::Viewer => RequestReach::All,
            Role::Editor => RequestReach::AnsweredBy(self.scopes.clone()),
            Role::Proposer => RequestReach::Nothing,
        }
    }

    /// The requests this principal answers: what the inbox (`/me/round-requests`) lists. An
    /// admin answers for everyone and so sees every open request; a viewer answers none.
    pub fn answer_reach(&self) -> RequestReach {
        match self.role {
            Role::Admin => RequestReach::All,
            Role::Editor => RequestReach::AnsweredBy(self.scopes.clone()),
            Role::Proposer | Role::Viewer => RequestReach::Nothing,
        }
    }
}

/// Which proposals a principal may read, in the form a query narrows by. Every read of
/// proposals (lists, exports, search, reports, link lists) starts from this, so the rule
/// "proposers see only their own proposals" is written here and nowhere else.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProposalReach {
    /// Every proposal.
    All,
    /// Only those this user wrote.
    AuthoredBy(i64),
    /// None: a proposer that is not a person (a service account) wrote nothing it may see.
    Nothing,
}

impl ProposalReach {
    /// Whether a proposal written by `author` is within reach.
    pub fn includes(self, author: Option<i64>) -> bool {
        match self {
            ProposalReach::All => true,
            ProposalReach::AuthoredBy(id) => author == Some(id),
            ProposalReach::Nothing => false,
        }
    }
}

/// What "my proposals" (`scope=mine`) means for a principal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OwnProposals {
    /// Those the person wrote.
    Authored(i64),
    /// Those assigned to the sections or bureaus an editor acts for.
    Assigned(Scopes),
    /// No narrowing: an account that is neither a person nor an editor has no proposals of its
    /// own, and sees what it sees anyway.
    Unnarrowed,
}

impl Principal {
    /// Whether the caller acts for this section: admins for all, editors for the sections and
    /// bureaus in their scopes.
    fn acts_for_section(&self, section_id: i64, bureau_id: i64) -> bool {
        match self.role {
            Role::Admin => true,
            Role::Editor => {
                self.scopes.section_ids.contains(&section_id)
                    || self.scopes.bureau_ids.contains(&bureau_id)
            }
            Role::Proposer | Role::Viewer => false,
        }
    }

    /// Whether the caller acts for a bureau as a whole (its X policy and what hangs under it):
    /// admins, editors scoped to the bureau, and editors of any of its sections. A reform of no
    /// particular section is not bureau-wide work in this sense: it is [`Owner::Sections`] with
    /// no section, and an editor of one of the bureau's sections is refused it; only editors
    /// scoped to the bureau (and admins) act for it.
    fn acts_for_bureau(&self, bureau_id: i64, sections_of_bureau: &[i64]) -> bool {
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
    fn sees_only_own_proposals(&self) -> bool {
        self.role == Role::Proposer
    }

    /// The proposals this principal may read; see [`ProposalReach`].
    pub fn proposal_reach(&self) -> ProposalReach {
        match (self.sees_only_own_proposals(), self.kind) {
            (false, _) => ProposalReach::All,
            (true, PrincipalKind::User) => ProposalReach::AuthoredBy(self.id),
            (true, PrincipalKind::ServiceAccount) => ProposalReach::Nothing,
        }
    }

    /// What `scope=mine` narrows a proposal list to for this principal.
    pub fn own_proposals(&self) -> OwnProposals {
        match (self.role, self.kind) {
            (Role::Editor, _) => OwnProposals::Assigned(self.scopes.clone()),
            (_, PrincipalKind::User) => OwnProposals::Authored(self.id),
            (_, PrincipalKind::ServiceAccount) => OwnProposals::Unnarrowed,
        }
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

    fn editor_of(sections: &[i64], bureaus: &[i64]) -> Principal {
        let mut editor = principal(Role::Editor);
        editor.scopes = Scopes {
            section_ids: sections.to_vec(),
            bureau_ids: bureaus.to_vec(),
        };
        editor
    }

    #[test]
    fn a_proposer_reads_and_edits_only_the_proposal_they_wrote() {
        let owner = |author| Owner::Proposal {
            author: Some(author),
            sections: vec![SectionOf {
                section_id: 3,
                bureau_id: 9,
            }],
        };
        let author = principal(Role::Proposer);
        let mine = rights(&author, &owner(author.id));
        assert!(mine.read && mine.edit && !mine.act);
        assert_eq!(rights(&author, &owner(author.id + 1)), Rights::default());
        let viewer = rights(&principal(Role::Viewer), &owner(2));
        assert!(viewer.read && !viewer.edit && !viewer.act);
        let responsible = rights(&editor_of(&[3], &[]), &owner(2));
        assert!(responsible.read && responsible.edit && responsible.act);
        let elsewhere = rights(&editor_of(&[4], &[]), &owner(2));
        assert!(elsewhere.read && !elsewhere.edit && !elsewhere.act);
    }

    #[test]
    fn a_service_account_proposer_reaches_no_proposal_even_under_a_users_id() {
        let mut account = principal(Role::Proposer);
        account.kind = PrincipalKind::ServiceAccount;
        assert_eq!(account.proposal_reach(), ProposalReach::Nothing);
        assert!(!ProposalReach::Nothing.includes(Some(account.id)));
        assert_eq!(
            principal(Role::Proposer).proposal_reach(),
            ProposalReach::AuthoredBy(1)
        );
        assert_eq!(principal(Role::Viewer).proposal_reach(), ProposalReach::All);
    }

    #[test]
    fn a_section_editor_is_refused_a_reform_of_no_particular_section_but_not_the_policy() {
        let reform = Owner::Sections {
            bureau_id: 9,
            section_ids: vec![],
        };
        let policy = Owner::Bureau {
            bureau_id: 9,
            sections_of_bureau: vec![3, 4],
        };
        let section_editor = editor_of(&[3], &[]);
        assert!(!rights(&section_editor, &reform).edit);
        assert!(rights(&section_editor, &policy).edit);
        assert!(rights(&editor_of(&[], &[9]), &reform).edit);
        assert!(!rights(&editor_of(&[5], &[]), &policy).edit);
    }

    #[test]
    fn an_import_job_belongs_to_the_account_that_started_it_and_to_admins() {
        let job = Owner::Account(Some((PrincipalKind::User, 1)));
        assert!(rights(&principal(Role::Editor), &job).read);
        let mut other = principal(Role::Editor);
        other.id = 2;
        assert!(!rights(&other, &job).read);
        let mut same_id_service = principal(Role::Editor);
        same_id_service.kind = PrincipalKind::ServiceAccount;
        assert!(!rights(&same_id_service, &job).read);
        assert!(rights(&principal(Role::Admin), &job).read);
        assert!(!rights(&principal(Role::Editor), &Owner::Account(None)).read);
    }

    #[test]
    fn an_editor_sees_and_answers_only_the_requests_of_their_sections_and_bureau() {
        let section_request = Owner::Sections {
            bureau_id: 9,
            section_ids: vec![3],
        };
        let bureau_request = Owner::Bureau {
            bureau_id: 9,
            sections_of_bureau: vec![3, 4],
        };
        let own = request_rights(&editor_of(&[3], &[]), &section_request);
        assert!(own.read && own.act && !own.edit);
        assert!(request_rights(&editor_of(&[4], &[]), &bureau_request).act);
        assert_eq!(
            request_rights(&editor_of(&[4], &[]), &section_request),
            Rights::default()
        );
        assert!(request_rights(&editor_of(&[], &[9]), &section_request).act);
        let viewer = request_rights(&principal(Role::Viewer), &section_request);
        assert!(viewer.read && !viewer.act);
        assert_eq!(
            request_rights(&principal(Role::Proposer), &section_request),
            Rights::default()
        );
        assert!(request_rights(&principal(Role::Admin), &bureau_request).edit);
        assert_eq!(
            principal(Role::Viewer).answer_reach(),
            RequestReach::Nothing
        );
        assert_eq!(principal(Role::Viewer).request_reach(), RequestReach::All);
    }

    #[test]
    fn nobody_but_an_admin_changes_an_unowned_record() {
        assert!(rights(&principal(Role::Admin), &Owner::Nobody).edit);
        let editor = rights(&editor_of(&[3], &[9]), &Owner::Nobody);
        assert!(editor.read && !editor.edit);
    }
}
