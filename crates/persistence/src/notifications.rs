//! Who hears of an event, and each user's in-app notifications, channel choices and follows.
//!
//! [`fan_out`] turns one event into notification rows: the record's default followers (editors of
//! the owning sections or bureau, the author of a proposal, admins for the office's queue) and its
//! explicit followers, less those who unfollowed it, less anyone who may not read the record
//! (decided by `domain::access::rights`, so a proposer never hears of another person's proposal),
//! less the actor. Each user's channel for the kind decides the row's `email_mode`, and an
//! immediate e-mail is queued in the same transaction. The unique (user, event) key makes a
//! repeated fan-out add nothing.

use crate::StoreError;
use crate::accounts::User;
use crate::entities::{
    event, notification, notification_preference, notification_setting, subscription, user,
};
use crate::events::{self, Event};
use crate::page::{Page, PageRequest};
use chrono::{DateTime, Utc};
use domain::event::{self as kinds, Channel};
use domain::{Owner, Principal, PrincipalKind, Role, rights};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, TryInsertResult,
};
use std::collections::HashMap;

/// The kinds of event that make up the reform office's queue: every admin hears of them.
pub const OFFICE_QUEUE: [&str; 4] = [
    kinds::PROPOSAL_CREATED,
    kinds::IMPORT_FAILED,
    kinds::WEBHOOK_DISABLED,
    kinds::ACCOUNT_CREATED,
];

/// How a notification is to be e-mailed, from the user's channel for its kind.
pub const EMAIL_NONE: &str = "none";
pub const EMAIL_IMMEDIATE: &str = "immediate";
pub const EMAIL_DIGEST: &str = "digest";

/// The digest hour (Asia/Tokyo) of a user who never chose one.
pub const DEFAULT_DIGEST_HOUR: i16 = 8;

/// The record kinds a user may follow, with the SPA path of one record.
pub const FOLLOWABLE: [&str; 2] = ["proposal", "policy_issue"];

/// What one fan-out wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FanOut {
    pub notified: u32,
    pub mailed: u32,
}

fn principal_of(user: &User) -> Principal {
    Principal {
        kind: PrincipalKind::User,
        id: user.id,
        display_name: user.display_name.clone(),
        role: user.role,
        scopes: user.scopes.clone(),
    }
}

/// Whether `user` follows records of `owner` without asking: editors their sections' and bureau's,
/// a person the records they started or wrote.
fn follows_by_default(user: &Principal, owner: &Owner, author: Option<i64>) -> bool {
    let editor_of = |section_id: i64, bureau_id: i64| {
        user.role == Role::Editor
            && (user.scopes.section_ids.contains(&section_id)
                || user.scopes.bureau_ids.contains(&bureau_id))
    };
    let wrote_it = author == Some(user.id);
    match owner {
        Owner::Proposal { sections, .. } => {
            wrote_it
                || sections
                    .iter()
                    .any(|s| editor_of(s.section_id, s.bureau_id))
        }
        Owner::Assignment(s) => wrote_it || editor_of(s.section_id, s.bureau_id),
        Owner::Sections {
            bureau_id,
            section_ids,
        } => {
            user.role == Role::Editor
                && (user.scopes.bureau_ids.contains(bureau_id)
                    || section_ids
                        .iter()
                        .any(|s| user.scopes.section_ids.contains(s)))
        }
        Owner::Bureau {
            bureau_id,
            sections_of_bureau,
        } => {
            user.role == Role::Editor
                && (user.scopes.bureau_ids.contains(bureau_id)
                    || sections_of_bureau
                        .iter()
                        .any(|s| user.scopes.section_ids.contains(s)))
        }
        Owner::Account(started_by) => *started_by == Some((PrincipalKind::User, user.id)),
        Owner::Nobody => false,
    }
}

