//! The texts of Platina's e-mail, in Japanese: one notification at once, and the daily digest of
//! a user's notifications grouped by the record they concern. Plain text, with the absolute link
//! to each record.

use super::{Mailer, Outgoing};
use chrono::{DateTime, Utc};
use persistence::entities::{event, notification, user};

/// Longest subject in characters; longer headlines are cut with an ellipsis.
const SUBJECT_CHARS: usize = 120;

/// The mail that tells `user` of one notification.
pub fn immediate(
    mailer: &Mailer,
    user: &user::Model,
    notification: &notification::Model,
    event: &event::Model,
) -> Outgoing {
    let label = kind_label(&event.kind);
    let subject = cut(
        &format!("【Platina】{label}：{}", event.title),
        SUBJECT_CHARS,
    );
    let link = mailer.link(&event.link);
    let body = format!(
        "{name} 様\n\
         \n\
         Platina からのお知らせです。\n\
         \n\
         {label}\n\
         {title}\n\
         日時：{when}\n\
         \n\
         詳しくは次のページをご覧ください。\n\
         {link}\n\
         {footer}",
        name = user.display_name,
        title = event.title,
        when = tokyo_time(event.occurred_at),
        footer = footer(mailer),
    );
    Outgoing {
        to_address: user.email.clone(),
        to_name: user.display_name.clone(),
        subject,
        body,
        message_id: format!("notification.{}@{}", notification.id, mailer.domain()),
    }
}

/// The digest of `waiting` (notifications with their events, oldest first) for `user`: one
/// section per record, in the order the records first appear, each with its link.
pub fn digest(
    mailer: &Mailer,
    user: &user::Model,
    waiting: &[(notification::Model, event::Model)],
    now: DateTime<Utc>,
) -> Outgoing {
    let mut records: Vec<(&str, i64, Vec<&event::Model>)> = Vec::new();
    for (_, event) in waiting {
        let key = (event.record_kind.as_str(), event.record_id);
        match records.iter_mut().find(|(k, id, _)| (*k, *id) == key) {
            Some((_, _, events)) => events.push(event),
            None => records.push((key.0, key.1, vec![event])),
        }
    }
    let mut body = format!(
        "{name} 様\n\
         \n\
         Platina からの {date} のまとめです。{records} 件の記録について {count} 件のお知らせがあります。\n",
        name = user.display_name,
        date = tokyo_date(now),
        records = records.len(),
        count = waiting.len(),
    );
    for (_, _, events) in &records {
        let Some(latest) = events.last() else {
            continue;
        };
        body.push_str(&format!(
            "\n■ {}\n{}\n",
            latest.title,
            mailer.link(&latest.link)
        ));
        for event in events {
            body.push_str(&format!(
                "・{} {}：{}\n",
                tokyo_time(event.occurred_at),
                kind_label(&event.kind),
                event.title
            ));
        }
    }
    body.push_str(&footer(mailer));
    let first = waiting.first().map_or(0, |(n, _)| n.id);
    Outgoing {
        to_address: user.email.clone(),
        to_name: user.display_name.clone(),
        subject: format!(
            "【Platina】{} のお知らせのまとめ（{} 件）",
            tokyo_date(now),
            waiting.len()
        ),
        body,
        message_id: format!("digest.{}.{first}@{}", user.id, mailer.domain()),
    }
}

fn footer(mailer: &Mailer) -> String {
    format!(
        "\n--\n\
         このメールは Platina（{}）から自動で送信しています。返信はできません。\n\
         お知らせの受け取り方（すぐにメール、1日1回のまとめ、画面のみ）は、Platina の通知設定で変更できます。\n",
        mailer.base_url()
    )
}

fn kind_label(kind: &str) -> &str {
    domain::event::find(kind).map_or(kind, |k| k.label_ja)
}

fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
        cut.push('…');
        cut
    }
}

/// The wall-clock time in Tokyo (UTC+9 all year).
fn in_tokyo(at: DateTime<Utc>) -> chrono::NaiveDateTime {
    at.naive_utc() + chrono::Duration::hours(9)
}

fn tokyo_time(at: DateTime<Utc>) -> String {
    in_tokyo(at).format("%Y年%-m月%-d日 %H:%M").to_string()
}

fn tokyo_date(at: DateTime<Utc>) -> String {
    in_tokyo(at).format("%Y年%-m月%-d日").to_string()
}
