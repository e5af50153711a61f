import { useMemo } from 'react';
import { Link } from 'react-router';
import { useFlash } from '../../lib/flash';
import { useTranslation } from 'react-i18next';
import { useAuth } from '../../lib/auth';
import { fiscalYearOf, monthLabel, shortDate, todayInTokyo } from '../../lib/dates';
import { classificationLabel, fiscalYearLabel, reformStatusLabel } from '../../lib/labels';
import { isoDate, oneOf, positiveInt, sortParam, text } from '../../lib/listParams';
import { mayCreateReform } from '../../lib/permissions';
import { useDraft } from '../../lib/useDraft';
import { usePageTitle } from '../../lib/usePageTitle';
import {
  ActiveFilters,
  Announcement,
  FilterBar,
  FilterCheckbox,
  FilterDate,
  FilterSelect,
  FilterText,
  ListHeader,
  ListResults,
  SortableHeader,
  useListParams,
  type ActiveFilter,
} from '../../components/list';
import { PeriodCell } from '../../components/records/PeriodCell';
import {
  CLASSIFICATIONS,
  REFORM_STATUSES,
  useAllSections,
  useBureauList,
  useReformList,
  type ReformOut,
  type ReformQuery,
} from './api';
import { TagList } from './TagList';
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
const PERIOD_KINDS = ['parsed', 'text_only', 'missing'] as const;
const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;
const SORT_COLUMNS = ['report_number', 'title', 'updated_at'] as const;

/** Reads the list's filters from the URL into the API's query (unknown values are dropped). */
export function reformQueryFromParams(params: URLSearchParams): ReformQuery {
  const classification = params.get('classification');
  const startedIn = params.get('started_in');
  const query: ReformQuery = {
    page: positiveInt(params.get('page')) ?? 1,
    per_page: PER_PAGE,
    fiscal_year: positiveInt(params.get('fiscal_year')),
    bureau_id: positiveInt(params.get('bureau_id')),
    section_id: positiveInt(params.get('section_id')),
    classification: classification === 'none' ? 'none' : oneOf(classification, CLASSIFICATIONS),
    as_of: isoDate(params.get('as_of')),
    started_in: startedIn && MONTH.test(startedIn) ? startedIn : undefined,
    period: oneOf(params.get('period'), PERIOD_KINDS),
    status: oneOf(params.get('status'), REFORM_STATUSES),
    tag: text(params.get('tag')),
    featured: params.get('featured') === 'true' ? true : undefined,
    period_from: isoDate(params.get('period_from')),
    period_to: isoDate(params.get('period_to')),
    q: text(params.get('q')),
    sort: sortParam(params.get('sort'), SORT_COLUMNS),
  };
  return Object.fromEntries(Object.entries(query).filter(([, v]) => v !== undefined)) as ReformQuery;
}