/// The records an event concerns that a user can follow: the record itself, and the policy issue
/// a milestone or KPI belongs to.
fn followed_records(event: &Event) -> Vec<(String, i64)> {
    let mut records = vec![(event.record_kind.clone(), event.record_id)];
    if let Ok(data) = serde_json::from_str::<serde_json::Value>(&event.data)
        && let Some(issue) = data
            .get("policy_issue_id")
            .and_then(serde_json::Value::as_i64)
        && event.record_kind != "policy_issue"
    {
        records.push(("policy_issue".into(), issue));
    }
    records
}

/// The owner that decides who may read the event's record now: a proposal's current author and
/// sections (an assignment event names only its section), otherwise the owner the event recorded.
async fn reading_owner<C: ConnectionTrait>(
    conn: &C,
    event: &Event,
    recorded: &Owner,
) -> Result<Owner, StoreError> {
    if event.record_kind == "proposal"
        && let Some(owner) = crate::announce::proposal_owner(conn, event.record_id).await?
    {
        return Ok(owner);
    }
    Ok(recorded.clone())
}

/// What every fan-out of one batch reads alike: the accounts that can hear of anything and each
/// kind's channel choices. Loaded once per batch of events, not once per event.
#[derive(Debug, Default)]
pub struct Audience {
    people: Option<Vec<(User, Principal)>>,
    channels: HashMap<String, HashMap<i64, String>>,
}

impl Audience {
    async fn people<C: ConnectionTrait>(
        &mut self,
        conn: &C,
    ) -> Result<&[(User, Principal)], StoreError> {
        if self.people.is_none() {
            let mut people = Vec::new();
            for row in user::Entity::find()
                .filter(user::Column::Disabled.eq(false))
                .order_by_asc(user::Column::Id)
                .all(conn)
                .await?
            {
                let user = User::try_from(row)?;
                let principal = principal_of(&user);
                people.push((user, principal));
            }
            self.people = Some(people);
        }
        Ok(self.people.as_deref().unwrap_or_default())
    }

    async fn channels<C: ConnectionTrait>(
        &mut self,
        conn: &C,
        kind: &str,
    ) -> Result<HashMap<i64, String>, StoreError> {
        if let Some(known) = self.channels.get(kind) {
            return Ok(known.clone());
        }
        let chosen: HashMap<i64, String> = notification_preference::Entity::find()
            .filter(notification_preference::Column::EventKind.eq(kind))
            .all(conn)
            .await?
            .into_iter()
            .map(|p| (p.user_id, p.channel))
            .collect();
        self.channels.insert(kind.to_owned(), chosen.clone());
        Ok(chosen)
    }
}

/// Writes the notifications of event `event_id` on `conn` (the job's transaction) and queues the
/// e-mails wanted at once. Running it again for the same event adds nothing.
pub async fn fan_out<C: ConnectionTrait>(
    conn: &C,
    event_id: i64,
    now: DateTime<Utc>,
) -> Result<FanOut, StoreError> {
    fan_out_to(conn, event_id, now, &mut Audience::default()).await
}

/// [`fan_out`] with the accounts and channel choices of `audience`, which a batch of fan-outs
/// shares.
pub async fn fan_out_to<C: ConnectionTrait>(
    conn: &C,
    event_id: i64,
    now: DateTime<Utc>,
    audience: &mut Audience,
) -> Result<FanOut, StoreError> {
    let hearing = who_hears(conn, event_id, audience).await?;
    write_notifications(conn, &[hearing], now).await
}

/// Who hears of one event and how: the notifications [`write_notifications`] writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hearing {
    pub event_id: i64,
    pub event_kind: String,
    /// Each account that hears of it, with its e-mail mode (`none`, `immediate`, `digest`).
    pub hearers: Vec<(i64, &'static str)>,
}

