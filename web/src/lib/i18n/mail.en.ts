import type { mailJa } from './mail.ja';

type DeepStrings<T> = { [K in keyof T]: T[K] extends string ? string : DeepStrings<T[K]> };

// English messages of the sent-mail screen (features/mail); mirrors mail.ja.ts.

export const mailEn: DeepStrings<typeof mailJa> = {
  sentMail: {
    navLabel: 'Sent mail',
    title: 'Sent mail',
    intro:
      'The notification e-mails Platina sent, newest first. With no SMTP server configured, and in demo mode, mail is not sent but recorded here.',
    notAllowed: 'Only administrators can read the sent mail.',
    loading: 'Loading…',
    loadFailed: 'The sent mail could not be loaded.',
    notFound: 'This mail was not found.',
    empty: 'No mail yet.',
    count: '{{count}} mails',
    sentAt: 'Sent at',
    to: 'To',
    subject: 'Subject',
    kindLabel: 'Kind',
    kind: { immediate: 'At once', digest: 'Daily digest' },
    transportLabel: 'Delivery',
    transport: { smtp: 'Sent by SMTP', recorded: 'Recorded only' },
    refused: 'Refused',
    messageId: 'Message-ID',
    smtpReply: 'SMTP server reply',
    error: 'Why it was not sent',
    body: 'Body',
    back: 'Back to sent mail',
  },
};
