import { useId, useMemo, useState } from 'react';
import { Link } from 'react-router';
import { useTranslation } from 'react-i18next';
import { isApiProblem } from '../../lib/api';
import { useAuth } from '../../lib/auth';
import { formatDateTime } from '../../lib/dates';
import { formatCount } from '../../lib/format';
import { oneOf, positiveInt } from '../../lib/listParams';
import { mayManageJobs } from '../../lib/permissions';
import { usePageTitle } from '../../lib/usePageTitle';
import { LoadProblem } from '../../components/records/LoadProblem';
import { ActiveFilters, FilterBar, FilterSelect, ListResults, useListParams, type ActiveFilter } from '../../components/list';
import {
  JOB_STATES,
  useCancelJob,
  useJobList,
  useRetryJob,
  type JobCountOut,
  type JobOut,
  type JobQuery,
  type JobState,
} from './api';
import './jobs.css';

export const PER_PAGE = 50;
/** How many of the latest failures the failures section shows. */
export const FAILURES_SHOWN = 10;

const FILTER_KEYS = ['kind', 'state'] as const;
const KIND_PATTERN = /^[A-Za-z0-9._:-]{1,100}$/;

/** Reads the list's filters from the address into the API's query (unknown values are dropped). */
export function queryFromParams(params: URLSearchParams): JobQuery {
  const kind = params.get('kind');
  const query: JobQuery = {
    page: positiveInt(params.get('page')) ?? 1,
    per_page: PER_PAGE,
    kind: kind !== null && KIND_PATTERN.test(kind) ? kind : undefined,
    state: oneOf(params.get('state'), JOB_STATES),
  };
  return Object.fromEntries(Object.entries(query).filter(([, v]) => v !== undefined)) as JobQuery;
}

/** The link that filters the list to one kind in one state. */
function filterLink(kind: string, state?: JobState): string {
  const params = new URLSearchParams({ kind });
  if (state) params.set('state', state);
  return `?${params.toString()}`;
}

/**
 * ジョブ: the durable job runner's queue for the reform office. Counts by kind and state, the
 * latest failures with their errors, and every job filtered by kind and state; a dead or
 * cancelled job can be retried and a queued one cancelled.
 */
export function JobsPage() {
  const { t } = useTranslation();
  const { user } = useAuth();
  usePageTitle(t('jobs.title'));
  const allowed = mayManageJobs(user);
  return (
    <div className="page pp-page jobs-page">
      <h1 tabIndex={-1}>{t('jobs.title')}</h1>
      <p className="lead">{t('jobs.intro')}</p>
      {allowed ? <JobsConsole /> : <div className="notice notice--info">{t('jobs.notAllowed')}</div>}
    </div>
  );
}