/// Decides who hears of event `event_id`, by reads alone: a fan-out may run them before taking
/// the write lock (SQLite has one, and every request's write waits for it), so that its write
/// transaction holds only the inserts.
pub async fn who_hears<C: ConnectionTrait>(
    conn: &C,
    event_id: i64,
    audience: &mut Audience,
) -> Result<Hearing, StoreError> {
    let event = events::find(conn, event_id)
        .await?
        .ok_or(StoreError::NotFound)?;
    let recorded = events::owner_of(&event)?;
    let reading = reading_owner(conn, &event, &recorded).await?;
    let author = match &reading {
        Owner::Proposal { author, .. } => *author,
        _ => None,
    };
    let kind = kinds::find(&event.kind);
    let default_channel = kind.map_or(Channel::InApp, |k| k.default_channel);
    let office_queue = OFFICE_QUEUE.contains(&event.kind.as_str());

    // Explicit choices: a follow of any record the event concerns counts; an unfollow of the
    // event's own record silences a default follow.
    let mut following: HashMap<i64, bool> = HashMap::new();
    for (record_kind, record_id) in followed_records(&event) {
        let own_record = record_kind == event.record_kind;
        for choice in subscription::Entity::find()
            .filter(subscription::Column::RecordKind.eq(record_kind))
            .filter(subscription::Column::RecordId.eq(record_id))
            .all(conn)
            .await?
        {
            let entry = following.entry(choice.user_id).or_insert(choice.following);
            if choice.following {
                *entry = true;
            } else if own_record && !*entry {
                *entry = false;
            }
        }
    }
    let channels = audience.channels(conn, &event.kind).await?;

    let mut hearing: Vec<(i64, &'static str)> = Vec::new();
    for (user, principal) in audience.people(conn).await? {
        if Some(user.id) == event.actor_user_id {
            continue;
        }
        let by_default = (office_queue && user.role == Role::Admin)
            || follows_by_default(principal, &recorded, author);
        let follows = following.get(&user.id).copied().unwrap_or(by_default);
        if !follows || !rights(principal, &reading).read {
            continue;
        }
        let channel = channels
            .get(&user.id)
            .and_then(|c| Channel::parse(c))
            .unwrap_or(default_channel);
        let email_mode = match channel {
            Channel::Off => continue,
            Channel::InApp => EMAIL_NONE,
            Channel::Email => EMAIL_IMMEDIATE,
            Channel::Digest => EMAIL_DIGEST,
        };
        hearing.push((user.id, email_mode));
    }
    Ok(Hearing {
        event_id: event.id,
        event_kind: event.kind.clone(),
        hearers: hearing,
    })
}

/// Writes the notifications of `hearings` on `conn` (the job's transaction) and queues the
/// e-mails wanted at once. Writing a hearing again adds nothing.
pub async fn write_notifications<C: ConnectionTrait>(
    conn: &C,
    hearings: &[Hearing],
    now: DateTime<Utc>,
) -> Result<FanOut, StoreError> {
    let row = |user_id: i64, event_id: i64, email_mode: &str| notification::ActiveModel {
        user_id: Set(user_id),
        event_id: Set(event_id),
        created_at: Set(now),
        read_at: Set(None),
        email_mode: Set(email_mode.to_owned()),
        emailed_at: Set(None),
        ..Default::default()
    };
    let mut written = FanOut::default();
    // Rows that queue no mail go in together (the events of a batch and the hundred people who
    // follow one are one statement, not hundreds); an immediate e-mail needs its row's id, so
    // those go in one by one.
    let mut quiet = Vec::new();
    let mut immediate = Vec::new();
    for hearing in hearings {
        for &(user_id, mode) in &hearing.hearers {
            let wanted = (user_id, hearing.event_id, mode);
            if mode == EMAIL_IMMEDIATE {
                immediate.push(wanted);
            } else {
                quiet.push(wanted);
            }
        }
    }
    for chunk in quiet.chunks(500) {
        let inserted = notification::Entity::insert_many(
            chunk
                .iter()
                .map(|(user_id, event_id, mode)| row(*user_id, *event_id, mode)),
        )
        .on_conflict_do_nothing_on([notification::Column::UserId, notification::Column::EventId])
        .exec_without_returning(conn)
        .await?;
        if let TryInsertResult::Inserted(n) = inserted {
            written.notified += u32::try_from(n).unwrap_or(u32::MAX);
        }
    }
    for (user_id, event_id, email_mode) in immediate {
        let inserted = notification::Entity::insert(row(user_id, event_id, email_mode))
            .on_conflict_do_nothing_on([
                notification::Column::UserId,
                notification::Column::EventId,
            ])
            .exec(conn)
            .await?;
        let TryInsertResult::Inserted(result) = inserted else {
            continue;
        };
        written.notified += 1;
        crate::mail::enqueue_send(conn, result.last_insert_id).await?;
        written.mailed += 1;
    }
    Ok(written)
}

// ---------------------------------------------------------------------------------------------
// A user's notifications

/// One notification with the event it tells of.
#[derive(Debug, Clone, PartialEq)]
pub struct Listed {
    pub notification: notification::Model,
    pub event: Event,
}

/// A user's notifications, newest first; only unread ones when `unread_only`.
pub async fn list<C: ConnectionTrait>(
    conn: &C,
    user_id: i64,
    unread_only: bool,
    page: PageRequest,
) -> Result<Page<Listed>, StoreError> {
    let mut query = notification::Entity::find().filter(notification::Column::UserId.eq(user_id));
    if unread_only {
        query = query.filter(notification::Column::ReadAt.is_null());
    }
    let total = query.clone().count(conn).await?;
    // By the event, not the notification: fan-outs run side by side, so a later event's
    // notification can be written first. (user_id, event_id) is the unique index, read backwards.
    let rows = query
        .order_by_desc(notification::Column::EventId)
        .offset(page.offset())
        .limit(page.per_page)
        .all(conn)
        .await?;
    let event_ids: Vec<i64> = rows.iter().map(|n| n.event_id).collect();
    let mut events: HashMap<i64, Event> = event::Entity::find()
        .filter(event::Column::Id.is_in(event_ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|e| (e.id, e))
        .collect();
    let items = rows
        .into_iter()
        .map(|n| {
            let event = events
                .remove(&n.event_id)
                .ok_or_else(|| StoreError::Corrupt(format!("event of notification {}", n.id)))?;
            Ok(Listed {
                notification: n,
                event,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    Ok(Page {
        items,
        total,
        page: page.page,
        per_page: page.per_page,
    })
}

/// How many unread notifications the user has, and the newest notification's id and the latest
/// time one was read: together they change whenever the count or the list does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unread {
    pub count: u64,
    pub newest_id: i64,
    pub last_read_at: Option<DateTime<Utc>>,
}

pub async fn unread<C: ConnectionTrait>(conn: &C, user_id: i64) -> Result<Unread, StoreError> {
    let mine = || notification::Entity::find().filter(notification::Column::UserId.eq(user_id));
    let count = mine()
        .filter(notification::Column::ReadAt.is_null())
        .count(conn)
        .await?;
    let newest_id: Option<i64> = mine()
        .select_only()
        .column_as(notification::Column::Id.max(), "newest")
        .into_tuple::<Option<i64>>()
        .one(conn)
        .await?
        .flatten();
    let last_read_at: Option<DateTime<Utc>> = mine()
        .select_only()
        .column_as(notification::Column::ReadAt.max(), "last_read")
        .into_tuple::<Option<DateTime<Utc>>>()
        .one(conn)
        .await?
        .flatten();
    Ok(Unread {
        count,
        newest_id: newest_id.unwrap_or(0),
        last_read_at,
    })
}

/// Marks one of the user's notifications read; false when the user has no such notification.
/// Reading one already read keeps its first read time.
pub async fn mark_read<C: ConnectionTrait>(
    conn: &C,
    user_id: i64,
    notification_id: i64,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let Some(found) = notification::Entity::find_by_id(notification_id)
        .filter(notification::Column::UserId.eq(user_id))
        .one(conn)
        .await?
    else {
        return Ok(false);
    };
    if found.read_at.is_none() {
        notification::Entity::update_many()
            .col_expr(notification::Column::ReadAt, Expr::value(Some(now)))
            .filter(notification::Column::Id.eq(notification_id))
            .filter(notification::Column::ReadAt.is_null())
            .exec(conn)
            .await?;
    }
    Ok(true)
}

/// Marks all the user's notifications read; how many were unread.
pub async fn mark_all_read<C: ConnectionTrait>(
    conn: &C,
    user_id: i64,
    now: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let result = notification::Entity::update_many()
        .col_expr(notification::Column::ReadAt, Expr::value(Some(now)))
        .filter(notification::Column::UserId.eq(user_id))
        .filter(notification::Column::ReadAt.is_null())
        .exec(conn)
        .await?;
    Ok(result.rows_affected)
}

/// One notification of the user, with its event; for tests and the mail job.
pub async fn find<C: ConnectionTrait>(
    conn: &C,
    notification_id: i64,
) -> Result<Option<notification::Model>, StoreError> {
    Ok(notification::Entity::find_by_id(notification_id)
        .one(conn)
        .await?)
}

// ---------------------------------------------------------------------------------------------
// Preferences

/// A user's channel for every kind of event (their choice, or the kind's default), and their
/// digest hour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preferences {
    pub channels: Vec<(&'static str, Channel)>,
    pub digest_hour: i16,
}

pub async fn preferences<C: ConnectionTrait>(
    conn: &C,
    user_id: i64,
) -> Result<Preferences, StoreError> {
    let chosen: HashMap<String, String> = notification_preference::Entity::find()
        .filter(notification_preference::Column::UserId.eq(user_id))
        .all(conn)
        .await?
        .into_iter()
        .map(|p| (p.event_kind, p.channel))
        .collect();
    let channels = kinds::KINDS
        .iter()
        .map(|k| {
            let channel = chosen
                .get(k.name)
                .and_then(|c| Channel::parse(c))
                .unwrap_or(k.default_channel);
            (k.name, channel)
        })
        .collect();
    let digest_hour = notification_setting::Entity::find()
        .filter(notification_setting::Column::UserId.eq(user_id))
        .one(conn)
        .await?
        .map_or(DEFAULT_DIGEST_HOUR, |s| s.digest_hour);
    Ok(Preferences {
        channels,
        digest_hour,
    })
}

/// Stores the user's channel for each kind named in `channels` (kinds not named keep theirs) and,
/// when given, the digest hour. The caller has checked the kinds, channels and hour.
pub async fn set_preferences<C: ConnectionTrait>(
    conn: &C,
    user_id: i64,
    channels: &[(&'static str, Channel)],
    digest_hour: Option<i16>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    for (kind, channel) in channels {
        notification_preference::Entity::delete_many()
            .filter(notification_preference::Column::UserId.eq(user_id))
            .filter(notification_preference::Column::EventKind.eq(*kind))
            .exec(conn)
            .await?;
        notification_preference::Entity::insert(notification_preference::ActiveModel {
            user_id: Set(user_id),
            event_kind: Set((*kind).to_owned()),
            channel: Set(channel.as_str().to_owned()),
            ..Default::default()
        })
        .exec_without_returning(conn)
        .await?;
    }
    if let Some(hour) = digest_hour {
        notification_setting::Entity::delete_many()
            .filter(notification_setting::Column::UserId.eq(user_id))
            .exec(conn)
            .await?;
        notification_setting::Entity::insert(notification_setting::ActiveModel {
            user_id: Set(user_id),
            digest_hour: Set(hour),
            updated_at: Set(now),
            ..Default::default()
        })
        .exec_without_returning(conn)
        .await?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Follows

/// The records a user chose to follow (not those they unfollowed), newest first.
pub async fn subscriptions<C: ConnectionTrait>(
    conn: &C,
    user_id: i64,
) -> Result<Vec<subscription::Model>, StoreError> {
    Ok(subscription::Entity::find()
        .filter(subscription::Column::UserId.eq(user_id))
        .filter(subscription::Column::Following.eq(true))
        .order_by_desc(subscription::Column::CreatedAt)
        .order_by_desc(subscription::Column::Id)
        .all(conn)
        .await?)
}

/// Whether the user follows the record explicitly: `Some(true)` follows, `Some(false)` stopped
/// following, `None` chose nothing.
pub async fn choice<C: ConnectionTrait>(
    conn: &C,
    user_id: i64,
    record_kind: &str,
    record_id: i64,
) -> Result<Option<bool>, StoreError> {
    Ok(subscription::Entity::find()
        .filter(subscription::Column::UserId.eq(user_id))
        .filter(subscription::Column::RecordKind.eq(record_kind))
        .filter(subscription::Column::RecordId.eq(record_id))
        .one(conn)
        .await?
        .map(|s| s.following))
}

/// Records the user's choice to follow the record (`following`) or to stop hearing of it.
pub async fn set_following<C: ConnectionTrait>(
    conn: &C,
    user_id: i64,
    record_kind: &str,
    record_id: i64,
    following: bool,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let existing = subscription::Entity::find()
        .filter(subscription::Column::UserId.eq(user_id))
        .filter(subscription::Column::RecordKind.eq(record_kind))
        .filter(subscription::Column::RecordId.eq(record_id))
        .one(conn)
        .await?;
    match existing {
        Some(row) if row.following == following => {}
        Some(row) => {
            subscription::Entity::update_many()
                .col_expr(subscription::Column::Following, Expr::value(following))
                .col_expr(subscription::Column::CreatedAt, Expr::value(now))
                .filter(subscription::Column::Id.eq(row.id))
                .exec(conn)
                .await?;
        }
        None => {
            subscription::Entity::insert(subscription::ActiveModel {
                user_id: Set(user_id),
                record_kind: Set(record_kind.to_owned()),
                record_id: Set(record_id),
                following: Set(following),
                created_at: Set(now),
                ..Default::default()
            })
            .exec(conn)
            .await
            .map_err(StoreError::from_write)?;
        }
    }
    Ok(())
}

/// Where a user stands with one record they may follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Following {
    /// Hears of the record's events (by choice or by default).
    pub following: bool,
    /// Would hear of them without choosing (an editor of the owning section, the author).
    pub by_default: bool,
}

/// The owner of a followable record, and its author if it is a proposal; `None` when there is no
/// such record.
pub async fn followable_owner<C: ConnectionTrait>(
    conn: &C,
    record_kind: &str,
    record_id: i64,
) -> Result<Option<Owner>, StoreError> {
    match record_kind {
        "proposal" => crate::announce::proposal_owner(conn, record_id).await,
        "policy_issue" => match crate::announce::issue_owner(conn, record_id).await {
            Ok((owner, _)) => Ok(Some(owner)),
            Err(StoreError::NotFound) => Ok(None),
            Err(other) => Err(other),
        },
        _ => Ok(None),
    }
}

/// Whether `user` follows the record owned by `owner`.
pub async fn following<C: ConnectionTrait>(
    conn: &C,
    user: &Principal,
    record_kind: &str,
    record_id: i64,
    owner: &Owner,
) -> Result<Following, StoreError> {
    let author = match owner {
        Owner::Proposal { author, .. } => *author,
        _ => None,
    };
    let by_default = follows_by_default(user, owner, author);
    let chosen = choice(conn, user.id, record_kind, record_id).await?;
    Ok(Following {
        following: chosen.unwrap_or(by_default),
        by_default,
    })
}
