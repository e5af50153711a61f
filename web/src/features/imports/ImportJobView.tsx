import { useId, useMemo, useState } from 'react';
import { Link } from 'react-router';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import { fieldErrorMessage } from '../../lib/api';
import { formatNumber } from '../../lib/format';
import {
  recordPath,
  useImportColumns,
  type ImportCellErrorOut,
  type ImportJobOut,
  type ImportKindDto,
  type ImportableColumnOut,
  type ImportOutcomeDto,
  type ImportPhaseOut,
  type ImportRowOut,
  type ImportSummaryOut,
} from './api';

const OUTCOMES: readonly ImportOutcomeDto[] = ['created', 'updated', 'unchanged', 'rejected'];

/** A count with digit grouping (1,200), as the other screens write figures. */
export function formatCount(value: number, language: string): string {
  return formatNumber(value, language, 0);
}

/** The summary's counts ready to be quoted in a sentence. */
export function formattedSummary(summary: ImportSummaryOut, language: string): Record<keyof ImportSummaryOut, string> {
  return {
    created: formatCount(summary.created, language),
    updated: formatCount(summary.updated, language),
    unchanged: formatCount(summary.unchanged, language),
    rejected: formatCount(summary.rejected, language),
  };
}

/** The phases a job runs: a dry run reads and checks, a real import also writes and indexes. */
export function phasesOf(job: ImportJobOut): ImportPhaseOut[] {
  const phases = job.phases ?? [];
  return job.dry_run ? phases.filter((p) => p.phase === 'reading' || p.phase === 'checking') : phases;
}

/** How much of a phase is done, from 0 to 1; a finished phase is whole even when it had nothing to do. */
function phaseShare(phase: ImportPhaseOut): number {
  if (phase.finished_at) return 1;
  if (phase.total <= 0) return 0;
  return Math.min(phase.done, phase.total) / phase.total;
}

/**
 * How much of the whole job is done, in percent: each of its phases counts the same, so the bar
 * keeps moving while rows are written and the tallies brought up to date, instead of standing at
 * 100 % once the rows are checked.
 */
export function overallPercent(job: ImportJobOut): number {
  const phases = phasesOf(job);
  if (phases.length === 0) return job.total_rows > 0 ? Math.floor((100 * job.processed_rows) / job.total_rows) : 0;
  const share = phases.reduce((sum, phase) => sum + phaseShare(phase), 0) / phases.length;
  return Math.floor(100 * share);
}

/** The time left in words: seconds under a minute, then whole minutes, then hours (rounded up). */
export function timeLeft(t: TFunction, seconds: number): string {
  if (seconds < 60) return t('imports.phases.etaSeconds', { count: Math.max(1, Math.ceil(seconds)) });
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 120) return t('imports.phases.etaMinutes', { count: minutes });
  return t('imports.phases.etaHours', { count: Math.ceil(minutes / 60) });
}

type PhaseState = 'waiting' | 'running' | 'done' | 'stopped';

function phaseState(job: ImportJobOut, phase: ImportPhaseOut): PhaseState {
  if (phase.finished_at) return 'done';
  if (job.state !== 'running') return 'stopped';
  return phase.started_at ? 'running' : 'waiting';
}

/** One phase: its name, a bar of its own, what it has done of its total and the time it has left. */
function PhaseLine({ job, phase }: { job: ImportJobOut; phase: ImportPhaseOut }) {
  const { t, i18n } = useTranslation();
  const language = i18n.resolvedLanguage ?? 'ja';
  const nameId = useId();
  const state = phaseState(job, phase);
  const counts = {
    done: formatCount(phase.done, language),
    total: formatCount(phase.total, language),
  };
  // Indexing counts tally entries, not rows of the file.
  const amount = t(phase.phase === 'indexing' ? 'imports.phases.items' : 'imports.phases.rows', counts);
  const status =
    state === 'running'
      ? phase.eta_seconds !== null && phase.eta_seconds !== undefined
        ? timeLeft(t, phase.eta_seconds)
        : t('imports.phases.estimating')
      : t(`imports.phases.${state}`);
  const words = state === 'waiting' ? status : `${amount}（${status}）`;
  const percent = Math.round(100 * phaseShare(phase));
  return (
    <li className={`im-phase im-phase--${state}`} data-phase={phase.phase} data-state={state}>
      <span id={nameId} className="im-phase__name">
        {t(`imports.phases.names.${phase.phase}`)}
      </span>
      <div
        className="im-phase__bar"
        role="progressbar"
        aria-labelledby={nameId}
        aria-valuemin={0}
        aria-valuemax={phase.total}
        aria-valuenow={Math.min(phase.done, phase.total)}
        aria-valuetext={words}
      >
        <div className="im-phase__fill" style={{ width: `${percent}%` }} />
      </div>
      <span className="im-phase__text">{words}</span>
    </li>
  );
}

