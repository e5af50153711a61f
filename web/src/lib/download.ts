import type { Client } from 'openapi-fetch';
import { dataOf, type ApiClient } from './api';

export type ExportFormat = 'csv' | 'xlsx' | 'ndjson';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['csv', 'xlsx', 'ndjson'];

export type ExportPath =
  | '/api/v1/proposals/export'
  | '/api/v1/reforms/export'
  | '/api/v1/policies/export'
  | '/api/v1/policy-issues/export'
  | '/api/v1/kpis/export'
  | '/api/v1/digital-systems/export'
  | '/api/v1/audit-events/export';

type FilterValue = string | number | boolean | null | undefined;
/** A list's filters: its URL parameters, or the query object it sends to the list endpoint. */
export type ExportFilters = URLSearchParams | Readonly<Record<string, FilterValue | readonly FilterValue[]>>;

/** Paging and order shape a screen, not the file: the export always holds every matching row. */
const NOT_FILTERS = new Set(['page', 'per_page', 'sort', 'format']);

const EXTENSIONS: Record<ExportFormat, string> = { csv: 'csv', xlsx: 'xlsx', ndjson: 'ndjson' };

// The export endpoints are newer than schema.d.ts; this describes them until `npm run gen:api`.
interface ExportOperation {
  parameters: { query: Record<string, string> };
  responses: { 200: { content: { 'application/octet-stream': Blob } } };
}
type ExportPaths = { [P in ExportPath]: { get: ExportOperation } };

/** The query string of an export: the list's filters (without paging and sort) and the format. */
export function exportSearch(filters: ExportFilters | undefined, format: ExportFormat): URLSearchParams {
  const out = new URLSearchParams();
  const entries: [string, FilterValue | readonly FilterValue[]][] =
    filters instanceof URLSearchParams ? [...filters.entries()] : Object.entries(filters ?? {});
  for (const [key, value] of entries) {
    if (NOT_FILTERS.has(key)) continue;
    const values: readonly FilterValue[] = Array.isArray(value) ? value : [value as FilterValue];
    for (const item of values) {
      if (item === null || item === undefined || item === '') continue;
      out.append(key, String(item));
    }
  }
  out.set('format', format);
  return out;
}

/**
 * The file name a Content-Disposition header offers: the RFC 5987 `filename*` (the Japanese
 * name) when it can be decoded, else the plain `filename`.
 */
export function filenameFromDisposition(header: string | null): string | null {
  if (!header) return null;
  const extended = /filename\*\s*=\s*"?([^;"]+)"?/i.exec(header)?.[1]?.trim();
  if (extended) {
    const match = /^([\w!#$%&+^`{}~-]*)'[^']*'(.*)$/.exec(extended);
    if (match) {
      try {
        const decoded = decodeURIComponent(match[2] ?? '');
        if (decoded) return decoded;
      } catch {
        // A malformed percent-escape: fall back to the plain name below.
      }
    }
  }
  const quoted = /(?:^|;)\s*filename\s*=\s*"((?:[^"\\]|\\.)*)"/i.exec(header)?.[1];
  if (quoted) return quoted.replace(/\\(.)/g, '$1');
  const bare = /(?:^|;)\s*filename\s*=\s*([^;\s]+)/i.exec(header)?.[1];
  return bare ?? null;
}

function fallbackName(path: ExportPath, format: ExportFormat): string {
  const list = /\/api\/v1\/([^/]+)\/export$/.exec(path)?.[1] ?? 'export';
  return `${list}.${EXTENSIONS[format]}`;
}

/**
 * Fetches an export through the shared client (so it carries the bearer token, and a 401 is
 * answered by one refresh and a retry) and returns the file with the name the server gave it.
 * Failures reject with an ApiProblem.
 */
export async function fetchExport(
  api: ApiClient,
  path: ExportPath,
  filters: ExportFilters | undefined,
  format: ExportFormat,
  signal?: AbortSignal,
): Promise<{ blob: Blob; filename: string }> {
  const client = api.client as unknown as Client<ExportPaths>;
  const search = exportSearch(filters, format);
  const result = await client.GET(path, {
    params: { query: Object.fromEntries(search) },
    // Keeps repeated keys and the filters' order exactly as built above.
    querySerializer: () => search.toString(),
    parseAs: 'blob',
    signal,
  });
  const blob = dataOf(result);
  const filename = filenameFromDisposition(result.response.headers.get('Content-Disposition')) ?? fallbackName(path, format);
  return { blob, filename };
}

/**
 * Hands a blob to the browser as a download. A plain link to the API cannot do this: the
 * access token lives in memory, and a link would be sent without it.
 */
export function saveBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  link.rel = 'noopener';
  link.hidden = true;
  // Firefox only downloads from links that are in the document.
  document.body.append(link);
  try {
    link.click();
  } finally {
    link.remove();
    // Some browsers read the blob only after click() has returned.
    setTimeout(() => URL.revokeObjectURL(url), 1_000);
  }
}
