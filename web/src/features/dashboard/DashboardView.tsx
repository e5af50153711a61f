import './messages';
import { useId, useMemo, type ReactNode } from 'react';
import { Link, useNavigate } from 'react-router';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import { isApiProblem } from '../../lib/api';
import { isIsoDate, monthLabel, shortDate } from '../../lib/dates';
import {
  CLASSIFICATIONS,
  IMPLEMENTATION_STATUSES,
  REFORM_STATUSES,
  STAGES,
  fiscalYearLabel,
  stageLabel,
  stageShortLabel,
} from '../../lib/labels';
import { formatCount, formatHours, formatInUnit, formatPercent, percentOf, signedNumber } from '../../lib/format';
import { SemicircleGauge } from '../../components/records/Gauge';
import { useDashboard, type BucketOut, type DashboardOut, type FigureOut, type HoursBucketOut } from './api';
import { EChart, type ChartOption } from './EChart';
import { positiveInt } from '../../lib/listParams';
import { useDashboardParams } from './params';
import './dashboard.css';
import { useDraft } from '../../lib/useDraft';

/** Series colours from the design tokens: ① blue, ② green, ③ yellow, ④ purple, 未提示 grey. */
const STAGE_COLOURS = ['#0017c1', '#197a4b', '#b78f00', '#6f23d0', '#767676'] as const;
const BAR_COLOUR = '#0017c1';
const FONT = "'Noto Sans JP', sans-serif";
const TOP_TAGS = 10;

function listSeparator(language: string): string {
  return language === 'en' ? ', ' : '、';
}

function problemText(t: TFunction, error: unknown): string {
  return isApiProblem(error) ? error.localizedMessage(t) : t('problem.internal_error');
}

/**
 * The dashboard of a fiscal year as of a day: the city's, or one bureau's when `bureauId` is
 * given. Every figure is a link to the list that holds exactly those records; the charts only
 * illustrate the tables next to them.
 */
