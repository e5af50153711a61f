// One round (照会): its details; while a draft, edit, delete, the preview of the requests opening
// would create, and 開始; then 締切 and 再開 with a reason; and its requests, filterable by state,
// each opening the request page where the office returns or accepts it.
import { useId, useState, type FormEvent } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { LoadProblem } from '../../components/records/LoadProblem';
import { Field, toApiProblem } from '../../components/form';
import { isApiProblem, type ApiProblem } from '../../lib/api';
import { formatDate, formatDateTime } from '../../lib/dates';
import { fiscalYearLabel } from '../../lib/labels';
import { mayManageRound } from '../../lib/permissions';
import { useSectionGroups } from '../../lib/reference';
import { usePageTitle } from '../../lib/usePageTitle';
import {
  REQUEST_STATES,
  isRequestState,
  requestFilterOf,
  useDeleteRound,
  usePreview,
  useRound,
  useRoundRequests,
  useRoundStep,
  useUpdateRound,
  type RoundOut,
  type RoundStep,
} from './api';
import type { TFunction } from 'i18next';
import { RoundForm } from './RoundForm';
import { roundStateLabel } from './RoundsPage';
import './rounds.css';

export function requestStateLabel(t: TFunction, state: string): string {
  return isRequestState(state) ? t(`rounds.requestStates.${state}`) : state;
}

export function RoundPage() {
  const { t } = useTranslation();
  const id = Number(useParams().id);
  const round = useRound(id);
  usePageTitle(round.data?.title ?? t('rounds.title'));
  return (
    <div className="page rd-page">
      <p>
        <Link to="/rounds">{t('rounds.back')}</Link>
      </p>
      {round.isPending && <p role="status">{t('rounds.loading')}</p>}
      {round.isError && <LoadProblem error={round.error} />}
      {round.data && <RoundView key={round.data.id} round={round.data} />}
    </div>
  );
}

