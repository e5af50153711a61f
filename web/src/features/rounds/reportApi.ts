// A closed round's report from the API: the frozen figures of a close (or, `live`, the same
// figures as known now with the corrections since the close), and its CSV and XLSX files, which
// need the bearer token and so are fetched through the shared client, not linked.
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { dataOf, useApi, type ApiClient } from '../../lib/api';
import type { components } from '../../lib/api/schema';
import { filenameFromDisposition } from '../../lib/download';
import { ROUNDS_KEY } from './api';

type Schemas = components['schemas'];
export type RoundReportOut = Schemas['RoundReportOut'];
export type CorrectionOut = Schemas['CorrectionOut'];

/** One row of the stage table (a theme) or its totals: proposals at ①–④, 未提示 and all. */
export interface StageRow {
  theme: string;
  counts: [number, number, number, number];
  not_presented: number;
  total: number;
}

export interface LatestNote {
  as_of: string;
  as_of_label: string;
  body: string;
  recorded_at: string;
}

export interface IssueProgress {
  id: number;
  area: string;
  number: number;
  title: string;
  latest_note: LatestNote | null;
}

export interface MilestoneCounts {
  done: number;
  slipped: number;
  open: number;
  overdue: number;
}

export interface KpiChange {
  id: number;
  name: string;
  unit: string;
  baseline_value: number;
  target_value: number | null;
  latest_on: string | null;
  latest_value: number | null;
  previous_on: string | null;
  previous_value: number | null;
  change: number | null;
}

export interface BureauProgress {
  bureau_id: number;
  bureau: string;
  issues: IssueProgress[];
  milestones: MilestoneCounts;
  kpis: KpiChange[];
}

export interface EffectTotal {
  kind: string;
  unit: string;
  total: number;
  reforms: number;
}

/** The figures of a report, as `persistence::as_known::Report` serialises them. */
export interface ReportFigures {
  as_of: string;
  known_at: string | null;
  fiscal_year: number;
  bureau_id: number | null;
  stage_labels: [string, string, string, string];
  proposal_stages: StageRow[];
  proposal_totals: StageRow;
  bureaus: BureauProgress[];
  reforms: {
    total: number;
    /** Status → count, every status listed. */
    by_status: Record<string, number>;
    /** Bureau id → count, bureaus with reforms only. */
    by_bureau: Record<string, number>;
    effects: EffectTotal[];
  };
  ledger: {
    systems_in_production: number;
    in_house: number;
    in_house_rate: number;
    annual_hours_saved: number;
    cost_effect_yen: number;
    published_hours: number | null;
    published_hours_on: string | null;
  };
}

/** The report's figures: the schema leaves them a free object (they are kept as written). */
export function figuresOf(report: RoundReportOut): ReportFigures {
  return report.report as unknown as ReportFigures;
}

export interface ReportChoice {
  /** An earlier close's report; the latest when absent. */
  version?: number;
  live: boolean;
}

/** How often the page asks again for a report that is still being frozen after its round closed. */
export const FREEZING_POLL_MS = 3000;

/** `waitingForFreeze`: the round is closed but its report was not kept yet, so ask again until it is. */
export function useRoundReport(id: number, choice: ReportChoice, waitingForFreeze = false) {
  const api = useApi();
  return useQuery({
    queryKey: [...ROUNDS_KEY, 'round', id, 'report', choice.version ?? 'latest', choice.live],
    queryFn: async ({ signal }) =>
      dataOf(
        await api.client.GET('/api/v1/rounds/{id}/report', {
          params: {
            path: { id },
            query: { ...(choice.version !== undefined ? { version: choice.version } : {}), ...(choice.live ? { live: true } : {}) },
          },
          signal,
        }),
      ),
    enabled: Number.isSafeInteger(id) && id > 0,
    // Switching version or view keeps the last figures on screen until the next arrive.
    placeholderData: keepPreviousData,
    refetchInterval: waitingForFreeze ? FREEZING_POLL_MS : false,
  });
}

export type ReportFormat = 'csv' | 'xlsx';

/** The frozen report of a close as a file, with the name the server gave it. */
export async function fetchRoundReportFile(
  api: ApiClient,
  id: number,
  version: number,
  format: ReportFormat,
): Promise<{ blob: Blob; filename: string }> {
  const options = { params: { path: { id }, query: { version } }, parseAs: 'blob' as const };
  const result =
    format === 'csv'
      ? await api.client.GET('/api/v1/rounds/{id}/report.csv', options)
      : await api.client.GET('/api/v1/rounds/{id}/report.xlsx', options);
  const blob = dataOf(result) as Blob;
  const filename =
    filenameFromDisposition(result.response.headers.get('Content-Disposition')) ?? `round-${id}-report-v${version}.${format}`;
  return { blob, filename };
}
