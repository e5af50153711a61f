//! Links between the records of reform work. They follow the chain proposal → reform → policy
//! issue → digital system → KPI: a link always runs from the earlier kind to the later one, so the
//! same pair is never stored twice in opposite directions.

use chrono::{DateTime, Utc};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EntityKind {
    Proposal,
    Reform,
    PolicyIssue,
    DigitalSystem,
    Kpi,
}

impl EntityKind {
    pub const ALL: [EntityKind; 5] = [
        EntityKind::Proposal,
        EntityKind::Reform,
        EntityKind::PolicyIssue,
        EntityKind::DigitalSystem,
        EntityKind::Kpi,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            EntityKind::Proposal => "proposal",
            EntityKind::Reform => "reform",
            EntityKind::PolicyIssue => "policy_issue",
            EntityKind::DigitalSystem => "digital_system",
            EntityKind::Kpi => "kpi",
        }
    }

    pub fn parse(text: &str) -> Option<EntityKind> {
        EntityKind::ALL.into_iter().find(|k| k.as_str() == text)
    }

    pub const fn label_ja(self) -> &'static str {
        match self {
            EntityKind::Proposal => "課題提案",
            EntityKind::Reform => "自主改革",
            EntityKind::PolicyIssue => "X方針の課題",
            EntityKind::DigitalSystem => "システム",
            EntityKind::Kpi => "KPI",
        }
    }

    /// Whether a link may run from `self` to `to`: only forward along the chain.
    pub fn may_link_to(self, to: EntityKind) -> bool {
        self < to
    }
}

// ---------------------------------------------------------------------------------------------
// Records

/// One end of a link.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EntityRef {
    pub kind: EntityKind,
    pub id: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// `None` for the link a reform's classification iii implies; it cannot be deleted.
    pub id: Option<i64>,
    pub from: EntityRef,
    pub to: EntityRef,
    pub note: Option<String>,
    pub created_at: Option<DateTime<Utc>>,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failing unwrap is a failing test
mod tests {
    use super::*;

    #[test]
    fn links_run_forward_along_the_chain_only() {
        assert!(EntityKind::Proposal.may_link_to(EntityKind::Reform));
        assert!(EntityKind::Proposal.may_link_to(EntityKind::Kpi));
        assert!(EntityKind::DigitalSystem.may_link_to(EntityKind::Kpi));
        assert!(!EntityKind::Kpi.may_link_to(EntityKind::Reform));
        assert!(!EntityKind::Reform.may_link_to(EntityKind::Reform));
    }
}
