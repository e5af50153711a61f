import { useEffect, useId, useMemo, useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { isApiProblem } from '../../lib/api';
import { useAuth } from '../../lib/auth';
import { usePageTitle } from '../../lib/usePageTitle';
import {
  IMPLEMENTATION_STATUSES,
  STAGES,
  useProjectTeams,
  useProposalList,
  useSectionOptions,
  type ImplementationStatus,
  type ProposalOut,
  type ProposalQuery,
} from './api';
import { stageLabel, statusLabel } from '../../lib/labels';
import { StageBadge } from '../../components/records/StageBadge';
import { ExportMenu } from '../../components/records/ExportMenu';
import { ActiveFilters, type ActiveFilter } from '../../components/list/ActiveFilters';
import { fiscalYearLabel } from '../../lib/labels';
import { isIsoDate, shortDate } from '../../lib/dates';

export const PER_PAGE = 50;

/**
 * The query-string keys the list understands; links from the progress report and the dashboard
 * use the same (`as_of`, `stale_days` and `bureau_id` come only from such links).
 */
const FILTER_KEYS = [
  'fiscal_year',
  'theme',
  'stage',
  'implementation_status',
  'section_id',
  'bureau_id',
  'as_of',
  'stale_days',
  'q',
  'scope',
] as const;
type FilterKey = (typeof FILTER_KEYS)[number];
type SortColumn = 'number' | 'title' | 'stage';
const SORT_COLUMNS: readonly SortColumn[] = ['number', 'title', 'stage'];

function positiveInt(value: string | null): number | undefined {
  if (value === null || !/^\d+$/.test(value)) return undefined;
  const n = Number(value);
  return n > 0 && Number.isSafeInteger(n) ? n : undefined;
}

/** Reads the list's filters from the URL into the API's query (unknown values are dropped). */
export function queryFromParams(params: URLSearchParams): ProposalQuery {
  const query: ProposalQuery = { page: positiveInt(params.get('page')) ?? 1, per_page: PER_PAGE };
  const fiscalYear = positiveInt(params.get('fiscal_year'));
  if (fiscalYear) query.fiscal_year = fiscalYear;
  const theme = params.get('theme');
  if (theme) query.theme = theme;
  // 0 is 未提示: proposals no section has yet.
  const stage = params.get('stage');
  if (stage !== null && /^[0-4]$/.test(stage)) query.stage = Number(stage);
  const status = params.get('implementation_status');
  if (status === 'none') query.implementation_status = 'none';
  else if (status && (IMPLEMENTATION_STATUSES as readonly string[]).includes(status)) {
    query.implementation_status = status as ImplementationStatus;
  }
  const sectionId = positiveInt(params.get('section_id'));
  if (sectionId) query.section_id = sectionId;
  const bureauId = positiveInt(params.get('bureau_id'));
  if (bureauId) query.bureau_id = bureauId;
  const asOf = params.get('as_of');
  if (asOf && isIsoDate(asOf)) query.as_of = asOf;
  const staleDays = positiveInt(params.get('stale_days'));
  if (staleDays) query.stale_days = staleDays;
  const q = params.get('q')?.trim();
  if (q) query.q = q;
  if (params.get('scope') === 'mine') query.scope = 'mine';
  const sort = params.get('sort');
  if (sort && SORT_COLUMNS.some((c) => sort === c || sort === `-${c}`)) query.sort = sort;
  return query;
}

export function ProposalListPage() {
  const { t, i18n } = useTranslation();
  const language = i18n.resolvedLanguage ?? 'ja';
  const { user } = useAuth();
  usePageTitle(t('proposals.listTitle'));
  const [params, setParams] = useSearchParams();
  const query = useMemo(() => queryFromParams(params), [params]);
  const list = useProposalList(query);
  const teams = useProjectTeams();
  const sections = useSectionOptions();
  const ids = useId();

  const role = user?.role;
  const mayCreate = role === 'admin' || role === 'editor' || role === 'proposer';
  const mayScope = role === 'editor' || role === 'proposer';

  const [text, setText] = useState(query.q ?? '');
  useEffect(() => setText(query.q ?? ''), [query.q]);

  /** Changes one filter in the URL and goes back to the first page. */
  function setFilter(key: FilterKey | 'sort', value: string | undefined) {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    next.delete('page');
    setParams(next);
  }

  function handleSearch(event: FormEvent) {
    event.preventDefault();
    setFilter('q', text.trim() || undefined);
  }

  function clearFilters() {
    setParams(new URLSearchParams());
  }

  function removeFilters(keys: readonly string[]) {
    const next = new URLSearchParams(params);
    for (const key of keys) next.delete(key);
    next.delete('page');
    setParams(next);
  }

  const groups = sections.data ?? [];
  const bureauName = (id: number) => groups.find((g) => g.bureau.id === id)?.bureau.name ?? String(id);
  const sectionName = (id: number) =>
    groups.flatMap((g) => g.sections).find((section) => section.id === id)?.name ?? String(id);
  const active: ActiveFilter[] = [];
  if (query.as_of) active.push({ keys: ['as_of'], label: t('listFilters.asOf', { date: shortDate(query.as_of, language) }) });
  if (query.fiscal_year) {
    active.push({ keys: ['fiscal_year'], label: t('listFilters.fiscalYear', { year: fiscalYearLabel(t, query.fiscal_year) }) });
  }
  if (query.theme) active.push({ keys: ['theme'], label: t('listFilters.theme', { theme: query.theme }) });
  if (query.stage === 0) active.push({ keys: ['stage'], label: t('listFilters.notPresented') });
  else if (query.stage) active.push({ keys: ['stage'], label: t('listFilters.stage', { stage: stageLabel(t, query.stage) }) });
  if (query.implementation_status) {
    const status =
      query.implementation_status === 'none' ? t('listFilters.statusNone') : statusLabel(t, query.implementation_status);
    active.push({ keys: ['implementation_status'], label: t('listFilters.implementationStatus', { status }) });
  }
  if (query.bureau_id) active.push({ keys: ['bureau_id'], label: t('listFilters.bureau', { name: bureauName(query.bureau_id) }) });
  if (query.section_id) {
    active.push({ keys: ['section_id'], label: t('listFilters.section', { name: sectionName(query.section_id) }) });
  }
  if (query.stale_days) active.push({ keys: ['stale_days'], label: t('listFilters.staleDays', { days: query.stale_days }) });
  if (query.q) active.push({ keys: ['q'], label: t('listFilters.q', { q: query.q }) });
  if (query.scope === 'mine') active.push({ keys: ['scope'], label: t('listFilters.mine') });

  const themeOptions = useMemo(() => {
    const all = teams.data ?? [];
    const chosen = query.fiscal_year ? all.filter((team) => team.fiscal_year === query.fiscal_year) : all;
    const themes: string[] = [];
    for (const team of chosen) for (const theme of team.themes) if (!themes.includes(theme)) themes.push(theme);
    if (query.theme && !themes.includes(query.theme)) themes.push(query.theme);
    return themes;
  }, [teams.data, query.fiscal_year, query.theme]);

  const yearOptions = useMemo(() => {
    const years = (teams.data ?? []).map((team) => ({ year: team.fiscal_year, label: team.fiscal_year_label }));
    if (query.fiscal_year && !years.some((y) => y.year === query.fiscal_year)) {
      years.push({ year: query.fiscal_year, label: String(query.fiscal_year) });
    }
    return years;
  }, [teams.data, query.fiscal_year]);

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
    const nextSort = active && !descending ? `-${column}` : column;
    return (
      <th scope="col" aria-sort={ariaSort} key={column}>
        <button type="button" className="pp-sort" onClick={() => setFilter('sort', nextSort)}>
          {label}
          <span aria-hidden="true" className="pp-sort__icon">
            {active ? (descending ? '▼' : '▲') : '↕'}
          </span>
          <span className="visually-hidden">
            {' '}
            {t('proposals.sortBy', { column: label })}
            {active && `（${descending ? t('proposals.sortDescending') : t('proposals.sortAscending')}）`}
          </span>
        </button>
      </th>
    );
  }

  return (
    <div className="page pp-page">
      <div className="pp-title-row">
        <h1 tabIndex={-1}>{t('proposals.listTitle')}</h1>
        <div className="xp-actions">
          {mayCreate && (
            <Link to="/proposals/new" className="button button--primary pp-link-button">
              {t('proposals.newProposal')}
            </Link>
          )}
          <ExportMenu path="/api/v1/proposals/export" filters={query} />
        </div>
      </div>
      <p className="lead">{t('proposals.listIntro')}</p>

      <section className="card pp-filters" aria-labelledby={`${ids}-filters`}>
        <h2 id={`${ids}-filters`} className="pp-h2-small">
          {t('proposals.filtersHeading')}
        </h2>
        <form role="search" aria-label={t('proposals.filtersHeading')} onSubmit={handleSearch} className="pp-filter-grid">
          <div className="form-field">
            <label className="form-field__label" htmlFor={`${ids}-year`}>
              {t('proposals.fiscalYear')}
            </label>
            <select
              id={`${ids}-year`}
              className="form-field__input"
              value={query.fiscal_year ?? ''}
              onChange={(e) => setFilter('fiscal_year', e.target.value)}
            >
              <option value="">{t('proposals.allYears')}</option>
              {yearOptions.map((y) => (
                <option key={y.year} value={y.year}>
                  {y.label}
                </option>
              ))}
            </select>
          </div>
          <div className="form-field">
            <label className="form-field__label" htmlFor={`${ids}-theme`}>
              {t('proposals.theme')}
            </label>
            <select
              id={`${ids}-theme`}
              className="form-field__input"
              value={query.theme ?? ''}
              onChange={(e) => setFilter('theme', e.target.value)}
            >
              <option value="">{t('proposals.allThemes')}</option>
              {themeOptions.map((theme) => (
                <option key={theme} value={theme}>
                  {theme}
                </option>
              ))}
            </select>
          </div>
          <div className="form-field">
            <label className="form-field__label" htmlFor={`${ids}-stage`}>
              {t('proposals.stage')}
            </label>
            <select
              id={`${ids}-stage`}
              className="form-field__input"
              value={query.stage ?? ''}
              onChange={(e) => setFilter('stage', e.target.value)}
            >
              <option value="">{t('proposals.allStages')}</option>
              {STAGES.map((stage) => (
                <option key={stage} value={stage}>
                  {stageLabel(t, stage)}
                </option>
              ))}
              <option value="0">{t('proposals.notPresented')}</option>
            </select>
          </div>
          <div className="form-field">
            <label className="form-field__label" htmlFor={`${ids}-status`}>
              {t('proposals.implementationStatus')}
            </label>
            <select
              id={`${ids}-status`}
              className="form-field__input"
              value={query.implementation_status ?? ''}
              onChange={(e) => setFilter('implementation_status', e.target.value)}
            >
              <option value="">{t('proposals.allStatuses')}</option>
              {IMPLEMENTATION_STATUSES.map((status) => (
                <option key={status} value={status}>
                  {statusLabel(t, status)}
                </option>
              ))}
              <option value="none">{t('listFilters.statusNone')}</option>
            </select>
          </div>
          <div className="form-field">
            <label className="form-field__label" htmlFor={`${ids}-section`}>
              {t('proposals.section')}
            </label>
            <select
              id={`${ids}-section`}
              className="form-field__input"
              value={query.section_id ?? ''}
              onChange={(e) => setFilter('section_id', e.target.value)}
            >
              <option value="">{t('proposals.allSections')}</option>
              {(sections.data ?? []).map((group) => (
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
          <div className="form-field pp-filter-search">
            <label className="form-field__label" htmlFor={`${ids}-q`}>
              {t('proposals.search')}
            </label>
            <p id={`${ids}-q-hint`} className="form-field__hint">
              {t('proposals.searchHint')}
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
                {t('proposals.searchSubmit')}
              </button>
            </div>
          </div>
          {mayScope && (
            <div className="pp-checkbox">
              <input
                id={`${ids}-mine`}
                type="checkbox"
                checked={query.scope === 'mine'}
                aria-describedby={`${ids}-mine-hint`}
                onChange={(e) => setFilter('scope', e.target.checked ? 'mine' : undefined)}
              />
              <label htmlFor={`${ids}-mine`}>{t('proposals.mine')}</label>
              <p id={`${ids}-mine-hint`} className="form-field__hint">
                {role === 'editor' ? t('proposals.mineHintEditor') : t('proposals.mineHintProposer')}
              </p>
            </div>
          )}
          {anyFilter && (
            <div>
              <button type="button" className="button button--secondary" onClick={clearFilters}>
                {t('proposals.clearFilters')}
              </button>
            </div>
          )}
        </form>
      </section>

      <ActiveFilters filters={active} onRemove={removeFilters} onClear={clearFilters} />

      {list.isError && (
        <div className="notice notice--error" role="alert">
          {isApiProblem(list.error) ? list.error.localizedMessage(t) : t('problem.internal_error')}
        </div>
      )}

      <p role="status" aria-atomic="true" className="pp-result-count" data-testid="proposal-count">
        {list.isPending
          ? t('proposals.loading')
          : page && (total === 0 ? t('proposals.noResults') : t('proposals.resultRange', { total, from, to }))}
      </p>

      {page && page.items.length > 0 && (
        <div className="pp-table-wrap">
          <table className="pp-table">
            <caption className="visually-hidden">
              {t('proposals.tableCaption')} {t('proposals.resultCount', { total })}
            </caption>
            <thead>
              <tr>
                {sortHeader('number', t('proposals.columns.number'))}
                {sortHeader('title', t('proposals.columns.title'))}
                <th scope="col">{t('proposals.columns.theme')}</th>
                {sortHeader('stage', t('proposals.columns.stage'))}
                <th scope="col">{t('proposals.columns.sections')}</th>
                <th scope="col">{t('proposals.columns.status')}</th>
              </tr>
            </thead>
            <tbody>
              {page.items.map((proposal) => (
                <ProposalRow key={proposal.id} proposal={proposal} />
              ))}
            </tbody>
          </table>
        </div>
      )}

      {page && pages > 1 && (
        <nav aria-label={t('proposals.pagination')} className="pp-pagination">
          {current > 1 ? (
            <Link to={pageLink(current - 1)} rel="prev">
              {t('proposals.previous')}
            </Link>
          ) : (
            <span />
          )}
          <span>{t('proposals.pageOf', { page: current, pages })}</span>
          {current < pages ? (
            <Link to={pageLink(current + 1)} rel="next">
              {t('proposals.next')}
            </Link>
          ) : (
            <span />
          )}
        </nav>
      )}
    </div>
  );
}

function ProposalRow({ proposal }: { proposal: ProposalOut }) {
  const { t } = useTranslation();
  return (
    <tr>
      <td className="pp-nowrap">{proposal.number ?? t('proposals.none')}</td>
      <td>
        <Link to={`/proposals/${proposal.id}`}>{proposal.title}</Link>
      </td>
      <td>{proposal.theme}</td>
      <td>
        <StageBadge stage={proposal.stage} />
      </td>
      <td>
        {proposal.assignments.length === 0 ? (
          t('proposals.none')
        ) : (
          <ul className="pp-plain-list">
            {proposal.assignments.map((a) => (
              <li key={a.id}>
                {a.section_name}
                <span className="pp-muted-small">（{a.bureau_name}）</span>
              </li>
            ))}
          </ul>
        )}
      </td>
      <td>{statusLabel(t, proposal.implementation_status)}</td>
    </tr>
  );
}
