import type { TFunction } from 'i18next';
import type { Level, MilestoneState } from './api';

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
