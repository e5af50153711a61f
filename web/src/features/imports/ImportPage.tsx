import { useEffect, useId, useMemo, useRef, useState, type ChangeEvent, type FormEvent, type RefObject } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import { fieldErrorMessage, isApiProblem, type ApiProblem } from '../../lib/api';
import { useAuth } from '../../lib/auth';
import { usePageTitle } from '../../lib/usePageTitle';
import { Field, FormAlert, toApiProblem, type FormFailure } from '../../components/form';
import {
  IMPORT_EXTENSIONS,
  IMPORT_KINDS,
  MAX_IMPORT_BYTES,
  RECORD_KEYS,
  useImportColumns,
  useImportJob,
  useStartImport,
  type ImportJobOut,
  type ImportKindDto,
} from './api';
import { JobDetails, JobProgress, RowsTable, formatCount, formattedSummary, rejectedCount } from './ImportJobView';
import './imports.css';
import { mayImport } from '../../lib/permissions';

export function ImportPage() {
  const { t } = useTranslation();
  const { user } = useAuth();
  usePageTitle(t('imports.title'));
  const mayImportHere = mayImport(user);
  return (
    <div className="page pp-page im-page">
      <h1 tabIndex={-1}>{t('imports.title')}</h1>
      {mayImportHere ? (
        <ImportWorkflow />
      ) : (
        <div className="notice notice--info">{t('imports.notAllowed')}</div>
      )}
    </div>
  );
}

/** What the browser can already tell about a file before sending it. */
function checkFile(t: TFunction, file: File | null): string | null {
  if (!file) return t('imports.fileRequired');
  const name = file.name.toLowerCase();
  if (!IMPORT_EXTENSIONS.some((extension) => name.endsWith(extension))) return t('imports.fileType');
  if (file.size > MAX_IMPORT_BYTES) return t('imports.fileTooLarge');
  return null;
}

function decodePointerToken(token: string): string {
  return token.replace(/~1/g, '/').replace(/~0/g, '~');
}

/**
 * A refused upload as the form shows it: `/file` next to the file input, `/columns/<header>` named
 * by its column in the alert, together with the server's `detail` (why the file could not be read).
 */
function describeImportProblem(t: TFunction, problem: ApiProblem): FormFailure<'file'> {
  const fields: Partial<Record<'file', string>> = {};
  const others: string[] = problem.detail ? [problem.detail] : [];
  for (const fieldError of problem.fieldErrors) {
    const [, first, ...rest] = fieldError.pointer.split('/');
    if (first === 'file') {
      fields.file ??= fieldErrorMessage(t, fieldError);
      continue;
    }
    let message: string;
    if (first === 'columns' && rest.length > 0) {
      const column = rest.map(decodePointerToken).join('/');
      const text = fieldError.code === 'required' ? t('imports.columnRequired') : fieldErrorMessage(t, fieldError);
      message = t('imports.problemAtColumn', { column, message: text });
    } else {
      message = fieldErrorMessage(t, fieldError);
    }
    if (!others.includes(message)) others.push(message);
  }
  return {
    fields,
    summary: problem.status === 422 ? t('imports.unreadable') : problem.localizedMessage(t),
    others,
  };
}

function pollError(t: TFunction, error: unknown): string {
  return isApiProblem(error) ? error.localizedMessage(t) : t('problem.internal_error');
}

/**
 * Choose the kind and the file, check them with a dry run, then import the same file. Choosing
 * another file after a check checks it again at once, so a preview always belongs to the file
 * that 取り込む would send.
 */
