// The reporting rounds API (照会): the office's rounds with their preview and requests, the
// owner's inbox, the answers to a request's items, and the writes to the records an answer makes
// through each record's own endpoint (the server checks them like any other edit).
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { dataOf, ifMatch, useApi, type ApiClient } from '../../lib/api';
import type { components } from '../../lib/api/schema';
import { LEDGER_KEY, POLICIES_KEY, PROPOSALS_KEY, REFORMS_KEY } from '../../lib/queryKeys';

type Schemas = components['schemas'];
export type RoundOut = Schemas['RoundOut'];
export type RoundIn = Schemas['RoundIn'];
export type RecordKind = Schemas['RecordKindDto'];
export type RequestOut = Schemas['RequestOut'];
export type RequestDetailOut = Schemas['RequestDetailOut'];
export type ItemOut = Schemas['ItemOut'];
export type PreviewOut = Schemas['PreviewOut'];
export type RequestCounts = Schemas['RequestCountsOut'];
export type AnswerOutcome = Schemas['AnswerOutcomeDto'];
export type ReformIn = Schemas['ReformIn'];
export type ReformOut = Schemas['ReformOut'];
export type DigitalSystemIn = Schemas['DigitalSystemIn'];
export type DigitalSystemOut = Schemas['DigitalSystemOut'];
export type ProposalIn = Schemas['ProposalIn'];
export type ProposalOut = Schemas['ProposalOut'];
export type MilestoneState = Schemas['MilestoneStateDto'];
export type IssueStatus = Schemas['IssueStatusDto'];
export type CheckInIn = Schemas['CheckInIn'];

/** The kinds a round may ask about, in the order the forms and the request page show them. */
export const RECORD_KINDS: readonly RecordKind[] = ['policy_issue', 'kpi', 'proposal_assignment', 'reform', 'digital_system'];
export const ROUND_STATES = ['draft', 'open', 'closed'] as const;
export const REQUEST_STATES = ['unanswered', 'in_progress', 'answered', 'returned', 'accepted'] as const;
export type RequestState = (typeof REQUEST_STATES)[number];

export function isRequestState(value: string): value is RequestState {
  return (REQUEST_STATES as readonly string[]).includes(value);
}
export type RoundState = (typeof ROUND_STATES)[number];

export const ROUNDS_KEY = ['rounds'] as const;
const roundKey = (id: number) => [...ROUNDS_KEY, 'round', id] as const;
const requestKey = (id: number) => [...ROUNDS_KEY, 'request', id] as const;
export const INBOX_KEY = [...ROUNDS_KEY, 'inbox'] as const;

export function useRounds(state: RoundState | null, page: number) {
  const api = useApi();
  return useQuery({
    queryKey: [...ROUNDS_KEY, 'list', state, page],
    queryFn: async ({ signal }) =>
      dataOf(
        await api.client.GET('/api/v1/rounds', {
          params: { query: { ...(state ? { state } : {}), page, per_page: 50 } },
          signal,
        }),
      ),
  });
}

export function useRound(id: number) {
  const api = useApi();
  return useQuery({
    queryKey: roundKey(id),
    queryFn: async ({ signal }) => dataOf(await api.client.GET('/api/v1/rounds/{id}', { params: { path: { id } }, signal })),
    enabled: Number.isSafeInteger(id) && id > 0,
  });
}

export function usePreview(id: number, enabled: boolean) {
  const api = useApi();
  return useQuery({
    queryKey: [...roundKey(id), 'preview'],
    queryFn: async ({ signal }) =>
      dataOf(await api.client.GET('/api/v1/rounds/{id}/preview', { params: { path: { id } }, signal })),
    enabled,
  });
}

/** What the office's list of a round's requests is narrowed to: the state select, and the filters
 * a figure of the compliance view links with (`?state=a,b&overdue=true&bureau_id=…`). */
export interface RequestFilter {
  state?: string;
  overdue?: boolean;
  bureau_id?: number;
  section_id?: number;
  owner_kind?: 'section' | 'bureau';
}

/** The filter in a screen address's query string; anything malformed is left out. */
export function requestFilterOf(params: URLSearchParams): RequestFilter {
  const filter: RequestFilter = {};
  const state = params.get('state');
  if (state && state.split(',').every((s) => isRequestState(s))) filter.state = state;
  if (params.get('overdue') === 'true') filter.overdue = true;
  const id = (name: string) => {
    const value = params.get(name);
    return value && /^[1-9][0-9]{0,15}$/.test(value) ? Number(value) : undefined;
  };
  const bureau = id('bureau_id');
  if (bureau !== undefined) filter.bureau_id = bureau;
  const section = id('section_id');
  if (section !== undefined) filter.section_id = section;
  const ownerKind = params.get('owner_kind');
  if (ownerKind === 'section' || ownerKind === 'bureau') filter.owner_kind = ownerKind;
  return filter;
}

