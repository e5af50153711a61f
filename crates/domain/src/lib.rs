//! Platina's domain: the types and rules of the city's reform work, free of I/O.
//!
//! This crate owns the records of proposals, self-initiated reforms, bureau X policies, the
//! digital-system ledger, the organisation and the links between them (`ReformFields`,
//! `Reform`, `ProposalFields`, …, each in its module) and their rules, including their computed
//! health (`health`: 順調, 注意, 遅延, … from their own data and a day) and the text
//! search finds each record by (`search::SearchText`); who may do what (roles, scopes, the
//! authorization rule); and the text rules every input passes (control characters, e-mail
//! addresses, how a search query meets stored Japanese text). It knows nothing of HTTP, SQL or
//! OpenAPI, so the rules can be tested and reused on their own; the one exception is a name:
//! `access::expectations` lists the API's operations as `"METHOD /path"` beside the rules, so
//! that the role-by-operation test and a change of rule are read together.

pub mod access;
pub mod calendar;
pub mod event;
pub mod health;
pub mod ids;
pub mod ledger;
pub mod link;
pub mod organization;
pub mod period;
pub mod policy;
pub mod proposal;
pub mod reform;
pub mod round;
pub mod search;
pub mod text;
pub mod wareki;

pub use access::{
    Action, Denied, OwnProposals, Owner, Principal, PrincipalKind, ProposalReach, RequestReach,
    Rights, Role, Scopes, SectionOf, authorize, request_rights, rights,
};
pub use ids::{BureauId, IssueId, PolicyId, ProposalId, ReformId, SectionId, SystemId, TeamId};
pub use period::{Period, PeriodPoint, PeriodStatus, Precision, Season};
pub use text::{Email, InvalidEmail};
pub use wareki::{Era, EraYear, FiscalYear, InvalidFiscalYear};
