import type { notificationsJa } from './notifications.ja';

type DeepStrings<T> = { [K in keyof T]: T[K] extends string ? string : DeepStrings<T[K]> };

// English messages of the notification screens; mirrors notifications.ja.ts.
export const notificationsEn: DeepStrings<typeof notificationsJa> = {
  notifications: {
    bell: 'Notifications',
    bellUnread: 'Notifications ({{count}} unread)',
    title: 'Notifications',
    intro: 'What happened to the records that concern you: assignments to your section, stage changes and more.',
    showUnreadOnly: 'Unread only',
    empty: 'No notifications.',
    emptyUnread: 'No unread notifications.',
    unread: 'Unread',
    markRead: 'Mark read',
    markAllRead: 'Mark all read',
    markedAll: '{{count}} marked read.',
    open: 'Open',
    occurredAt: '{{at}}',
    emailed: 'Also by e-mail',
    digest: 'In the daily digest',
    preferencesLink: 'Notification settings',
    previous: 'Previous',
    next: 'Next',
    pageOf: 'Page {{page}} of {{pages}}',
    preferences: {
      title: 'Notification settings',
      intro: 'Choose for each kind of event how you hear of it. The daily digest arrives at the hour you set (Japan time).',
      kind: 'Event',
      channel: 'How',
      channels: {
        in_app: 'On screen only',
        email: 'E-mail at once',
        digest: 'Daily digest',
        off: 'Off',
      },
      defaultMark: ' (default)',
      digestHour: 'Digest hour',
      hourOption: '{{hour}}:00',
      save: 'Save',
      saving: 'Saving…',
      saved: 'Notification settings saved.',
      back: 'Back to notifications',
    },
    follow: {
      follow: 'Follow',
      unfollow: 'Unfollow',
      following: 'Following: you hear of changes to this record.',
      notFollowing: 'You do not hear of changes to this record.',
      byDefault: 'You follow it by default, as its section or author.',
    },
  },
};
