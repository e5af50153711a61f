import { useId, useMemo } from 'react';
import { Link } from 'react-router';
import { useTranslation } from 'react-i18next';
import { fiscalYearOf, isIsoDate, shortDate, todayInTokyo } from '../../lib/dates';
import { useBureauList } from '../../lib/reference';
import { fiscalYearLabel } from '../../lib/labels';
import { ActiveFilters, FilterSelect, ListResults, useListParams, type ActiveFilter } from '../../components/list';
import { useDraft } from '../../lib/useDraft';
import { usePageTitle } from '../../lib/usePageTitle';
import { useMilestoneList, type MilestoneListItemOut, type MilestoneQuery } from './api';
import { positiveInt } from '../../lib/listParams';
import './dashboard.css';

export const PER_PAGE = 50;
const FILTER_KEYS = ['bureau_id', 'overdue_on'] as const;

/** Reads the list's filters from the URL; the fiscal year is the current one when absent. */
export function milestoneQueryFromParams(params: URLSearchParams, today: string): MilestoneQuery {
  const query: MilestoneQuery = {
    fiscal_year: positiveInt(params.get('fiscal_year')) ?? fiscalYearOf(today),
    page: positiveInt(params.get('page')) ?? 1,
    per_page: PER_PAGE,
  };
  const bureauId = positiveInt(params.get('bureau_id'));
  if (bureauId) query.bureau_id = bureauId;
  const overdueOn = params.get('overdue_on');
  if (overdueOn && isIsoDate(overdueOn)) query.overdue_on = overdueOn;
  return query;
}

/** /milestones: the quarter milestones of the X policies of a year; the dashboard's overdue figure lands here. */
export function MilestoneListPage() {
  const { t, i18n } = useTranslation();
  const language = i18n.resolvedLanguage ?? 'ja';
  usePageTitle(t('milestones.title'));
  const ids = useId();
  const today = todayInTokyo();
  const { params, setFilters, removeFilters, pageLink } = useListParams();
  const query = useMemo(() => milestoneQueryFromParams(params, today), [params, today]);
  const list = useMilestoneList(query);
  const bureaus = useBureauList();
  const [overdueInput, setOverdueInput] = useDraft(query.overdue_on ?? '');

  const years = useMemo(() => {
    const current = fiscalYearOf(today);
    const out = new Set<number>([query.fiscal_year]);
    for (let year = current + 1; year >= 2019; year -= 1) out.add(year);
    return [...out].sort((a, b) => b - a);
  }, [today, query.fiscal_year]);

  const bureauName = (id: number) => bureaus.data?.find((b) => b.id === id)?.name ?? String(id);
  const active: ActiveFilter[] = [];
  if (query.bureau_id) active.push({ keys: ['bureau_id'], label: t('listFilters.bureau', { name: bureauName(query.bureau_id) }) });
  if (query.overdue_on) {
    active.push({ keys: ['overdue_on'], label: t('listFilters.overdueOn', { date: shortDate(query.overdue_on, language) }) });
  }

  return (
    <div className="page pp-page">
      <h1 tabIndex={-1}>{t('milestones.title')}</h1>
      <p className="lead">{t('milestones.intro')}</p>

      <div className="pp-report-controls">
        <FilterSelect
          label={t('milestones.fiscalYear')}
          value={query.fiscal_year}
          options={years.map((year) => [String(year), fiscalYearLabel(t, year)] as const)}
          onChange={(fiscal_year) => setFilters({ fiscal_year })}
        />
        <FilterSelect
          label={t('milestones.bureau')}
          value={query.bureau_id}
          allLabel={t('milestones.allBureaus')}
          options={(bureaus.data ?? []).map((b) => [String(b.id), b.name] as const)}
          onChange={(bureau_id) => setFilters({ bureau_id })}
        />
        <div className="form-field">
          <label className="form-field__label" htmlFor={`${ids}-overdue`}>
            {t('milestones.overdueOn')}
          </label>
          <p id={`${ids}-overdue-hint`} className="form-field__hint">
            {t('milestones.overdueOnHint')}
          </p>
          <input
            id={`${ids}-overdue`}
            type="date"
            className="form-field__input form-field__input--short"
            value={overdueInput}
            aria-describedby={`${ids}-overdue-hint`}
            onChange={(e) => {
              setOverdueInput(e.target.value);
              if (e.target.value === '' || isIsoDate(e.target.value)) setFilters({ overdue_on: e.target.value });
            }}
          />
        </div>
      </div>

      <ActiveFilters
        filters={active}
        onRemove={removeFilters}
        onClear={() => removeFilters(FILTER_KEYS)}
      />

      <ListResults
        list={list}
        page={query.page ?? 1}
        perPage={PER_PAGE}
        countTestId="milestone-count"
        emptyText={t('milestones.noResults')}
        rangeText={(range) => t('milestones.resultRange', range)}
        caption={() => `${t('milestones.tableCaption')} ${fiscalYearLabel(t, query.fiscal_year)}`}
        head={
          <tr>
            <th scope="col">{t('milestones.columns.bureau')}</th>
            <th scope="col">{t('milestones.columns.issue')}</th>
            <th scope="col">{t('milestones.columns.title')}</th>
            <th scope="col">{t('milestones.columns.quarter')}</th>
            <th scope="col">{t('milestones.columns.due')}</th>
            <th scope="col">{t('milestones.columns.state')}</th>
          </tr>
        }
        row={(item) => <MilestoneRow key={item.id} item={item} fiscalYear={query.fiscal_year} language={language} />}
        pageLink={pageLink}
      />
    </div>
  );
}

function MilestoneRow({ item, fiscalYear, language }: { item: MilestoneListItemOut; fiscalYear: number; language: string }) {
  const { t } = useTranslation();
  const state = item.done ? 'done' : item.overdue ? 'overdue' : 'open';
  return (
    <tr>
      <td className="pp-nowrap">
        <Link to={`/bureaus/${item.bureau_id}?fiscal_year=${fiscalYear}`}>{item.bureau}</Link>
      </td>
      <td>
        <Link to={`/policy-issues/${item.issue_id}`}>{item.issue_title}</Link>
      </td>
      <th scope="row">{item.title}</th>
      <td>{item.quarter_label}</td>
      <td className="pp-nowrap">{shortDate(item.due_on, language)}</td>
      <td className="pp-nowrap">
        <span className={`tag${state === 'overdue' ? '' : ' tag--subtle'}`}>{t(`milestones.states.${state}`)}</span>
      </td>
    </tr>
  );
}