export function ReformListPage() {
  const { t, i18n } = useTranslation();
  const language = i18n.resolvedLanguage ?? 'ja';
  const { user } = useAuth();
  usePageTitle(t('reforms.listTitle'));
  const { params, setFilters, removeFilters, clearAll, hasAny, pageLink } = useListParams();
  const query = useMemo(() => reformQueryFromParams(params), [params]);
  const list = useReformList(query);
  const bureaus = useBureauList();
  const sections = useAllSections();
  const announcement = useFlash();
  const [draft, setDraft] = useDraft(query.q ?? '');
  const [tagDraft, setTagDraft] = useDraft(query.tag ?? '');

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

  const sortBy = (sort: string) => setFilters({ sort });

  return (
    <div className="page pp-page rf-page">
      <ListHeader
        title={t('reforms.listTitle')}
        intro={t('reforms.listIntro')}
        create={mayCreateReform(user) ? { to: '/reforms/new', label: t('reforms.newReform') } : undefined}
        exportMenu={{ path: '/api/v1/reforms/export', filters: query }}
      />
      <Announcement message={announcement} testId="reform-list-announcement" />

      <FilterBar
        onSearch={() => setFilters({ q: draft.trim() || undefined, tag: tagDraft.trim() || undefined })}
        onClear={hasAny(FILTER_KEYS) ? clearAll : undefined}
      >
        <FilterSelect
          label={t('reforms.fiscalYear')}
          value={query.fiscal_year}
          allLabel={t('reforms.allYears')}
          options={yearOptions.map((y) => [String(y), fiscalYearLabel(t, y)] as const)}
          onChange={(fiscal_year) => setFilters({ fiscal_year })}
        />
        <FilterSelect
          label={t('reforms.bureau')}
          value={query.bureau_id}
          allLabel={t('reforms.allBureaus')}
          options={(bureaus.data ?? []).map((b) => [String(b.id), b.name] as const)}
          // Sections belong to a bureau: choosing another bureau drops the section filter.
          onChange={(bureau_id) => setFilters({ bureau_id, section_id: undefined })}
        />
        <FilterSelect
          label={t('reforms.section')}
          value={query.section_id}
          allLabel={t('reforms.allSections')}
          options={sectionOptions.map(
            (s) => [String(s.id), query.bureau_id ? s.name : `${s.name}（${bureauName(s.bureau_id)}）`] as const,
          )}
          onChange={(section_id) => setFilters({ section_id })}
        />
        <FilterSelect
          label={t('reforms.classification')}
          value={query.classification}
          allLabel={t('reforms.allClassifications')}
          options={[
            ...CLASSIFICATIONS.map((c) => [c, classificationLabel(t, c)] as const),
            ['none', t('listFilters.classificationNone')],
          ]}
          onChange={(classification) => setFilters({ classification })}
        />
        <FilterSelect
          label={t('reforms.status')}
          value={query.status}
          allLabel={t('reforms.allStatuses')}
          options={REFORM_STATUSES.map((s) => [s, reformStatusLabel(t, s)] as const)}
          onChange={(status) => setFilters({ status })}
        />
        <FilterDate label={t('reforms.periodFrom')} value={query.period_from} onChange={(period_from) => setFilters({ period_from })} />
        <FilterDate label={t('reforms.periodTo')} value={query.period_to} onChange={(period_to) => setFilters({ period_to })} />
        <FilterCheckbox
          label={t('reforms.featuredOnly')}
          checked={query.featured === true}
          onChange={(featured) => setFilters({ featured: featured ? 'true' : undefined })}
        />
        <FilterText label={t('reforms.tag')} value={tagDraft} onChange={setTagDraft} />
        <FilterText label={t('reforms.search')} hint={t('reforms.searchHint')} value={draft} onChange={setDraft} wide />
      </FilterBar>

      <ActiveFilters filters={active} onRemove={removeFilters} onClear={clearAll} />

      <ListResults
        list={list}
        page={query.page ?? 1}
        perPage={PER_PAGE}
        countTestId="reform-count"
        emptyText={t('reforms.noResults')}
        rangeText={(range) => t('reforms.resultRange', range)}
        caption={(total) => `${t('reforms.tableCaption')} ${t('reforms.resultCount', { total })}`}
        tableClassName="pp-table rf-table"
        head={
          <tr>
            <SortableHeader column="report_number" defaultColumn="report_number" label={t('reforms.columns.number')} sort={query.sort} onSort={sortBy} />
            <th scope="col">{t('reforms.columns.bureau')}</th>
            <th scope="col">{t('reforms.columns.sections')}</th>
            <th scope="col">{t('reforms.columns.classification')}</th>
            <SortableHeader column="title" defaultColumn="report_number" label={t('reforms.columns.title')} sort={query.sort} onSort={sortBy} />
            <th scope="col">{t('reforms.columns.period')}</th>
            <th scope="col">{t('reforms.columns.status')}</th>
            <th scope="col">{t('reforms.columns.tags')}</th>
          </tr>
        }
        row={(reform) => <ReformRow key={reform.id} reform={reform} />}
        pageLink={pageLink}
      />
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
        <TagList tags={reform.tags} />
      </td>
    </tr>
  );
}
