import { useEffect, useId, useMemo, useState, type FormEvent } from 'react';
import { Link, useLocation, useSearchParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { isApiProblem } from '../../lib/api';
import { useAuth } from '../../lib/auth';
import { usePageTitle } from '../../lib/usePageTitle';
import {
  PLATFORMS,
  SYSTEM_STATUSES,
  useDigitalSystemList,
  useSectionGroups,
  type DigitalSystemOut,
  type DigitalSystemQuery,
  type PlatformDto,
  type SystemStatusDto,
} from './api';
import { formatHours, formatYen } from '../../lib/format';
import type { LedgerFlash } from './DigitalSystemNewPage';
import { TargetsOverview } from './TargetsOverview';
import { ExportMenu } from '../../components/records/ExportMenu';
import { ActiveFilters, type ActiveFilter } from '../../components/list/ActiveFilters';
import { isIsoDate, shortDate } from '../../lib/dates';
import { fiscalYearLabel } from '../../lib/labels';
import './ledger.css';

export const PER_PAGE = 50;

/** The query-string keys the list understands (the dashboard links here with the last two). */
const FILTER_KEYS = [
  'bureau_id',
  'section_id',
  'platform',
  'status',
  'built_in_house',
  'q',
  'in_production_on',
  'production_fiscal_year',
] as const;
/** Columns the server sorts by (its allow-list also has id and updated_at). */
type SortColumn = 'name' | 'annual_hours_saved';
const SORT_COLUMNS: readonly SortColumn[] = ['name', 'annual_hours_saved'];

function positiveInt(value: string | null): number | undefined {
  if (value === null || !/^\d+$/.test(value)) return undefined;
  const n = Number(value);
  return n > 0 && Number.isSafeInteger(n) ? n : undefined;
}

/** Reads the list's filters from the URL into the API's query (unknown values are dropped). */
export function queryFromParams(params: URLSearchParams): DigitalSystemQuery {
  const query: DigitalSystemQuery = { page: positiveInt(params.get('page')) ?? 1, per_page: PER_PAGE };
  const bureauId = positiveInt(params.get('bureau_id'));
  if (bureauId) query.bureau_id = bureauId;
  const sectionId = positiveInt(params.get('section_id'));
  if (sectionId) query.section_id = sectionId;
  const platform = params.get('platform');
  if (platform && (PLATFORMS as readonly string[]).includes(platform)) query.platform = platform as PlatformDto;
  const status = params.get('status');
  if (status && (SYSTEM_STATUSES as readonly string[]).includes(status)) query.status = status as SystemStatusDto;
  const inHouse = params.get('built_in_house');
  if (inHouse === 'true' || inHouse === 'false') query.built_in_house = inHouse === 'true';
  const q = params.get('q')?.trim();
  if (q) query.q = q;
  const inProductionOn = params.get('in_production_on');
  if (inProductionOn && isIsoDate(inProductionOn)) query.in_production_on = inProductionOn;
  const productionYear = positiveInt(params.get('production_fiscal_year'));
  if (productionYear) query.production_fiscal_year = productionYear;
  const sort = params.get('sort');
  if (sort && SORT_COLUMNS.some((c) => sort === c || sort === `-${c}`)) query.sort = sort;
  return query;
}

export function DigitalSystemListPage() {
  const { t, i18n } = useTranslation();
  const { user } = useAuth();
  const location = useLocation();
  usePageTitle(t('ledger.listTitle'));
  const [params, setParams] = useSearchParams();
  const query = useMemo(() => queryFromParams(params), [params]);
  const list = useDigitalSystemList(query);
  const groups = useSectionGroups();
  const ids = useId();
  const language = i18n.resolvedLanguage ?? 'ja';
  const flash = (location.state as LedgerFlash | null)?.flash ?? '';
  const mayCreate = user?.role === 'admin' || user?.role === 'editor';

  const [text, setText] = useState(query.q ?? '');
  useEffect(() => setText(query.q ?? ''), [query.q]);

  /** Changes one filter in the URL and goes back to the first page. */
  function setFilter(key: (typeof FILTER_KEYS)[number] | 'sort', value: string | undefined) {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    // A section of another bureau would match nothing.
    if (key === 'bureau_id') next.delete('section_id');
    next.delete('page');
    setParams(next);
  }

  function handleSearch(event: FormEvent) {
    event.preventDefault();
    setFilter('q', text.trim() || undefined);
  }

  function removeFilters(keys: readonly string[]) {
    const next = new URLSearchParams(params);
    for (const key of keys) next.delete(key);
    next.delete('page');
    setParams(next);
  }

  const allGroups = groups.data ?? [];
  const bureauName = (id: number) => allGroups.find((g) => g.bureau.id === id)?.bureau.name ?? String(id);
  const sectionName = (id: number) =>
    allGroups.flatMap((g) => g.sections).find((section) => section.id === id)?.name ?? String(id);
  const active: ActiveFilter[] = [];
  if (query.in_production_on) {
    active.push({
      keys: ['in_production_on'],
      label: t('listFilters.inProductionOn', { date: shortDate(query.in_production_on, language) }),
    });
  }
  if (query.production_fiscal_year) {
    active.push({
      keys: ['production_fiscal_year'],
      label: t('listFilters.productionFiscalYear', { year: fiscalYearLabel(t, query.production_fiscal_year) }),
    });
  }
  if (query.bureau_id) {
    active.push({ keys: ['bureau_id', 'section_id'], label: t('listFilters.bureau', { name: bureauName(query.bureau_id) }) });
  }
  if (query.section_id) {
    active.push({ keys: ['section_id'], label: t('listFilters.section', { name: sectionName(query.section_id) }) });
  }
  if (query.platform) {
    active.push({ keys: ['platform'], label: t('listFilters.platform', { platform: t(`ledger.platforms.${query.platform}`) }) });
  }
  if (query.status) {
    active.push({ keys: ['status'], label: t('listFilters.systemStatus', { status: t(`ledger.statuses.${query.status}`) }) });
  }
  if (query.built_in_house !== undefined) {
    active.push({
      keys: ['built_in_house'],
      label: query.built_in_house ? t('listFilters.builtInHouse') : t('listFilters.notBuiltInHouse'),
    });
  }
  if (query.q) active.push({ keys: ['q'], label: t('listFilters.q', { q: query.q }) });

  const sectionGroups = (groups.data ?? []).filter(
    (group) => group.sections.length > 0 && (!query.bureau_id || group.bureau.id === query.bureau_id),
  );

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
  const sortColumn = sortValue.replace(/^-/, '');
  const descending = sortValue.startsWith('-');

  function sortHeader(column: SortColumn, label: string) {
    const active = sortColumn === column;
    const ariaSort = active ? (descending ? 'descending' : 'ascending') : undefined;
    // Hours are most useful largest first; names alphabetically.
    const first = column === 'annual_hours_saved' ? `-${column}` : column;
    const nextSort = active ? (descending ? column : `-${column}`) : first;
    return (
      <th scope="col" aria-sort={ariaSort} key={column}>
        <button type="button" className="pp-sort" onClick={() => setFilter('sort', nextSort)}>
          {label}
          <span aria-hidden="true" className="pp-sort__icon">
            {active ? (descending ? '▼' : '▲') : '↕'}
          </span>
          <span className="visually-hidden">
            {' '}
            {t('ledger.sortBy', { column: label })}
            {active && `（${descending ? t('ledger.sortDescending') : t('ledger.sortAscending')}）`}
          </span>
        </button>
      </th>
    );
  }

  return (
    <div className="page pp-page lg-page">
      <div className="pp-title-row">
        <h1 tabIndex={-1}>{t('ledger.listTitle')}</h1>
        <div className="xp-actions">
          {mayCreate && (
            <Link to="/digital-systems/new" className="button button--primary pp-link-button">
              {t('ledger.newSystem')}
            </Link>
          )}
          <ExportMenu path="/api/v1/digital-systems/export" filters={query} />
        </div>
      </div>
      <p className="lead">{t('ledger.listIntro')}</p>
      <div role="status" aria-atomic="true" className="alert-region" data-testid="ledger-announcement">
        {flash && <div className="notice notice--info">{flash}</div>}
      </div>

      <TargetsOverview />

      <section className="lg-systems" aria-labelledby={`${ids}-systems`}>
        <h2 id={`${ids}-systems`}>{t('ledger.systemsHeading')}</h2>
        <div className="card">
          <h3 id={`${ids}-filters`} className="pp-h2-small">
            {t('ledger.filtersHeading')}
          </h3>
          <form role="search" aria-labelledby={`${ids}-filters`} onSubmit={handleSearch} className="pp-filter-grid">
            <div className="form-field">
              <label className="form-field__label" htmlFor={`${ids}-bureau`}>
                {t('ledger.fields.bureau')}
              </label>
              <select
                id={`${ids}-bureau`}
                className="form-field__input"
                value={query.bureau_id ?? ''}
                onChange={(e) => setFilter('bureau_id', e.target.value)}
              >
                <option value="">{t('ledger.allBureaus')}</option>
                {(groups.data ?? []).map((group) => (
                  <option key={group.bureau.id} value={group.bureau.id}>
                    {group.bureau.name}
                  </option>
                ))}
              </select>
            </div>
            <div className="form-field">
              <label className="form-field__label" htmlFor={`${ids}-section`}>
                {t('ledger.fields.section')}
              </label>
              <select
                id={`${ids}-section`}
                className="form-field__input"
                value={query.section_id ?? ''}
                onChange={(e) => setFilter('section_id', e.target.value)}
              >
                <option value="">{t('ledger.allSections')}</option>
                {sectionGroups.map((group) => (
                  <optgroup key={group.bureau.id} label={group.bureau.name}>
                    {group.sections.map((section) => (
                      <option key={section.id} value={section.id}>
                        {section.name}
                      </option>
                    ))}
                  </optgroup>
                ))}
              </select>
            </div>
            <div className="form-field">
              <label className="form-field__label" htmlFor={`${ids}-platform`}>
                {t('ledger.fields.platform')}
              </label>
              <select
                id={`${ids}-platform`}
                className="form-field__input"
                value={query.platform ?? ''}
                onChange={(e) => setFilter('platform', e.target.value)}
              >
                <option value="">{t('ledger.allPlatforms')}</option>
                {PLATFORMS.map((platform) => (
                  <option key={platform} value={platform}>
                    {t(`ledger.platforms.${platform}`)}
                  </option>
                ))}
              </select>
            </div>
            <div className="form-field">
              <label className="form-field__label" htmlFor={`${ids}-status`}>
                {t('ledger.fields.status')}
              </label>
              <select
                id={`${ids}-status`}
                className="form-field__input"
                value={query.status ?? ''}
                onChange={(e) => setFilter('status', e.target.value)}
              >
                <option value="">{t('ledger.allStatuses')}</option>
                {SYSTEM_STATUSES.map((status) => (
                  <option key={status} value={status}>
                    {t(`ledger.statuses.${status}`)}
                  </option>
                ))}
              </select>
            </div>
            <div className="form-field">
              <label className="form-field__label" htmlFor={`${ids}-in-house`}>
                {t('ledger.columns.inHouse')}
              </label>
              <select
                id={`${ids}-in-house`}
                className="form-field__input"
                value={query.built_in_house === undefined ? '' : String(query.built_in_house)}
                onChange={(e) => setFilter('built_in_house', e.target.value)}
              >
                <option value="">{t('ledger.inHouseAny')}</option>
                <option value="true">{t('ledger.inHouseYes')}</option>
                <option value="false">{t('ledger.inHouseNo')}</option>
              </select>
            </div>
            <div className="form-field pp-filter-search">
              <label className="form-field__label" htmlFor={`${ids}-q`}>
                {t('ledger.search')}
              </label>
              <p id={`${ids}-q-hint`} className="form-field__hint">
                {t('ledger.searchHint')}
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
                  {t('ledger.searchSubmit')}
                </button>
              </div>
            </div>
            {anyFilter && (
              <div>
                <button type="button" className="button button--secondary" onClick={() => setParams(new URLSearchParams())}>
                  {t('ledger.clearFilters')}
                </button>
              </div>
            )}
          </form>
        </div>

        <ActiveFilters filters={active} onRemove={removeFilters} onClear={() => setParams(new URLSearchParams())} />

        {list.isError && (
          <div className="notice notice--error" role="alert">
            {isApiProblem(list.error) ? list.error.localizedMessage(t) : t('problem.internal_error')}
          </div>
        )}

        <p role="status" aria-atomic="true" className="pp-result-count" data-testid="system-count">
          {list.isPending
            ? t('ledger.loading')
            : page && (total === 0 ? t('ledger.noResults') : t('ledger.resultRange', { total, from, to }))}
        </p>

        {page && page.items.length > 0 && (
          <div className="pp-table-wrap">
            <table className="pp-table lg-systems-table">
              <caption className="visually-hidden">
                {t('ledger.tableCaption')} {t('ledger.resultCount', { total })}
              </caption>
              <thead>
                <tr>
                  {sortHeader('name', t('ledger.columns.name'))}
                  <th scope="col">{t('ledger.columns.section')}</th>
                  <th scope="col">{t('ledger.columns.platform')}</th>
                  <th scope="col">{t('ledger.columns.status')}</th>
                  <th scope="col">{t('ledger.columns.inHouse')}</th>
                  {sortHeader('annual_hours_saved', t('ledger.columns.hoursSaved'))}
                  <th scope="col">{t('ledger.columns.costEffect')}</th>
                </tr>
              </thead>
              <tbody>
                {page.items.map((system) => (
                  <SystemRow key={system.id} system={system} language={language} />
                ))}
              </tbody>
            </table>
          </div>
        )}

        {page && pages > 1 && (
          <nav aria-label={t('ledger.pagination')} className="pp-pagination">
            {current > 1 ? (
              <Link to={pageLink(current - 1)} rel="prev">
                {t('ledger.previous')}
              </Link>
            ) : (
              <span />
            )}
            <span>{t('ledger.pageOf', { page: current, pages })}</span>
            {current < pages ? (
              <Link to={pageLink(current + 1)} rel="next">
                {t('ledger.next')}
              </Link>
            ) : (
              <span />
            )}
          </nav>
        )}
      </section>
    </div>
  );
}

function SystemRow({ system, language }: { system: DigitalSystemOut; language: string }) {
  const { t } = useTranslation();
  return (
    <tr>
      <th scope="row">
        <Link to={`/digital-systems/${system.id}`}>{system.name}</Link>
      </th>
      <td>
        {system.section_name}
        <span className="pp-muted-small">（{system.bureau_name}）</span>
      </td>
      <td>{t(`ledger.platforms.${system.platform}`)}</td>
      <td>
        <span className={`lg-status lg-status--${system.status}`}>{t(`ledger.statuses.${system.status}`)}</span>
      </td>
      <td>{system.built_in_house ? t('ledger.inHouseYes') : t('ledger.inHouseNo')}</td>
      <td className="lg-num">{system.annual_hours_saved == null ? t('ledger.none') : formatHours(system.annual_hours_saved, language)}</td>
      <td className="lg-num">{system.cost_effect_yen == null ? t('ledger.none') : formatYen(system.cost_effect_yen, language)}</td>
    </tr>
  );
}