function JobsConsole() {
  const { t } = useTranslation();
  const { params, setFilters, removeFilters, clearAll, hasAny, pageLink } = useListParams();
  const query = useMemo(() => queryFromParams(params), [params]);
  const list = useJobList(query);
  const failures = useJobList({ state: 'dead', per_page: FAILURES_SHOWN, page: 1 });
  const [announcement, setAnnouncement] = useState<{ text: string; error: boolean } | null>(null);
  const retry = useRetryJob();
  const cancel = useCancelJob();
  const busy = retry.isPending || cancel.isPending;

  const counts = list.data?.counts ?? [];
  const kinds = [...new Set(counts.map((c) => c.kind))].sort();
  if (query.kind && !kinds.includes(query.kind)) kinds.push(query.kind);

  function act(action: 'retry' | 'cancel', job: JobOut) {
    const mutation = action === 'retry' ? retry : cancel;
    setAnnouncement(null);
    mutation.mutate(job.id, {
      onSuccess: (changed) =>
        setAnnouncement({
          text: t(action === 'retry' ? 'jobs.retried' : 'jobs.cancelled', { id: changed.id, kind: changed.kind }),
          error: false,
        }),
      onError: (error) =>
        setAnnouncement({
          text:
            isApiProblem(error) && error.status === 409
              ? t('jobs.changedMeanwhile', { id: job.id })
              : isApiProblem(error)
                ? error.localizedMessage(t)
                : t('problem.internal_error'),
          error: true,
        }),
    });
  }

  const active: ActiveFilter[] = [];
  if (query.kind) active.push({ keys: ['kind'], label: t('jobs.filterKind', { kind: query.kind }) });
  if (query.state) active.push({ keys: ['state'], label: t('jobs.filterState', { state: t(`jobs.states.${query.state}`) }) });

  return (
    <>
      <div role="status" aria-atomic="true" className="alert-region" data-testid="jobs-announcement">
        {announcement && (
          <div className={announcement.error ? 'notice notice--error' : 'notice notice--info'}>{announcement.text}</div>
        )}
      </div>

      <CountsTable counts={counts} loading={list.isPending} />

      <section className="jobs-failures" aria-labelledby="jobs-failures-heading">
        <h2 id="jobs-failures-heading">{t('jobs.failuresHeading')}</h2>
        {failures.isError && <LoadProblem error={failures.error} />}
        {failures.data && failures.data.items.length === 0 && <p>{t('jobs.noFailures')}</p>}
        {failures.data && failures.data.items.length > 0 && (
          <>
            <p>
              {t('jobs.failuresLead', { shown: failures.data.items.length, total: failures.data.total })}{' '}
              {failures.data.total > failures.data.items.length && <Link to="?state=dead">{t('jobs.allFailures')}</Link>}
            </p>
            <ul className="jobs-failure-list">
              {failures.data.items.map((job) => (
                <li key={job.id} className="card jobs-failure">
                  <p className="jobs-failure__title">
                    <strong>
                      #{job.id} {job.kind}
                    </strong>{' '}
                    <span className="pp-muted-small">{t('jobs.attemptsOf', { attempts: job.attempts, max: job.max_attempts })}</span>
                  </p>
                  <pre className="jobs-error" aria-label={t('jobs.lastErrorOf', { id: job.id })}>
                    {job.last_error ?? t('jobs.noError')}
                  </pre>
                  <JobActions job={job} busy={busy} onAct={act} />
                </li>
              ))}
            </ul>
          </>
        )}
      </section>

      <section className="jobs-list" aria-labelledby="jobs-list-heading">
        <h2 id="jobs-list-heading">{t('jobs.listHeading')}</h2>
        <FilterBar heading="h3" onSearch={() => undefined} onClear={hasAny(FILTER_KEYS) ? clearAll : undefined}>
          <FilterSelect
            label={t('jobs.columns.kind')}
            value={query.kind}
            allLabel={t('jobs.allKinds')}
            options={kinds.map((kind) => [kind, kind] as const)}
            onChange={(kind) => setFilters({ kind })}
          />
          <FilterSelect
            label={t('jobs.columns.state')}
            value={query.state}
            allLabel={t('jobs.allStates')}
            options={JOB_STATES.map((state) => [state, t(`jobs.states.${state}`)] as const)}
            onChange={(state) => setFilters({ state })}
          />
        </FilterBar>
        <ActiveFilters filters={active} onRemove={removeFilters} onClear={clearAll} />
        <ListResults
          list={list}
          page={query.page ?? 1}
          perPage={PER_PAGE}
          countTestId="job-count"
          emptyText={t('jobs.noJobs')}
          rangeText={(range) => t('jobs.resultRange', range)}
          caption={(total) => t('jobs.tableCaption', { total })}
          tableClassName="pp-table jobs-table"
          head={
            <tr>
              <th scope="col">{t('jobs.columns.id')}</th>
              <th scope="col">{t('jobs.columns.kind')}</th>
              <th scope="col">{t('jobs.columns.state')}</th>
              <th scope="col">{t('jobs.columns.attempts')}</th>
              <th scope="col">{t('jobs.columns.runAt')}</th>
              <th scope="col">{t('jobs.columns.lastError')}</th>
              <th scope="col">{t('jobs.columns.actions')}</th>
            </tr>
          }
          row={(job) => <JobRow key={job.id} job={job} busy={busy} onAct={act} />}
          pageLink={pageLink}
        />
      </section>
    </>
  );
}