function ImportWorkflow() {
  const { t, i18n } = useTranslation();
  const language = i18n.resolvedLanguage ?? 'ja';
  const queryClient = useQueryClient();
  const ids = useId();
  const fileInputRef = useRef<HTMLInputElement>(null);
  const resultHeadingRef = useRef<HTMLHeadingElement>(null);

  const [kind, setKind] = useState<ImportKindDto>('reforms');
  const [file, setFile] = useState<File | null>(null);
  const [localError, setLocalError] = useState<string | null>(null);
  const [checkedOnce, setCheckedOnce] = useState(false);
  const [dryRunId, setDryRunId] = useState<string | null>(null);
  const [commitId, setCommitId] = useState<string | null>(null);

  const importColumns = useImportColumns();
  const check = useStartImport();
  const commit = useStartImport();
  const dryRunJob = useImportJob(dryRunId);
  const commitJob = useImportJob(commitId);
  const preview = dryRunJob.data;
  const result = commitJob.data;

  const checking = check.isPending || preview?.state === 'running';
  const committing = commit.isPending || result?.state === 'running';
  const committed = result !== undefined && result.state !== 'running';

  const checkProblem = check.error ? toApiProblem(check.error) : null;
  const checkFailure = useMemo(() => (checkProblem ? describeImportProblem(t, checkProblem) : null), [t, checkProblem]);
  const commitProblem = commit.error ? toApiProblem(commit.error) : null;
  const commitFailure = useMemo(
    () => (commitProblem ? describeImportProblem(t, commitProblem) : null),
    [t, commitProblem],
  );
  const fileError = localError ?? checkFailure?.fields.file;

  useEffect(() => {
    if (fileError) fileInputRef.current?.focus();
  }, [fileError]);

  // The lists of the imported kind are out of date once a real import has been committed.
  const committedKind = result?.state === 'succeeded' ? result.kind : null;
  useEffect(() => {
    if (committedKind) void queryClient.invalidateQueries({ queryKey: RECORD_KEYS[committedKind] });
  }, [committedKind, commitId, queryClient]);

  // The preview is replaced by the result: take keyboard and screen reader users to it.
  useEffect(() => {
    if (committed) resultHeadingRef.current?.focus();
  }, [committed, commitId]);

  function forgetJobs() {
    setDryRunId(null);
    setCommitId(null);
    check.reset();
    commit.reset();
  }

  function runDryRun(chosen: File | null) {
    const problem = checkFile(t, chosen);
    setLocalError(problem);
    forgetJobs();
    if (problem || !chosen) return;
    setCheckedOnce(true);
    check.mutate({ kind, file: chosen, dryRun: true }, { onSuccess: (job) => setDryRunId(job.id) });
  }

  function handleFileChange(event: ChangeEvent<HTMLInputElement>) {
    const chosen = event.target.files?.[0] ?? null;
    setFile(chosen);
    if (checkedOnce) runDryRun(chosen);
    else setLocalError(null);
  }

  function handleKindChange(next: ImportKindDto) {
    setKind(next);
    setCheckedOnce(false);
    setLocalError(null);
    forgetJobs();
  }

  function handleSubmit(event: FormEvent) {
    event.preventDefault();
    runDryRun(file);
  }

  function handleCommit(job: ImportJobOut) {
    if (!file) return;
    commit.mutate({ kind: job.kind, file, dryRun: false }, { onSuccess: (started) => setCommitId(started.id) });
  }

  function startOver() {
    setFile(null);
    setCheckedOnce(false);
    setLocalError(null);
    forgetJobs();
    if (fileInputRef.current) {
      fileInputRef.current.value = '';
      fileInputRef.current.focus();
    }
  }

  const kindHintId = (value: ImportKindDto) => `${ids}-kind-${value}-hint`;

  return (
    <>
      <p className="lead">{t('imports.intro')}</p>

      <form className="form card im-form" aria-label={t('imports.formLabel')} noValidate onSubmit={handleSubmit}>
        <fieldset className="pp-fieldset" disabled={committing}>
          <legend className="form-field__label">{t('imports.kindLegend')}</legend>
          {IMPORT_KINDS.map((value) => (
            <div key={value} className="im-kind">
              <div className="pp-radio">
                <input
                  type="radio"
                  id={`${ids}-kind-${value}`}
                  name={`${ids}-kind`}
                  value={value}
                  checked={kind === value}
                  aria-describedby={kindHintId(value)}
                  onChange={() => handleKindChange(value)}
                />
                <label htmlFor={`${ids}-kind-${value}`}>{t(`imports.kinds.${value}`)}</label>
              </div>
              <p id={kindHintId(value)} className="form-field__hint im-kind__hint">
                {t(`imports.kindHints.${value}`)}
              </p>
            </div>
          ))}
        </fieldset>

        <details className="im-columns">
          <summary>{t('imports.columnsSummary', { kind: t(`imports.kinds.${kind}`) })}</summary>
          <p className="form-field__hint">{t('imports.columnsNote')}</p>
          <ul className="im-columns__list">
            {(importColumns.data?.[kind] ?? []).map((column) => (
              <li key={column.key}>
                {column.header_ja} <span className="muted">/ {column.key}</span>
              </li>
            ))}
          </ul>
        </details>

        <Field
          id={`${ids}-file`}
          label={t('imports.file')}
          error={fileError}
          hint={
            <>
              {t('imports.fileHint')}
              <br />
              {t('imports.encodingNote')}
            </>
          }
        >
          {(a11y) => (
            <input
              {...a11y}
              ref={fileInputRef}
              type="file"
              className="form-field__input im-file-input"
              accept={IMPORT_EXTENSIONS.join(',')}
              disabled={committing}
              onChange={handleFileChange}
            />
          )}
        </Field>

        <FormAlert t={t} failure={checkFailure} problem={checkProblem} />

        <div className="button-row">
          <button
            type="submit"
            className="button button--primary"
            disabled={checking || committing}
            aria-describedby={`${ids}-dry-run-note`}
          >
            {checking ? t('imports.dryRunning') : t('imports.dryRun')}
          </button>
        </div>
        <p id={`${ids}-dry-run-note`} className="form-field__hint">
          {t('imports.dryRunNote')}
        </p>
      </form>

      <div role="status" aria-live="polite" aria-atomic="true" className="im-status" data-testid="import-check-status">
        {checking && <JobProgress label={t('imports.progressLabel.dryRun')} job={preview} />}
        {!checking && !committed && preview?.state === 'succeeded' && (
          <p className="im-status__done">{t('imports.dryRunDone', formattedSummary(preview.summary, language))}</p>
        )}
      </div>

      {dryRunJob.isError && (
        <div className="notice notice--error" role="alert">
          {pollError(t, dryRunJob.error)}
        </div>
      )}

      {committed ? (
        <CommitResult job={result} headingRef={resultHeadingRef} onStartOver={startOver} />
      ) : (
        preview &&
        preview.state !== 'running' && (
          <Preview
            job={preview}
            committing={committing}
            progressJob={result}
            failure={commitFailure}
            problem={commitProblem}
            pollFailed={commitJob.isError ? pollError(t, commitJob.error) : null}
            onCommit={() => handleCommit(preview)}
          />
        )
      )}
    </>
  );
}

