import type { complianceJa } from './compliance.ja';

type DeepStrings<T> = { [K in keyof T]: T[K] extends string ? string : DeepStrings<T[K]> };

// English messages of the compliance screens of reporting rounds; mirrors compliance.ja.ts.

export const complianceEn: DeepStrings<typeof complianceJa> = {
  compliance: {
    navLabel: 'Answer status',
    trendTitle: 'Answer status of reporting rounds',
    trendIntro:
      'For each opened round, the share of requests answered and the median business days to answer. Each number opens the requests it counts.',
    title: 'Answer status: {{title}}',
    intro:
      'Per bureau and section: requests, answered (answered + accepted), returned, overdue and the median business days to answer. Each number opens the requests it counts.',
    notAllowed: 'Only the reform office (admins) and viewers can see the answer status.',
    dueOn: 'Due {{date}}',
    countedOn: 'As of {{date}}',
    totalsHeading: 'All owners',
    bureausHeading: 'By bureau',
    tableCaption: 'Answer status of {{name}}',
    columns: {
      name: 'Owner',
      state: 'State',
      requested: 'Requested',
      answered: 'Answered',
      returned: 'Returned',
      overdue: 'Overdue',
      rate: 'Answered rate',
      median: 'Median days to answer',
      actions: 'Chase',
    },
    figureLink: 'Show the {{count}} {{figure}} requests of {{name}}',
    days: '{{days}} business days',
    noValue: '—',
    nudge: 'Chase',
    nudgeLabel: 'Chase {{name}}',
    nudgeAll: 'Chase every overdue owner',
    nudged: '{{name}} was chased.',
    nudgedAll: '{{count}} requests were chased ({{recent}} chased within the hour were skipped).',
    tooSoon: 'This owner was chased within the last hour. Try again later.',
    nudgeFailed: 'Could not chase: {{detail}}',
    trendCaption: 'Answer status by round (newest first)',
    trendColumns: {
      round: 'Round',
      asOf: 'As of',
    },
    openRound: 'Answer status of {{title}}',
    noRounds: 'No round has been opened yet.',
    remindersHeading: 'Reminders sent',
    reminderLine: '{{date}}: {{count}}',
    reminderSkipped: '{{date}}: not sent (the day had passed)',
    noReminders: 'No reminder has been sent yet.',
  },
};
