import { useMemo } from 'react';
import { Link } from 'react-router';
import { useFlash } from '../../lib/flash';
import { useTranslation } from 'react-i18next';
import { useAuth } from '../../lib/auth';
import { shortDate } from '../../lib/dates';
import { formatHours, formatYen } from '../../lib/format';
import { fiscalYearLabel } from '../../lib/labels';
import { isoDate, oneOf, positiveInt, sortParam, text } from '../../lib/listParams';
import { mayCreateDigitalSystem } from '../../lib/permissions';
import { useDraft } from '../../lib/useDraft';
import { usePageTitle } from '../../lib/usePageTitle';
import {
  ActiveFilters,
  Announcement,
  FilterBar,
  FilterSelect,
  FilterText,
  ListHeader,
  ListResults,
  SortableHeader,
  useListParams,
  type ActiveFilter,
} from '../../components/list';
import {
  PLATFORMS,
  SYSTEM_STATUSES,
  useDigitalSystemList,
  useSectionGroups,
  type DigitalSystemOut,
  type DigitalSystemQuery,
} from './api';
import { TargetsOverview } from './TargetsOverview';
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
const SORT_COLUMNS = ['name', 'annual_hours_saved'] as const;

/** Reads the list's filters from the URL into the API's query (unknown values are dropped). */
export function queryFromParams(params: URLSearchParams): DigitalSystemQuery {
  const inHouse = params.get('built_in_house');
  const query: DigitalSystemQuery = {
    page: positiveInt(params.get('page')) ?? 1,
    per_page: PER_PAGE,
    bureau_id: positiveInt(params.get('bureau_id')),
    section_id: positiveInt(params.get('section_id')),
    platform: oneOf(params.get('platform'), PLATFORMS),
    status: oneOf(params.get('status'), SYSTEM_STATUSES),
    built_in_house: inHouse === 'true' || inHouse === 'false' ? inHouse === 'true' : undefined,
    q: text(params.get('q')),
    in_production_on: isoDate(params.get('in_production_on')),
    production_fiscal_year: positiveInt(params.get('production_fiscal_year')),
    sort: sortParam(params.get('sort'), SORT_COLUMNS),
  };
  return Object.fromEntries(Object.entries(query).filter(([, v]) => v !== undefined)) as DigitalSystemQuery;
}

export function DigitalSystemListPage() {
  const { t, i18n } = useTranslation();
  const { user } = useAuth();
  usePageTitle(t('ledger.listTitle'));
  const { params, setFilters, removeFilters, clearAll, hasAny, pageLink } = useListParams();
  const query = useMemo(() => queryFromParams(params), [params]);
  const list = useDigitalSystemList(query);
  const groups = useSectionGroups();
  const language = i18n.resolvedLanguage ?? 'ja';
  const flash = useFlash();
  const [draft, setDraft] = useDraft(query.q ?? '');

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

  const sectionGroups = allGroups.filter(
    (group) => group.sections.length > 0 && (!query.bureau_id || group.bureau.id === query.bureau_id),
  );
  const sortBy = (sort: string) => setFilters({ sort });

  return (
    <div className="page pp-page lg-page">
      <ListHeader
        title={t('ledger.listTitle')}
        intro={t('ledger.listIntro')}
        create={mayCreateDigitalSystem(user) ? { to: '/digital-systems/new', label: t('ledger.newSystem') } : undefined}
        exportMenu={{ path: '/api/v1/digital-systems/export', filters: query }}
      />
      <Announcement message={flash} testId="ledger-announcement" />

      <TargetsOverview />

      <section className="lg-systems" aria-labelledby="ledger-systems-heading">
        <h2 id="ledger-systems-heading">{t('ledger.systemsHeading')}</h2>
        <FilterBar
          heading="h3"
          onSearch={() => setFilters({ q: draft.trim() || undefined })}
          onClear={hasAny(FILTER_KEYS) ? clearAll : undefined}
        >
          <FilterSelect
            label={t('ledger.fields.bureau')}
            value={query.bureau_id}
            allLabel={t('ledger.allBureaus')}
            options={allGroups.map((group) => [String(group.bureau.id), group.bureau.name] as const)}
            // A section of another bureau would match nothing.
            onChange={(bureau_id) => setFilters({ bureau_id, section_id: undefined })}
          />
          <FilterSelect
            label={t('ledger.fields.section')}
            value={query.section_id}
            allLabel={t('ledger.allSections')}
            groups={sectionGroups.map((group) => ({
              label: group.bureau.name,
              options: group.sections.map((section) => [String(section.id), section.name] as const),
            }))}
            onChange={(section_id) => setFilters({ section_id })}
          />
          <FilterSelect
            label={t('ledger.fields.platform')}
            value={query.platform}
            allLabel={t('ledger.allPlatforms')}
            options={PLATFORMS.map((platform) => [platform, t(`ledger.platforms.${platform}`)] as const)}
            onChange={(platform) => setFilters({ platform })}
          />
          <FilterSelect
            label={t('ledger.fields.status')}
            value={query.status}
            allLabel={t('ledger.allStatuses')}
            options={SYSTEM_STATUSES.map((status) => [status, t(`ledger.statuses.${status}`)] as const)}
            onChange={(status) => setFilters({ status })}
          />
          <FilterSelect
            label={t('ledger.columns.inHouse')}
            value={query.built_in_house}
            allLabel={t('ledger.inHouseAny')}
            options={[
              ['true', t('ledger.inHouseYes')],
              ['false', t('ledger.inHouseNo')],
            ]}
            onChange={(built_in_house) => setFilters({ built_in_house })}
          />
          <FilterText label={t('ledger.search')} hint={t('ledger.searchHint')} value={draft} onChange={setDraft} wide />
        </FilterBar>

        <ActiveFilters filters={active} onRemove={removeFilters} onClear={clearAll} />

        <ListResults
          list={list}
          page={query.page ?? 1}
          perPage={PER_PAGE}
          countTestId="system-count"
          emptyText={t('ledger.noResults')}
          rangeText={(range) => t('ledger.resultRange', range)}
          caption={(total) => `${t('ledger.tableCaption')} ${t('ledger.resultCount', { total })}`}
          tableClassName="pp-table lg-systems-table"
          head={
            <tr>
              <SortableHeader column="name" label={t('ledger.columns.name')} sort={query.sort} onSort={sortBy} />
              <th scope="col">{t('ledger.columns.section')}</th>
              <th scope="col">{t('ledger.columns.platform')}</th>
              <th scope="col">{t('ledger.columns.status')}</th>
              <th scope="col">{t('ledger.columns.inHouse')}</th>
              <SortableHeader
                column="annual_hours_saved"
                label={t('ledger.columns.hoursSaved')}
                sort={query.sort}
                descendingFirst
                onSort={sortBy}
              />
              <th scope="col">{t('ledger.columns.costEffect')}</th>
            </tr>
          }
          row={(system) => <SystemRow key={system.id} system={system} language={language} />}
          pageLink={pageLink}
        />
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
