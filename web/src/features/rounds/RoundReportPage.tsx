// A round's report (/rounds/:id/report): the figures frozen at a close — proposal stages by theme,
// per bureau progress, reforms and the ledger — with the version picker when the round was closed
// more than once, the live view with the corrections recorded since the close, the CSV and XLSX
// files of the frozen figures, and print styles (roundReport.css) for an A4 document.
import { useId, useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import { LoadProblem } from '../../components/records/LoadProblem';
import { toApiProblem } from '../../components/form';
import { isApiProblem, useApi, type EffectKind, type ReformStatus } from '../../lib/api';
import { formatDate, shortDate } from '../../lib/dates';
import { formatCount, formatHours, formatInUnit, formatPercent, formatYen, signedNumber } from '../../lib/format';
import { REFORM_STATUSES, effectKindLabel, fiscalYearLabel, reformStatusLabel } from '../../lib/labels';
import { positiveInt } from '../../lib/listParams';
import { saveBlob } from '../../lib/download';
import { useBureauList } from '../../lib/reference';
import { usePageTitle } from '../../lib/usePageTitle';
import {
  fetchRoundReportFile,
  figuresOf,
  useRoundReport,
  type CorrectionOut,
  type ReportFigures,
  type ReportChoice,
  type ReportFormat,
  type RoundReportOut,
  type StageRow,
} from './reportApi';
import { useRound } from './api';
import './rounds.css';
import './roundReport.css';

const TOKYO_MINUTE = new Intl.DateTimeFormat('en-CA', {
  timeZone: 'Asia/Tokyo',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
});

/** An instant as `2025-12-10 17:05` in Japan time, the form the report's basis line is written in. */
export function tokyoMinute(instant: string): string {
  const date = new Date(instant);
  if (Number.isNaN(date.getTime())) return instant;
  const part = (type: Intl.DateTimeFormatPartTypes) => TOKYO_MINUTE.formatToParts(date).find((p) => p.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')} ${part('hour')}:${part('minute')}`;
}

/** Which close and which view the address asks for (`?version=2&view=live`); anything else is the latest, frozen. */
function choiceOf(params: URLSearchParams): ReportChoice {
  const version = positiveInt(params.get('version'));
  return { ...(version !== undefined ? { version } : {}), live: params.get('view') === 'live' };
}

export function RoundReportPage() {
  const { t } = useTranslation();
  const id = Number(useParams().id);
  const [params] = useSearchParams();
  const choice = choiceOf(params);
  const [waitingForFreeze, setWaitingForFreeze] = useState(false);
  const report = useRoundReport(id, choice, waitingForFreeze);
  const refused = report.isError && isApiProblem(report.error) && report.error.status === 409;
  // A 409 means "never closed", or "just closed and its report is still being kept": the round says which.
  const round = useRound(refused ? id : 0);
  const freezing = refused && Boolean(round.data?.closed_at);
  if (freezing !== waitingForFreeze) setWaitingForFreeze(freezing);
  usePageTitle(report.data ? t('roundReport.documentTitle', { title: report.data.round_title }) : t('roundReport.title'));
  return (
    <div className="page rr-page">
      <p className="rr-screen-only">
        <Link to={`/rounds/${id}`}>{t('roundReport.back')}</Link>
      </p>
      {(report.isPending || (refused && round.isPending)) && <p role="status">{t('roundReport.loading')}</p>}
      {refused && !round.isPending && (
        <div className="notice notice--info" role="alert">
          {t(freezing ? 'roundReport.beingFrozen' : 'roundReport.neverClosed')}
        </div>
      )}
      {report.isError && !refused && <LoadProblem error={report.error} />}
      {report.data && <ReportView report={report.data} choice={choice} fetching={report.isPlaceholderData} />}
    </div>
  );
}

type Outcome = { kind: 'status' | 'error'; text: string } | null;

function ReportView({ report, choice, fetching }: { report: RoundReportOut; choice: ReportChoice; fetching: boolean }) {
  const { t, i18n } = useTranslation();
  const language = i18n.resolvedLanguage ?? 'ja';
  const api = useApi();
  const ids = useId();
  const [params, setParams] = useSearchParams();
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome>(null);
  const bureaus = useBureauList();
  const figures = figuresOf(report);
  const latest = report.versions.reduce((max, v) => Math.max(max, v.version), report.version);

  const bureauNames = new Map<number, string>(bureaus.data?.map((b) => [b.id, b.name]) ?? []);
  for (const bureau of figures.bureaus) bureauNames.set(bureau.bureau_id, bureau.bureau);

  function choose(changes: { version?: number; live?: boolean }) {
    const next = new URLSearchParams(params);
    const version = changes.version ?? choice.version ?? latest;
    if (version === latest) next.delete('version');
    else next.set('version', String(version));
    const live = changes.live ?? choice.live;
    if (live) next.set('view', 'live');
    else next.delete('view');
    setParams(next, { replace: true });
    setOutcome(null);
  }

  async function download(format: ReportFormat) {
    if (busy) return;
    setBusy(true);
    setOutcome({ kind: 'status', text: t('roundReport.downloading') });
    try {
      const file = await fetchRoundReportFile(api, report.round_id, report.version, format);
      saveBlob(file.blob, file.filename);
      setOutcome({ kind: 'status', text: t('roundReport.downloaded', { name: file.filename }) });
    } catch (error) {
      setOutcome({ kind: 'error', text: toApiProblem(error).localizedMessage(t) });
    } finally {
      setBusy(false);
    }
  }

  const basis = report.live
    ? // The server reuses a live view for a minute while nothing is written: say when it was computed.
      t('roundReport.liveAt', { at: tokyoMinute(report.computed_at ?? new Date().toISOString()) })
    : t('roundReport.frozenAt', { at: tokyoMinute(report.closed_at) });
  const scope = report.bureau_id ? (bureauNames.get(report.bureau_id) ?? `#${report.bureau_id}`) : t('roundReport.scopeCity');
  const links = new FigureLinks(figures);

  return (
    <>
      <div className="rr-title">
        <h1 tabIndex={-1}>{report.round_title}</h1>
        <p className="rr-subtitle">{t('roundReport.title')}</p>
      </div>
      <dl className="summary-list rr-facts">
        <div>
          <dt>{t('roundReport.asOf')}</dt>
          <dd data-testid="report-as-of">{formatDate(report.as_of, language)}</dd>
        </div>
        <div>
          <dt>{t('roundReport.fiscalYear')}</dt>
          <dd>{fiscalYearLabel(t, figures.fiscal_year)}</dd>
        </div>
        <div>
          <dt>{t('roundReport.scope')}</dt>
          <dd>{scope}</dd>
        </div>
        <div>
          <dt>{t('roundReport.version')}</dt>
          <dd data-testid="report-version">{report.version}</dd>
        </div>
      </dl>
      <p className={`rr-basis rr-basis--${report.live ? 'live' : 'frozen'}`} data-testid="report-basis">
        {basis}
      </p>

      <div className="rr-controls rr-screen-only" role="group" aria-label={t('roundReport.controls')}>
        {report.versions.length > 1 && (
          <div className="form-field">
            <label className="form-field__label" htmlFor={`${ids}-version`}>
              {t('roundReport.version')}
            </label>
            <select
              id={`${ids}-version`}
              className="form-field__input form-field__select"
              value={choice.version ?? latest}
              onChange={(e) => choose({ version: Number(e.target.value) })}
            >
              {[...report.versions]
                .sort((a, b) => b.version - a.version)
                .map((v) => (
                  <option key={v.version} value={v.version}>
                    {t('roundReport.versionOption', { version: v.version, at: tokyoMinute(v.known_at) })}
                    {v.version === latest ? `（${t('roundReport.latest')}）` : ''}
                  </option>
                ))}
            </select>
          </div>
        )}
        <fieldset className="rr-view">
          <legend className="form-field__label">{t('roundReport.view')}</legend>
          <label>
            <input type="radio" name={`${ids}-view`} checked={!choice.live} onChange={() => choose({ live: false })} />{' '}
            {t('roundReport.frozen')}
          </label>
          <label>
            <input type="radio" name={`${ids}-view`} checked={choice.live} onChange={() => choose({ live: true })} />{' '}
            {t('roundReport.live')}
          </label>
        </fieldset>
        <div className="rr-actions">
          <button type="button" className="button button--primary" onClick={() => window.print()}>
            {t('roundReport.print')}
          </button>
          <button
            type="button"
            className="button button--secondary"
            aria-describedby={`${ids}-download-hint`}
            aria-disabled={busy ? true : undefined}
            onClick={() => void download('csv')}
          >
            {t('roundReport.csv')}
          </button>
          <button
            type="button"
            className="button button--secondary"
            aria-describedby={`${ids}-download-hint`}
            aria-disabled={busy ? true : undefined}
            onClick={() => void download('xlsx')}
          >
            {t('roundReport.xlsx')}
          </button>
          <p id={`${ids}-download-hint`} className="form-field__hint">
            {t('roundReport.downloadHint')}
          </p>
        </div>
      </div>
      <div role="status" aria-atomic="true" className="alert-region rr-screen-only">
        {outcome?.kind === 'status' && <div className="notice notice--info">{outcome.text}</div>}
      </div>
      <div role="alert" aria-atomic="true" className="alert-region rr-screen-only">
        {outcome?.kind === 'error' && <div className="notice notice--error">{outcome.text}</div>}
      </div>

      <div className="rr-report" aria-busy={fetching ? true : undefined}>
        {report.live && <Corrections corrections={report.corrections ?? []} />}
        <p className="form-field__hint rr-screen-only">{t('roundReport.linkHint')}</p>
        <StageSection figures={figures} links={links} />
        <BureauSection figures={figures} links={links} />
        <ReformSection figures={figures} links={links} bureauNames={bureauNames} />
        <LedgerSection figures={figures} links={links} />
      </div>
    </>
  );
}

/**
 * The list a figure counts, as the dashboard links its figures: the records of the report's year
 * and bureau as of 基準日 (as they are now: the lists have no "as known at" axis).
 */
class FigureLinks {
  private readonly base: [string, string][];

  constructor(private readonly figures: ReportFigures) {
    this.base = [
      ['fiscal_year', String(figures.fiscal_year)],
      ['as_of', figures.as_of],
    ];
    if (figures.bureau_id) this.base.push(['bureau_id', String(figures.bureau_id)]);
  }

  private path(list: string, base: [string, string][], extra: [string, string][]): string {
    const query = new URLSearchParams(base.filter(([key]) => !extra.some(([k]) => k === key)));
    for (const [key, value] of extra) query.set(key, value);
    return `/${list}?${query.toString()}`;
  }

  proposals(theme: string | null, stage: number | null): string {
    const extra: [string, string][] = [];
    if (theme !== null) extra.push(['theme', theme]);
    if (stage !== null) extra.push(['stage', String(stage)]);
    return this.path('proposals', this.base, extra);
  }

  reforms(extra: [string, string][] = []): string {
    return this.path('reforms', this.base, extra);
  }

  overdueMilestones(bureauId: number): string {
    return this.path('milestones', [['fiscal_year', String(this.figures.fiscal_year)]], [
      ['bureau_id', String(bureauId)],
      ['overdue_on', this.figures.as_of],
    ]);
  }

  systemsInProduction(): string {
    const extra: [string, string][] = [['in_production_on', this.figures.as_of]];
    if (this.figures.bureau_id) extra.push(['bureau_id', String(this.figures.bureau_id)]);
    return this.path('digital-systems', [], extra);
  }

  bureau(bureauId: number): string {
    return `/bureaus/${bureauId}?fiscal_year=${this.figures.fiscal_year}`;
  }
}

function CountLink({ to, count, name }: { to: string; count: number; name: string }) {
  const { t, i18n } = useTranslation();
  const text = formatCount(count, i18n.resolvedLanguage ?? 'ja');
  return (
    <Link to={to} aria-label={t('roundReport.countLink', { name, count: text })}>
      {text}
    </Link>
  );
}

function Corrections({ corrections }: { corrections: CorrectionOut[] }) {
  const { t, i18n } = useTranslation();
  const language = i18n.resolvedLanguage ?? 'ja';
  const kindLabel = (kind: string) => t(`roundReport.corrections.kinds.${kind}`, { defaultValue: kind });
  return (
    <section aria-labelledby="rr-corrections" className="card rr-corrections" data-testid="report-corrections">
      <h2 id="rr-corrections">{t('roundReport.corrections.heading', { count: corrections.length })}</h2>
      {corrections.length === 0 ? (
        <p>{t('roundReport.corrections.none')}</p>
      ) : (
        <>
          <p>{t('roundReport.corrections.intro')}</p>
          <div className="pp-table-wrap">
            <table className="pp-table rr-table">
              <thead>
                <tr>
                  <th scope="col">{t('roundReport.corrections.kind')}</th>
                  <th scope="col">{t('roundReport.corrections.record')}</th>
                  <th scope="col">{t('roundReport.corrections.effectiveOn')}</th>
                  <th scope="col">{t('roundReport.corrections.recordedAt')}</th>
                </tr>
              </thead>
              <tbody>
                {corrections.map((c) => (
                  <tr key={`${c.kind}-${c.record_id}-${c.recorded_at}`}>
                    <td>
                      {kindLabel(c.kind)}
                      {c.deleted && <span className="rr-deleted">{t('roundReport.corrections.deleted')}</span>}
                    </td>
                    <td>
                      <Link to={c.link} aria-label={t('roundReport.corrections.open', { kind: kindLabel(c.kind), id: c.record_id })}>
                        #{c.record_id}
                      </Link>
                    </td>
                    <td>{c.effective_on ? formatDate(c.effective_on, language) : ''}</td>
                    <td>{tokyoMinute(c.recorded_at)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}

function stageCells(t: TFunction, row: StageRow, theme: string | null, label: string, links: FigureLinks, stageNames: string[]) {
  return (
    <>
      {row.counts.map((count, index) => (
        <td key={index} className="rd-num">
          <CountLink to={links.proposals(theme, index + 1)} count={count} name={`${label} ${stageNames[index] ?? ''}`} />
        </td>
      ))}
      <td className="rd-num">
        <CountLink to={links.proposals(theme, 0)} count={row.not_presented} name={`${label} ${t('roundReport.stages.notPresented')}`} />
      </td>
      <td className="rd-num">
        <CountLink to={links.proposals(theme, null)} count={row.total} name={`${label} ${t('roundReport.stages.total')}`} />
      </td>
    </>
  );
}

function StageSection({ figures, links }: { figures: ReportFigures; links: FigureLinks }) {
  const { t } = useTranslation();
  const stageNames = figures.stage_labels;
  const totals = t('roundReport.stages.totals');
  return (
    <section aria-labelledby="rr-stages" className="rr-section">
      <h2 id="rr-stages">{t('roundReport.stages.heading')}</h2>
      {figures.proposal_stages.length === 0 && figures.proposal_totals.total === 0 ? (
        <p>{t('roundReport.stages.none')}</p>
      ) : (
        <div className="pp-table-wrap">
          <table className="pp-table rr-table" data-testid="report-stages">
            <thead>
              <tr>
                <th scope="col">{t('roundReport.stages.theme')}</th>
                {stageNames.map((name) => (
                  <th scope="col" key={name}>
                    {name}
                  </th>
                ))}
                <th scope="col">{t('roundReport.stages.notPresented')}</th>
                <th scope="col">{t('roundReport.stages.total')}</th>
              </tr>
            </thead>
            <tbody>
              {figures.proposal_stages.map((row) => (
                <tr key={row.theme}>
                  <th scope="row">{row.theme}</th>
                  {stageCells(t, row, row.theme, row.theme, links, stageNames)}
                </tr>
              ))}
            </tbody>
            <tfoot>
              <tr>
                <th scope="row">{totals}</th>
                {stageCells(t, figures.proposal_totals, null, totals, links, stageNames)}
              </tr>
            </tfoot>
          </table>
        </div>
      )}
    </section>
  );
}

function BureauSection({ figures, links }: { figures: ReportFigures; links: FigureLinks }) {
  const { t, i18n } = useTranslation();
  const language = i18n.resolvedLanguage ?? 'ja';
  const value = (n: number | null, unit: string) => (n === null ? '—' : formatInUnit(n, unit, language));
  const on = (date: string | null) => (date ? t('roundReport.bureaus.measuredOn', { date: shortDate(date, language) }) : '');
  return (
    <section aria-labelledby="rr-bureaus" className="rr-section">
      <h2 id="rr-bureaus">{t('roundReport.bureaus.heading')}</h2>
      {figures.bureaus.length === 0 && <p>{t('roundReport.bureaus.none')}</p>}
      {figures.bureaus.map((bureau) => (
        <article key={bureau.bureau_id} className="rr-bureau" aria-labelledby={`rr-bureau-${bureau.bureau_id}`} data-testid={`report-bureau-${bureau.bureau_id}`}>
          <h3 id={`rr-bureau-${bureau.bureau_id}`}>
            <Link to={links.bureau(bureau.bureau_id)}>{bureau.bureau}</Link>
          </h3>
          <table className="pp-table rr-table rr-milestones">
            <caption>{t('roundReport.bureaus.milestones')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('roundReport.bureaus.done')}</th>
                <th scope="col">{t('roundReport.bureaus.slipped')}</th>
                <th scope="col">{t('roundReport.bureaus.open')}</th>
                <th scope="col">{t('roundReport.bureaus.overdue')}</th>
              </tr>
            </thead>
            <tbody>
              <tr>
                <td className="rd-num">{formatCount(bureau.milestones.done, language)}</td>
                <td className="rd-num">{formatCount(bureau.milestones.slipped, language)}</td>
                <td className="rd-num">{formatCount(bureau.milestones.open, language)}</td>
                <td className="rd-num">
                  <CountLink
                    to={links.overdueMilestones(bureau.bureau_id)}
                    count={bureau.milestones.overdue}
                    name={`${bureau.bureau} ${t('roundReport.bureaus.overdue')}`}
                  />
                </td>
              </tr>
            </tbody>
          </table>

          {bureau.issues.length === 0 ? (
            <p>{t('roundReport.bureaus.noIssues')}</p>
          ) : (
            <table className="pp-table rr-table">
              <caption>{t('roundReport.bureaus.issues')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('roundReport.bureaus.issue')}</th>
                  <th scope="col">{t('roundReport.bureaus.latestNote')}</th>
                </tr>
              </thead>
              <tbody>
                {bureau.issues.map((issue) => (
                  <tr key={issue.id}>
                    <th scope="row" className="rr-issue">
                      <Link to={`/policy-issues/${issue.id}`}>
                        {issue.area}
                        {issue.number} {issue.title}
                      </Link>
                    </th>
                    <td className="rr-note">
                      {issue.latest_note ? (
                        <>
                          <span className="rr-note__label">{issue.latest_note.as_of_label}</span> {issue.latest_note.body}
                        </>
                      ) : (
                        t('roundReport.bureaus.noNote')
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}

          {bureau.kpis.length === 0 ? (
            <p>{t('roundReport.bureaus.noKpis')}</p>
          ) : (
            <table className="pp-table rr-table">
              <caption>{t('roundReport.bureaus.kpis')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('roundReport.bureaus.kpi')}</th>
                  <th scope="col">{t('roundReport.bureaus.baseline')}</th>
                  <th scope="col">{t('roundReport.bureaus.previous')}</th>
                  <th scope="col">{t('roundReport.bureaus.latest')}</th>
                  <th scope="col">{t('roundReport.bureaus.change')}</th>
                </tr>
              </thead>
              <tbody>
                {bureau.kpis.map((kpi) => (
                  <tr key={kpi.id}>
                    <th scope="row">
                      <Link to={`/kpis/${kpi.id}`}>{kpi.name}</Link>
                    </th>
                    <td className="rd-num">{value(kpi.baseline_value, kpi.unit)}</td>
                    <td className="rd-num">
                      {value(kpi.previous_value, kpi.unit)}
                      {on(kpi.previous_on)}
                    </td>
                    <td className="rd-num">
                      {value(kpi.latest_value, kpi.unit)}
                      {on(kpi.latest_on)}
                    </td>
                    <td className="rd-num">{kpi.change === null ? '—' : signedNumber(kpi.change, language)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </article>
      ))}
    </section>
  );
}

/** The statuses in the order the reform screens list them; any the app does not know, after. */
function statusesInOrder(byStatus: Record<string, number>): [string, number][] {
  const known = REFORM_STATUSES.filter((status) => status in byStatus).map((status) => [status, byStatus[status] ?? 0] as [string, number]);
  const other = Object.entries(byStatus).filter(([status]) => !(REFORM_STATUSES as readonly string[]).includes(status));
  return [...known, ...other];
}

function ReformSection({
  figures,
  links,
  bureauNames,
}: {
  figures: ReportFigures;
  links: FigureLinks;
  bureauNames: Map<number, string>;
}) {
  const { t, i18n } = useTranslation();
  const language = i18n.resolvedLanguage ?? 'ja';
  const reforms = figures.reforms;
  const heading = t('roundReport.reforms.heading');
  return (
    <section aria-labelledby="rr-reforms" className="rr-section">
      <h2 id="rr-reforms">{heading}</h2>
      <p className="rr-total">
        {t('roundReport.reforms.total')}:{' '}
        <span data-testid="report-reforms-total">
          <CountLink to={links.reforms()} count={reforms.total} name={`${heading} ${t('roundReport.reforms.total')}`} />
        </span>
      </p>
      <div className="rr-columns">
        <table className="pp-table rr-table">
          <caption>{t('roundReport.reforms.byStatus')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('roundReport.reforms.status')}</th>
              <th scope="col">{t('roundReport.reforms.count')}</th>
            </tr>
          </thead>
          <tbody>
            {statusesInOrder(reforms.by_status).map(([status, count]) => {
              const label = reformStatusLabel(t, status as ReformStatus);
              return (
                <tr key={status}>
                  <th scope="row">{label}</th>
                  <td className="rd-num">
                    <CountLink to={links.reforms([['status', status]])} count={count} name={`${heading} ${label}`} />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
        {Object.keys(reforms.by_bureau).length > 0 && (
          <table className="pp-table rr-table">
            <caption>{t('roundReport.reforms.byBureau')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('roundReport.reforms.bureau')}</th>
                <th scope="col">{t('roundReport.reforms.count')}</th>
              </tr>
            </thead>
            <tbody>
              {Object.entries(reforms.by_bureau).map(([bureauId, count]) => {
                const name = bureauNames.get(Number(bureauId)) ?? `#${bureauId}`;
                return (
                  <tr key={bureauId}>
                    <th scope="row">{name}</th>
                    <td className="rd-num">
                      <CountLink to={links.reforms([['bureau_id', bureauId]])} count={count} name={`${heading} ${name}`} />
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </div>
      {reforms.effects.length === 0 ? (
        <p>{t('roundReport.reforms.noEffects')}</p>
      ) : (
        <table className="pp-table rr-table">
          <caption>{t('roundReport.reforms.effects')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('roundReport.reforms.effectKind')}</th>
              <th scope="col">{t('roundReport.reforms.effectTotal')}</th>
              <th scope="col">{t('roundReport.reforms.effectReforms')}</th>
            </tr>
          </thead>
          <tbody>
            {reforms.effects.map((effect) => (
              <tr key={`${effect.kind}-${effect.unit}`}>
                <th scope="row">{effectKindLabel(t, effect.kind as EffectKind)}</th>
                <td className="rd-num">{formatInUnit(effect.total, effect.unit, language)}</td>
                <td className="rd-num">{formatCount(effect.reforms, language)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function LedgerSection({ figures, links }: { figures: ReportFigures; links: FigureLinks }) {
  const { t, i18n } = useTranslation();
  const language = i18n.resolvedLanguage ?? 'ja';
  const ledger = figures.ledger;
  return (
    <section aria-labelledby="rr-ledger" className="rr-section">
      <h2 id="rr-ledger">{t('roundReport.ledger.heading')}</h2>
      <dl className="summary-list rr-facts" data-testid="report-ledger">
        <div>
          <dt>{t('roundReport.ledger.inProduction')}</dt>
          <dd>
            <CountLink to={links.systemsInProduction()} count={ledger.systems_in_production} name={t('roundReport.ledger.inProduction')} />
          </dd>
        </div>
        <div>
          <dt>{t('roundReport.ledger.inHouse')}</dt>
          <dd>{formatCount(ledger.in_house, language)}</dd>
        </div>
        <div>
          <dt>{t('roundReport.ledger.inHouseRate')}</dt>
          <dd>{formatPercent(ledger.in_house_rate * 100, language)}</dd>
        </div>
        <div>
          <dt>{t('roundReport.ledger.hoursSaved')}</dt>
          {/* Reports kept before the server summed from +0 hold -0 for a ledger without systems. */}
          <dd>{formatHours(ledger.annual_hours_saved || 0, language)}</dd>
        </div>
        <div>
          <dt>{t('roundReport.ledger.costEffect')}</dt>
          <dd>{formatYen(ledger.cost_effect_yen, language)}</dd>
        </div>
        <div>
          <dt>{t('roundReport.ledger.published')}</dt>
          <dd>
            {ledger.published_hours === null
              ? t('roundReport.ledger.none')
              : ledger.published_hours_on
                ? t('roundReport.ledger.publishedOn', {
                    value: formatHours(ledger.published_hours, language),
                    date: formatDate(ledger.published_hours_on, language),
                  })
                : formatHours(ledger.published_hours, language)}
          </dd>
        </div>
      </dl>
    </section>
  );
}
