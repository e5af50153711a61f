import type { searchJa } from './search.ja';

type DeepStrings<T> = { [K in keyof T]: T[K] extends string ? string : DeepStrings<T[K]> };

// English messages of the cross-entity search and the export menu; mirrors search.ja.ts.

export const searchEn: DeepStrings<typeof searchJa> = {
  search: {
    kinds: {
      proposal: 'Proposals',
      reform: 'Reforms',
      policy_issue: 'X policy issues',
      digital_system: 'Systems',
      kpi: 'KPIs',
    },
    all: 'All',
    bureau: 'Bureau or ward',
    fiscalYear: 'Fiscal year',
    box: {
      landmark: 'Search',
      label: 'Search everything',
      placeholder: 'Search proposals, reforms, systems…',
      instructions:
        'Suggestions appear as you type. Choose one with the up and down arrow keys and open it with Enter. Escape closes the suggestions.',
      submit: 'Run search',
      searching: 'Searching…',
      found: 'Results: {{count}}.',
      groupLabel: '{{label}} ({{count}})',
      showAll: 'Show all results for “{{query}}” ({{total}})',
      noResults: 'Nothing matches “{{query}}”',
      failed: 'The search failed. {{message}}',
    },
    page: {
      title: 'Search',
      titleWithQuery: 'Results for “{{query}}”',
      intro: 'Searches proposals, reforms, X policy issues, the system ledger and KPIs at once.',
      field: 'Search terms',
      fieldHint: 'Enter words that appear in a name or text.',
      submit: 'Search',
      kindFilter: 'Filter by kind',
      kindCount: '{{label}} ({{count}})',
      enterQuery: 'Enter a search term.',
      loading: 'Searching…',
      resultRange: 'Results for “{{query}}”: showing {{from}}–{{to}} of {{total}}',
      empty: 'Nothing matches “{{query}}”',
      emptyHint: 'Try other or shorter words.',
      pagination: 'Search result pages',
      pageOf: 'Page {{page}} of {{pages}}',
    },
  },
  exportMenu: {
    button: 'Export',
    busy: 'Exporting…',
    formatsLabel: 'Export formats',
    hint: 'Exports every record that matches the filters shown, across all pages.',
    formats: {
      csv: 'CSV (for Excel)',
      xlsx: 'Excel (.xlsx)',
      ndjson: 'NDJSON',
    },
    preparing: 'Preparing the {{format}} file…',
    done: 'Downloaded “{{filename}}”.',
    failed: 'The export failed. {{message}}',
    policyIssues: 'Export issues',
    kpis: 'Export KPIs',
  },
};
