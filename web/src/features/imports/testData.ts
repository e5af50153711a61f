// Fixtures of the import screen's component tests (not a test file itself).
import type { ImportJobOut, ImportPhaseDto, ImportPhaseOut, ImportRowOut, ImportableColumnOut, ImportableColumnsOut } from './api';

export function importRow(overrides: Partial<ImportRowOut> = {}): ImportRowOut {
  return {
    row: 2,
    key: '2025 No.12',
    outcome: 'created',
    record_id: null,
    title: '窓口予約のオンライン化',
    errors: [],
    ...overrides,
  };
}

/** A finished dry run of a Shift_JIS CSV of reforms: one new row, one update, nothing rejected. */
export function importJob(overrides: Partial<ImportJobOut> = {}): ImportJobOut {
  return {
    id: '0b9d6c1e-6a7e-4c41-9d55-2f0c5e1d7a10',
    kind: 'reforms',
    dry_run: true,
    file_name: '自主改革.csv',
    format: 'csv',
    encoding: 'Shift_JIS',
    state: 'succeeded',
    total_rows: 2,
    processed_rows: 2,
    summary: { created: 1, updated: 1, unchanged: 0, rejected: 0 },
    columns: [
      { header: '年度', field: 'fiscal_year' },
      { header: 'No.', field: 'report_number' },
      { header: '取組名', field: 'title' },
      { header: '担当者メモ', field: null },
    ],
    phases: [],
    rows: [
      importRow(),
      importRow({ row: 3, key: 'ID 14', outcome: 'updated', record_id: 14, title: '押印の廃止' }),
    ],
    message: null,
    created_at: '2025-11-21T01:00:00Z',
    finished_at: '2025-11-21T01:00:01Z',
    ...overrides,
  };
}

/** The same file with its second data row rejected for a fiscal year that is not a year. */
export function rejectedDryRun(overrides: Partial<ImportJobOut> = {}): ImportJobOut {
  return importJob({
    summary: { created: 1, updated: 1, unchanged: 0, rejected: 1 },
    total_rows: 3,
    processed_rows: 3,
    rows: [
      importRow(),
      importRow({
        row: 3,
        key: null,
        outcome: 'rejected',
        title: '公用車の予約システム',
        errors: [{ column: '年度', field: 'fiscal_year', code: 'invalid_value', message: 'not a fiscal year' }],
      }),
      importRow({ row: 4, key: 'ID 14', outcome: 'updated', record_id: 14, title: '押印の廃止' }),
    ],
    ...overrides,
  });
}

function column(header_ja: string, key: string, kind: ImportableColumnOut['kind'], required = false): ImportableColumnOut {
  return { header_ja, key, kind, required };
}

/** Part of what `GET /api/v1/imports/columns` answers: the columns the screens name. */
export function importColumns(): ImportableColumnsOut {
  return {
    reforms: [
      column('ID', 'id', 'integer'),
      column('年度', 'fiscal_year', 'integer', true),
      column('No.', 'report_number', 'integer'),
      column('局・区', 'bureau', 'text', true),
      column('取組名', 'title', 'text', true),
      column('注目', 'featured', 'bool'),
    ],
    proposals: [column('年度', 'fiscal_year', 'integer', true), column('提案名', 'title', 'text', true)],
    digital_systems: [column('システム名', 'name', 'text', true), column('所管課', 'section', 'text', true)],
  };
}

/** One phase of a job: done/total, when it began and ended, and the seconds it has left. */
export function importPhase(phase: ImportPhaseDto, overrides: Partial<ImportPhaseOut> = {}): ImportPhaseOut {
  return {
    phase,
    done: 0,
    total: 1200,
    started_at: null,
    finished_at: null,
    eta_seconds: null,
    ...overrides,
  };
}

/** The id of the real import that follows the dry run. */
export const WRITING_ID = '5f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0';

/**
 * A real import of 1,200 rows while it writes: the file read, 900 rows checked, 600 written with
 * about three minutes left, the tallies still waiting.
 */
export function writingJob(overrides: Partial<ImportJobOut> = {}): ImportJobOut {
  return importJob({
    id: WRITING_ID,
    dry_run: false,
    state: 'running',
    total_rows: 1200,
    processed_rows: 900,
    phase: 'writing',
    phases: [
      importPhase('reading', { done: 1200, started_at: '2025-11-21T01:00:00Z', finished_at: '2025-11-21T01:00:01Z' }),
      importPhase('checking', { done: 900, started_at: '2025-11-21T01:00:01Z', eta_seconds: 40 }),
      importPhase('writing', { done: 600, started_at: '2025-11-21T01:00:01Z', eta_seconds: 170 }),
      importPhase('indexing', { total: 1200 }),
    ],
    summary: { created: 0, updated: 0, unchanged: 0, rejected: 0 },
    rows: [],
    finished_at: null,
    ...overrides,
  });
}
