import type { reportsJa } from './reports.ja';

type DeepStrings<T> = { [K in keyof T]: T[K] extends string ? string : DeepStrings<T[K]> };

// English messages of the Platina report screen; mirrors reports.ja.ts.

export const reportsEn: DeepStrings<typeof reportsJa> = {
  reports: {
    navLabel: 'Platina report',
    annual: {
      title: 'Platina report',
      intro:
        "The year's report in the form of the printed booklet: the project team's proposals whose sections reported an outcome, and the reforms each bureau and ward carried out on its own.",
      loading: 'Loading…',
      noTeams: 'No project team has been registered yet, so there is no report to show.',
      fiscalYear: 'Fiscal year',
      controls: 'Report actions',
      print: 'Print',
      printHtml: 'Printable HTML',
      printHtmlHint: 'Opens the printable page in a new tab, or saves it as a file when a tab cannot be opened.',
      printHtmlPreparing: 'Preparing the printable HTML…',
      printHtmlOpened: 'The printable HTML is open in a new tab.',
      printHtmlSaved: 'The printable HTML has been saved as a file.',
      documentTitle: 'Platina report {{year}}',
      generatedOn: 'Generated on {{date}}',
      teamHeading: 'Issues studied by the {{label}} PT',
      teamName: 'Team',
      headcount: 'Members',
      headcountValue: '{{count}}',
      themes: 'Themes',
      theme: 'Theme',
      themeSeparator: ', ',
      proposalSummary: 'Outcomes reported for {{reported}} of {{total}} proposals',
      noOutcomes: "No section has reported an outcome of this team's proposals yet.",
      proposalNumber: 'No. {{number}}',
      sections: 'Responsible sections',
      sectionName: '{{section}}, {{bureau}}',
      listSeparator: '; ',
      painPoint: 'Pain point',
      outcome: 'Outcome',
      timing: 'Timing',
      statusLabel: 'Status',
      none: '—',
      reformsHeading: 'Reforms by each bureau and ward',
      reformTotal: '{{count}} reforms in all ({{bureaus}} bureaus and wards)',
      noReforms: 'No reform has been registered for this year yet.',
      toc: 'Bureaus and wards',
      bureauHeading: '{{bureau}} ({{count}})',
      bureauCaption: 'Reforms of {{bureau}}',
      columns: {
        number: 'No.',
        sections: 'Section',
        classification: 'Classification',
        title: 'Reform',
        period: 'Date (planned)',
      },
      featured: 'Featured',
      problem: 'Problem',
      action: 'Action',
      effect: 'Effect',
    },
  },
};