function RoundView({ round }: { round: RoundOut }) {
  const { t, i18n } = useTranslation();
  const navigate = useNavigate();
  const manage = mayManageRound(round);
  const isDraft = round.state === 'draft';
  const [editing, setEditing] = useState(false);
  const [announcement, setAnnouncement] = useState('');
  const [failure, setFailure] = useState<ApiProblem | null>(null);
  const update = useUpdateRound();
  const remove = useDeleteRound();
  const step = useRoundStep();
  const preview = usePreview(round.id, isDraft && manage);
  const groups = useSectionGroups();

  const failed = (error: unknown) => {
    const problem = toApiProblem(error);
    setFailure(problem);
    setAnnouncement('');
  };
  const message = (problem: ApiProblem) => (problem.status === 412 ? t('rounds.stale') : problem.localizedMessage(t));

  function run(which: RoundStep, done: string, reason?: string) {
    setFailure(null);
    step.mutate(
      { id: round.id, version: round.version, step: which, ...(reason !== undefined ? { reason } : {}) },
      { onSuccess: () => setAnnouncement(done), onError: failed },
    );
  }

  const bureauNames = new Map(groups.data?.map((group) => [group.bureau.id, group.bureau.name]) ?? []);
  const sectionNames = new Map(groups.data?.flatMap((group) => group.sections.map((s) => [s.id, s.name] as const)) ?? []);
  const scope = [
    ...round.bureau_ids.map((bureauId) => bureauNames.get(bureauId) ?? `#${bureauId}`),
    ...round.section_ids.map((sectionId) => sectionNames.get(sectionId) ?? `#${sectionId}`),
  ];

  return (
    <>
      <h1 tabIndex={-1}>{round.title}</h1>
      <p>
        <span className={`rd-state rd-state--${round.state}`} data-testid="round-state">
          {roundStateLabel(t, round.state)}
        </span>
      </p>
      <div role="status" aria-atomic="true" className="alert-region">
        {announcement && <div className="notice notice--info">{announcement}</div>}
      </div>
      <div role="alert" aria-atomic="true" className="alert-region">
        {failure && (
          <div className="notice notice--error">
            <p>{message(failure)}</p>
            {failure.fieldErrors.map((fieldError) => (
              <p key={fieldError.pointer}>{fieldError.message}</p>
            ))}
          </div>
        )}
      </div>
      {!manage && <p className="notice notice--info">{t('rounds.readOnly')}</p>}

      <section aria-labelledby="rd-details" className="card">
        <h2 id="rd-details">{t('rounds.details')}</h2>
        <dl className="summary-list">
          <div>
            <dt>{t('rounds.columns.asOf')}</dt>
            <dd>{formatDate(round.as_of, i18n.language)}</dd>
          </div>
          <div>
            <dt>{t('rounds.columns.dueOn')}</dt>
            <dd>{formatDate(round.due_on, i18n.language)}</dd>
          </div>
          <div>
            <dt>{t('rounds.fiscalYear')}</dt>
            <dd>{fiscalYearLabel(t, round.fiscal_year)}</dd>
          </div>
          <div>
            <dt>{t('rounds.fields.record_kinds')}</dt>
            <dd>{round.record_kinds.map((kind) => t(`rounds.kindsShort.${kind}`)).join('、')}</dd>
          </div>
          <div>
            <dt>{t('rounds.scope')}</dt>
            <dd>{scope.length > 0 ? scope.join('、') : t('rounds.scopeAll')}</dd>
          </div>
          {round.opened_at && (
            <div>
              <dt>{t('rounds.openedAt')}</dt>
              <dd>{formatDateTime(round.opened_at, i18n.language)}</dd>
            </div>
          )}
          {round.closed_at && round.state === 'closed' && (
            <div>
              <dt>{t('rounds.closedAt')}</dt>
              <dd>{formatDateTime(round.closed_at, i18n.language)}</dd>
            </div>
          )}
          {round.reopen_reason && (
            <div>
              <dt>{t('rounds.reopenReason')}</dt>
              <dd>{round.reopen_reason}</dd>
            </div>
          )}
          {!isDraft && (
            <div>
              <dt>{t('rounds.columns.requests')}</dt>
              <dd data-testid="round-counts">{t('rounds.countsLine', { ...round.request_counts })}</dd>
            </div>
          )}
        </dl>
        {(round.state === 'closed' || round.reopen_reason) && (
          <p className="rd-report-link">
            <Link to={`/rounds/${round.id}/report`} data-testid="round-report-link">
              {round.state === 'closed' ? t('roundReport.open') : t('roundReport.openEarlier')}
            </Link>
          </p>
        )}
        {manage && isDraft && !editing && (
          <div className="button-row">
            <button type="button" className="button button--secondary" onClick={() => setEditing(true)}>
              {t('rounds.edit')}
            </button>
            <button
              type="button"
              className="button button--secondary"
              disabled={remove.isPending}
              onClick={() => {
                if (!window.confirm(t('rounds.deleteConfirm', { title: round.title }))) return;
                remove.mutate(
                  { id: round.id, version: round.version },
                  { onSuccess: () => void navigate('/rounds'), onError: failed },
                );
              }}
            >
              {t('rounds.delete')}
            </button>
          </div>
        )}
        {manage && round.state === 'open' && (
          <div className="button-row">
            <button
              type="button"
              className="button button--secondary"
              disabled={step.isPending}
              onClick={() => {
                if (window.confirm(t('rounds.closeConfirm'))) run('close', t('rounds.closed'));
              }}
            >
              {t('rounds.close')}
            </button>
          </div>
        )}
        {manage && round.state === 'closed' && (
          <ReopenForm pending={step.isPending} onReopen={(reason) => run('reopen', t('rounds.reopened'), reason)} />
        )}
      </section>

      {editing && (
        <div className="card">
          <RoundForm
            editing={round}
            pending={update.isPending}
            onCancel={() => setEditing(false)}
            submit={async (body) => {
              try {
                const saved = await update.mutateAsync({ id: round.id, version: round.version, body });
                setEditing(false);
                setAnnouncement(t('rounds.saved', { title: saved.title }));
              } catch (error) {
                if (isApiProblem(error) && error.status === 412) {
                  setEditing(false);
                  failed(error);
                  return;
                }
                throw error;
              }
            }}
          />
        </div>
      )}

      {manage && isDraft && (
        <section aria-labelledby="rd-preview" className="card">
          <h2 id="rd-preview">{t('rounds.preview')}</h2>
          {preview.isPending && <p role="status">{t('rounds.loading')}</p>}
          {preview.isError && <LoadProblem error={preview.error} />}
          {preview.data && (
            <>
              <p data-testid="round-preview-summary">
                {t('rounds.previewSummary', { requests: preview.data.requests, items: preview.data.items })}
              </p>
              {preview.data.owners.length === 0 ? (
                <p>{t('rounds.previewNone')}</p>
              ) : (
                <div className="pp-table-wrap">
                  <table className="pp-table">
                    <thead>
                      <tr>
                        <th scope="col">{t('rounds.columns.bureau')}</th>
                        <th scope="col">{t('rounds.columns.owner')}</th>
                        <th scope="col">{t('rounds.columns.records')}</th>
                      </tr>
                    </thead>
                    <tbody>
                      {preview.data.owners.map((owner) => (
                        <tr key={`${owner.owner_kind}-${owner.owner_id}`}>
                          <td>{owner.bureau_name}</td>
                          <td>{owner.owner_name}</td>
                          <td className="rd-num">{owner.items}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              )}
              <div className="button-row">
                <button
                  type="button"
                  className="button button--primary"
                  disabled={step.isPending || preview.data.requests === 0}
                  onClick={() => {
                    if (window.confirm(t('rounds.openConfirm', { requests: preview.data.requests }))) {
                      run('open', t('rounds.opened'));
                    }
                  }}
                >
                  {step.isPending ? t('rounds.opening') : t('rounds.open')}
                </button>
              </div>
            </>
          )}
        </section>
      )}

      {!isDraft && <RequestsTable round={round} />}
    </>
  );
}

function ReopenForm({ pending, onReopen }: { pending: boolean; onReopen: (reason: string) => void }) {
  const { t } = useTranslation();
  const ids = useId();
  const [reason, setReason] = useState('');
  const [missing, setMissing] = useState(false);
  function submit(event: FormEvent) {
    event.preventDefault();
    if (reason.trim() === '') {
      setMissing(true);
      return;
    }
    setMissing(false);
    onReopen(reason.trim());
  }
  return (
    <form className="form rd-reopen" aria-labelledby={`${ids}-heading`} onSubmit={submit} noValidate>
      <h3 id={`${ids}-heading`}>{t('rounds.reopenHeading')}</h3>
      <Field id={`${ids}-reason`} label={t('rounds.reopenReasonLabel')} error={missing ? t('fieldError.required') : undefined}>
        {(a11y) => (
          <textarea {...a11y} className="form-field__input" rows={2} maxLength={1000} value={reason} onChange={(e) => setReason(e.target.value)} />
        )}
      </Field>
      <button type="submit" className="button button--secondary" disabled={pending}>
        {t('rounds.reopen')}
      </button>
    </form>
  );
}

function RequestsTable({ round }: { round: RoundOut }) {
  const { t, i18n } = useTranslation();
  const ids = useId();
  // The filter lives in the address, so a figure of the compliance view links straight to its
  // requests and the office can share or reload a filtered list.
  const [params, setParams] = useSearchParams();
  const filter = requestFilterOf(params);
  const requests = useRoundRequests(round.id, filter, true);
  const state = filter.state && isRequestState(filter.state) ? filter.state : '';
  const narrowed = filter.overdue || filter.bureau_id || filter.section_id || filter.owner_kind || (filter.state && !state);
  const chooseState = (value: string) => {
    const next = new URLSearchParams(params);
    if (isRequestState(value)) next.set('state', value);
    else next.delete('state');
    setParams(next, { replace: true });
  };
  return (
    <section aria-labelledby="rd-requests">
      <h2 id="rd-requests">{t('rounds.requestsHeading')}</h2>
      <div className="form-field rd-filter">
        <label htmlFor={`${ids}-state`} className="form-field__label">
          {t('rounds.stateFilter')}
        </label>
        <select id={`${ids}-state`} className="form-field__input form-field__select" value={state} onChange={(e) => chooseState(e.target.value)}>
          <option value="">{t('rounds.all')}</option>
          {REQUEST_STATES.map((value) => (
            <option key={value} value={value}>
              {requestStateLabel(t, value)}
            </option>
          ))}
        </select>
      </div>
      {narrowed && (
        <p className="notice" data-testid="round-requests-filtered">
          {t('rounds.filteredNotice')} <Link to={`/rounds/${round.id}`}>{t('rounds.clearFilters')}</Link>
        </p>
      )}
      {requests.isPending && <p role="status">{t('rounds.loading')}</p>}
      {requests.isError && <LoadProblem error={requests.error} />}
      {requests.data && requests.data.items.length === 0 && <p>{t('rounds.noRequests')}</p>}
      {requests.data && requests.data.items.length > 0 && (
        <div className="pp-table-wrap">
          <table className="pp-table rd-table" data-testid="round-requests">
            <thead>
              <tr>
                <th scope="col">{t('rounds.columns.owner')}</th>
                <th scope="col">{t('rounds.columns.bureau')}</th>
                <th scope="col">{t('rounds.columns.state')}</th>
                <th scope="col">{t('rounds.columns.progress')}</th>
                <th scope="col">{t('rounds.columns.overdue')}</th>
                <th scope="col">{t('rounds.columns.submittedAt')}</th>
              </tr>
            </thead>
            <tbody>
              {requests.data.items.map((request) => (
                <tr key={request.id}>
                  <td>
                    <Link to={`/inbox/requests/${request.id}`}>{request.owner_name}</Link>
                  </td>
                  <td>{request.bureau_name}</td>
                  <td>
                    <span className={`rd-state rd-state--${request.state}`}>{requestStateLabel(t, request.state)}</span>
                  </td>
                  <td className="rd-num">
                    {t('rounds.progressOf', { answered: request.answered_count, total: request.item_count })}
                  </td>
                  <td>{request.overdue ? <span className="rd-overdue">{t('rounds.overdueMark')}</span> : ''}</td>
                  <td>{request.submitted_at ? formatDateTime(request.submitted_at, i18n.language) : ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
