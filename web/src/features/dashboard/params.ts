import { useMemo } from 'react';
import { useSearchParams } from 'react-router';
import { useProjectTeams } from '../../lib/reference';
import { fiscalYearOf, isIsoDate, todayInTokyo } from '../../lib/dates';
import { positiveInt } from '../../lib/listParams';

const FIRST_FISCAL_YEAR = 2019; // 令和元年度

export type DashboardParamKey = 'fiscal_year' | 'as_of' | 'stale_days' | 'as_known_on';

/**
 * The fiscal year, day and stale threshold a dashboard is computed for, read from the address
 * (`?fiscal_year=2025&as_of=2025-11-25&stale_days=60`, and `as_known_on` to count only what was
 * recorded by the end of that day). Without `fiscal_year` the newest project
 * team's year is shown (the demo's teams end in 令和7年度 while today may be later), else the year
 * of today; without `as_of`, today. The defaults are not written into the address: a control the
 * person changes writes the year and the day together, so the view can be linked and reloaded.
 */
export function useDashboardParams() {
  const [params, setParams] = useSearchParams();
  const teams = useProjectTeams();
  const today = todayInTokyo();

  const yearParam = positiveInt(params.get('fiscal_year'));
  const asOfParam = params.get('as_of');
  const asOf = asOfParam && isIsoDate(asOfParam) ? asOfParam : today;
  const staleDays = positiveInt(params.get('stale_days'));
  const knownParam = params.get('as_known_on');
  const asKnownOn = knownParam && isIsoDate(knownParam) ? knownParam : undefined;
  const defaultYear = teams.isPending ? undefined : (teams.data?.[0]?.fiscal_year ?? fiscalYearOf(today));
  const fiscalYear = yearParam ?? defaultYear;

  const yearOptions = useMemo(() => {
    const years = new Set<number>((teams.data ?? []).map((team) => team.fiscal_year));
    const current = fiscalYearOf(today);
    for (let year = current; year >= FIRST_FISCAL_YEAR; year -= 1) years.add(year);
    if (fiscalYear !== undefined) years.add(fiscalYear);
    return [...years].sort((a, b) => b - a);
  }, [teams.data, today, fiscalYear]);

  /** Writes the shown year and day, with the given changes, into the address. */
  function update(changes: Partial<Record<DashboardParamKey, string | undefined>>) {
    const next = new URLSearchParams(params);
    if (fiscalYear !== undefined) next.set('fiscal_year', String(fiscalYear));
    next.set('as_of', asOf);
    for (const [key, value] of Object.entries(changes)) {
      if (value) next.set(key, value);
      else next.delete(key);
    }
    setParams(next, { replace: true });
  }

  return { fiscalYear, asOf, staleDays, asKnownOn, today, yearOptions, update };
}
