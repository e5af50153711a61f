// One request (/inbox/requests/:id, the link of the round's notifications): every record it lists,
// grouped by kind, each with the values the round asks about and its answer. The owner answers
// 変更なし with one click, or edits the asked fields in place and saves them through the record's
// own endpoint (If-Match with `record_version`) before the item is marked 変更あり; typed input is
// kept in localStorage until it is saved. 回答する submits once every item is answered. The office
// (the round's `can_manage`) returns a submitted request with a comment or accepts it. The whole
// request can also be answered by Excel (RequestWorkbook).
import { useCallback, useId, useRef, useState, type FormEvent, type KeyboardEvent, type ReactNode } from 'react';
import { Link, useParams } from 'react-router';
import { useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import { LoadProblem } from '../../components/records/LoadProblem';
import { Field, toApiProblem } from '../../components/form';
import { fieldErrorMessage, pointerToField, type ApiProblem } from '../../lib/api';
import { formatDate, formatDateTime, shortDate } from '../../lib/dates';
import { IMPLEMENTATION_STATUSES, ISSUE_STATUSES, REFORM_STATUSES, decisionLabel, reformStatusLabel, stageLabel, statusLabel } from '../../lib/labels';
import { mayAnswerRequest, mayManageRound } from '../../lib/permissions';
import { usePageTitle } from '../../lib/usePageTitle';
import {
  RECORD_KINDS,
  ROUNDS_KEY,
  useAnswerItem,
  useRecordWrites,
  useRequest,
  useRequestStep,
  useRound,
  type IssueStatus,
  type ItemOut,
  type RecordWrites,
  type RequestOut,
} from './api';
import { requestStateLabel } from './RoundPage';
import { RequestWorkbook } from './RequestWorkbook';
import {
  assignmentValues,
  draftChanges,
  draftOf,
  draftStorageKey,
  figure,
  fiscalQuarterOf,
  issueValues,
  kpiValues,
  movedMilestones,
  readStoredDraft,
  reformValues,
  storeDraft,
  systemValues,
  type Draft,
} from './values';
import './rounds.css';

const SYSTEM_STATUSES = ['trial', 'production', 'retired'] as const;
const MILESTONE_STATES = ['planned', 'done', 'slipped'] as const;

export function RequestPage() {
  const { t } = useTranslation();
  const id = Number(useParams().id);
  const detail = useRequest(id);
  usePageTitle(detail.data ? detail.data.request.round.title : t('inbox.title'));
  return (
    <div className="page rd-page rq-page">
      <p>
        <Link to="/inbox">{t('inbox.title')}</Link>
      </p>
      {detail.isPending && <p role="status">{t('rounds.loading')}</p>}
      {detail.isError && <LoadProblem error={detail.error} />}
      {detail.data && <RequestView request={detail.data.request} items={detail.data.items} />}
    </div>
  );
}

function RequestView({ request, items }: { request: RequestOut; items: ItemOut[] }) {
  const { t, i18n } = useTranslation();
  const round = useRound(request.round.id);
  const canAnswer = mayAnswerRequest(request);
  const manage = round.data ? mayManageRound(round.data) : false;
  const [announcement, setAnnouncement] = useState('');
  const listRef = useRef<HTMLDivElement>(null);
  const answered = items.filter((item) => item.outcome !== 'none').length;
  const ordered = RECORD_KINDS.map((kind) => ({ kind, items: items.filter((item) => item.record_kind === kind) })).filter(
    (group) => group.items.length > 0,
  );

  /** Moves focus to the next unanswered item after the one holding focus (or the first). */
  function nextUnanswered() {
    const list = listRef.current;
    if (!list) return;
    const cards = [...list.querySelectorAll<HTMLElement>('[data-outcome="none"]')];
    if (cards.length === 0) return;
    const active = document.activeElement;
    const all = [...list.querySelectorAll<HTMLElement>('[data-item]')];
    const here = all.findIndex((card) => card.contains(active));
    const next = cards.find((card) => all.indexOf(card) > here) ?? cards[0];
    next?.querySelector<HTMLElement>('h3')?.focus();
  }

  return (
    <>
      <h1 tabIndex={-1}>{t('inbox.requestTitle', { round: request.round.title, owner: request.owner_name })}</h1>
      {request.state === 'returned' && request.return_comment && (
        <section className="notice notice--error rq-returned" aria-labelledby="rq-returned">
          <h2 id="rq-returned">{t('inbox.returnedHeading')}</h2>
          <p data-testid="return-comment">{request.return_comment}</p>
          {request.returned_at && <p className="notice__meta">{formatDateTime(request.returned_at, i18n.language)}</p>}
        </section>
      )}
      <dl className="summary-list">
        <div>
          <dt>{t('rounds.columns.asOf')}</dt>
          <dd>{formatDate(request.round.as_of, i18n.language)}</dd>
        </div>
        <div>
          <dt>{t('rounds.columns.dueOn')}</dt>
          <dd>
            {formatDate(request.round.due_on, i18n.language)}
            {request.overdue && <span className="rd-overdue">{t('rounds.overdueMark')}</span>}
          </dd>
        </div>
        <div>
          <dt>{t('rounds.columns.state')}</dt>
          <dd data-testid="request-state">{requestStateLabel(t, request.state)}</dd>
        </div>
        <div>
          <dt>{t('inbox.answers')}</dt>
          <dd data-testid="request-progress">{t('inbox.summary', { answered, total: items.length })}</dd>
        </div>
      </dl>
      {round.data && (
        <p>
          <Link to={`/rounds/${round.data.id}`}>{t('rounds.backToRound', { title: round.data.title })}</Link>
        </p>
      )}
      <div role="status" aria-atomic="true" className="alert-region">
        {announcement && <div className="notice notice--info">{announcement}</div>}
      </div>
      {!canAnswer && request.state === 'answered' && <p className="notice notice--info">{t('inbox.submittedNote')}</p>}
      {request.state === 'accepted' && <p className="notice notice--info">{t('inbox.acceptedNote')}</p>}
      {!canAnswer && !manage && !['answered', 'accepted'].includes(request.state) && (
        <p className="notice notice--info">{t('inbox.readOnlyNote')}</p>
      )}
      {canAnswer && (
        <div className="button-row rq-toolbar">
          <button type="button" className="button button--secondary" onClick={nextUnanswered} disabled={answered === items.length}>
            {t('inbox.nextUnanswered')}
          </button>
        </div>
      )}

      <RequestWorkbook request={request} canAnswer={canAnswer} announce={setAnnouncement} />

      <div ref={listRef}>
        {ordered.map((group) => (
          <section key={group.kind} aria-labelledby={`rq-kind-${group.kind}`}>
            <h2 id={`rq-kind-${group.kind}`}>{t(`rounds.kindsShort.${group.kind}`)}</h2>
            {group.items.map((item) => (
              <ItemCard key={item.id} request={request} item={item} canAnswer={canAnswer} announce={setAnnouncement} />
            ))}
          </section>
        ))}
      </div>

      {canAnswer && <SubmitBar request={request} answered={answered} total={items.length} announce={setAnnouncement} />}
      {manage && request.state === 'answered' && <OfficeReview request={request} announce={setAnnouncement} />}
    </>
  );
}

function SubmitBar({ request, answered, total, announce }: { request: RequestOut; answered: number; total: number; announce: (m: string) => void }) {
  const { t } = useTranslation();
  const step = useRequestStep();
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const ready = answered === total;
  return (
    <section className="card rq-submit" aria-labelledby="rq-submit">
      <h2 id="rq-submit">{t('inbox.submit')}</h2>
      <p>{ready ? t('inbox.allAnswered') : t('inbox.submitHint')}</p>
      <div role="alert" aria-atomic="true" className="alert-region">
        {problem && <div className="notice notice--error">{problem.status === 412 ? t('rounds.stale') : problem.localizedMessage(t)}</div>}
      </div>
      <button
        type="button"
        className="button button--primary"
        disabled={!ready || step.isPending}
        onClick={() => {
          setProblem(null);
          step.mutate(
            { id: request.id, version: request.version, step: 'submit' },
            { onSuccess: () => announce(t('inbox.submitted')), onError: (error) => setProblem(toApiProblem(error)) },
          );
        }}
      >
        {step.isPending ? t('inbox.submitting') : t('inbox.submit')}
      </button>
    </section>
  );
}

function OfficeReview({ request, announce }: { request: RequestOut; announce: (m: string) => void }) {
  const { t } = useTranslation();
  const ids = useId();
  const step = useRequestStep();
  const [comment, setComment] = useState('');
  const [missing, setMissing] = useState(false);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const onError = (error: unknown) => setProblem(toApiProblem(error));
  function giveBack(event: FormEvent) {
    event.preventDefault();
    if (comment.trim() === '') {
      setMissing(true);
      return;
    }
    setMissing(false);
    setProblem(null);
    step.mutate(
      { id: request.id, version: request.version, step: 'return', comment: comment.trim() },
      { onSuccess: () => announce(t('inbox.returned')), onError },
    );
  }
  return (
    <section className="card rq-office" aria-labelledby="rq-office">
      <h2 id="rq-office">{t('inbox.officeHeading')}</h2>
      <div role="alert" aria-atomic="true" className="alert-region">
        {problem && <div className="notice notice--error">{problem.status === 412 ? t('rounds.stale') : problem.localizedMessage(t)}</div>}
      </div>
      <form className="form" onSubmit={giveBack} noValidate aria-label={t('inbox.return')}>
        <Field id={`${ids}-comment`} label={t('inbox.returnComment')} error={missing ? t('fieldError.required') : undefined}>
          {(a11y) => (
            <textarea {...a11y} className="form-field__input" rows={3} maxLength={2000} value={comment} onChange={(e) => setComment(e.target.value)} />
          )}
        </Field>
        <div className="button-row">
          <button type="submit" className="button button--secondary" disabled={step.isPending}>
            {t('inbox.return')}
          </button>
          <button
            type="button"
            className="button button--primary"
            disabled={step.isPending}
            onClick={() => {
              setProblem(null);
              step.mutate({ id: request.id, version: request.version, step: 'accept' }, { onSuccess: () => announce(t('inbox.accepted')), onError });
            }}
          >
            {t('inbox.accept')}
          </button>
        </div>
      </form>
    </section>
  );
}

/** A draft kept in localStorage under the item's key, so typed input survives a reload. */
function useStoredDraft(key: string): [Draft | null, (draft: Draft | null) => void] {
  const [draft, setDraft] = useState(() => readStoredDraft(key));
  const set = useCallback(
    (next: Draft | null) => {
      storeDraft(key, next);
      setDraft(next);
    },
    [key],
  );
  return [draft, set];
}

function ItemCard({ request, item, canAnswer, announce }: { request: RequestOut; item: ItemOut; canAnswer: boolean; announce: (m: string) => void }) {
  const { t, i18n } = useTranslation();
  const ids = useId();
  const headingId = `${ids}-heading`;
  const [draft, setDraft] = useStoredDraft(draftStorageKey(request.id, item.id));
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [localError, setLocalError] = useState('');
  const [localInvalid, setLocalInvalid] = useState<Set<string>>(new Set());
  const [saving, setSaving] = useState(false);
  const answer = useAnswerItem();
  const writes = useRecordWrites();
  const queryClient = useQueryClient();
  const asOf = request.round.as_of;
  const gone = item.record_version == null;

  async function markUnchanged(comment?: string) {
    setProblem(null);
    try {
      await answer.mutateAsync({ requestId: request.id, itemId: item.id, outcome: 'unchanged', comment: comment ?? null });
      setDraft(null);
      announce(t('inbox.markedUnchanged', { title: item.title }));
    } catch (error) {
      setProblem(toApiProblem(error));
    }
  }

  async function saveChanged(event: FormEvent) {
    event.preventDefault();
    if (!draft) return;
    setProblem(null);
    setLocalError('');
    if (draft.kind === 'kpi' && draft.notMeasured) {
      if (draft.reason.trim() === '') {
        setLocalError(t('fieldError.required'));
        return;
      }
      await markUnchanged(t('inbox.notMeasuredPrefix', { reason: draft.reason.trim() }));
      return;
    }
    if (draft.kind === 'policy_issue') {
      const unexplained = draft.milestones.filter((m) => m.state === 'slipped' && !(m.slip_reason ?? '').trim());
      if (unexplained.length > 0) {
        setLocalInvalid(new Set(unexplained.map((m) => `slip_reason-${m.id}`)));
        setLocalError(t('inbox.slipReasonRequired'));
        return;
      }
    }
    setLocalInvalid(new Set());
    const changes = draftChanges(item, draft, asOf);
    setSaving(true);
    try {
      // Nothing left to write (the record already holds the draft, say after a save whose answer
      // failed): the item is marked changed if the server finds the write, else nothing was changed.
      if (changes) await writeRecord(writes, item, draft, asOf);
      await answer.mutateAsync({ requestId: request.id, itemId: item.id, outcome: 'changed' });
      setDraft(null);
      announce(t('inbox.markedChanged', { title: item.title }));
    } catch (error) {
      const failed = toApiProblem(error);
      if (!changes && failed.status === 409) setLocalError(t('inbox.nothingChanged'));
      else setProblem(failed);
      // A 412: the record moved on; reading the request again brings its new values and version.
      if (failed.status === 412) void queryClient.invalidateQueries({ queryKey: ROUNDS_KEY });
    } finally {
      setSaving(false);
    }
  }

  const outcomeText = t(`inbox.outcomes.${item.outcome === 'changed' || item.outcome === 'unchanged' ? item.outcome : 'none'}`);
  const invalid = new Set([...localInvalid, ...(problem?.fieldErrors.map((fieldError) => pointerToField(fieldError.pointer) ?? '') ?? [])]);

  return (
    <article className={`card rq-item rq-item--${item.outcome}`} aria-labelledby={headingId} data-item data-outcome={item.outcome} data-testid={`item-${item.record_kind}-${item.record_id}`}>
      <h3 id={headingId} tabIndex={-1} className="rq-item__title">
        {item.title || t('inbox.recordGone')}{' '}
        <span className={`rd-state rq-outcome rq-outcome--${item.outcome}`} data-testid="item-outcome">
          {outcomeText}
        </span>
      </h3>
      {item.link && (
        <p className="rq-item__link">
          <Link to={item.link}>{t('inbox.openRecord')}</Link>
        </p>
      )}
      {item.answered_by && item.answered_at && (
        <p className="muted">{t('inbox.answeredBy', { by: item.answered_by, at: formatDateTime(item.answered_at, i18n.language) })}</p>
      )}
      {item.comment && <p className="muted">{item.comment}</p>}
      <CurrentValues item={item} asOf={asOf} />
      <div role="alert" aria-atomic="true" className="alert-region">
        {(problem || localError) && (
          <div className="notice notice--error">
            {localError && <p>{localError}</p>}
            {problem && <p>{problem.status === 412 ? t('inbox.stale') : problem.localizedMessage(t)}</p>}
            {problem?.fieldErrors.map((fieldError) => (
              <p key={fieldError.pointer}>
                {fieldError.pointer}: {fieldErrorMessage(t, fieldError)}
              </p>
            ))}
          </div>
        )}
      </div>
      {canAnswer && !gone && !draft && (
        <div className="button-row">
          <button type="button" className="button button--secondary" disabled={answer.isPending} onClick={() => void markUnchanged()}>
            {t('inbox.unchanged')}
          </button>
          <button type="button" className="button button--secondary" onClick={() => setDraft(draftOf(item, asOf))}>
            {t('inbox.changeOpen')}
          </button>
        </div>
      )}
      {canAnswer && !gone && draft && (
        <form className="form rq-form" aria-label={t('inbox.changeOpen')} onSubmit={(event) => void saveChanged(event)} noValidate>
          <p className="form-field__hint">{t('inbox.draftKept')}</p>
          <DraftFields item={item} draft={draft} setDraft={setDraft} ids={ids} invalid={invalid} asOf={asOf} />
          <div className="button-row">
            <button type="submit" className="button button--primary" disabled={saving}>
              {saving ? t('inbox.savingChange') : draft.kind === 'kpi' && draft.notMeasured ? t('inbox.notMeasured') : t('inbox.saveChange')}
            </button>
            <button type="button" className="button button--secondary" onClick={() => setDraft(null)}>
              {t('inbox.changeCancel')}
            </button>
          </div>
        </form>
      )}
    </article>
  );
}

/** Writes the draft through the record's own endpoint(s). */
async function writeRecord(writes: RecordWrites, item: ItemOut, draft: Draft, asOf: string) {
  const version = item.record_version ?? 0;
  switch (draft.kind) {
    case 'reform': {
      const before = reformValues(item);
      await writes.saveReform(item.record_id, version, {
        status: (draft.status || null) as never,
        period: draft.period.trim() || null,
        effects: before.effects.map((effect, index) => ({
          kind: effect.kind,
          unit: effect.unit,
          basis: effect.basis,
          value: figure(draft.effects[index] ?? '') ?? effect.value,
        })),
      });
      return;
    }
    case 'digital_system':
      await writes.saveSystem(item.record_id, version, {
        status: draft.status as never,
        annual_hours_saved: figure(draft.hours),
        cost_effect_yen: figure(draft.cost),
      });
      return;
    case 'policy_issue': {
      const current = issueValues(item);
      const status = draft.status ?? '';
      await writes.checkInIssue(item.record_id, version, {
        status: status !== '' && status !== (current.status ?? '') ? (status as IssueStatus) : null,
        note: draft.note.trim() ? { as_of: asOf, as_of_label: null, body: draft.note.trim() } : null,
        milestones: movedMilestones(current.milestones, draft, asOf),
      });
      return;
    }
    case 'kpi': {
      const value = figure(draft.value);
      if (value === null) throw new Error('a figure is required');
      await writes.saveKpiActual(item.record_id, { value, measured_on: asOf, note: draft.note.trim() || null });
      return;
    }
    case 'proposal_assignment': {
      const before = assignmentValues(item);
      const outcomeMoved =
        (before.implementation_status ?? '') !== draft.implementation || (before.outcome_period_text ?? '') !== draft.outcomePeriod;
      const stage = Number(draft.stage);
      const stageMoved = draft.stage !== '' && (stage !== before.stage || (draft.decision || null) !== before.decision);
      await writes.saveAssignment(
        before.proposal_id,
        item.record_id,
        version,
        outcomeMoved ? { implementation_status: (draft.implementation || null) as never, outcome_period: draft.outcomePeriod.trim() || null } : null,
        stageMoved
          ? {
              to_stage: stage,
              decision: stage === 3 ? ((draft.decision || null) as 'continue' | 'end' | null) : null,
              effective_on: asOf,
              note: draft.stageNote.trim() || null,
            }
          : null,
      );
      return;
    }
  }
}

function CurrentValues({ item, asOf }: { item: ItemOut; asOf: string }) {
  const { t, i18n } = useTranslation();
  const rows: [string, ReactNode][] = [];
  const none = t('inbox.noValue');
  switch (item.record_kind) {
    case 'reform': {
      const v = reformValues(item);
      rows.push([t('inbox.fields.status'), reformStatusLabel(t, v.status)]);
      rows.push([t('inbox.fields.period'), v.period_text ?? none]);
      for (const effect of v.effects) {
        rows.push([t('inbox.fields.effect', { kind: t(`reforms.effectKinds.${effect.kind}`), unit: effect.unit }), effect.value.toLocaleString(i18n.language)]);
      }
      break;
    }
    case 'digital_system': {
      const v = systemValues(item);
      rows.push([t('inbox.fields.status'), v.status ? t(`ledger.statuses.${v.status}`) : none]);
      rows.push([t('inbox.fields.hours'), v.annual_hours_saved?.toLocaleString(i18n.language) ?? none]);
      rows.push([t('inbox.fields.cost'), v.cost_effect_yen?.toLocaleString(i18n.language) ?? none]);
      break;
    }
    case 'policy_issue': {
      const v = issueValues(item);
      const quarter = fiscalQuarterOf(asOf);
      rows.push([t('inbox.fields.issueStatus'), v.status ? t(`bureaus.issueStatuses.${v.status}`) : none]);
      rows.push([
        v.latest_progress_note ? t('inbox.latestNote', { date: shortDate(v.latest_progress_note.as_of, i18n.language) }) : t('inbox.fields.note'),
        v.latest_progress_note?.body ?? none,
      ]);
      for (const m of v.milestones) {
        rows.push([
          `${t(`bureaus.quarters.${String(m.quarter) as '1'}`)}${m.quarter === quarter ? ` ★${t('inbox.quarterOfRound')}` : ''}`,
          `${m.title} — ${t(`bureaus.milestoneStates.${m.state}`)}${m.done_on ? ` (${shortDate(m.done_on, i18n.language)})` : ''}${m.slip_reason ? ` — ${t('inbox.slipReasonShown', { reason: m.slip_reason })}` : ''}`,
        ]);
      }
      if (v.milestones.length === 0) rows.push(['', t('inbox.noMilestones')]);
      break;
    }
    case 'kpi': {
      const v = kpiValues(item);
      const value = (n: number | null) => (n === null ? none : `${n.toLocaleString(i18n.language)} ${v.unit}`);
      if (v.baseline_value !== null) rows.push(['', t('inbox.baseline', { value: value(v.baseline_value), date: shortDate(v.baseline_on ?? '', i18n.language) })]);
      if (v.target_value !== null) rows.push(['', t('inbox.target', { value: value(v.target_value), date: shortDate(v.target_on ?? '', i18n.language) })]);
      rows.push([
        '',
        v.latest_actual
          ? t('inbox.latestActual', { value: value(v.latest_actual.value), date: shortDate(v.latest_actual.measured_on, i18n.language) })
          : t('inbox.latestActual', { value: none, date: '—' }),
      ]);
      break;
    }
    case 'proposal_assignment': {
      const v = assignmentValues(item);
      rows.push([t('inbox.fields.stage'), stageLabel(t, v.stage)]);
      if (v.decision) rows.push([t('inbox.fields.decision'), decisionLabel(t, v.decision)]);
      rows.push([t('inbox.fields.implementation'), statusLabel(t, v.implementation_status as never)]);
      rows.push([t('inbox.fields.outcomePeriod'), v.outcome_period_text ?? none]);
      break;
    }
  }
  return (
    <dl className="summary-list rq-values" aria-label={t('inbox.current')}>
      {rows.map(([label, value], index) => (
        <div key={index}>
          <dt>{label || t('inbox.current')}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

/** Enter in a one-line field submits (the browser does it); in a text area Enter submits too, Shift+Enter breaks the line. */
function submitOnEnter(event: KeyboardEvent<HTMLTextAreaElement>) {
  if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
    event.preventDefault();
    event.currentTarget.form?.requestSubmit();
  }
}

function DraftFields({
  item,
  draft,
  setDraft,
  ids,
  invalid,
  asOf,
}: {
  item: ItemOut;
  draft: Draft;
  setDraft: (draft: Draft) => void;
  ids: string;
  invalid: Set<string>;
  asOf: string;
}) {
  const { t } = useTranslation();
  const input = (name: string, label: string, value: string, onChange: (value: string) => void, extra: { type?: string; inputMode?: 'decimal' | 'numeric' } = {}) => (
    <Field id={`${ids}-${name}`} label={label}>
      {(a11y) => (
        <input
          {...a11y}
          aria-invalid={invalid.has(name) ? true : undefined}
          className="form-field__input"
          type={extra.type ?? 'text'}
          inputMode={extra.inputMode}
          value={value}
          onChange={(e) => onChange(e.target.value)}
        />
      )}
    </Field>
  );
  const select = (name: string, label: string, value: string, options: readonly string[], labelOf: (v: string) => string, onChange: (value: string) => void, allowEmpty = false) => (
    <Field id={`${ids}-${name}`} label={label}>
      {(a11y) => (
        <select {...a11y} aria-invalid={invalid.has(name) ? true : undefined} className="form-field__input form-field__select" value={value} onChange={(e) => onChange(e.target.value)}>
          {allowEmpty && <option value="">{t('inbox.noValue')}</option>}
          {options.map((option) => (
            <option key={option} value={option}>
              {labelOf(option)}
            </option>
          ))}
        </select>
      )}
    </Field>
  );

  switch (draft.kind) {
    case 'reform': {
      const effects = reformValues(item).effects;
      return (
        <>
          {select('status', t('inbox.fields.status'), draft.status, REFORM_STATUSES, (v) => reformStatusLabel(t, v as never), (status) => setDraft({ ...draft, status }))}
          {input('period', t('inbox.fields.period'), draft.period, (period) => setDraft({ ...draft, period }))}
          {effects.map((effect, index) =>
            input(
              `effects-${index}`,
              t('inbox.fields.effect', { kind: t(`reforms.effectKinds.${effect.kind}`), unit: effect.unit }),
              draft.effects[index] ?? '',
              (value) => setDraft({ ...draft, effects: draft.effects.map((v, i) => (i === index ? value : v)) }),
              { inputMode: 'decimal' },
            ),
          )}
        </>
      );
    }
    case 'digital_system':
      return (
        <>
          {select('status', t('inbox.fields.status'), draft.status, SYSTEM_STATUSES, (v) => t(`ledger.statuses.${v as 'trial'}`), (status) => setDraft({ ...draft, status }))}
          {input('annual_hours_saved', t('inbox.fields.hours'), draft.hours, (hours) => setDraft({ ...draft, hours }), { inputMode: 'decimal' })}
          {input('cost_effect_yen', t('inbox.fields.cost'), draft.cost, (cost) => setDraft({ ...draft, cost }), { inputMode: 'numeric' })}
        </>
      );
    case 'policy_issue': {
      const milestones = issueValues(item).milestones;
      return (
        <>
          {select('status', t('inbox.fields.issueStatus'), draft.status ?? '', ISSUE_STATUSES, (v) => t(`bureaus.issueStatuses.${v as 'done'}`), (status) => setDraft({ ...draft, status }), true)}
          <Field id={`${ids}-body`} label={t('inbox.fields.note')} hint={formatDateLabel(t, asOf)}>
            {(a11y) => (
              <textarea
                {...a11y}
                aria-invalid={invalid.has('body') ? true : undefined}
                className="form-field__input"
                rows={3}
                value={draft.note}
                onKeyDown={submitOnEnter}
                onChange={(e) => setDraft({ ...draft, note: e.target.value })}
              />
            )}
          </Field>
          {milestones.map((m) => {
            const current = draft.milestones.find((d) => d.id === m.id);
            if (!current) return null;
            const update = (patch: Partial<typeof current>) =>
              setDraft({ ...draft, milestones: draft.milestones.map((d) => (d.id === m.id ? { ...d, ...patch } : d)) });
            return (
              <div key={m.id} className="rq-milestone">
                {select(
                  `milestone-${m.id}`,
                  t('inbox.fields.milestone', { quarter: t(`bureaus.quarters.${String(m.quarter) as '1'}`), title: m.title }),
                  current.state,
                  MILESTONE_STATES,
                  (v) => t(`bureaus.milestoneStates.${v as 'done'}`),
                  (state) => update({ state: state as typeof current.state }),
                )}
                {current.state === 'done' &&
                  input(`done_on-${m.id}`, t('inbox.fields.doneOn'), current.done_on, (done_on) => update({ done_on }), { type: 'date' })}
                {current.state === 'slipped' &&
                  input(`slip_reason-${m.id}`, t('inbox.fields.slipReason'), current.slip_reason ?? '', (slip_reason) => update({ slip_reason }))}
              </div>
            );
          })}
        </>
      );
    }
    case 'kpi': {
      const unit = kpiValues(item).unit;
      return (
        <>
          <label className="rd-check">
            <input type="checkbox" checked={draft.notMeasured} onChange={(e) => setDraft({ ...draft, notMeasured: e.target.checked })} />
            {t('inbox.notMeasured')}
          </label>
          {draft.notMeasured ? (
            input('reason', t('inbox.fields.notMeasured'), draft.reason, (reason) => setDraft({ ...draft, reason }))
          ) : (
            <>
              {input('value', t('inbox.fields.actual', { unit }), draft.value, (value) => setDraft({ ...draft, value }), { inputMode: 'decimal' })}
              {input('note', t('inbox.fields.actualNote'), draft.note, (note) => setDraft({ ...draft, note }))}
            </>
          )}
        </>
      );
    }
    case 'proposal_assignment':
      return (
        <>
          {select('to_stage', t('inbox.fields.stage'), draft.stage, ['1', '2', '3', '4'], (v) => stageLabel(t, Number(v)), (stage) => setDraft({ ...draft, stage }), true)}
          {draft.stage === '3' &&
            select('decision', t('inbox.fields.decision'), draft.decision, ['continue', 'end'], (v) => decisionLabel(t, v as 'end'), (decision) => setDraft({ ...draft, decision }), true)}
          {input('note', t('inbox.fields.stageNote'), draft.stageNote, (stageNote) => setDraft({ ...draft, stageNote }))}
          {select(
            'implementation_status',
            t('inbox.fields.implementation'),
            draft.implementation,
            IMPLEMENTATION_STATUSES,
            (v) => statusLabel(t, v as never),
            (implementation) => setDraft({ ...draft, implementation }),
            true,
          )}
          {input('outcome_period', t('inbox.fields.outcomePeriod'), draft.outcomePeriod, (outcomePeriod) => setDraft({ ...draft, outcomePeriod }))}
        </>
      );
  }
}

function formatDateLabel(t: TFunction, asOf: string): string {
  return `${t('rounds.columns.asOf')}: ${asOf}`;
}
