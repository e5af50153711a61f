// Answering a request by Excel: 「Excelでダウンロード」 fetches the request as a workbook (one sheet
// per kind, the record's version and the values asked, an answer column); 「Excelで回答」 uploads
// it filled in as a dry run first and shows, row by row, what would change or why a row is
// refused; 反映する then sends the same file for real (every row or none, in one transaction).
import { useId, useState, type FormEvent } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { toApiProblem } from '../../components/form';
import { dataOf, useApi, type ApiClient, type ApiProblem } from '../../lib/api';
import type { components } from '../../lib/api/schema';
import { filenameFromDisposition, saveBlob } from '../../lib/download';
import { LEDGER_KEY, POLICIES_KEY, REFORMS_KEY } from '../../lib/queryKeys';
import { ROUNDS_KEY, type RequestOut } from './api';

export type WorkbookAnswerOut = components['schemas']['WorkbookAnswerOut'];

/** The largest workbook the server takes (the import's limit). */
export const MAX_WORKBOOK_BYTES = 20 * 1024 * 1024;

async function downloadWorkbook(api: ApiClient, id: number): Promise<void> {
  const result = await api.client.GET('/api/v1/round-requests/{id}/workbook', {
    params: { path: { id } },
    parseAs: 'blob',
  });
  const blob = dataOf(result) as unknown as Blob;
  const name = filenameFromDisposition(result.response.headers.get('Content-Disposition')) ?? `round-request-${id}.xlsx`;
  saveBlob(blob, name);
}

async function uploadWorkbook(api: ApiClient, id: number, file: File, dryRun: boolean): Promise<WorkbookAnswerOut> {
  const body = new FormData();
  // The browser writes multipart/form-data with its boundary.
  body.append('file', file, file.name);
  return dataOf(
    await api.client.POST('/api/v1/round-requests/{id}/workbook', {
      params: { path: { id }, query: { dry_run: dryRun } },
      body: body as unknown as { file: string },
    }),
  );
}

export function RequestWorkbook({ request, canAnswer, announce }: { request: RequestOut; canAnswer: boolean; announce: (m: string) => void }) {
  const { t } = useTranslation();
  const api = useApi();
  const ids = useId();
  const queryClient = useQueryClient();
  const [file, setFile] = useState<File | null>(null);
  const [preview, setPreview] = useState<WorkbookAnswerOut | null>(null);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [localError, setLocalError] = useState<string | null>(null);
  const download = useMutation({ mutationFn: () => downloadWorkbook(api, request.id) });
  const upload = useMutation({
    mutationFn: ({ chosen, dryRun }: { chosen: File; dryRun: boolean }) => uploadWorkbook(api, request.id, chosen, dryRun),
  });

  function onDryRun(event: FormEvent) {
    event.preventDefault();
    setProblem(null);
    setPreview(null);
    setLocalError(null);
    if (!file) {
      setLocalError(t('workbook.chooseFile'));
      return;
    }
    if (file.size > MAX_WORKBOOK_BYTES) {
      setLocalError(t('workbook.tooLarge'));
      return;
    }
    upload.mutate({ chosen: file, dryRun: true }, { onSuccess: setPreview, onError: (e) => setProblem(toApiProblem(e)) });
  }

  function onApply() {
    if (!file) return;
    setProblem(null);
    upload.mutate(
      { chosen: file, dryRun: false },
      {
        onSuccess: (out) => {
          setPreview(null);
          setFile(null);
          announce(t('workbook.applied', { count: out.rows.length }));
          for (const key of [ROUNDS_KEY, REFORMS_KEY, LEDGER_KEY, POLICIES_KEY]) {
            void queryClient.invalidateQueries({ queryKey: key });
          }
        },
        onError: (e) => setProblem(toApiProblem(e)),
      },
    );
  }

  const ready = preview !== null && preview.errors.length === 0 && preview.rows.length > 0;
  return (
    <section className="card rq-workbook" aria-labelledby={`${ids}-heading`}>
      <h2 id={`${ids}-heading`}>{t('workbook.heading')}</h2>
      <p>{t('workbook.hint')}</p>
      <div className="button-row">
        <button
          type="button"
          className="button button--secondary"
          disabled={download.isPending}
          onClick={() => download.mutate(undefined, { onError: (e) => setProblem(toApiProblem(e)) })}
        >
          {t('workbook.download')}
        </button>
      </div>
      {canAnswer && (
        <form onSubmit={onDryRun} noValidate>
          <label htmlFor={`${ids}-file`}>{t('workbook.file')}</label>
          <input
            id={`${ids}-file`}
            type="file"
            accept=".xlsx"
            onChange={(event) => {
              setFile(event.target.files?.[0] ?? null);
              setPreview(null);
              setProblem(null);
            }}
          />
          <div className="button-row">
            <button type="submit" className="button button--secondary" disabled={upload.isPending}>
              {t('workbook.answer')}
            </button>
          </div>
        </form>
      )}
      <div role="alert" aria-atomic="true" className="alert-region">
        {localError && <div className="notice notice--error">{localError}</div>}
        {problem && (
          <div className="notice notice--error">
            <p>{problem.status === 412 ? t('workbook.stale') : problem.localizedMessage(t)}</p>
            {problem.fieldErrors.length > 0 && (
              <ul>
                {problem.fieldErrors.map((e) => (
                  <li key={`${e.pointer}-${e.code}`}>
                    {e.pointer}: {e.message}
                  </li>
                ))}
              </ul>
            )}
          </div>
        )}
      </div>
      {preview && <WorkbookPreview preview={preview} />}
      {preview && (
        <div className="button-row">
          <button type="button" className="button button--primary" disabled={!ready || upload.isPending} onClick={onApply}>
            {t('workbook.apply')}
          </button>
        </div>
      )}
    </section>
  );
}