function CountsTable({ counts, loading }: { counts: JobCountOut[]; loading: boolean }) {
  const { t, i18n } = useTranslation();
  const headingId = useId();
  const language = i18n.resolvedLanguage ?? 'ja';
  const kinds = [...new Set(counts.map((c) => c.kind))].sort();
  const countOf = (kind: string, state: JobState) =>
    counts.find((c) => c.kind === kind && c.state === state)?.count ?? 0;
  return (
    <section className="jobs-counts" aria-labelledby={headingId}>
      <h2 id={headingId}>{t('jobs.countsHeading')}</h2>
      {loading && <p role="status">{t('list.loading')}</p>}
      {!loading && kinds.length === 0 && <p>{t('jobs.noJobs')}</p>}
      {kinds.length > 0 && (
        <div className="pp-table-wrap">
          <table className="pp-table jobs-counts-table">
            <caption className="visually-hidden">{t('jobs.countsCaption')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('jobs.columns.kind')}</th>
                {JOB_STATES.map((state) => (
                  <th scope="col" key={state} className="jobs-num">
                    {t(`jobs.states.${state}`)}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {kinds.map((kind) => (
                <tr key={kind}>
                  <th scope="row">
                    <Link to={filterLink(kind)}>{kind}</Link>
                  </th>
                  {JOB_STATES.map((state) => {
                    const n = countOf(kind, state);
                    return (
                      <td key={state} className={`jobs-num${state === 'dead' && n > 0 ? ' jobs-num--alert' : ''}`}>
                        {n === 0 ? (
                          formatCount(0, language)
                        ) : (
                          <Link
                            to={filterLink(kind, state)}
                            aria-label={t('jobs.countLink', { kind, state: t(`jobs.states.${state}`), count: n })}
                          >
                            {formatCount(n, language)}
                          </Link>
                        )}
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function JobRow({ job, busy, onAct }: { job: JobOut; busy: boolean; onAct: (action: 'retry' | 'cancel', job: JobOut) => void }) {
  const { t, i18n } = useTranslation();
  const language = i18n.resolvedLanguage ?? 'ja';
  const state = oneOf(job.state, JOB_STATES);
  return (
    <tr>
      <th scope="row">#{job.id}</th>
      <td>{job.kind}</td>
      <td>
        <span className={`jobs-state jobs-state--${job.state}`}>{state ? t(`jobs.states.${state}`) : job.state}</span>
      </td>
      <td className="jobs-num">{t('jobs.attemptsOf', { attempts: job.attempts, max: job.max_attempts })}</td>
      <td>{formatDateTime(job.finished_at ?? job.run_at, language)}</td>
      <td className="jobs-error-cell">{job.last_error ?? ''}</td>
      <td>
        <JobActions job={job} busy={busy} onAct={onAct} />
      </td>
    </tr>
  );
}

function JobActions({ job, busy, onAct }: { job: JobOut; busy: boolean; onAct: (action: 'retry' | 'cancel', job: JobOut) => void }) {
  const { t } = useTranslation();
  if (!job.can_retry && !job.can_cancel) return null;
  return (
    <div className="jobs-actions">
      {job.can_retry && (
        <button
          type="button"
          className="button button--secondary"
          disabled={busy}
          aria-label={t('jobs.retryLabel', { id: job.id, kind: job.kind })}
          onClick={() => onAct('retry', job)}
        >
          {t('jobs.retry')}
        </button>
      )}
      {job.can_cancel && (
        <button
          type="button"
          className="button button--secondary"
          disabled={busy}
          aria-label={t('jobs.cancelLabel', { id: job.id, kind: job.kind })}
          onClick={() => onAct('cancel', job)}
        >
          {t('jobs.cancel')}
        </button>
      )}
    </div>
  );
}
