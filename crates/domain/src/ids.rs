//! Typed ids: one newtype per record kind, so that a reform's id cannot be passed where a
//! section's is expected and a handler's path parameter says which record it names. They are
//! plain integers everywhere outside the code: `#[serde(transparent)]` on the wire, the raw
//! value (`get`) in the database, and the API documents them as integers.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! typed_ids {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(i64);

        impl $name {
            /// The id of the record whose raw key is `raw`.
            pub const fn new(raw: i64) -> Self {
                $name(raw)
            }

            /// The raw key, as the database and the wire hold it.
            pub const fn get(self) -> i64 {
                self.0
            }
        }

        impl From<$name> for i64 {
            fn from(id: $name) -> i64 {
                id.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    )*};
}

typed_ids!(
    /// A self-initiated reform (自主改革取組).
    ReformId,
    /// A PT proposal (課題提案).
    ProposalId,
    /// A project team of one fiscal year.
    TeamId,
    /// A bureau, ward office or other department (局・区役所…).
    BureauId,
    /// A section (課).
    SectionId,
    /// A bureau's X policy of one fiscal year.
    PolicyId,
    /// An issue of an X policy.
    IssueId,
    /// A digital system of the ledger.
    SystemId,
);

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failing unwrap is a failing test
mod tests {
    use super::*;

    #[test]
    fn an_id_goes_over_the_wire_as_a_plain_integer() {
        assert_eq!(serde_json::to_string(&ReformId::new(42)).unwrap(), "42");
        let read: ProposalId = serde_json::from_str("7").unwrap();
        assert_eq!(read, ProposalId::new(7));
        assert_eq!(read.get(), 7);
        assert_eq!(read.to_string(), "7");
    }

    #[test]
    fn text_that_is_not_an_integer_is_not_an_id() {
        assert!(serde_json::from_str::<SectionId>("\"7\"").is_err());
        assert!(serde_json::from_str::<SectionId>("7.5").is_err());
    }
}
