import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { Client } from 'openapi-fetch';
import { dataOf, useApi, type ApiClient } from '../../lib/api';
import { LEDGER_KEY, PROPOSALS_KEY, REFORMS_KEY } from '../../lib/queryKeys';

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

/**
 * The columns each kind understands, as [Japanese header, English header = field]. The export
 * writes the Japanese ones; the screen lists them and names a mapped field by its header.
 */
export const IMPORT_COLUMNS: Record<ImportKindDto, readonly (readonly [string, string])[]> = {
  reforms: [
    ['ID', 'id'],
    ['年度', 'fiscal_year'],
    ['No.', 'report_number'],
    ['局・区', 'bureau'],
    ['所管課', 'sections'],
    ['分類', 'classification'],
    ['取組名', 'title'],
    ['課題', 'problem'],
    ['取組', 'action'],
    ['効果', 'effect'],
    ['実施時期', 'period'],
    ['状況', 'status'],
    ['注目', 'featured'],
    ['タグ', 'tags'],
    ['数値効果', 'effects'],
  ],
  proposals: [
    ['ID', 'id'],
    ['年度', 'fiscal_year'],
    ['番号', 'number'],
    ['テーマ', 'theme'],
    ['場面', 'scene'],
    ['視点', 'viewpoint'],
    ['提案名', 'title'],
    ['困りごと', 'pain_point'],
    ['解決策', 'proposed_solution'],
    ['実施状況', 'implementation_status'],
    ['実施時期', 'outcome_period'],
    ['結果', 'outcome_text'],
  ],
  digital_systems: [
    ['ID', 'id'],
    ['システム名', 'name'],
    ['局・区', 'bureau'],
    ['所管課', 'section'],
    ['基盤', 'platform'],
    ['内製', 'built_in_house'],
    ['状況', 'status'],
    ['試行開始日', 'trial_started_on'],
    ['本運用開始日', 'production_started_on'],
    ['廃止日', 'retired_on'],
    ['導入前の業務', 'workflow_before'],
    ['導入後の業務', 'workflow_after'],
    ['削減時間', 'annual_hours_saved'],
    ['算定根拠', 'hours_basis'],
    ['費用効果', 'cost_effect_yen'],
    ['備考', 'note'],
  ],
};

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
};

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
