import type { TFunction } from 'i18next';
import { isIsoDate, TIME_ZONE } from '../proposals/dates';
import type { Level, MilestoneState } from './api';

const SHORT = { timeZone: TIME_ZONE, year: 'numeric', month: 'long', day: 'numeric' } as const;
const FORMATTERS = {
  wareki: new Intl.DateTimeFormat('ja-JP-u-ca-japanese', { ...SHORT, era: 'long' }),
  en: new Intl.DateTimeFormat('en-GB', { ...SHORT, month: 'short' }),
};

function instantOf(isoDate: string): Date {
  return new Date(`${isoDate}T00:00:00+09:00`);
}

/** `令和5年11月30日` / `30 Nov 2023`: the era form the policies are written in, without the Western date. */
export function formatShortDate(isoDate: string | null | undefined, language: string): string {
  if (!isoDate) return '';
  if (!isIsoDate(isoDate)) return isoDate;
  return (language === 'en' ? FORMATTERS.en : FORMATTERS.wareki).format(instantOf(isoDate));
}

/** `R5.11.30` under a chart bar, where a long label would not fit; ISO dates in English. */
export function chartDateLabel(isoDate: string, language: string): string {
  if (language === 'en' || !isIsoDate(isoDate)) return isoDate;
  const [year, month, day] = isoDate.split('-').map(Number) as [number, number, number];
  const afterReiwa = isoDate >= '2019-05-01';
  const eraYear = afterReiwa ? year - 2018 : year - 1988;
  return `${afterReiwa ? 'R' : 'H'}${eraYear}.${month}.${day}`;
}

export function formatNumber(value: number | null | undefined, language: string): string {
  if (value == null || !Number.isFinite(value)) return '';
  return new Intl.NumberFormat(language === 'en' ? 'en-GB' : 'ja-JP', { maximumFractionDigits: 2 }).format(value);
}

/** `+5.7%`, `-3.2%`, `0.0%`: the sign is always written, as in the policy tables (増減割合). */
export function formatChangePercent(value: number | null | undefined): string {
  if (value == null || !Number.isFinite(value)) return '';
  const fixed = Math.abs(value).toFixed(1);
  if (Number(fixed) === 0) return '0.0%';
  return `${value > 0 ? '+' : '-'}${fixed}%`;
}

export function levelLabel(t: TFunction, level: Level | null | undefined): string {
  return level ? t(`bureaus.levels.${level}`) : t('bureaus.none');
}

export function milestoneStateLabel(t: TFunction, state: MilestoneState): string {
  return t(`bureaus.milestoneStates.${state}`);
}

export function quarterLabel(t: TFunction, quarter: number): string {
  return quarter >= 1 && quarter <= 4 ? t(`bureaus.quarters.${quarter as 1 | 2 | 3 | 4}`) : String(quarter);
}