/** Every phase of the job in the order they run, each with its own progress and time left. */
export function JobPhases({ job }: { job: ImportJobOut }) {
  const { t } = useTranslation();
  const headingId = useId();
  const phases = phasesOf(job);
  if (phases.length === 0) return null;
  return (
    <div className="im-phases" data-testid="import-phases">
      <p id={headingId} className="im-phases__heading">
        {t('imports.phases.heading')}
      </p>
      <ol aria-labelledby={headingId}>
        {phases.map((phase) => (
          <PhaseLine key={phase.phase} job={job} phase={phase} />
        ))}
      </ol>
    </div>
  );
}

/**
 * The progress of a job as a bar and the same figures in words, then each phase with its own bar.
 * Without a job (the file is still being sent) or before the rows are counted, the bar is
 * indeterminate.
 */
export function JobProgress({ label, job }: { label: string; job: ImportJobOut | undefined }) {
  const { t, i18n } = useTranslation();
  const language = i18n.resolvedLanguage ?? 'ja';
  const textId = useId();
  const counted = job !== undefined && job.total_rows > 0;
  const phased = job !== undefined && phasesOf(job).length > 0;
  const percent = job === undefined ? 0 : overallPercent(job);
  return (
    <div className="im-progress" data-testid="import-progress">
      {phased ? (
        <progress aria-label={label} aria-describedby={textId} max={100} value={percent} />
      ) : counted ? (
        <progress aria-label={label} aria-describedby={textId} max={job.total_rows} value={job.processed_rows} />
      ) : (
        <progress aria-label={label} aria-describedby={textId} />
      )}
      <p id={textId} className="im-progress__text">
        {phased
          ? t('imports.overall', { percent })
          : counted
            ? t('imports.progress', {
                processed: formatCount(job.processed_rows, language),
                total: formatCount(job.total_rows, language),
              })
            : t('imports.progressStarting')}
      </p>
      {job !== undefined && <JobPhases job={job} />}
    </div>
  );
}

/** Every row the summary counts; the job lists only some of them one by one when there are many. */
export function countedRows(job: ImportJobOut): number {
  const { created, updated, unchanged, rejected } = job.summary;
  return created + updated + unchanged + rejected;
}

/** The rows a job rejected, counted from the summary or the rows, whichever says more. */
export function rejectedCount(job: ImportJobOut): number {
  return Math.max(job.summary.rejected, job.rows.filter((row) => row.outcome === 'rejected').length);
}

/** A field named the way the screen's language names columns: the Japanese header, or the field itself. */
function fieldLabel(columns: readonly ImportableColumnOut[], field: string, language: string): string {
  if (language !== 'ja') return field;
  return columns.find((column) => column.key === field)?.header_ja ?? field;
}

/** A row error in words: rows outside an editor's scope get their own sentence. */
export function cellErrorMessage(t: TFunction, error: ImportCellErrorOut): string {
  const message =
    error.code === 'forbidden'
      ? t('imports.rowForbidden')
      : fieldErrorMessage(t, { pointer: '', code: error.code, message: error.message });
  const column = error.column ?? error.field;
  return column ? t('imports.errorInColumn', { column, message }) : message;
}