export function DashboardView({ bureauId }: { bureauId?: number }) {
  const { t, i18n } = useTranslation();
  const language = i18n.resolvedLanguage ?? 'ja';
  const ids = useId();
  const { fiscalYear, asOf, staleDays, asKnownOn, today, yearOptions, update } = useDashboardParams();
  const params = useMemo(
    () => (fiscalYear === undefined ? undefined : { fiscalYear, asOf, staleDays, asKnownOn }),
    [fiscalYear, asOf, staleDays, asKnownOn],
  );
  const dashboard = useDashboard(bureauId, params);
  const data = dashboard.data;

  const [asOfInput, setAsOfInput] = useDraft(asOf);
  const [staleInput, setStaleInput] = useDraft(staleDays === undefined ? '' : String(staleDays));
  const [knownInput, setKnownInput] = useDraft(asKnownOn ?? '');

  function changeKnownOn(value: string) {
    setKnownInput(value);
    if (value === '') update({ as_known_on: undefined });
    else if (isIsoDate(value)) update({ as_known_on: value });
  }
  const knownValid = knownInput === '' || isIsoDate(knownInput);

  function changeAsOf(value: string) {
    setAsOfInput(value);
    if (isIsoDate(value)) update({ as_of: value });
  }

  function changeStale(value: string) {
    setStaleInput(value);
    if (value === '') update({ stale_days: undefined });
    else if (positiveInt(value) !== undefined) update({ stale_days: value });
  }

  const asOfValid = isIsoDate(asOfInput);
  const staleValid = staleInput === '' || positiveInt(staleInput) !== undefined;

  return (
    <section className="db" aria-labelledby={`${ids}-heading`} data-testid="dashboard">
      <h2 id={`${ids}-heading`}>{t('dashboard.heading')}</h2>
      <div className="db-controls" role="group" aria-label={t('dashboard.controls')}>
        <div className="form-field">
          <label className="form-field__label" htmlFor={`${ids}-year`}>
            {t('dashboard.fiscalYear')}
          </label>
          <select
            id={`${ids}-year`}
            className="form-field__input"
            value={fiscalYear ?? ''}
            onChange={(e) => update({ fiscal_year: e.target.value })}
          >
            {fiscalYear === undefined && <option value="">{t('dashboard.loading')}</option>}
            {yearOptions.map((year) => (
              <option key={year} value={year}>
                {fiscalYearLabel(t, year)}
              </option>
            ))}
          </select>
        </div>
        <div className="form-field">
          <label className="form-field__label" htmlFor={`${ids}-as-of`}>
            {t('dashboard.asOf')}
          </label>
          <p id={`${ids}-as-of-hint`} className="form-field__hint">
            {t('dashboard.asOfHint')}
          </p>
          {!asOfValid && (
            <p id={`${ids}-as-of-error`} className="form-field__error">
              {t('dashboard.asOfInvalid')}
            </p>
          )}
          <input
            id={`${ids}-as-of`}
            type="date"
            className="form-field__input form-field__input--short"
            value={asOfInput}
            aria-invalid={asOfValid ? undefined : true}
            aria-describedby={`${ids}-as-of-hint${asOfValid ? '' : ` ${ids}-as-of-error`}`}
            onChange={(e) => changeAsOf(e.target.value)}
          />
        </div>
        <div className="form-field">
          <label className="form-field__label" htmlFor={`${ids}-known-on`}>
            {t('dashboard.asKnownOn')}
          </label>
          <p id={`${ids}-known-on-hint`} className="form-field__hint">
            {t('dashboard.asKnownOnHint')}
          </p>
          {!knownValid && (
            <p id={`${ids}-known-on-error`} className="form-field__error">
              {t('dashboard.asKnownOnInvalid')}
            </p>
          )}
          <input
            id={`${ids}-known-on`}
            type="date"
            className="form-field__input form-field__input--short"
            value={knownInput}
            aria-invalid={knownValid ? undefined : true}
            aria-describedby={`${ids}-known-on-hint${knownValid ? '' : ` ${ids}-known-on-error`}`}
            onChange={(e) => changeKnownOn(e.target.value)}
          />
        </div>
        <div className="form-field">
          <label className="form-field__label" htmlFor={`${ids}-stale`}>
            {t('dashboard.staleDays')}
          </label>
          <p id={`${ids}-stale-hint`} className="form-field__hint">
            {t('dashboard.staleDaysHint')}
          </p>
          {!staleValid && (
            <p id={`${ids}-stale-error`} className="form-field__error">
              {t('dashboard.staleDaysInvalid')}
            </p>
          )}
          <input
            id={`${ids}-stale`}
            type="number"
            inputMode="numeric"
            min={1}
            max={3650}
            className="form-field__input form-field__input--short"
            value={staleInput}
            aria-invalid={staleValid ? undefined : true}
            aria-describedby={`${ids}-stale-hint${staleValid ? '' : ` ${ids}-stale-error`}`}
            onChange={(e) => changeStale(e.target.value)}
          />
        </div>
        {asOf !== today && (
          <div className="db-controls__reset">
            <button type="button" className="button button--secondary" onClick={() => changeAsOf(today)}>
              {t('dashboard.backToToday')}
            </button>
          </div>
        )}
      </div>

      {dashboard.isError && (
        <div className="notice notice--error" role="alert">
          {problemText(t, dashboard.error)}
        </div>
      )}
      <p role="status" className="visually-hidden">
        {dashboard.isFetching ? t('dashboard.loading') : ''}
      </p>
      {!data && !dashboard.isError && <p className="muted">{t('dashboard.loading')}</p>}

      {data && (
        <>
          <p className="db-context" data-testid="dashboard-context">
            {t('dashboard.context', {
              year: fiscalYearLabel(t, data.fiscal_year),
              date: shortDate(data.as_of, language),
            })}
            {data.bureau && <> {t('dashboard.contextBureau', { name: data.bureau.name })}</>}
          </p>
          <div className="db-grid">
            <StagePanel data={data} language={language} />
            <StalePanel data={data} language={language} />
            <HoursPanel data={data} language={language} />
            <ReformsByBureauPanel data={data} language={language} />
            <ImplementationsPanel data={data} language={language} />
            <ProposalBreakdownPanel data={data} language={language} />
            <ReformBreakdownPanel data={data} language={language} />
            <KpiPanel data={data} language={language} />
          </div>
        </>
      )}
    </section>
  );
}

