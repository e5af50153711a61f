import { useMemo } from 'react';
import { Link } from 'react-router';
import { useTranslation } from 'react-i18next';
import { useAuth } from '../../lib/auth';
import { shortDate } from '../../lib/dates';
import { fiscalYearLabel, stageLabel, statusLabel } from '../../lib/labels';
import { isoDate, oneOf, positiveInt, sortParam, text } from '../../lib/listParams';
import { mayCreateProposal, ownProposalsScope } from '../../lib/permissions';
import { useDraft } from '../../lib/useDraft';
import { usePageTitle } from '../../lib/usePageTitle';
import {
  ActiveFilters,
  FilterBar,
  FilterCheckbox,
  FilterSelect,
  FilterText,
  ListHeader,
  ListResults,
  SortableHeader,
  useListParams,
  type ActiveFilter,
} from '../../components/list';
import { StageBadge } from '../../components/records/StageBadge';
import {
  IMPLEMENTATION_STATUSES,
  STAGES,
  useProjectTeams,
  useProposalList,
  useSectionOptions,
  type ProposalOut,
  type ProposalQuery,
} from './api';

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
const SORT_COLUMNS = ['number', 'title', 'stage'] as const;

/** Reads the list's filters from the URL into the API's query (unknown values are dropped). */
export function queryFromParams(params: URLSearchParams): ProposalQuery {
  const stage = params.get('stage');
  const status = params.get('implementation_status');
  const query: ProposalQuery = {
    page: positiveInt(params.get('page')) ?? 1,
    per_page: PER_PAGE,
    fiscal_year: positiveInt(params.get('fiscal_year')),
    theme: params.get('theme') || undefined,
    // 0 is 未提示: proposals no section has yet.
    stage: stage !== null && /^[0-4]$/.test(stage) ? Number(stage) : undefined,
    implementation_status: status === 'none' ? 'none' : oneOf(status, IMPLEMENTATION_STATUSES),
    section_id: positiveInt(params.get('section_id')),
    bureau_id: positiveInt(params.get('bureau_id')),
    as_of: isoDate(params.get('as_of')),
    stale_days: positiveInt(params.get('stale_days')),
    q: text(params.get('q')),
    scope: params.get('scope') === 'mine' ? 'mine' : undefined,
    sort: sortParam(params.get('sort'), SORT_COLUMNS),
  };
  return Object.fromEntries(Object.entries(query).filter(([, v]) => v !== undefined)) as ProposalQuery;
}

export function ProposalListPage() {
  const { t, i18n } = useTranslation();
  const language = i18n.resolvedLanguage ?? 'ja';
  const { user } = useAuth();
  usePageTitle(t('proposals.listTitle'));
  const { params, setFilters, removeFilters, clearAll, hasAny, pageLink } = useListParams();
  const query = useMemo(() => queryFromParams(params), [params]);
  const list = useProposalList(query);
  const teams = useProjectTeams();
  const sections = useSectionOptions();
  const ownScope = ownProposalsScope(user);
  const [draft, setDraft] = useDraft(query.q ?? '');

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
    const years = (teams.data ?? []).map((team) => [String(team.fiscal_year), team.fiscal_year_label] as const);
    if (query.fiscal_year && !years.some(([year]) => year === String(query.fiscal_year))) {
      years.push([String(query.fiscal_year), String(query.fiscal_year)]);
    }
    return years;
  }, [teams.data, query.fiscal_year]);

  const sortBy = (sort: string) => setFilters({ sort });

  return (
    <div className="page pp-page">
      <ListHeader
        title={t('proposals.listTitle')}
        intro={t('proposals.listIntro')}
        create={mayCreateProposal(user) ? { to: '/proposals/new', label: t('proposals.newProposal') } : undefined}
        exportMenu={{ path: '/api/v1/proposals/export', filters: query }}
      />

      <FilterBar onSearch={() => setFilters({ q: draft.trim() || undefined })} onClear={hasAny(FILTER_KEYS) ? clearAll : undefined}>
        <FilterSelect
          label={t('proposals.fiscalYear')}
          value={query.fiscal_year}
          allLabel={t('proposals.allYears')}
          options={yearOptions}
          onChange={(fiscal_year) => setFilters({ fiscal_year })}
        />
        <FilterSelect
          label={t('proposals.theme')}
          value={query.theme}
          allLabel={t('proposals.allThemes')}
          options={themeOptions.map((theme) => [theme, theme] as const)}
          onChange={(theme) => setFilters({ theme })}
        />
        <FilterSelect
          label={t('proposals.stage')}
          value={query.stage}
          allLabel={t('proposals.allStages')}
          options={[...STAGES.map((stage) => [String(stage), stageLabel(t, stage)] as const), ['0', t('proposals.notPresented')]]}
          onChange={(stage) => setFilters({ stage })}
        />
        <FilterSelect
          label={t('proposals.implementationStatus')}
          value={query.implementation_status}
          allLabel={t('proposals.allStatuses')}
          options={[
            ...IMPLEMENTATION_STATUSES.map((status) => [status, statusLabel(t, status)] as const),
            ['none', t('listFilters.statusNone')],
          ]}
          onChange={(implementation_status) => setFilters({ implementation_status })}
        />
        <FilterSelect
          label={t('proposals.section')}
          value={query.section_id}
          allLabel={t('proposals.allSections')}
          groups={groups.map((group) => ({
            label: group.bureau.name,
            options: group.sections.map((section) => [String(section.id), section.name] as const),
          }))}
          onChange={(section_id) => setFilters({ section_id })}
        />
        <FilterText label={t('proposals.search')} hint={t('proposals.searchHint')} value={draft} onChange={setDraft} wide />
        {ownScope && (
          <FilterCheckbox
            label={t('proposals.mine')}
            hint={ownScope === 'sections' ? t('proposals.mineHintEditor') : t('proposals.mineHintProposer')}
            checked={query.scope === 'mine'}
            onChange={(mine) => setFilters({ scope: mine ? 'mine' : undefined })}
          />
        )}
      </FilterBar>

      <ActiveFilters filters={active} onRemove={removeFilters} onClear={clearAll} />

      <ListResults
        list={list}
        page={query.page ?? 1}
        perPage={PER_PAGE}
        countTestId="proposal-count"
        emptyText={t('proposals.noResults')}
        rangeText={(range) => t('proposals.resultRange', range)}
        caption={(total) => `${t('proposals.tableCaption')} ${t('proposals.resultCount', { total })}`}
        head={
          <tr>
            <SortableHeader column="number" label={t('proposals.columns.number')} sort={query.sort} onSort={sortBy} />
            <SortableHeader column="title" label={t('proposals.columns.title')} sort={query.sort} onSort={sortBy} />
            <th scope="col">{t('proposals.columns.theme')}</th>
            <SortableHeader column="stage" label={t('proposals.columns.stage')} sort={query.sort} onSort={sortBy} />
            <th scope="col">{t('proposals.columns.sections')}</th>
            <th scope="col">{t('proposals.columns.status')}</th>
          </tr>
        }
        row={(proposal) => <ProposalRow key={proposal.id} proposal={proposal} />}
        pageLink={pageLink}
      />
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