function WorkbookPreview({ preview }: { preview: WorkbookAnswerOut }) {
  const { t } = useTranslation();
  return (
    <div className="rq-workbook-preview" data-testid="workbook-preview">
      <h3>{t('workbook.previewHeading')}</h3>
      {preview.notes.length > 0 && (
        <ul className="notice notice--info">
          {preview.notes.map((note) => (
            <li key={note}>{note}</li>
          ))}
        </ul>
      )}
      {preview.errors.length > 0 && (
        <div className="notice notice--error">
          <p>{t('workbook.refused', { count: preview.errors.length })}</p>
          <ul>
            {preview.errors.map((e) => (
              <li key={`${e.sheet}-${e.row}-${e.column ?? ''}-${e.code}`}>
                {t('workbook.at', { sheet: e.sheet, row: e.row })}
                {e.column ? `「${e.column}」` : ''}: {e.message}
              </li>
            ))}
          </ul>
        </div>
      )}
      {preview.rows.length > 0 && (
        <table className="table">
          <caption>{t('workbook.rowsCaption', { count: preview.rows.length })}</caption>
          <thead>
            <tr>
              <th scope="col">{t('workbook.columns.row')}</th>
              <th scope="col">{t('workbook.columns.record')}</th>
              <th scope="col">{t('workbook.columns.answer')}</th>
              <th scope="col">{t('workbook.columns.changes')}</th>
            </tr>
          </thead>
          <tbody>
            {preview.rows.map((row) => (
              <tr key={row.item_id}>
                <td>{t('workbook.at', { sheet: row.sheet, row: row.row })}</td>
                <td>{row.title}</td>
                <td>{row.outcome === 'changed' ? t('workbook.changed') : t('workbook.unchanged')}</td>
                <td>
                  {row.changes.length === 0
                    ? '—'
                    : row.changes.map((c) => (
                        <div key={c.field}>
                          {c.label}: {c.before ?? t('workbook.blank')} → {c.after ?? t('workbook.blank')}
                        </div>
                      ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