/* ------------------------------------------------------------------------------------------ */
/* Building blocks                                                                            */

function Panel({ title, wide, children, testId }: { title: string; wide?: boolean; children: ReactNode; testId: string }) {
  const headingId = useId();
  return (
    <section className={`card db-panel${wide ? ' db-panel--wide' : ''}`} aria-labelledby={headingId} data-testid={testId}>
      <h3 id={headingId}>{title}</h3>
      {children}
    </section>
  );
}

/** A count as a link to the list that holds exactly those records. */
function FigureLink({ figure, name, language }: { figure: FigureOut; name: string; language: string }) {
  const { t } = useTranslation();
  const count = formatCount(figure.count, language);
  return (
    <Link to={figure.path} aria-label={t('dashboard.figureLabel', { name, count })}>
      {count}
    </Link>
  );
}

/** `全34件` as a link, for the total of a panel. */
function TotalLink({ figure, name, language }: { figure: FigureOut; name: string; language: string }) {
  const { t } = useTranslation();
  return (
    <p className="db-total">
      {name}:{' '}
      <Link to={figure.path} className="db-total__link">
        {t('dashboard.countTotal', { count: formatCount(figure.count, language) })}
      </Link>
    </p>
  );
}

/** A table of buckets in a disclosure, or shown at once when `open`. */
function TableDisclosure({ children, open }: { children: ReactNode; open?: boolean }) {
  const { t } = useTranslation();
  if (open) return <div className="pp-table-wrap db-table-wrap">{children}</div>;
  return (
    <details className="db-details">
      <summary>{t('dashboard.showTable')}</summary>
      <div className="pp-table-wrap db-table-wrap">{children}</div>
    </details>
  );
}

