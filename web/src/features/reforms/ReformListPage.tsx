import { useEffect, useId, useMemo, useState, type FormEvent } from 'react';
import { Link, useLocation, useSearchParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { isApiProblem } from '../../lib/api';
import { useAuth } from '../../lib/auth';
import { fiscalYearOf, isIsoDate, monthLabel, shortDate, todayInTokyo } from '../../lib/dates';
import { usePageTitle } from '../../lib/usePageTitle';
import {
  CLASSIFICATIONS,
  REFORM_STATUSES,
  useAllSections,
  useBureauList,
  useReformList,
  type ReformClassification,
  type ReformOut,
  type ReformQuery,
  type ReformStatus,
} from './api';
import { classificationLabel, fiscalYearLabel, reformStatusLabel } from '../../lib/labels';
import { PeriodCell } from '../../components/records/PeriodCell';
import { ExportMenu } from '../../components/records/ExportMenu';
import { ActiveFilters, type ActiveFilter } from '../../components/list/ActiveFilters';
import './reforms.css';

export const PER_PAGE = 50;

/**
 * The query-string keys the list understands (the bureau page and the dashboard link here with the
 * same; `as_of`, `started_in` and `period` come only from the dashboard's figures).
 */
const FILTER_KEYS = [
  'as_of',
  'started_in',
  'period',
  'fiscal_year',
  'bureau_id',
  'section_id',
  'classification',
  'status',
  'tag',
  'featured',
  'period_from',
  'period_to',
  'q',
] as const;
type FilterKey = (typeof FILTER_KEYS)[number];
const PERIOD_KINDS = ['parsed', 'text_only', 'missing'] as const;
type PeriodKind = (typeof PERIOD_KINDS)[number];
const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;
type SortColumn = 'report_number' | 'title' | 'updated_at';
const SORT_COLUMNS: readonly SortColumn[] = ['report_number', 'title', 'updated_at'];

function positiveInt(value: string | null): number | undefined {
  if (value === null || !/^\d+$/.test(value)) return undefined;
  const n = Number(value);
  return n > 0 && Number.isSafeInteger(n) ? n : undefined;
}

/** Reads the list's filters from the URL into the API's query (unknown values are dropped). */
export function reformQueryFromParams(params: URLSearchParams): ReformQuery {
  const query: ReformQuery = { page: positiveInt(params.get('page')) ?? 1, per_page: PER_PAGE };
  const fiscalYear = positiveInt(params.get('fiscal_year'));
  if (fiscalYear) query.fiscal_year = fiscalYear;
  const bureauId = positiveInt(params.get('bureau_id'));
  if (bureauId) query.bureau_id = bureauId;
  const sectionId = positiveInt(params.get('section_id'));
  if (sectionId) query.section_id = sectionId;
  const classification = params.get('classification');
  if (classification === 'none') query.classification = 'none';
  else if (classification && (CLASSIFICATIONS as readonly string[]).includes(classification)) {
    query.classification = classification as ReformClassification;
  }
  const asOf = params.get('as_of');
  if (asOf && isIsoDate(asOf)) query.as_of = asOf;
  const startedIn = params.get('started_in');
  if (startedIn && MONTH.test(startedIn)) query.started_in = startedIn;
  const period = params.get('period');
  if (period && (PERIOD_KINDS as readonly string[]).includes(period)) query.period = period as PeriodKind;
  const status = params.get('status');
  if (status && (REFORM_STATUSES as readonly string[]).includes(status)) query.status = status as ReformStatus;
  const tag = params.get('tag')?.trim();
  if (tag) query.tag = tag;
  if (params.get('featured') === 'true') query.featured = true;
  const from = params.get('period_from');
  if (from && isIsoDate(from)) query.period_from = from;
  const to = params.get('period_to');
  if (to && isIsoDate(to)) query.period_to = to;
  const q = params.get('q')?.trim();
  if (q) query.q = q;
  const sort = params.get('sort');
  if (sort && SORT_COLUMNS.some((c) => sort === c || sort === `-${c}`)) query.sort = sort;
  return query;
}

export function ReformListPage() {
  const { t, i18n } = useTranslation();
  const language = i18n.resolvedLanguage ?? 'ja';
  const { user } = useAuth();
  usePageTitle(t('reforms.listTitle'));
  const [params, setParams] = useSearchParams();
  const query = useMemo(() => reformQueryFromParams(params), [params]);
  const list = useReformList(query);
  const bureaus = useBureauList();
  const sections = useAllSections();
  const ids = useId();
  const mayCreate = user?.role === 'admin' || user?.role === 'editor';
  const location = useLocation();
  const announcement = (location.state as { flash?: string } | null)?.flash ?? '';

  const [text, setText] = useState(query.q ?? '');
  const [tag, setTag] = useState(query.tag ?? '');
  useEffect(() => setText(query.q ?? ''), [query.q]);
  useEffect(() => setTag(query.tag ?? ''), [query.tag]);

  /** Changes filters in the URL and goes back to the first page. */
  function setFilters(changes: Partial<Record<FilterKey | 'sort', string | undefined>>) {
    const next = new URLSearchParams(params);
    for (const [key, value] of Object.entries(changes)) {
      if (value) next.set(key, value);
      else next.delete(key);
    }
    next.delete('page');
    setParams(next);
  }

  function handleSearch(event: FormEvent) {
    event.preventDefault();
    setFilters({ q: text.trim() || undefined, tag: tag.trim() || undefined });
  }

  const yearOptions = useMemo(() => {
    const current = fiscalYearOf(todayInTokyo());
    const years: number[] = [];
    for (let year = current + 1; year >= Math.min(2019, current); year -= 1) years.push(year);
    if (query.fiscal_year && !years.includes(query.fiscal_year)) years.push(query.fiscal_year);
    return years.sort((a, b) => b - a);
  }, [query.fiscal_year]);

  const sectionOptions = useMemo(() => {
    const all = sections.data ?? [];
    return query.bureau_id ? all.filter((s) => s.bureau_id === query.bureau_id) : all;
  }, [sections.data, query.bureau_id]);
  const bureauName = (id: number) => bureaus.data?.find((b) => b.id === id)?.name ?? String(id);
  const sectionName = (id: number) => sections.data?.find((s) => s.id === id)?.name ?? String(id);

  const active: ActiveFilter[] = [];
  if (query.as_of) active.push({ keys: ['as_of'], label: t('listFilters.asOf', { date: shortDate(query.as_of, language) }) });
  if (query.fiscal_year) {
    active.push({ keys: ['fiscal_year'], label: t('listFilters.fiscalYear', { year: fiscalYearLabel(t, query.fiscal_year) }) });
  }
  if (query.bureau_id) active.push({ keys: ['bureau_id', 'section_id'], label: t('listFilters.bureau', { name: bureauName(query.bureau_id) }) });
  if (query.section_id) {
    active.push({ keys: ['section_id'], label: t('listFilters.section', { name: sectionName(query.section_id) }) });
  }
  if (query.started_in) {
    active.push({ keys: ['started_in'], label: t('listFilters.startedIn', { month: monthLabel(query.started_in, language) }) });
  }
  if (query.period) active.push({ keys: ['period'], label: t(`listFilters.period.${query.period}`) });
  if (query.classification) {
    const classification =
      query.classification === 'none' ? t('listFilters.classificationNone') : classificationLabel(t, query.classification);
    active.push({ keys: ['classification'], label: t('listFilters.classification', { classification }) });
  }
  if (query.status) active.push({ keys: ['status'], label: t('listFilters.status', { status: reformStatusLabel(t, query.status) }) });
  if (query.tag) active.push({ keys: ['tag'], label: t('listFilters.tag', { tag: query.tag }) });
  if (query.featured) active.push({ keys: ['featured'], label: t('listFilters.featured') });
  if (query.period_from) {
    active.push({ keys: ['period_from'], label: t('listFilters.periodFrom', { date: shortDate(query.period_from, language) }) });
  }
  if (query.period_to) {
    active.push({ keys: ['period_to'], label: t('listFilters.periodTo', { date: shortDate(query.period_to, language) }) });
  }
  if (query.q) active.push({ keys: ['q'], label: t('listFilters.q', { q: query.q }) });

  function removeFilters(keys: readonly string[]) {
    setFilters(Object.fromEntries(keys.map((key) => [key, undefined])) as Partial<Record<FilterKey, undefined>>);
  }

  const page = list.data;
  const total = page?.total ?? 0;
  const pages = Math.max(1, Math.ceil(total / PER_PAGE));
  const current = query.page ?? 1;
  const from = total === 0 ? 0 : (current - 1) * PER_PAGE + 1;
  const to = Math.min(total, current * PER_PAGE);
  const anyFilter = FILTER_KEYS.some((key) => params.has(key));

  function pageLink(n: number): string {
    const next = new URLSearchParams(params);
    if (n <= 1) next.delete('page');
    else next.set('page', String(n));
    const search = next.toString();
    return search ? `?${search}` : '?';
  }

  const sortValue = query.sort ?? '';
  const sortColumn = sortValue.replace(/^-/, '') || 'report_number';
  const descending = sortValue.startsWith('-');

  function sortHeader(column: SortColumn, label: string) {
    const active = sortColumn === column;
    const ariaSort = active ? (descending ? 'descending' : 'ascending') : undefined;
    const nextSort = active && !descending ? `-${column}` : column;
    return (
      <th scope="col" aria-sort={ariaSort} key={column}>
        <button type="button" className="pp-sort" onClick={() => setFilters({ sort: nextSort })}>
          {label}
          <span aria-hidden="true" className="pp-sort__icon">
            {active ? (descending ? '▼' : '▲') : '↕'}
          </span>
          <span className="visually-hidden">
            {' '}
            {t('reforms.sortBy', { column: label })}
            {active && `（${descending ? t('reforms.sortDescending') : t('reforms.sortAscending')}）`}
          </span>
        </button>
      </th>
    );
  }

  function select(key: FilterKey, label: string, value: string | number | undefined, options: [string, string][], all: string) {
    return (
      <div className="form-field">
        <label className="form-field__label" htmlFor={`${ids}-${key}`}>
          {label}
        </label>
        <select
          id={`${ids}-${key}`}
          className="form-field__input"
          value={value ?? ''}
          onChange={(e) =>
            // Sections belong to a bureau: choosing another bureau drops the section filter.
            setFilters(key === 'bureau_id' ? { bureau_id: e.target.value, section_id: undefined } : { [key]: e.target.value })
          }
        >
          <option value="">{all}</option>
          {options.map(([v, l]) => (
            <option key={v} value={v}>
              {l}
            </option>
          ))}
        </select>
      </div>
    );
  }

  return (
    <div className="page pp-page rf-page">
      <div className="pp-title-row">
        <h1 tabIndex={-1}>{t('reforms.listTitle')}</h1>
        <div className="xp-actions">
          {mayCreate && (
            <Link to="/reforms/new" className="button button--primary pp-link-button">
              {t('reforms.newReform')}
            </Link>
          )}
          <ExportMenu path="/api/v1/reforms/export" filters={query} />
        </div>
      </div>
      <p className="lead">{t('reforms.listIntro')}</p>
      <div role="status" aria-atomic="true" className="alert-region" data-testid="reform-list-announcement">
        {announcement && <div className="notice notice--info">{announcement}</div>}
      </div>

      <section className="card pp-filters" aria-labelledby={`${ids}-filters`}>
        <h2 id={`${ids}-filters`} className="pp-h2-small">
          {t('reforms.filtersHeading')}
        </h2>
        <form role="search" aria-label={t('reforms.filtersHeading')} onSubmit={handleSearch} className="pp-filter-grid">
          {select(
            'fiscal_year',
            t('reforms.fiscalYear'),
            query.fiscal_year,
            yearOptions.map((y) => [String(y), fiscalYearLabel(t, y)]),
            t('reforms.allYears'),
          )}
          {select(
            'bureau_id',
            t('reforms.bureau'),
            query.bureau_id,
            (bureaus.data ?? []).map((b) => [String(b.id), b.name]),
            t('reforms.allBureaus'),
          )}
          {select(
            'section_id',
            t('reforms.section'),
            query.section_id,
            sectionOptions.map((s) => [String(s.id), query.bureau_id ? s.name : `${s.name}（${bureauName(s.bureau_id)}）`]),
            t('reforms.allSections'),
          )}
          {select(
            'classification',
            t('reforms.classification'),
            query.classification,
            [...CLASSIFICATIONS.map((c): [string, string] => [c, classificationLabel(t, c)]), ['none', t('listFilters.classificationNone')]],
            t('reforms.allClassifications'),
          )}
          {select(
            'status',
            t('reforms.status'),
            query.status,
            REFORM_STATUSES.map((s) => [s, reformStatusLabel(t, s)]),
            t('reforms.allStatuses'),
          )}
          <div className="form-field">
            <label className="form-field__label" htmlFor={`${ids}-period-from`}>
              {t('reforms.periodFrom')}
            </label>
            <input
              id={`${ids}-period-from`}
              type="date"
              className="form-field__input"
              value={query.period_from ?? ''}
              onChange={(e) => setFilters({ period_from: e.target.value })}
            />
          </div>
          <div className="form-field">
            <label className="form-field__label" htmlFor={`${ids}-period-to`}>
              {t('reforms.periodTo')}
            </label>
            <input
              id={`${ids}-period-to`}
              type="date"
              className="form-field__input"
              value={query.period_to ?? ''}
              onChange={(e) => setFilters({ period_to: e.target.value })}
            />
          </div>
          <div className="pp-checkbox">
            <input
              id={`${ids}-featured`}
              type="checkbox"
              checked={query.featured === true}
              onChange={(e) => setFilters({ featured: e.target.checked ? 'true' : undefined })}
            />
            <label htmlFor={`${ids}-featured`}>{t('reforms.featuredOnly')}</label>
          </div>
          <div className="form-field">
            <label className="form-field__label" htmlFor={`${ids}-tag`}>
              {t('reforms.tag')}
            </label>
            <input
              id={`${ids}-tag`}
              type="text"
              className="form-field__input"
              value={tag}
              onChange={(e) => setTag(e.target.value)}
            />
          </div>
          <div className="form-field pp-filter-search">
            <label className="form-field__label" htmlFor={`${ids}-q`}>
              {t('reforms.search')}
            </label>
            <p id={`${ids}-q-hint`} className="form-field__hint">
              {t('reforms.searchHint')}
            </p>
            <div className="pp-search-row">
              <input
                id={`${ids}-q`}
                type="search"
                className="form-field__input"
                value={text}
                aria-describedby={`${ids}-q-hint`}
                onChange={(e) => setText(e.target.value)}
              />
              <button type="submit" className="button button--secondary">
                {t('reforms.searchSubmit')}
              </button>
            </div>
          </div>
          {anyFilter && (
            <div>
              <button type="button" className="button button--secondary" onClick={() => setParams(new URLSearchParams())}>
                {t('reforms.clearFilters')}
              </button>
            </div>
          )}
        </form>
      </section>

      <ActiveFilters filters={active} onRemove={removeFilters} onClear={() => setParams(new URLSearchParams())} />

      {list.isError && (
        <div className="notice notice--error" role="alert">
          {isApiProblem(list.error) ? list.error.localizedMessage(t) : t('problem.internal_error')}
        </div>
      )}

      <p role="status" aria-atomic="true" className="pp-result-count" data-testid="reform-count">
        {list.isPending
          ? t('reforms.loading')
          : page && (total === 0 ? t('reforms.noResults') : t('reforms.resultRange', { total, from, to }))}
      </p>

      {page && page.items.length > 0 && (
        <div className="pp-table-wrap">
          <table className="pp-table rf-table">
            <caption className="visually-hidden">
              {t('reforms.tableCaption')} {t('reforms.resultCount', { total })}
            </caption>
            <thead>
              <tr>
                {sortHeader('report_number', t('reforms.columns.number'))}
                <th scope="col">{t('reforms.columns.bureau')}</th>
                <th scope="col">{t('reforms.columns.sections')}</th>
                <th scope="col">{t('reforms.columns.classification')}</th>
                {sortHeader('title', t('reforms.columns.title'))}
                <th scope="col">{t('reforms.columns.period')}</th>
                <th scope="col">{t('reforms.columns.status')}</th>
                <th scope="col">{t('reforms.columns.tags')}</th>
              </tr>
            </thead>
            <tbody>
              {page.items.map((reform) => (
                <ReformRow key={reform.id} reform={reform} />
              ))}
            </tbody>
          </table>
        </div>
      )}

      {page && pages > 1 && (
        <nav aria-label={t('reforms.pagination')} className="pp-pagination">
          {current > 1 ? (
            <Link to={pageLink(current - 1)} rel="prev">
              {t('reforms.previous')}
            </Link>
          ) : (
            <span />
          )}
          <span>{t('reforms.pageOf', { page: current, pages })}</span>
          {current < pages ? (
            <Link to={pageLink(current + 1)} rel="next">
              {t('reforms.next')}
            </Link>
          ) : (
            <span />
          )}
        </nav>
      )}
    </div>
  );
}

function ReformRow({ reform }: { reform: ReformOut }) {
  const { t } = useTranslation();
  return (
    <tr>
      <td className="pp-nowrap">{reform.number_in_bureau}</td>
      <td>
        <Link to={`/bureaus/${reform.bureau_id}`}>{reform.bureau_name}</Link>
      </td>
      <td>
        {reform.sections.length === 0 ? (
          t('reforms.none')
        ) : (
          <ul className="pp-plain-list">
            {reform.sections.map((s) => (
              <li key={s.id}>{s.name}</li>
            ))}
          </ul>
        )}
      </td>
      <td>{classificationLabel(t, reform.classification)}</td>
      <td>
        <Link to={`/reforms/${reform.id}`}>{reform.title}</Link>
        {reform.featured && <span className="tag rf-featured">{t('reforms.featured')}</span>}
      </td>
      <td>
        <PeriodCell period={reform.period} />
      </td>
      <td className="pp-nowrap">{reformStatusLabel(t, reform.status)}</td>
      <td>
        {reform.tags.length > 0 && (
          <ul className="rf-tag-list">
            {reform.tags.map((tag) => (
              <li key={tag} className="tag tag--subtle">
                {tag}
              </li>
            ))}
          </ul>
        )}
      </td>
    </tr>
  );
}
