//! The kinds of domain event Platina writes when something happens to a record, and for each the
//! channel a user hears of it on until they choose otherwise. Notifications, e-mail and webhooks
//! all name events by these strings, so they are listed once, here.

/// How a user hears of one kind of event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Channel {
    /// In the notification list and the bell only.
    InApp,
    /// In the list, and by e-mail as soon as it happens.
    Email,
    /// In the list, and in the daily digest e-mail at the user's hour.
    Digest,
    /// Not at all.
    Off,
}

impl Channel {
    pub const ALL: [Channel; 4] = [
        Channel::InApp,
        Channel::Email,
        Channel::Digest,
        Channel::Off,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::InApp => "in_app",
            Channel::Email => "email",
            Channel::Digest => "digest",
            Channel::Off => "off",
        }
    }

    pub fn parse(text: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.as_str() == text)
    }
}

/// One kind of event: its name on the wire, its label for staff, and its default channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventKind {
    pub name: &'static str,
    pub label_ja: &'static str,
    pub label_en: &'static str,
    pub default_channel: Channel,
}

pub const PROPOSAL_CREATED: &str = "proposal.created";
pub const PROPOSAL_ASSIGNED: &str = "proposal.assigned";
pub const PROPOSAL_STAGE_CHANGED: &str = "proposal.stage_changed";
pub const PROPOSAL_DECIDED: &str = "proposal.decided";
pub const PROPOSAL_CONSULTED: &str = "proposal.consulted";
pub const MILESTONE_SLIPPED: &str = "milestone.slipped";
pub const MILESTONE_OVERDUE: &str = "milestone.overdue";
pub const KPI_ACTUAL_RECORDED: &str = "kpi.actual_recorded";
pub const IMPORT_FINISHED: &str = "import.finished";
pub const IMPORT_FAILED: &str = "import.failed";
pub const ACCOUNT_CREATED: &str = "account.created";
pub const WEBHOOK_DISABLED: &str = "webhook.disabled";
pub const ROUND_REQUEST_OPENED: &str = "round.request_opened";
pub const ROUND_REQUEST_RETURNED: &str = "round.request_returned";
pub const ROUND_REMINDER: &str = "round.reminder";
pub const ROUND_NUDGED: &str = "round.nudged";

const fn kind(
    name: &'static str,
    label_ja: &'static str,
    label_en: &'static str,
    default_channel: Channel,
) -> EventKind {
    EventKind {
        name,
        label_ja,
        label_en,
        default_channel,
    }
}

/// Every kind of event, in the order the preferences screen lists them.
pub const KINDS: [EventKind; 16] = [
    kind(
        PROPOSAL_CREATED,
        "提案の登録",
        "Proposal registered",
        Channel::InApp,
    ),
    kind(
        PROPOSAL_ASSIGNED,
        "提案の担当課への割当て",
        "Proposal assigned to a section",
        Channel::Email,
    ),
    kind(
        PROPOSAL_STAGE_CHANGED,
        "提案の検討段階の変更",
        "Proposal stage changed",
        Channel::InApp,
    ),
    kind(
        PROPOSAL_DECIDED,
        "提案の対応方針の決定",
        "Proposal decided",
        Channel::InApp,
    ),
    kind(
        PROPOSAL_CONSULTED,
        "提案への協議の記録",
        "Consultation recorded",
        Channel::InApp,
    ),
    kind(
        MILESTONE_SLIPPED,
        "マイルストーンの遅延",
        "Milestone slipped",
        Channel::Email,
    ),
    kind(
        MILESTONE_OVERDUE,
        "期限を過ぎたマイルストーン",
        "Milestone overdue",
        Channel::Digest,
    ),
    kind(
        KPI_ACTUAL_RECORDED,
        "KPI 実績の記録",
        "KPI actual recorded",
        Channel::InApp,
    ),
    kind(
        IMPORT_FINISHED,
        "取込みの完了",
        "Import finished",
        Channel::InApp,
    ),
    kind(
        IMPORT_FAILED,
        "取込みの失敗",
        "Import failed",
        Channel::Email,
    ),
    kind(
        ACCOUNT_CREATED,
        "アカウントの作成",
        "Account created",
        Channel::InApp,
    ),
    kind(
        WEBHOOK_DISABLED,
        "Webhook 送信先の自動停止",
        "Webhook endpoint disabled",
        Channel::Email,
    ),
    // An owner must act on both by a due date, so they come by e-mail unless chosen otherwise.
    kind(
        ROUND_REQUEST_OPENED,
        "照会（回答依頼）の受付",
        "Reporting round request received",
        Channel::Email,
    ),
    kind(
        ROUND_REQUEST_RETURNED,
        "照会への回答の差戻し",
        "Reporting round answer returned",
        Channel::Email,
    ),
    // A reminder is only worth sending if it reaches the owner before the due date passes.
    kind(
        ROUND_REMINDER,
        "照会の回答期限のお知らせ（リマインダー）",
        "Reporting round reminder",
        Channel::Email,
    ),
    kind(
        ROUND_NUDGED,
        "照会への回答の督促",
        "Reporting round answer chased by the office",
        Channel::Email,
    ),
];

/// The kind named `name`, if Platina writes such events.
pub fn find(name: &str) -> Option<&'static EventKind> {
    KINDS.iter().find(|k| k.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_is_named_once_and_found_by_its_name() {
        for k in KINDS {
            assert_eq!(find(k.name), Some(&k));
            assert_eq!(KINDS.iter().filter(|o| o.name == k.name).count(), 1);
        }
        assert_eq!(find("proposal.unknown"), None);
    }

    #[test]
    fn channels_read_back_from_their_names() {
        for c in Channel::ALL {
            assert_eq!(Channel::parse(c.as_str()), Some(c));
        }
        assert_eq!(Channel::parse("sms"), None);
    }
}