/** Label | count rows, with a small bar drawn behind the count (the number is the link). */
function BucketTable({
  caption,
  labelHeader,
  buckets,
  labelOf,
  language,
  bars,
}: {
  caption: string;
  labelHeader: string;
  buckets: BucketOut[];
  labelOf: (bucket: BucketOut) => string;
  language: string;
  bars?: boolean;
}) {
  const { t } = useTranslation();
  const max = Math.max(1, ...buckets.map((b) => b.figure.count));
  return (
    <table className="pp-table db-table">
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">{labelHeader}</th>
          <th scope="col" className="db-num">
            {t('dashboard.count')}
          </th>
        </tr>
      </thead>
      <tbody>
        {buckets.map((bucket) => {
          const label = labelOf(bucket);
          return (
            <tr key={bucket.key}>
              <th scope="row">{label}</th>
              <td className="db-num">
                {bars && (
                  <span className="db-bar" aria-hidden="true">
                    <span className="db-bar__value" style={{ width: `${(bucket.figure.count / max) * 100}%` }} />
                  </span>
                )}
                <FigureLink figure={bucket.figure} name={label} language={language} />
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function baseOption(): Pick<ChartOption, 'textStyle' | 'tooltip' | 'animation'> {
  return { textStyle: { fontFamily: FONT }, tooltip: { trigger: 'item', confine: true }, animation: false };
}

/* ------------------------------------------------------------------------------------------ */
/* (a) proposals by stage and theme                                                           */

function StagePanel({ data, language }: { data: DashboardOut; language: string }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const proposals = data.proposals;
  const rows = proposals.by_stage_theme;
  /** The figure behind series `s` (0–3: ①–④, 4: 未提示) of theme row `r`. */
  const figureAt = (s: number, r: number): FigureOut | undefined => {
    const row = rows[r];
    if (!row) return undefined;
    return s < STAGES.length ? row.stages[s] : row.not_presented;
  };

  const option = useMemo<ChartOption>(() => {
    const names = [...STAGES.map((stage) => stageShortLabel(t, stage)), t('proposals.notPresented')];
    return {
      ...baseOption(),
      legend: { top: 0, data: names },
      grid: { left: 8, right: 24, top: 40, bottom: 8 },
      xAxis: { type: 'value', minInterval: 1 },
      yAxis: { type: 'category', data: rows.map((row) => row.theme), inverse: true },
      series: names.map((name, s) => ({
        type: 'bar' as const,
        name,
        stack: 'stages',
        barMaxWidth: 40,
        itemStyle: { color: STAGE_COLOURS[s] },
        emphasis: { focus: 'series' as const },
        data: rows.map((row) => (s < STAGES.length ? row.stages[s]?.count : row.not_presented.count) ?? 0),
      })),
    };
  }, [rows, t]);

  const stageNames = STAGES.map((stage) => stageLabel(t, stage));
  const description = t('dashboard.stages.chartDescription', {
    themes: rows.map((row) => `${row.theme} ${formatCount(row.total.count, language)}`).join(listSeparator(language)),
  });

  return (
    <Panel title={t('dashboard.stages.title')} wide testId="panel-stages">
      <TotalLink figure={proposals.total} name={t('dashboard.stages.total')} language={language} />
      {rows.length === 0 ? (
        <p className="muted">{t('dashboard.stages.empty')}</p>
      ) : (
        <>
          <EChart
            name="stages"
            option={option}
            description={description}
            height={64 + rows.length * 56}
            onItemClick={(s, r) => {
              const figure = figureAt(s, r);
              if (figure) void navigate(figure.path);
            }}
          />
          <p className="pp-muted-small">{t('dashboard.chartHint')}</p>
        </>
      )}
      <TableDisclosure open>
        <table className="pp-table pp-report db-table" data-testid="stage-table">
          <caption>{t('dashboard.stages.caption', { year: fiscalYearLabel(t, data.fiscal_year), date: shortDate(data.as_of, language) })}</caption>
          <thead>
            <tr>
              <th scope="col">{t('dashboard.stages.theme')}</th>
              {stageNames.map((name) => (
                <th scope="col" key={name}>
                  {name}
                </th>
              ))}
              <th scope="col">{t('proposals.notPresented')}</th>
              <th scope="col">{t('dashboard.total')}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.theme}>
                <th scope="row">{row.theme}</th>
                {row.stages.map((figure, index) => (
                  <td key={index} className="pp-num">
                    <FigureLink figure={figure} name={`${row.theme} ${stageNames[index] ?? ''}`} language={language} />
                  </td>
                ))}
                <td className="pp-num">
                  <FigureLink figure={row.not_presented} name={`${row.theme} ${t('proposals.notPresented')}`} language={language} />
                </td>
                <td className="pp-num pp-num--total">
                  <FigureLink figure={row.total} name={`${row.theme} ${t('dashboard.total')}`} language={language} />
                </td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <th scope="row">{t('dashboard.total')}</th>
              {proposals.stage_totals.map((figure, index) => (
                <td key={index} className="pp-num">
                  <FigureLink figure={figure} name={`${t('dashboard.total')} ${stageNames[index] ?? ''}`} language={language} />
                </td>
              ))}
              <td className="pp-num">
                <FigureLink
                  figure={proposals.not_presented}
                  name={`${t('dashboard.total')} ${t('proposals.notPresented')}`}
                  language={language}
                />
              </td>
              <td className="pp-num pp-num--total">
                <FigureLink figure={proposals.total} name={t('dashboard.stages.total')} language={language} />
              </td>
            </tr>
          </tfoot>
        </table>
      </TableDisclosure>
      <p className="pp-muted-small">{t('progress.rule')}</p>
    </Panel>
  );
}

/* ------------------------------------------------------------------------------------------ */
/* (b) reforms per bureau                                                                     */

function ReformsByBureauPanel({ data, language }: { data: DashboardOut; language: string }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const buckets = data.reforms.by_bureau;
  const option = useMemo<ChartOption>(
    () => ({
      ...baseOption(),
      grid: { left: 8, right: 32, top: 8, bottom: 8 },
      xAxis: { type: 'value', minInterval: 1 },
      yAxis: { type: 'category', data: buckets.map((b) => b.label), inverse: true, axisLabel: { interval: 0 } },
      series: [
        {
          type: 'bar',
          name: t('dashboard.reforms.series'),
          barMaxWidth: 18,
          itemStyle: { color: BAR_COLOUR },
          label: { show: true, position: 'right' },
          data: buckets.map((b) => b.figure.count),
        },
      ],
    }),
    [buckets, t],
  );
  const top = [...buckets].sort((a, b) => b.figure.count - a.figure.count).slice(0, 3);
  const description = t('dashboard.reforms.chartDescription', {
    count: buckets.length,
    top: top.map((b) => `${b.label} ${formatCount(b.figure.count, language)}`).join(listSeparator(language)),
  });

  return (
    <Panel title={t('dashboard.reforms.title')} wide testId="panel-reforms">
      <TotalLink figure={data.reforms.total} name={t('dashboard.reforms.total')} language={language} />
      {buckets.length === 0 ? (
        <p className="muted">{t('dashboard.reforms.empty')}</p>
      ) : (
        <>
          <EChart
            name="reforms-by-bureau"
            option={option}
            description={description}
            height={24 + buckets.length * 26}
            onItemClick={(_, index) => {
              const bucket = buckets[index];
              if (bucket) void navigate(bucket.figure.path);
            }}
          />
          <TableDisclosure>
            <BucketTable
              caption={t('dashboard.reforms.caption')}
              labelHeader={t('dashboard.bureau')}
              buckets={buckets}
              labelOf={(b) => b.label}
              language={language}
            />
          </TableDisclosure>
        </>
      )}
    </Panel>
  );
}

/* ------------------------------------------------------------------------------------------ */
/* (c) hours saved against the target                                                         */

function HoursPanel({ data, language }: { data: DashboardOut; language: string }) {
  const { t } = useTranslation();
  const hours = data.hours_saved;
  const percent = percentOf(hours.hours, hours.target_hours);
  const percentText = percent === null ? t('targets.noPercent') : formatPercent(percent, language);
  return (
    <Panel title={t('dashboard.hours.title')} testId="panel-hours">
      <SemicircleGauge
        percent={percent}
        label={t('targets.gaugeLabel', { name: t('dashboard.hours.title'), percent: percentText })}
      />
      <dl className="lg-figures">
        <div>
          <dt>{t('dashboard.hours.ledger', { date: shortDate(data.as_of, language) })}</dt>
          <dd className="lg-figure" data-testid="dashboard-hours">
            {formatHours(hours.hours, language)}
          </dd>
        </div>
        <div>
          <dt>{t('dashboard.hours.target')}</dt>
          <dd>{hours.target_hours != null ? formatInUnit(hours.target_hours, '時間', language) : t('targets.noTarget')}</dd>
        </div>
        <div>
          <dt>{t('targets.progress')}</dt>
          <dd>{percentText}</dd>
        </div>
        <div>
          <dt>{t('dashboard.hours.systems')}</dt>
          <dd>
            <Link to={hours.systems.path}>
              {t('dashboard.hours.systemsCount', { count: formatCount(hours.systems.count, language) })}
            </Link>
          </dd>
        </div>
        {hours.published && (
          <div>
            <dt>{t('dashboard.hours.published')}</dt>
            <dd data-testid="dashboard-published-hours">
              {t('dashboard.hours.publishedValue', {
                hours: formatHours(hours.published.hours, language),
                date: shortDate(hours.published.measured_on, language),
              })}
              {hours.published.note && <span className="lg-stat-note">{hours.published.note}</span>}
            </dd>
          </div>
        )}
      </dl>
      {hours.by_bureau.length > 0 && (
        <TableDisclosure>
          <HoursTable caption={t('dashboard.hours.byBureau')} header={t('dashboard.bureau')} rows={hours.by_bureau} language={language} />
        </TableDisclosure>
      )}
      {hours.by_fiscal_year.length > 0 && (
        <TableDisclosure>
          <HoursTable
            caption={t('dashboard.hours.byYear')}
            header={t('dashboard.fiscalYear')}
            rows={hours.by_fiscal_year}
            language={language}
          />
        </TableDisclosure>
      )}
    </Panel>
  );
}

function HoursTable({
  caption,
  header,
  rows,
  language,
}: {
  caption: string;
  header: string;
  rows: HoursBucketOut[];
  language: string;
}) {
  const { t } = useTranslation();
  return (
    <table className="pp-table db-table">
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">{header}</th>
          <th scope="col" className="db-num">
            {t('dashboard.hours.systemsHeader')}
          </th>
          <th scope="col" className="db-num">
            {t('dashboard.hours.hoursHeader')}
          </th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={row.key}>
            <th scope="row">{row.label}</th>
            <td className="db-num">
              <FigureLink figure={row.systems} name={`${row.label} ${t('dashboard.hours.systemsHeader')}`} language={language} />
            </td>
            <td className="db-num">{formatHours(row.hours, language)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/* ------------------------------------------------------------------------------------------ */
/* (d) implementations over time                                                              */

function ImplementationsPanel({ data, language }: { data: DashboardOut; language: string }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const impl = data.implementations;
  const months = impl.by_month;
  const option = useMemo<ChartOption>(
    () => ({
      ...baseOption(),
      grid: { left: 8, right: 16, top: 16, bottom: 8 },
      xAxis: { type: 'category', data: months.map((m) => m.key) },
      yAxis: { type: 'value', minInterval: 1 },
      series: [
        {
          type: 'bar',
          name: t('dashboard.implementations.series'),
          barMaxWidth: 28,
          itemStyle: { color: BAR_COLOUR },
          data: months.map((m) => m.figure.count),
        },
      ],
    }),
    [months, t],
  );
  const busiest = [...months].sort((a, b) => b.figure.count - a.figure.count)[0];
  const description = busiest
    ? t('dashboard.implementations.chartDescription', {
        from: monthLabel(months[0]!.key, language),
        to: monthLabel(months[months.length - 1]!.key, language),
        busiest: monthLabel(busiest.key, language),
        count: formatCount(busiest.figure.count, language),
      })
    : '';

  return (
    <Panel title={t('dashboard.implementations.title')} wide testId="panel-implementations">
      {months.length === 0 ? (
        <p className="muted">{t('dashboard.implementations.empty')}</p>
      ) : (
        <>
          <EChart
            name="implementations"
            option={option}
            description={description}
            height={260}
            onItemClick={(_, index) => {
              const month = months[index];
              if (month) void navigate(month.figure.path);
            }}
          />
          <TableDisclosure>
            <BucketTable
              caption={t('dashboard.implementations.caption')}
              labelHeader={t('dashboard.implementations.month')}
              buckets={months}
              labelOf={(b) => monthLabel(b.key, language)}
              language={language}
            />
          </TableDisclosure>
        </>
      )}
      <ul className="db-figure-list">
        <li>
          {t('dashboard.implementations.textOnly')}:{' '}
          <FigureLink figure={impl.text_only} name={t('dashboard.implementations.textOnly')} language={language} />
        </li>
        <li>
          {t('dashboard.implementations.missing')}:{' '}
          <FigureLink figure={impl.missing} name={t('dashboard.implementations.missing')} language={language} />
        </li>
      </ul>
    </Panel>
  );
}

/* ------------------------------------------------------------------------------------------ */
/* (e) stale items                                                                            */

function StalePanel({ data, language }: { data: DashboardOut; language: string }) {
  const { t } = useTranslation();
  const proposals = t('dashboard.stale.proposals', { days: data.stale.days });
  const milestones = t('dashboard.stale.milestones');
  return (
    <Panel title={t('dashboard.stale.title')} testId="panel-stale">
      <ul className="db-figure-list db-figure-list--large">
        <li>
          <span>{proposals}</span>
          <FigureLink figure={data.stale.proposals} name={proposals} language={language} />
        </li>
        <li>
          <span>{milestones}</span>
          <FigureLink figure={data.stale.milestones} name={milestones} language={language} />
        </li>
      </ul>
    </Panel>
  );
}

/* ------------------------------------------------------------------------------------------ */
/* (f) breakdowns                                                                             */

function implementationStatusLabel(t: TFunction, bucket: BucketOut): string {
  if ((IMPLEMENTATION_STATUSES as readonly string[]).includes(bucket.key)) {
    return t(`proposals.statuses.${bucket.key as (typeof IMPLEMENTATION_STATUSES)[number]}`);
  }
  return bucket.key === 'none' ? t('listFilters.statusNone') : bucket.label;
}

function classificationBucketLabel(t: TFunction, bucket: BucketOut): string {
  if ((CLASSIFICATIONS as readonly string[]).includes(bucket.key)) {
    return t(`reforms.classifications.${bucket.key as (typeof CLASSIFICATIONS)[number]}`);
  }
  return bucket.key === 'none' ? t('listFilters.classificationNone') : bucket.label;
}

function reformStatusBucketLabel(t: TFunction, bucket: BucketOut): string {
  if ((REFORM_STATUSES as readonly string[]).includes(bucket.key)) {
    return t(`reforms.statuses.${bucket.key as (typeof REFORM_STATUSES)[number]}`);
  }
  return bucket.label;
}

function ProposalBreakdownPanel({ data, language }: { data: DashboardOut; language: string }) {
  const { t } = useTranslation();
  const p = data.proposals;
  return (
    <Panel title={t('dashboard.breakdown.proposalsTitle')} testId="panel-proposal-breakdown">
      {p.by_implementation_status.length === 0 ? (
        <p className="muted">{t('dashboard.breakdown.empty')}</p>
      ) : (
        <div className="pp-table-wrap db-table-wrap">
          <BucketTable
            caption={t('dashboard.breakdown.byImplementationStatus')}
            labelHeader={t('proposals.implementationStatus')}
            buckets={p.by_implementation_status}
            labelOf={(b) => implementationStatusLabel(t, b)}
            language={language}
            bars
          />
        </div>
      )}
      {p.by_bureau.length > 0 && (
        <TableDisclosure>
          <BucketTable
            caption={t('dashboard.breakdown.proposalsByBureau')}
            labelHeader={t('dashboard.bureau')}
            buckets={p.by_bureau}
            labelOf={(b) => b.label}
            language={language}
            bars
          />
        </TableDisclosure>
      )}
      <p className="pp-muted-small">{t('dashboard.breakdown.byBureauNote')}</p>
    </Panel>
  );
}

function ReformBreakdownPanel({ data, language }: { data: DashboardOut; language: string }) {
  const { t } = useTranslation();
  const r = data.reforms;
  const tags = [...r.by_tag].sort((a, b) => b.figure.count - a.figure.count).slice(0, TOP_TAGS);
  if (r.total.count === 0) {
    return (
      <Panel title={t('dashboard.breakdown.reformsTitle')} testId="panel-reform-breakdown">
        <p className="muted">{t('dashboard.reforms.empty')}</p>
      </Panel>
    );
  }
  return (
    <Panel title={t('dashboard.breakdown.reformsTitle')} testId="panel-reform-breakdown">
      <div className="pp-table-wrap db-table-wrap">
        <BucketTable
          caption={t('dashboard.breakdown.byClassification')}
          labelHeader={t('reforms.classification')}
          buckets={r.by_classification}
          labelOf={(b) => classificationBucketLabel(t, b)}
          language={language}
          bars
        />
      </div>
      <div className="pp-table-wrap db-table-wrap">
        <BucketTable
          caption={t('dashboard.breakdown.byStatus')}
          labelHeader={t('reforms.status')}
          buckets={r.by_status}
          labelOf={(b) => reformStatusBucketLabel(t, b)}
          language={language}
          bars
        />
      </div>
      {tags.length > 0 && (
        <div className="pp-table-wrap db-table-wrap">
          <BucketTable
            caption={t('dashboard.breakdown.topTags', { n: tags.length })}
            labelHeader={t('reforms.tag')}
            buckets={tags}
            labelOf={(b) => b.label}
            language={language}
            bars
          />
        </div>
      )}
    </Panel>
  );
}

/* ------------------------------------------------------------------------------------------ */
/* (g) KPIs                                                                                   */

function KpiPanel({ data, language }: { data: DashboardOut; language: string }) {
  const { t } = useTranslation();
  const value = (v: number | null | undefined, unit: string) => (v == null ? t('dashboard.none') : formatInUnit(v, unit, language));
  return (
    <Panel title={t('dashboard.kpis.title')} wide testId="panel-kpis">
      {data.kpis.length === 0 ? (
        <p className="muted">{t('dashboard.kpis.empty')}</p>
      ) : (
        <div className="pp-table-wrap db-table-wrap">
          <table className="pp-table db-table" data-testid="kpi-table">
            <caption>{t('dashboard.kpis.caption', { year: fiscalYearLabel(t, data.fiscal_year) })}</caption>
            <thead>
              <tr>
                <th scope="col">{t('dashboard.kpis.name')}</th>
                <th scope="col">{t('dashboard.bureau')}</th>
                <th scope="col" className="db-num">
                  {t('dashboard.kpis.baseline')}
                </th>
                <th scope="col" className="db-num">
                  {t('dashboard.kpis.target')}
                </th>
                <th scope="col" className="db-num">
                  {t('dashboard.kpis.latest')}
                </th>
                <th scope="col" className="db-num">
                  {t('dashboard.kpis.change')}
                </th>
              </tr>
            </thead>
            <tbody>
              {data.kpis.map((kpi) => (
                <tr key={kpi.id}>
                  <th scope="row">
                    <Link to={kpi.path}>{kpi.name}</Link>
                  </th>
                  <td>{kpi.bureau}</td>
                  <td className="db-num">{value(kpi.baseline_value, kpi.unit)}</td>
                  <td className="db-num">{value(kpi.target_value, kpi.unit)}</td>
                  <td className="db-num">
                    {value(kpi.latest_value, kpi.unit)}
                    {kpi.latest_on && <span className="lg-stat-note">{t('dashboard.kpis.on', { date: shortDate(kpi.latest_on, language) })}</span>}
                  </td>
                  <td className="db-num">
                    {kpi.change == null ? (
                      t('dashboard.none')
                    ) : (
                      <>
                        {signedNumber(kpi.change, language)}
                        <span className="lg-stat-note">
                          {kpi.previous_on
                            ? t('dashboard.kpis.since', { date: shortDate(kpi.previous_on, language) })
                            : t('dashboard.kpis.sinceBaseline')}
                        </span>
                      </>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Panel>
  );
}
