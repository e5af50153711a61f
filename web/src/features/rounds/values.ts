// Reading an item's `values` (a free JSON object per record kind, see docs/rounds.md) into typed
// shapes, the drafts an owner types for each kind, and whether a draft changes anything.
import type { DigitalSystemIn, IssueStatus, ItemOut, MilestoneState, ReformIn } from './api';

type Json = Record<string, unknown>;

const str = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const num = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);
const obj = (value: unknown): Json | null => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : null);
const arr = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

export interface EffectValue {
  kind: NonNullable<ReformIn['effects']>[number]['kind'];
  value: number;
  unit: string;
  basis: string | null;
}
export interface ReformValues {
  status: NonNullable<ReformIn['status']> | null;
  period_text: string | null;
  effects: EffectValue[];
}
export interface SystemValues {
  status: DigitalSystemIn['status'] | null;
  annual_hours_saved: number | null;
  cost_effect_yen: number | null;
}
export interface MilestoneValue {
  id: number;
  quarter: number;
  title: string;
  state: MilestoneState;
  done_on: string | null;
  slip_reason: string | null;
  version: number;
}
export interface IssueValues {
  status: IssueStatus | null;
  milestones: MilestoneValue[];
  latest_progress_note: { as_of: string; body: string } | null;
}
export interface KpiValues {
  unit: string;
  baseline_value: number | null;
  baseline_on: string | null;
  target_value: number | null;
  target_on: string | null;
  latest_actual: { value: number; measured_on: string; note: string | null } | null;
}
export interface AssignmentValues {
  proposal_id: number;
  stage: number | null;
  decision: 'continue' | 'end' | null;
  implementation_status: string | null;
  outcome_period_text: string | null;
  outcome_text: string | null;
}

export function reformValues(item: ItemOut): ReformValues {
  const values = item.values as Json;
  return {
    status: str(values.status) as ReformValues['status'],
    period_text: str(values.period_text),
    effects: arr(values.effects).flatMap((raw) => {
      const effect = obj(raw);
      const value = num(effect?.value);
      if (!effect || value === null) return [];
      return [{ kind: str(effect.kind) as EffectValue['kind'], value, unit: str(effect.unit) ?? '', basis: str(effect.basis) }];
    }),
  };
}

export function systemValues(item: ItemOut): SystemValues {
  const values = item.values as Json;
  return {
    status: str(values.status) as SystemValues['status'],
    annual_hours_saved: num(values.annual_hours_saved),
    cost_effect_yen: num(values.cost_effect_yen),
  };
}

export function issueValues(item: ItemOut): IssueValues {
  const values = item.values as Json;
  const note = obj(values.latest_progress_note);
  return {
    status: str(values.status) as IssueStatus | null,
    milestones: arr(values.milestones).flatMap((raw) => {
      const m = obj(raw);
      const id = num(m?.id);
      if (!m || id === null) return [];
      return [
        {
          id,
          quarter: num(m.quarter) ?? 0,
          title: str(m.title) ?? '',
          state: (str(m.state) ?? 'planned') as MilestoneState,
          done_on: str(m.done_on),
          slip_reason: str(m.slip_reason),
          version: num(m.version) ?? 0,
        },
      ];
    }),
    latest_progress_note: note ? { as_of: str(note.as_of) ?? '', body: str(note.body) ?? '' } : null,
  };
}

export function kpiValues(item: ItemOut): KpiValues {
  const values = item.values as Json;
  const actual = obj(values.latest_actual);
  const actualValue = num(actual?.value);
  return {
    unit: str(values.unit) ?? '',
    baseline_value: num(values.baseline_value),
    baseline_on: str(values.baseline_on),
    target_value: num(values.target_value),
    target_on: str(values.target_on),
    latest_actual:
      actual && actualValue !== null
        ? { value: actualValue, measured_on: str(actual.measured_on) ?? '', note: str(actual.note) }
        : null,
  };
}

export function assignmentValues(item: ItemOut): AssignmentValues {
  const values = item.values as Json;
  const decision = str(values.decision);
  return {
    proposal_id: num(values.proposal_id) ?? 0,
    stage: num(values.stage),
    decision: decision === 'continue' || decision === 'end' ? decision : null,
    implementation_status: str(values.implementation_status),
    outcome_period_text: str(values.outcome_period_text),
    outcome_text: str(values.outcome_text),
  };
}

/** The fiscal quarter of a date: April–June is 1, January–March is 4. */
export function fiscalQuarterOf(isoDate: string): number {
  const month = Number(isoDate.slice(5, 7));
  return month >= 4 ? Math.floor((month - 4) / 3) + 1 : 4;
}

// --- drafts: what the owner has typed, as text, until it is saved -----------------------------

