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

/**
 * The progress of a job as a bar and the same figures in words. Without a job (the file is still
 * being sent) or before the rows are counted, the bar is indeterminate.
 */
export function JobProgress({ label, job }: { label: string; job: ImportJobOut | undefined }) {
  const { t, i18n } = useTranslation();
  const language = i18n.resolvedLanguage ?? 'ja';
  const textId = useId();
  const counted = job !== undefined && job.total_rows > 0;
  return (
    <div className="im-progress" data-testid="import-progress">
      {counted ? (
        <progress aria-label={label} aria-describedby={textId} max={job.total_rows} value={job.processed_rows} />
      ) : (
        <progress aria-label={label} aria-describedby={textId} />
      )}
      <p id={textId} className="im-progress__text">
        {counted
          ? t('imports.progress', {
              processed: formatCount(job.processed_rows, language),
              total: formatCount(job.total_rows, language),
            })
          : t('imports.progressStarting')}
      </p>
    </div>
  );
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
  const { t } = useTranslation();
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