export function useRoundRequests(id: number, filter: RequestFilter, enabled: boolean) {
  const api = useApi();
  return useQuery({
    queryKey: [...roundKey(id), 'requests', filter],
    queryFn: async ({ signal }) =>
      dataOf(
        await api.client.GET('/api/v1/rounds/{id}/requests', {
          params: { path: { id }, query: { ...filter, per_page: 200 } },
          signal,
        }),
      ),
    enabled,
  });
}

export function useInbox(enabled = true) {
  const api = useApi();
  return useQuery({
    queryKey: INBOX_KEY,
    queryFn: async ({ signal }) =>
      dataOf(await api.client.GET('/api/v1/me/round-requests', { params: { query: { per_page: 100 } }, signal })),
    enabled,
    staleTime: 30_000,
  });
}

export function useRequest(id: number) {
  const api = useApi();
  return useQuery({
    queryKey: requestKey(id),
    queryFn: async ({ signal }) =>
      dataOf(await api.client.GET('/api/v1/round-requests/{id}', { params: { path: { id } }, signal })),
    enabled: Number.isSafeInteger(id) && id > 0,
  });
}

function useInvalidateRounds() {
  const queryClient = useQueryClient();
  return () => queryClient.invalidateQueries({ queryKey: ROUNDS_KEY });
}

export function useCreateRound() {
  const api = useApi();
  const invalidate = useInvalidateRounds();
  return useMutation({
    mutationFn: async (body: RoundIn) => dataOf(await api.client.POST('/api/v1/rounds', { body })),
    onSuccess: invalidate,
  });
}

export function useUpdateRound() {
  const api = useApi();
  const invalidate = useInvalidateRounds();
  return useMutation({
    mutationFn: async (input: { id: number; version: number; body: RoundIn }) =>
      dataOf(
        await api.client.PUT('/api/v1/rounds/{id}', {
          params: { path: { id: input.id }, header: { 'If-Match': ifMatch(input.version) } },
          body: input.body,
        }),
      ),
    onSuccess: invalidate,
  });
}

export function useDeleteRound() {
  const api = useApi();
  const invalidate = useInvalidateRounds();
  return useMutation({
    mutationFn: async (input: { id: number; version: number }) => {
      await api.client.DELETE('/api/v1/rounds/{id}', {
        params: { path: { id: input.id }, header: { 'If-Match': ifMatch(input.version) } },
      });
    },
    onSuccess: invalidate,
  });
}

export type RoundStep = 'open' | 'close' | 'reopen';

/** 開始, 締切 and 再開 (the last with its reason). */
export function useRoundStep() {
  const api = useApi();
  const invalidate = useInvalidateRounds();
  return useMutation({
    mutationFn: async (input: { id: number; version: number; step: RoundStep; reason?: string }) => {
      const params = { path: { id: input.id }, header: { 'If-Match': ifMatch(input.version) } };
      if (input.step === 'open') return dataOf(await api.client.POST('/api/v1/rounds/{id}/open', { params }));
      if (input.step === 'close') return dataOf(await api.client.POST('/api/v1/rounds/{id}/close', { params }));
      return dataOf(await api.client.POST('/api/v1/rounds/{id}/reopen', { params, body: { reason: input.reason ?? '' } }));
    },
    onSuccess: invalidate,
  });
}

export type RequestStep = 'submit' | 'return' | 'accept';

/** 回答する (the owner), 差戻し with a comment and 受理 (the office). */
export function useRequestStep() {
  const api = useApi();
  const invalidate = useInvalidateRounds();
  return useMutation({
    mutationFn: async (input: { id: number; version: number; step: RequestStep; comment?: string }) => {
      const params = { path: { id: input.id }, header: { 'If-Match': ifMatch(input.version) } };
      if (input.step === 'submit') return dataOf(await api.client.POST('/api/v1/round-requests/{id}/submit', { params }));
      if (input.step === 'accept') return dataOf(await api.client.POST('/api/v1/round-requests/{id}/accept', { params }));
      return dataOf(
        await api.client.POST('/api/v1/round-requests/{id}/return', { params, body: { comment: input.comment ?? '' } }),
      );
    },
    onSuccess: invalidate,
  });
}

/** Marks one item 変更なし or 変更あり (the latter after the record's own write). */
export function useAnswerItem() {
  const api = useApi();
  const invalidate = useInvalidateRounds();
  return useMutation({
    mutationFn: async (input: { requestId: number; itemId: number; outcome: AnswerOutcome; comment?: string | null }) =>
      dataOf(
        await api.client.PUT('/api/v1/round-requests/{id}/items/{item_id}', {
          params: { path: { id: input.requestId, item_id: input.itemId } },
          body: { outcome: input.outcome, comment: input.comment ?? null },
        }),
      ),
    onSuccess: invalidate,
  });
}

// --- the writes an answer makes to its record -------------------------------------------------