export interface ReformDraft {
  kind: 'reform';
  status: string;
  period: string;
  effects: string[];
}
export interface SystemDraft {
  kind: 'digital_system';
  status: string;
  hours: string;
  cost: string;
}
export interface IssueDraft {
  kind: 'policy_issue';
  /** The owner's status word, '' for none. */
  status: string;
  note: string;
  milestones: { id: number; state: MilestoneState; done_on: string; slip_reason: string }[];
}
export interface KpiDraft {
  kind: 'kpi';
  value: string;
  note: string;
  notMeasured: boolean;
  reason: string;
}
export interface AssignmentDraft {
  kind: 'proposal_assignment';
  stage: string;
  decision: string;
  stageNote: string;
  implementation: string;
  outcomePeriod: string;
}
export type Draft = ReformDraft | SystemDraft | IssueDraft | KpiDraft | AssignmentDraft;

const text = (value: number | null) => (value === null ? '' : String(value));

/** The draft an item starts from: the record's values now. */
export function draftOf(item: ItemOut, asOf: string): Draft {
  switch (item.record_kind) {
    case 'reform': {
      const v = reformValues(item);
      return { kind: 'reform', status: v.status ?? '', period: v.period_text ?? '', effects: v.effects.map((e) => String(e.value)) };
    }
    case 'digital_system': {
      const v = systemValues(item);
      return { kind: 'digital_system', status: v.status ?? '', hours: text(v.annual_hours_saved), cost: text(v.cost_effect_yen) };
    }
    case 'policy_issue': {
      const v = issueValues(item);
      return {
        kind: 'policy_issue',
        status: v.status ?? '',
        note: '',
        milestones: v.milestones.map((m) => ({ id: m.id, state: m.state, done_on: m.done_on ?? asOf, slip_reason: m.slip_reason ?? '' })),
      };
    }
    case 'kpi':
      return { kind: 'kpi', value: '', note: '', notMeasured: false, reason: '' };
    case 'proposal_assignment': {
      const v = assignmentValues(item);
      return {
        kind: 'proposal_assignment',
        stage: v.stage === null ? '' : String(v.stage),
        decision: v.decision ?? '',
        stageNote: '',
        implementation: v.implementation_status ?? '',
        outcomePeriod: v.outcome_period_text ?? '',
      };
    }
  }
}

/** A typed figure as a number (`1,234.5` reads as 1234.5); empty or unreadable text as null. */
export function figure(value: string): number | null {
  const trimmed = value.trim().replace(/,/g, '');
  if (trimmed === '') return null;
  const parsed = Number(trimmed);
  return Number.isFinite(parsed) ? parsed : null;
}

/** The milestones a policy issue's draft moves, as the check-in sends them. */
export function movedMilestones(before: MilestoneValue[], draft: IssueDraft, asOf: string) {
  return draft.milestones.flatMap((m) => {
    const was = before.find((b) => b.id === m.id);
    if (!was) return [];
    const reason = m.state === 'slipped' ? (m.slip_reason ?? '').trim() : '';
    const doneOn = m.state === 'done' ? m.done_on || asOf : null;
    const same =
      was.state === m.state && (m.state !== 'done' || (was.done_on ?? '') === doneOn) && (m.state !== 'slipped' || (was.slip_reason ?? '') === reason);
    if (same) return [];
    return [{ id: m.id, version: was.version, state: m.state, done_on: doneOn, slip_reason: reason || null }];
  });
}

/** Whether the draft differs from the record as it stands (nothing to save otherwise). */
export function draftChanges(item: ItemOut, draft: Draft, asOf: string): boolean {
  const start = draftOf(item, asOf);
  switch (draft.kind) {
    case 'kpi':
      return draft.notMeasured ? draft.reason.trim() !== '' : draft.value.trim() !== '';
    case 'policy_issue': {
      const current = issueValues(item);
      const moved = movedMilestones(current.milestones, draft, asOf).length > 0;
      // A draft kept before the status word existed has none.
      const statusMoved = (draft.status ?? '') !== '' && draft.status !== (current.status ?? '');
      return moved || statusMoved || draft.note.trim() !== '';
    }
    case 'proposal_assignment':
      return JSON.stringify({ ...draft, stageNote: '' }) !== JSON.stringify(start);
    default:
      return JSON.stringify(draft) !== JSON.stringify(start);
  }
}

// --- keeping drafts across reloads --------------------------------------------------------------

const PREFIX = 'platina.roundDraft';

export function draftStorageKey(requestId: number, itemId: number): string {
  return `${PREFIX}.${requestId}.${itemId}`;
}

export function readStoredDraft(key: string): Draft | null {
  try {
    const raw = globalThis.localStorage?.getItem(key);
    if (!raw) return null;
    const parsed = JSON.parse(raw) as unknown;
    return obj(parsed) && typeof (parsed as Json).kind === 'string' ? (parsed as Draft) : null;
  } catch {
    return null;
  }
}

export function storeDraft(key: string, draft: Draft | null): void {
  try {
    if (draft) globalThis.localStorage?.setItem(key, JSON.stringify(draft));
    else globalThis.localStorage?.removeItem(key);
  } catch {
    // Storage disabled by policy: the draft just does not survive a reload.
  }
}
