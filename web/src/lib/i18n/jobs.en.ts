import type { jobsJa } from './jobs.ja';

type DeepStrings<T> = { [K in keyof T]: T[K] extends string ? string : DeepStrings<T[K]> };

// English messages of the jobs screen; mirrors jobs.ja.ts.

export const jobsEn: DeepStrings<typeof jobsJa> = {
  jobs: {
    navLabel: 'Jobs',
    title: 'Jobs',
    intro:
      'Notifications, e-mail, webhook deliveries and scheduled work run as jobs. See how many jobs of each kind are in each state and which failed with what error; retry failed jobs and cancel queued ones.',
    notAllowed: 'Only administrators (the reform office) can manage jobs.',
    countsHeading: 'Jobs by kind and state',
    countsCaption: 'Number of jobs of each kind in each state',
    countLink: 'Show the {{count}} {{state}} jobs of {{kind}}',
    failuresHeading: 'Failed jobs',
    failuresLead: 'Jobs that did not succeed after their retries (latest {{shown}} of {{total}}). Remove the cause, then retry.',
    allFailures: 'Show all failed jobs',
    noFailures: 'No job has failed.',
    noError: '(no error recorded)',
    lastErrorOf: 'Last error of job #{{id}}',
    listHeading: 'All jobs',
    allKinds: 'All kinds',
    allStates: 'All states',
    filterKind: 'Kind: {{kind}}',
    filterState: 'State: {{state}}',
    noJobs: 'There are no jobs.',
    resultRange: '{{from}}–{{to}} of {{total}} (newest first)',
    tableCaption: 'Jobs ({{total}})',
    attemptsOf: '{{attempts}} of {{max}}',
    columns: {
      id: 'No.',
      kind: 'Kind',
      state: 'State',
      attempts: 'Attempts',
      runAt: 'Due or finished',
      lastError: 'Last error',
      actions: 'Actions',
    },
    states: {
      queued: 'Queued',
      running: 'Running',
      succeeded: 'Succeeded',
      dead: 'Failed',
      cancelled: 'Cancelled',
    },
    retry: 'Retry',
    cancel: 'Cancel',
    retryLabel: 'Retry job #{{id}} ({{kind}})',
    cancelLabel: 'Cancel job #{{id}} ({{kind}})',
    retried: 'Job #{{id}} ({{kind}}) is queued again.',
    cancelled: 'Job #{{id}} ({{kind}}) was cancelled.',
    changedMeanwhile: 'Job #{{id}} changed state in the meantime, so nothing was done. The list is up to date again.',
  },
};