/** A reform as its PUT takes it, from the reform as read, with the fields the round asks about. */
export function reformBody(reform: ReformOut, change: { status: ReformIn['status']; period: string | null; effects: ReformIn['effects'] }): ReformIn {
  return {
    fiscal_year: reform.fiscal_year,
    bureau_id: reform.bureau_id,
    section_ids: reform.sections.map((section) => section.id),
    classification: reform.classification ?? null,
    title: reform.title,
    problem: reform.problem ?? null,
    action: reform.action ?? null,
    effect: reform.effect ?? null,
    period: change.period,
    status: change.status ?? null,
    tags: reform.tags,
    effects: change.effects ?? [],
    featured: reform.featured,
    report_number: reform.report_number ?? null,
    source_proposal_id: reform.source_proposal_id ?? null,
  };
}

/** A ledger entry as its PUT takes it, with the status, hours and cost the round asks about. */
export function systemBody(
  system: DigitalSystemOut,
  change: { status: DigitalSystemIn['status']; annual_hours_saved: number | null; cost_effect_yen: number | null },
): DigitalSystemIn {
  return {
    name: system.name,
    section_id: system.section_id,
    platform: system.platform,
    built_in_house: system.built_in_house,
    status: change.status,
    trial_started_on: system.trial_started_on ?? null,
    production_started_on: system.production_started_on ?? null,
    retired_on: system.retired_on ?? null,
    workflow_before: system.workflow_before ?? null,
    workflow_after: system.workflow_after ?? null,
    annual_hours_saved: change.annual_hours_saved,
    hours_basis: system.hours_basis ?? null,
    cost_effect_yen: change.cost_effect_yen,
    note: system.note ?? null,
  };
}

/** A proposal as its PUT takes it, with the outcome status the round asks about. */
export function proposalBody(
  proposal: ProposalOut,
  change: { implementation_status: ProposalIn['implementation_status']; outcome_period: string | null },
): ProposalIn {
  return {
    fiscal_year: proposal.fiscal_year,
    theme: proposal.theme,
    title: proposal.title,
    number: proposal.number ?? null,
    scene: proposal.scene ?? null,
    viewpoint: proposal.viewpoint ?? null,
    pain_point: proposal.pain_point ?? null,
    proposed_solution: proposal.proposed_solution ?? null,
    implementation_status: change.implementation_status ?? null,
    outcome_period: change.outcome_period,
    outcome_text: proposal.outcome_text ?? null,
    continues_proposal_id: proposal.continues_proposal_id ?? null,
  };
}

/** Record writes that answer items; each invalidates the screens of its kind of record. */
export function useRecordWrites() {
  const api = useApi();
  const queryClient = useQueryClient();
  const touched = (key: readonly string[]) => void queryClient.invalidateQueries({ queryKey: key });
  return {
    api,
    async saveReform(id: number, version: number, change: Parameters<typeof reformBody>[1]) {
      const reform = dataOf(await api.client.GET('/api/v1/reforms/{id}', { params: { path: { id } } }));
      await api.client.PUT('/api/v1/reforms/{id}', {
        params: { path: { id }, header: { 'If-Match': ifMatch(version) } },
        body: reformBody(reform, change),
      });
      touched(REFORMS_KEY);
    },
    async saveSystem(id: number, version: number, change: Parameters<typeof systemBody>[1]) {
      const system = dataOf(await api.client.GET('/api/v1/digital-systems/{id}', { params: { path: { id } } }));
      await api.client.PUT('/api/v1/digital-systems/{id}', {
        params: { path: { id }, header: { 'If-Match': ifMatch(version) } },
        body: systemBody(system, change),
      });
      touched(LEDGER_KEY);
    },
    /** A policy issue's answer in one write: status word, progress note and moved milestones. */
    async checkInIssue(issueId: number, version: number, body: CheckInIn) {
      await api.client.POST('/api/v1/policy-issues/{id}/check-ins', {
        params: { path: { id: issueId }, header: { 'If-Match': ifMatch(version) } },
        body,
      });
      touched(POLICIES_KEY);
    },
    async saveKpiActual(kpiId: number, actual: { value: number; measured_on: string; note: string | null }) {
      await api.client.POST('/api/v1/kpis/{id}/actuals', { params: { path: { id: kpiId } }, body: actual });
      touched(POLICIES_KEY);
    },
    async saveAssignment(
      proposalId: number,
      assignmentId: number,
      version: number,
      outcome: Parameters<typeof proposalBody>[1] | null,
      transition: { to_stage: number; decision: 'continue' | 'end' | null; effective_on: string; note: string | null } | null,
    ) {
      // The outcome first: its If-Match is the version the owner saw (a stage move changes it).
      if (outcome) {
        const proposal = dataOf(await api.client.GET('/api/v1/proposals/{id}', { params: { path: { id: proposalId } } }));
        await api.client.PUT('/api/v1/proposals/{id}', {
          params: { path: { id: proposalId }, header: { 'If-Match': ifMatch(version) } },
          body: proposalBody(proposal, outcome),
        });
      }
      if (transition) {
        await api.client.POST('/api/v1/proposals/{id}/assignments/{assignment_id}/transitions', {
          params: { path: { id: proposalId, assignment_id: assignmentId } },
          body: transition,
        });
      }
      touched(PROPOSALS_KEY);
    },
  };
}

export type RecordWrites = ReturnType<typeof useRecordWrites>;
export type { ApiClient };
