import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Client } from 'openapi-fetch';
import { dataOf, useApi, type ApiClient } from '../../lib/api';
import { LEDGER_KEY, PROPOSALS_KEY, REFORMS_KEY } from '../../lib/queryKeys';
import type { components } from '../../lib/api/schema';

// The import endpoints are not in schema.d.ts yet (the backend is written in parallel); these
// mirror the contract's schema names and fields until `npm run gen:api` brings the real ones.
export type ImportKindDto = 'reforms' | 'proposals' | 'digital_systems';
export type ImportStateDto = 'running' | 'succeeded' | 'rejected' | 'failed' | 'interrupted';
export type ImportOutcomeDto = 'created' | 'updated' | 'unchanged' | 'rejected';
export type ImportFormatDto = 'csv' | 'xlsx' | 'json';

export interface ImportCellErrorOut {
  column: string | null;
  field: string | null;
  code: string;
  message: string;
}

export interface ImportRowOut {
  /** The spreadsheet row number: the header is row 1, the first data row is 2. */
  row: number;
  key: string | null;
  outcome: ImportOutcomeDto;
  /** Null on a dry run's "created": the record does not exist yet. */
  record_id: number | null;
  title: string | null;
  errors: ImportCellErrorOut[];
}

export interface ImportColumnOut {
  header: string;
  /** Null: the column is ignored. */
  field: string | null;
}

export interface ImportSummaryOut {
  created: number;
  updated: number;
  unchanged: number;
  rejected: number;
}

/** The phases of an import in the order they run, and how far one has got (the server's types). */
export type ImportPhaseDto = components['schemas']['ImportPhaseDto'];
export type ImportPhaseOut = components['schemas']['ImportPhaseOut'];

export interface ImportJobOut {
  id: string;
  kind: ImportKindDto;
  dry_run: boolean;
  file_name: string;
  format: ImportFormatDto;
  encoding: string | null;
  state: ImportStateDto;
  total_rows: number;
  processed_rows: number;
  /** The phase under way; null when none is. */
  phase?: ImportPhaseDto | null;
  /** Every phase with its own progress and estimate, in the order they run (empty for old jobs). */
  phases: ImportPhaseOut[];
  summary: ImportSummaryOut;
  columns: ImportColumnOut[];
  rows: ImportRowOut[];
  message: string | null;
  created_at: string;
  finished_at: string | null;
}

interface NoParameters {
  query?: never;
  header?: never;
  path?: never;
  cookie?: never;
}

/** The two import endpoints in the shape openapi-typescript generates, for the typed client. */
interface ImportPaths {
  '/api/v1/imports': {
    parameters: NoParameters;
    post: {
      parameters: { query: { kind: ImportKindDto; dry_run: boolean }; header?: never; path?: never; cookie?: never };
      requestBody: { content: { 'multipart/form-data': FormData } };
      responses: { 202: { headers: Record<string, unknown>; content: { 'application/json': ImportJobOut } } };
    };
  };
  '/api/v1/imports/{id}': {
    parameters: NoParameters;
    get: {
      parameters: { query?: never; header?: never; path: { id: string }; cookie?: never };
      requestBody?: never;
      responses: { 200: { headers: Record<string, unknown>; content: { 'application/json': ImportJobOut } } };
    };
  };
}

/**
 * The shared client seen through the import endpoints' types: the same object, so the bearer
 * token, the refresh-and-retry and the ApiProblem mapping of its middleware all apply.
 */
function importClient(api: ApiClient): Client<ImportPaths> {
  return api.client as unknown as Client<ImportPaths>;
}

export const IMPORT_KINDS: readonly ImportKindDto[] = ['reforms', 'proposals', 'digital_systems'];

/** File name endings the server reads; the `accept` of the file input and the local check use them. */
export const IMPORT_EXTENSIONS = ['.csv', '.xlsx', '.json', '.ndjson'] as const;
export const MAX_IMPORT_BYTES = 20 * 1024 * 1024;

/** How often a running job is asked for again. */
export const POLL_INTERVAL_MS = 500;

/** Where the SPA shows a record of the kind. */
export function recordPath(kind: ImportKindDto, id: number): string {
  switch (kind) {
    case 'reforms':
      return `/reforms/${id}`;
    case 'proposals':
      return `/proposals/${id}`;
    case 'digital_systems':
      return `/digital-systems/${id}`;
  }
}

/** The query keys whose screens show records of the kind, refreshed after a committed import. */
export const RECORD_KEYS: Record<ImportKindDto, readonly string[]> = {
  reforms: REFORMS_KEY,
  proposals: PROPOSALS_KEY,
  digital_systems: LEDGER_KEY,
};

export const importKeys = {
  job: (id: string) => ['imports', 'job', id] as const,
  columns: ['imports', 'columns'] as const,
};

/** A column an import reads: its Japanese header (the export's), English header = field, kind, required. */
export type ImportableColumnOut = components['schemas']['ImportableColumnOut'];
export type ImportableColumnsOut = components['schemas']['ImportableColumnsOut'];

/**
 * The columns each kind understands, as the server publishes them from the column tables its
 * export writes. The screen lists them and names a mapped field by its Japanese header.
 */
export function useImportColumns() {
  const api = useApi();
  return useQuery({
    queryKey: importKeys.columns,
    queryFn: async ({ signal }) => dataOf(await api.client.GET('/api/v1/imports/columns', { signal })),
    // The tables change only with the server.
    staleTime: Infinity,
  });
}

export interface StartImport {
  kind: ImportKindDto;
  file: File;
  dryRun: boolean;
}

/** Posts the file; the answer (202) is the job, stored so that polling starts from it. */
export function useStartImport() {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async ({ kind, file, dryRun }: StartImport) => {
      const body = new FormData();
      // No Content-Type is set by hand: the browser writes multipart/form-data with its boundary.
      body.append('file', file, file.name);
      return dataOf(
        await importClient(api).POST('/api/v1/imports', {
          params: { query: { kind, dry_run: dryRun } },
          body,
        }),
      );
    },
    onSuccess: (job) => queryClient.setQueryData(importKeys.job(job.id), job),
  });
}

/** One job, asked for again every POLL_INTERVAL_MS while it is running; a finished job never changes. */
export function useImportJob(id: string | null) {
  const api = useApi();
  return useQuery({
    queryKey: importKeys.job(id ?? ''),
    queryFn: async ({ signal }) =>
      dataOf(await importClient(api).GET('/api/v1/imports/{id}', { params: { path: { id: id ?? '' } }, signal })),
    enabled: id !== null,
    staleTime: Infinity,
    refetchInterval: (query) => (query.state.data?.state === 'running' ? POLL_INTERVAL_MS : false),
  });
}
