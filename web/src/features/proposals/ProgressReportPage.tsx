import { useId, useMemo, useState, type MouseEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { useApi } from '../../lib/api';
import { usePageTitle } from '../../lib/usePageTitle';
import { STAGES, useProgressReport, useProjectTeams, type ProgressReportOut, type ProgressRowOut } from './api';
import { fiscalYearOf, formatDate, isIsoDate, todayInTokyo } from '../../lib/dates';
import { toApiProblem } from '../../components/form';
import { stageLabel } from '../../lib/labels';
import './proposals.css';
import { useDraft } from '../../lib/useDraft';
import { LoadProblem } from '../../components/records/LoadProblem';

const REPORT_PATH = '/api/v1/reports/proposal-progress';

/** A cell of the table: which row, which column, and the proposals behind it. */
interface Cell {
  key: string;
  /** The theme, or undefined for the totals row. */
  theme: string | undefined;
  /** 1–4, 'none' for 未提示, 'all' for the 合計 column. */
  stage: number | 'none' | 'all';
  ids: number[];
}

function cellsOf(row: ProgressRowOut, theme: string | undefined): { stages: Cell[]; none: Cell; all: Cell } {
  const key = theme ?? '*';
  const stages = STAGES.map((stage, index) => ({
    key: `${key}|${stage}`,
    theme,
    stage,
    ids: row.proposal_ids[index] ?? [],
  }));
  return {
    stages,
    none: { key: `${key}|none`, theme, stage: 'none', ids: row.not_presented_ids },
    all: {
      key: `${key}|all`,
      theme,
      stage: 'all',
      ids: [...row.proposal_ids.flat(), ...row.not_presented_ids],
    },
  };
}

export function ProgressReportPage() {
  const { t, i18n } = useTranslation();
  const api = useApi();
  usePageTitle(t('progress.title'));
  const ids = useId();
  const [params, setParams] = useSearchParams();
  const teams = useProjectTeams();
  const today = todayInTokyo();
  const language = i18n.resolvedLanguage ?? 'ja';

  const defaultYear = useMemo(() => {
    const list = teams.data ?? [];
    const current = fiscalYearOf(today);
    return list.find((team) => team.fiscal_year === current)?.fiscal_year ?? list[0]?.fiscal_year;
  }, [teams.data, today]);
  const yearParam = Number(params.get('fiscal_year'));
  const fiscalYear = Number.isSafeInteger(yearParam) && yearParam > 0 ? yearParam : defaultYear;
  const asOfParam = params.get('as_of');
  const asOf = asOfParam && isIsoDate(asOfParam) ? asOfParam : today;
  const knownParam = params.get('as_known_on');
  const asKnownOn = knownParam && isIsoDate(knownParam) ? knownParam : undefined;
  // A table as known on a past day is a published figure: its cells open their proposals here.
  const isToday = asOf === today && !asKnownOn;

  const [asOfInput, setAsOfInput] = useDraft(asOf);
  const [knownInput, setKnownInput] = useDraft(asKnownOn ?? '');
  const knownValid = knownInput === '' || isIsoDate(knownInput);
  // The opened cell belongs to one table: another year or date closes it.
  const tableKey = `${fiscalYear}|${asOf}|${asKnownOn ?? ''}`;
  const [opened, setOpened] = useState<{ cell: string | null; table: string }>({ cell: null, table: tableKey });
  const openCell = opened.table === tableKey ? opened.cell : null;
  const setOpenCell = (cell: string | null) => setOpened({ cell, table: tableKey });
  const [downloading, setDownloading] = useState(false);
  const [downloadError, setDownloadError] = useState<string | null>(null);

  const report = useProgressReport(fiscalYear, asOf, teams.isSuccess, asKnownOn);
  const data = report.data;

  function setParam(key: 'fiscal_year' | 'as_of' | 'as_known_on', value: string) {
    const next = new URLSearchParams(params);
    if (value === '') next.delete(key);
    else next.set(key, value);
    setParams(next, { replace: true });
  }

  function changeKnownOn(value: string) {
    setKnownInput(value);
    if (value === '' || isIsoDate(value)) setParam('as_known_on', value);
  }

  function changeAsOf(value: string) {
    setAsOfInput(value);
    if (isIsoDate(value)) setParam('as_of', value);
  }

  const csvHref = fiscalYear
    ? `${REPORT_PATH}?${new URLSearchParams({
        fiscal_year: String(fiscalYear),
        as_of: asOf,
        ...(asKnownOn ? { as_known_on: asKnownOn } : {}),
        format: 'csv',
      }).toString()}`
    : undefined;

  /** The CSV needs the bearer token, so it is fetched and handed to the browser as a file. */
  async function downloadCsv(event: MouseEvent<HTMLAnchorElement>) {
    event.preventDefault();
    if (!fiscalYear || downloading) return;
    setDownloading(true);
    setDownloadError(null);
    try {
      const { data: blob } = await api.client.GET(REPORT_PATH, {
        params: {
          query: { fiscal_year: fiscalYear, as_of: asOf, ...(asKnownOn ? { as_known_on: asKnownOn } : {}), format: 'csv' },
        },
        parseAs: 'blob',
      });
      if (!(blob instanceof Blob)) throw new Error('no CSV');
      const url = URL.createObjectURL(blob);
      const anchor = document.createElement('a');
      anchor.href = url;
      anchor.download = `proposal-progress-${fiscalYear}-${asOf}.csv`;
      document.body.append(anchor);
      anchor.click();
      anchor.remove();
      setTimeout(() => URL.revokeObjectURL(url), 1000);
    } catch (error) {
      setDownloadError(toApiProblem(error).localizedMessage(t));
    } finally {
      setDownloading(false);
    }
  }

  function cellName(cell: Cell, count: number): string {
    const theme = cell.theme ?? t('progress.allThemes');
    const stage =
      cell.stage === 'none' ? t('progress.notPresented') : cell.stage === 'all' ? t('progress.total') : stageLabel(t, cell.stage);
    return t('progress.cellLabel', { theme, stage, count });
  }

  function listLink(cell: Cell): string | undefined {
    if (!isToday || cell.stage === 'none' || !fiscalYear) return undefined;
    const query = new URLSearchParams({ fiscal_year: String(fiscalYear) });
    if (cell.theme !== undefined) query.set('theme', cell.theme);
    if (typeof cell.stage === 'number') query.set('stage', String(cell.stage));
    return `/proposals?${query.toString()}`;
  }

  function renderCell(cell: Cell, count: number, header?: boolean) {
    const link = listLink(cell);
    const text = t('progress.count', { count });
    const name = cellName(cell, count);
    const content = link ? (
      <Link to={link} aria-label={name}>
        {text}
      </Link>
    ) : (
      <button
        type="button"
        className="pp-cell-button"
        aria-label={name}
        aria-expanded={openCell === cell.key}
        aria-controls={`${ids}-panel`}
        onClick={() => setOpenCell(openCell === cell.key ? null : cell.key)}
      >
        {text}
      </button>
    );
    return (
      <td key={cell.key} className={`pp-num${header ? ' pp-num--total' : ''}`}>
        {content}
      </td>
    );
  }

  const showNotPresented = !!data && data.totals.not_presented > 0;

  function renderRow(row: ProgressRowOut, theme: string | undefined) {
    const cells = cellsOf(row, theme);
    return (
      <>
        {cells.stages.map((cell, index) => renderCell(cell, row.counts[index] ?? 0))}
        {showNotPresented && renderCell(cells.none, row.not_presented)}
        {renderCell(cells.all, row.total, true)}
      </>
    );
  }

  const open = data && openCell ? findCell(data, openCell) : undefined;

  return (
    <div className="page pp-page">
      <h1 tabIndex={-1}>{t('progress.title')}</h1>
      <p className="lead">{t('progress.intro')}</p>

      {teams.isPending && <p role="status">{t('progress.loading')}</p>}
      {teams.isError && (
        <LoadProblem error={teams.error} />
      )}
      {teams.data && teams.data.length === 0 && <div className="notice notice--info">{t('progress.noTeams')}</div>}

      {teams.data && teams.data.length > 0 && (
        <div className="pp-report-controls">
          <div className="form-field">
            <label className="form-field__label" htmlFor={`${ids}-year`}>
              {t('progress.fiscalYear')}
            </label>
            <select
              id={`${ids}-year`}
              className="form-field__input"
              value={fiscalYear ?? ''}
              onChange={(e) => setParam('fiscal_year', e.target.value)}
            >
              {teams.data.map((team) => (
                <option key={team.fiscal_year} value={team.fiscal_year}>
                  {team.fiscal_year_label}
                </option>
              ))}
            </select>
          </div>
          <div className="form-field">
            <label className="form-field__label" htmlFor={`${ids}-as-of`}>
              {t('progress.asOf')}
            </label>
            <p id={`${ids}-as-of-hint`} className="form-field__hint">
              {t('progress.asOfHint')}
            </p>
            {!isIsoDate(asOfInput) && (
              <p id={`${ids}-as-of-error`} className="form-field__error">
                {t('progress.asOfInvalid')}
              </p>
            )}
            <input
              id={`${ids}-as-of`}
              type="date"
              max={today}
              className="form-field__input form-field__input--short"
              value={asOfInput}
              aria-invalid={isIsoDate(asOfInput) ? undefined : true}
              aria-describedby={`${ids}-as-of-hint${isIsoDate(asOfInput) ? '' : ` ${ids}-as-of-error`}`}
              onChange={(e) => changeAsOf(e.target.value)}
            />
          </div>
          <div className="form-field">
            <label className="form-field__label" htmlFor={`${ids}-known-on`}>
              {t('progress.asKnownOn')}
            </label>
            <p id={`${ids}-known-on-hint`} className="form-field__hint">
              {t('progress.asKnownOnHint')}
            </p>
            {!knownValid && (
              <p id={`${ids}-known-on-error`} className="form-field__error">
                {t('progress.asKnownOnInvalid')}
              </p>
            )}
            <input
              id={`${ids}-known-on`}
              type="date"
              max={today}
              className="form-field__input form-field__input--short"
              value={knownInput}
              aria-invalid={knownValid ? undefined : true}
              aria-describedby={`${ids}-known-on-hint${knownValid ? '' : ` ${ids}-known-on-error`}`}
              onChange={(e) => changeKnownOn(e.target.value)}
            />
          </div>
        </div>
      )}

      {report.isError && (
        <LoadProblem error={report.error} />
      )}
      {report.isFetching && <p role="status" className="visually-hidden">{t('progress.loading')}</p>}

      {data && (
        <>
          <p className="pp-muted-small">{isToday ? t('progress.linkHint') : t('progress.pastHint')}</p>
          <div className="pp-table-wrap">
            <table className="pp-table pp-report" data-testid="progress-table">
              <caption>
                {t('progress.caption', { year: data.fiscal_year_label, date: formatDate(data.as_of, language) })}
                {asKnownOn && t('progress.captionKnown', { date: formatDate(asKnownOn, language) })}
              </caption>
              <thead>
                <tr>
                  <th scope="col">{t('progress.stageHeader')}</th>
                  {STAGES.map((stage) => (
                    <th scope="col" key={stage}>
                      {stageLabel(t, stage)}
                    </th>
                  ))}
                  {showNotPresented && <th scope="col">{t('progress.notPresented')}</th>}
                  <th scope="col">{t('progress.total')}</th>
                </tr>
              </thead>
              <tbody>
                {data.rows.map((row) => (
                  <tr key={row.theme}>
                    <th scope="row">{row.theme}</th>
                    {renderRow(row, row.theme)}
                  </tr>
                ))}
              </tbody>
              <tfoot>
                <tr>
                  <th scope="row">{t('progress.totalsRow')}</th>
                  {renderRow(data.totals, undefined)}
                </tr>
              </tfoot>
            </table>
          </div>
          <p className="pp-muted-small">{t('progress.rule')}</p>
          {csvHref && (
            <p>
              <a href={csvHref} download={`proposal-progress-${fiscalYear}-${asOf}.csv`} onClick={(e) => void downloadCsv(e)}>
                {downloading ? t('progress.csvDownloading') : t('progress.csv')}
              </a>
            </p>
          )}
          <div role="alert" className="alert-region">
            {downloadError && <div className="notice notice--error">{downloadError}</div>}
          </div>
          <div id={`${ids}-panel`} className="pp-panel-slot">
            {open && (
              <section className="card pp-section" aria-labelledby={`${ids}-panel-heading`}>
                <h2 id={`${ids}-panel-heading`}>
                  {t('progress.panelHeading', {
                    theme: open.theme ?? t('progress.allThemes'),
                    stage:
                      open.stage === 'none'
                        ? t('progress.notPresented')
                        : open.stage === 'all'
                          ? t('progress.total')
                          : stageLabel(t, open.stage),
                    date: formatDate(data.as_of, language),
                  })}
                </h2>
                <PanelList report={data} ids={open.ids} />
                <button type="button" className="button button--secondary" onClick={() => setOpenCell(null)}>
                  {t('progress.closePanel')}
                </button>
              </section>
            )}
          </div>
        </>
      )}
    </div>
  );
}

function findCell(report: ProgressReportOut, key: string): Cell | undefined {
  for (const row of report.rows) {
    const cells = cellsOf(row, row.theme);
    const found = [...cells.stages, cells.none, cells.all].find((c) => c.key === key);
    if (found) return found;
  }
  const totals = cellsOf(report.totals, undefined);
  return [...totals.stages, totals.none, totals.all].find((c) => c.key === key);
}

function PanelList({ report, ids }: { report: ProgressReportOut; ids: number[] }) {
  const { t } = useTranslation();
  const proposals = report.proposals.filter((p) => ids.includes(p.id));
  if (proposals.length === 0) return <p>{t('progress.panelEmpty')}</p>;
  return (
    <ul className="pp-panel-list">
      {proposals.map((p) => (
        <li key={p.id}>
          {p.number && <span className="pp-muted-small">{p.number}. </span>}
          <Link to={`/proposals/${p.id}`}>{p.title}</Link>
        </li>
      ))}
    </ul>
  );
}
