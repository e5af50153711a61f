import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { dataOf, useApi, type ApiClient } from '../../lib/api';
import type { components } from '../../lib/api/schema';

export type AnnualReportOut = components['schemas']['AnnualReportOut'];
export type ReportTeamOut = components['schemas']['ReportTeamOut'];
export type ReportBureauOut = components['schemas']['ReportBureauOut'];

export const ANNUAL_REPORT_PATH = '/api/v1/reports/annual';

export const reportKeys = {
  annual: (fiscalYear: number) => ['reports', 'annual', fiscalYear] as const,
};

/** The year's プラチナレポート as JSON; idle until a year is known. */
export function useAnnualReport(fiscalYear: number | undefined) {
  const api = useApi();
  return useQuery({
    queryKey: reportKeys.annual(fiscalYear ?? 0),
    queryFn: async ({ signal }) =>
      // The operation also offers text/html, so the typed answer is a union; JSON is asked for here.
      dataOf(
        await api.client.GET(ANNUAL_REPORT_PATH, { params: { query: { fiscal_year: fiscalYear ?? 0 } }, signal }),
      ) as AnnualReportOut,
    enabled: fiscalYear !== undefined,
    placeholderData: keepPreviousData,
  });
}

/**
 * The printable page the server renders (format=html), fetched through the shared client so it
 * carries the bearer token. Failures reject with an ApiProblem.
 */
export async function fetchAnnualReportHtml(api: ApiClient, fiscalYear: number): Promise<Blob> {
  const blob = dataOf(
    await api.client.GET(ANNUAL_REPORT_PATH, {
      params: { query: { fiscal_year: fiscalYear, format: 'html' } },
      parseAs: 'blob',
    }),
  ) as unknown as Blob;
  // Make sure the browser renders it as a page even if the type got lost on the way.
  return blob.type.startsWith('text/html') ? blob : new Blob([blob], { type: 'text/html;charset=utf-8' });
}

/** The outcome text as paragraphs: lines separated by \n, blank ones dropped. */
export function outcomeLines(text: string | null | undefined): string[] {
  return (text ?? '')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
}
