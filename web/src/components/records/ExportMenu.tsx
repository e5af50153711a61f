import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { isApiProblem, useApi } from '../../lib/api';
import { EXPORT_FORMATS, fetchExport, saveBlob, type ExportFilters, type ExportFormat, type ExportPath } from '../../lib/download';
import './export.css';

export interface ExportMenuProps {
  /** The list's export endpoint, e.g. `/api/v1/reforms/export`. */
  path: ExportPath;
  /** The filters of the list on screen; page, per_page and sort are left out of the file's query. */
  filters?: ExportFilters;
  /** Visible name of the button when a page has more than one export (default エクスポート). */
  label?: string;
}

type Outcome = { kind: 'status' | 'error'; text: string } | null;

/**
 * エクスポート: a disclosure button listing the formats. The chosen file is fetched with the
 * session's token and saved under the name the server gives it; progress and failure are
 * announced next to the button.
 */
export function ExportMenu({ path, filters, label }: ExportMenuProps) {
  const { t } = useTranslation();
  const api = useApi();
  const ids = useId();
  const rootRef = useRef<HTMLDivElement>(null);
  const toggleRef = useRef<HTMLButtonElement>(null);
  const inFlight = useRef<AbortController | null>(null);
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome>(null);

  useEffect(() => () => inFlight.current?.abort(), []);

  // Pointer or focus landing anywhere else closes the list (blur alone misses Safari, which does
  // not focus buttons on click).
  useEffect(() => {
    if (!open) return;
    function closeWhenOutside(event: Event) {
      if (!rootRef.current?.contains(event.target as Node | null)) setOpen(false);
    }
    document.addEventListener('mousedown', closeWhenOutside);
    document.addEventListener('focusin', closeWhenOutside);
    return () => {
      document.removeEventListener('mousedown', closeWhenOutside);
      document.removeEventListener('focusin', closeWhenOutside);
    };
  }, [open]);

  function handleKeyDown(event: KeyboardEvent<HTMLDivElement>) {
    if (event.key === 'Escape' && open) {
      event.preventDefault();
      event.stopPropagation();
      setOpen(false);
      toggleRef.current?.focus();
    }
  }

  async function download(format: ExportFormat) {
    setOpen(false);
    toggleRef.current?.focus();
    if (busy) return;
    const controller = new AbortController();
    inFlight.current = controller;
    setBusy(true);
    setOutcome({ kind: 'status', text: t('exportMenu.preparing', { format: t(`exportMenu.formats.${format}`) }) });
    try {
      const { blob, filename } = await fetchExport(api, path, filters, format, controller.signal);
      if (controller.signal.aborted) return;
      saveBlob(blob, filename);
      setOutcome({ kind: 'status', text: t('exportMenu.done', { filename }) });
    } catch (error) {
      if (controller.signal.aborted) return;
      const message = isApiProblem(error) ? error.localizedMessage(t) : t('problem.internal_error');
      setOutcome({ kind: 'error', text: t('exportMenu.failed', { message }) });
    } finally {
      if (inFlight.current === controller) inFlight.current = null;
      setBusy(false);
    }
  }

  const panelId = `${ids}-formats`;
  return (
    <div ref={rootRef} className="xp-menu" aria-busy={busy || undefined} onKeyDown={handleKeyDown}>
      <button
        ref={toggleRef}
        type="button"
        className="button button--secondary xp-menu__toggle"
        aria-expanded={open}
        aria-controls={open ? panelId : undefined}
        aria-disabled={busy || undefined}
        onClick={() => {
          if (!busy) setOpen((was) => !was);
        }}
      >
        {busy ? t('exportMenu.busy') : (label ?? t('exportMenu.button'))}
        <span aria-hidden="true" className="xp-menu__icon">
          {open ? '▲' : '▼'}
        </span>
      </button>
      {open && (
        <div id={panelId} className="xp-menu__panel">
          <p id={`${ids}-hint`} className="xp-menu__hint">
            {t('exportMenu.hint')}
          </p>
          <ul className="xp-menu__list" aria-label={t('exportMenu.formatsLabel')}>
            {EXPORT_FORMATS.map((format) => (
              <li key={format}>
                <button
                  type="button"
                  className="xp-menu__item"
                  aria-describedby={`${ids}-hint`}
                  onClick={() => void download(format)}
                >
                  {t(`exportMenu.formats.${format}`)}
                </button>
              </li>
            ))}
          </ul>
        </div>
      )}
      <p role="status" className="xp-menu__status" data-testid="export-status">
        {outcome?.kind === 'status' ? outcome.text : ''}
      </p>
      <div role="alert" className="alert-region xp-menu__alert">
        {outcome?.kind === 'error' && <p className="notice notice--error">{outcome.text}</p>}
      </div>
    </div>
  );
}
