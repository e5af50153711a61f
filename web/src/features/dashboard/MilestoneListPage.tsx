import { useEffect, useId, useMemo, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { isApiProblem } from '../../lib/api';
import { fiscalYearOf, isIsoDate, shortDate, todayInTokyo } from '../../lib/dates';
import { useBureauList } from '../../lib/reference';
import { fiscalYearLabel } from '../../lib/labels';
import { ActiveFilters, type ActiveFilter } from '../../components/list/ActiveFilters';
import { usePageTitle } from '../../lib/usePageTitle';
import { useMilestoneList, type MilestoneListItemOut, type MilestoneQuery } from './api';
import { positiveInt } from './params';
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
  const [params, setParams] = useSearchParams();
  const query = useMemo(() => milestoneQueryFromParams(params, today), [params, today]);
  const list = useMilestoneList(query);
  const bureaus = useBureauList();

  const [overdueInput, setOverdueInput] = useState(query.overdue_on ?? '');
  useEffect(() => setOverdueInput(query.overdue_on ?? ''), [query.overdue_on]);

  function setFilters(changes: Record<string, string | undefined>) {
    const next = new URLSearchParams(params);
    for (const [key, value] of Object.entries(changes)) {
      if (value) next.set(key, value);
      else next.delete(key);
    }
    next.delete('page');
    setParams(next);
  }

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

  const page = list.data;
  const total = page?.total ?? 0;
  const pages = Math.max(1, Math.ceil(total / PER_PAGE));
  const current = query.page ?? 1;
  const from = total === 0 ? 0 : (current - 1) * PER_PAGE + 1;
  const to = Math.min(total, current * PER_PAGE);

  function pageLink(n: number): string {
    const next = new URLSearchParams(params);
    if (n <= 1) next.delete('page');
    else next.set('page', String(n));
    const search = next.toString();
    return search ? `?${search}` : '?';
  }

  return (
    <div className="page pp-page">
      <h1 tabIndex={-1}>{t('milestones.title')}</h1>
      <p className="lead">{t('milestones.intro')}</p>

      <div className="pp-report-controls">
        <div className="form-field">
          <label className="form-field__label" htmlFor={`${ids}-year`}>
            {t('milestones.fiscalYear')}
          </label>
          <select
            id={`${ids}-year`}
            className="form-field__input"
            value={query.fiscal_year}
            onChange={(e) => setFilters({ fiscal_year: e.target.value })}
          >
            {years.map((year) => (
              <option key={year} value={year}>
                {fiscalYearLabel(t, year)}
              </option>
            ))}
          </select>
        </div>
        <div className="form-field">
          <label className="form-field__label" htmlFor={`${ids}-bureau`}>
            {t('milestones.bureau')}
          </label>
          <select
            id={`${ids}-bureau`}
            className="form-field__input"
            value={query.bureau_id ?? ''}
            onChange={(e) => setFilters({ bureau_id: e.target.value })}
          >
            <option value="">{t('milestones.allBureaus')}</option>
            {(bureaus.data ?? []).map((b) => (
              <option key={b.id} value={b.id}>
                {b.name}
              </option>
            ))}
          </select>
        </div>
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
        onRemove={(keys) => setFilters(Object.fromEntries(keys.map((k) => [k, undefined])))}
        onClear={() => setFilters(Object.fromEntries(FILTER_KEYS.map((k) => [k, undefined])))}
      />

      {list.isError && (
        <div className="notice notice--error" role="alert">
          {isApiProblem(list.error) ? list.error.localizedMessage(t) : t('problem.internal_error')}
        </div>
      )}

      <p role="status" aria-atomic="true" className="pp-result-count" data-testid="milestone-count">
        {list.isPending
          ? t('milestones.loading')
          : page && (total === 0 ? t('milestones.noResults') : t('milestones.resultRange', { total, from, to }))}
      </p>

      {page && page.items.length > 0 && (
        <div className="pp-table-wrap">
          <table className="pp-table">
            <caption className="visually-hidden">
              {t('milestones.tableCaption')} {fiscalYearLabel(t, query.fiscal_year)}
            </caption>
            <thead>
              <tr>
                <th scope="col">{t('milestones.columns.bureau')}</th>
                <th scope="col">{t('milestones.columns.issue')}</th>
                <th scope="col">{t('milestones.columns.title')}</th>
                <th scope="col">{t('milestones.columns.quarter')}</th>
                <th scope="col">{t('milestones.columns.due')}</th>
                <th scope="col">{t('milestones.columns.state')}</th>
              </tr>
            </thead>
            <tbody>
              {page.items.map((item) => (
                <MilestoneRow key={item.id} item={item} fiscalYear={query.fiscal_year} language={language} />
              ))}
            </tbody>
          </table>
        </div>
      )}

      {page && pages > 1 && (
        <nav aria-label={t('milestones.pagination')} className="pp-pagination">
          {current > 1 ? (
            <Link to={pageLink(current - 1)} rel="prev">
              {t('milestones.previous')}
            </Link>
          ) : (
            <span />
          )}
          <span>{t('milestones.pageOf', { page: current, pages })}</span>
          {current < pages ? (
            <Link to={pageLink(current + 1)} rel="next">
              {t('milestones.next')}
            </Link>
          ) : (
            <span />
          )}
        </nav>
      )}
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