/** File name, format, encoding and row count, then the column mapping and the counts. */
export function JobDetails({ job }: { job: ImportJobOut }) {
  const { t, i18n } = useTranslation();
  const mappingId = useId();
  const language = i18n.resolvedLanguage ?? 'ja';
  const importColumns = useImportColumns();
  const known = importColumns.data?.[job.kind] ?? [];
  return (
    <>
      <dl className="summary-list im-file">
        <div>
          <dt>{t('imports.fileName')}</dt>
          <dd data-testid="import-file-name">{job.file_name}</dd>
        </div>
        <div>
          <dt>{t('imports.format')}</dt>
          <dd data-testid="import-format">{t(`imports.formats.${job.format}`)}</dd>
        </div>
        {job.encoding && (
          <div>
            <dt>{t('imports.encoding')}</dt>
            <dd data-testid="import-encoding">{job.encoding}</dd>
          </div>
        )}
        <div>
          <dt>{t('imports.rowCount')}</dt>
          <dd>{t('imports.rows', { count: formatCount(job.total_rows, language) })}</dd>
        </div>
      </dl>

      {job.state !== 'running' && <JobPhases job={job} />}

      {job.columns.length > 0 && (
        <section className="im-block" aria-labelledby={mappingId}>
          <h3 id={mappingId}>{t('imports.mappingHeading')}</h3>
          <div className="pp-table-wrap">
            <table className="pp-table im-mapping">
              <caption className="visually-hidden">{t('imports.mappingCaption')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('imports.mappingHeader')}</th>
                  <th scope="col">{t('imports.mappingField')}</th>
                </tr>
              </thead>
              <tbody>
                {job.columns.map((column, index) => (
                  <tr key={`${index}-${column.header}`} className={column.field ? undefined : 'im-mapping__ignored'}>
                    <th scope="row">{column.header}</th>
                    <td>
                      {column.field ? (
                        fieldLabel(known, column.field, language)
                      ) : (
                        <span className="tag tag--subtle">{t('imports.ignoredColumn')}</span>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      )}

      <SummaryCounts summary={job.summary} />
    </>
  );
}

function SummaryCounts({ summary }: { summary: ImportSummaryOut }) {
  const { t, i18n } = useTranslation();
  const counts = formattedSummary(summary, i18n.resolvedLanguage ?? 'ja');
  const headingId = useId();
  return (
    <section className="im-block" aria-labelledby={headingId}>
      <h3 id={headingId}>{t('imports.summaryHeading')}</h3>
      <dl className="im-summary" data-testid="import-summary">
        {OUTCOMES.map((outcome) => (
          <div
            key={outcome}
            className={outcome === 'rejected' && summary[outcome] > 0 ? 'im-summary__item im-summary__item--rejected' : 'im-summary__item'}
          >
            <dt>{t(`imports.outcomes.${outcome}`)}</dt>
            <dd>{t('imports.count', { count: counts[outcome] })}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}

/**
 * Every row with its outcome; rejected rows come first, are marked by text as well as by style,
 * and can be shown alone.
 */
export function RowsTable({ job }: { job: ImportJobOut }) {
  const { t, i18n } = useTranslation();
  const language = i18n.resolvedLanguage ?? 'ja';
  const headingId = useId();
  const filterId = useId();
  const [errorsOnly, setErrorsOnly] = useState(false);
  const anyRejected = job.rows.some((row) => row.outcome === 'rejected');
  const rows = useMemo(() => {
    const rejected = job.rows.filter((row) => row.outcome === 'rejected');
    if (errorsOnly && anyRejected) return rejected;
    return [...rejected, ...job.rows.filter((row) => row.outcome !== 'rejected')];
  }, [job.rows, errorsOnly, anyRejected]);

  const caption = !anyRejected
    ? t('imports.rowsHeading')
    : errorsOnly
      ? t('imports.rowsCaptionErrorsOnly')
      : t('imports.rowsCaption');

  return (
    <section className="im-block" aria-labelledby={headingId}>
      <h3 id={headingId}>{t('imports.rowsHeading')}</h3>
      {job.rows.length === 0 ? (
        <p>{t('imports.noRows')}</p>
      ) : (
        <>
          {job.rows.length < countedRows(job) && (
            <p data-testid="import-rows-limited">
              {t('imports.rowsLimited', {
                shown: formatCount(job.rows.length, language),
                total: formatCount(countedRows(job), language),
              })}
            </p>
          )}
          {anyRejected && (
            <div className="pp-checkbox im-filter">
              <input
                id={filterId}
                type="checkbox"
                checked={errorsOnly}
                onChange={(event) => setErrorsOnly(event.target.checked)}
              />
              <label htmlFor={filterId}>{t('imports.errorsOnly')}</label>
            </div>
          )}
          <div className="pp-table-wrap">
            <table className="pp-table im-rows">
              <caption className="visually-hidden">{caption}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('imports.columns.row')}</th>
                  <th scope="col">{t('imports.columns.key')}</th>
                  <th scope="col">{t('imports.columns.title')}</th>
                  <th scope="col">{t('imports.columns.outcome')}</th>
                  <th scope="col">{t('imports.columns.errors')}</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((row) => (
                  <RowLine key={row.row} kind={job.kind} row={row} />
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}

function RowLine({ kind, row }: { kind: ImportKindDto; row: ImportRowOut }) {
  const { t } = useTranslation();
  const rejected = row.outcome === 'rejected';
  const title = row.title ?? t('imports.noTitle');
  return (
    <tr className={rejected ? 'im-row im-row--rejected' : 'im-row'} data-outcome={row.outcome}>
      <th scope="row" className="pp-nowrap">
        {row.row}
      </th>
      <td>{row.key ?? t('imports.none')}</td>
      <td>{row.record_id !== null && !rejected ? <Link to={recordPath(kind, row.record_id)}>{title}</Link> : title}</td>
      <td className="pp-nowrap">
        <span className={`im-outcome im-outcome--${row.outcome}`}>{t(`imports.outcomes.${row.outcome}`)}</span>
      </td>
      <td>
        {row.errors.length === 0 ? (
          t('imports.none')
        ) : (
          <ul className="im-errors">
            {row.errors.map((error, index) => (
              <li key={index}>{cellErrorMessage(t, error)}</li>
            ))}
          </ul>
        )}
      </td>
    </tr>
  );
}