function Preview({
  job,
  committing,
  progressJob,
  failure,
  problem,
  pollFailed,
  onCommit,
}: {
  job: ImportJobOut;
  committing: boolean;
  progressJob: ImportJobOut | undefined;
  failure: FormFailure<'file'> | null;
  problem: ApiProblem | null;
  pollFailed: string | null;
  onCommit: () => void;
}) {
  const { t, i18n } = useTranslation();
  const headingId = useId();
  const confirmHeadingId = useId();
  const explanationId = useId();

  if (job.state === 'failed' || job.state === 'interrupted') {
    return (
      <section className="im-section" aria-labelledby={headingId}>
        <h2 id={headingId}>{t('imports.previewHeading')}</h2>
        <div className="notice notice--error" role="alert">
          <p>{job.state === 'interrupted' ? t('imports.dryRunInterrupted') : t('imports.dryRunFailed')}</p>
          {job.message && <p>{t('imports.serverMessage', { message: job.message })}</p>}
        </div>
      </section>
    );
  }

  const rejected = rejectedCount(job);
  const blocked = rejected > 0 || job.state !== 'succeeded';
  const empty = !blocked && job.rows.length === 0 && job.total_rows === 0;
  const explanation = blocked
    ? t('imports.confirmBlocked', { count: formatCount(rejected, i18n.resolvedLanguage ?? 'ja') })
    : empty
      ? t('imports.nothingToImport')
      : t('imports.confirmReady');

  return (
    <>
      <section className="im-section" aria-labelledby={headingId} data-testid="import-preview">
        <h2 id={headingId}>{t('imports.previewHeading')}</h2>
        {job.message && <p>{t('imports.serverMessage', { message: job.message })}</p>}
        <JobDetails job={job} />
        <RowsTable job={job} />
      </section>

      <section className="im-section im-confirm card" aria-labelledby={confirmHeadingId}>
        <h2 id={confirmHeadingId}>{t('imports.confirmHeading')}</h2>
        <p id={explanationId} className={blocked ? 'im-confirm__blocked' : undefined} data-testid="import-confirm-note">
          {explanation}
        </p>
        <FormAlert t={t} failure={failure} problem={problem} />
        <div className="button-row">
          <button
            type="button"
            className="button button--primary"
            disabled={blocked || empty || committing}
            aria-describedby={explanationId}
            onClick={onCommit}
          >
            {committing ? t('imports.confirming') : t('imports.confirm')}
          </button>
        </div>
        <div role="status" aria-live="polite" aria-atomic="true" className="im-status">
          {committing && <JobProgress label={t('imports.progressLabel.commit')} job={progressJob} />}
        </div>
        {pollFailed && (
          <div className="notice notice--error" role="alert">
            {pollFailed}
          </div>
        )}
      </section>
    </>
  );
}

function CommitResult({
  job,
  headingRef,
  onStartOver,
}: {
  job: ImportJobOut;
  headingRef: RefObject<HTMLHeadingElement | null>;
  onStartOver: () => void;
}) {
  const { t, i18n } = useTranslation();
  const headingId = useId();
  const succeeded = job.state === 'succeeded';
  return (
    <section className="im-section" aria-labelledby={headingId} data-testid="import-result">
      <h2 id={headingId} ref={headingRef} tabIndex={-1}>
        {t('imports.resultHeading')}
      </h2>
      {succeeded ? (
        <div className="notice notice--info im-result--succeeded">
          <p>{t('imports.succeeded', formattedSummary(job.summary, i18n.resolvedLanguage ?? 'ja'))}</p>
          <p>{t('imports.succeededLinks')}</p>
        </div>
      ) : (
        <div className="notice notice--error">
          <p>
            {job.state === 'rejected'
              ? t('imports.rejected')
              : job.state === 'interrupted'
                ? t('imports.interrupted')
                : t('imports.failed')}
          </p>
          {job.message && <p>{t('imports.serverMessage', { message: job.message })}</p>}
        </div>
      )}
      <JobDetails job={job} />
      <RowsTable job={job} />
      <div className="button-row im-block">
        <button type="button" className="button button--secondary" onClick={onStartOver}>
          {t('imports.another')}
        </button>
      </div>
    </section>
  );
}
