import type { TFunction } from 'i18next';
import type { EffectKind, PeriodOut, ReformClassification, ReformStatus } from './api';

/** 検討中 … in the language in use (the server's labels are Japanese only). */
export function reformStatusLabel(t: TFunction, status: ReformStatus | null | undefined): string {
  return status ? t(`reforms.statuses.${status}`) : t('reforms.none');
}

/** `i（局区のPT）` and so on. */
export function classificationLabel(t: TFunction, classification: ReformClassification | null | undefined): string {
  return classification ? t(`reforms.classifications.${classification}`) : t('reforms.none');
}

export function effectKindLabel(t: TFunction, kind: EffectKind): string {
  return t(`reforms.effectKinds.${kind}`);
}

/**
 * 令和7年度 in Japanese (令和元年度 for 2019), FY2025 in English. Years before Reiwa are written
 * in the Western calendar: the screens never need them, but a typed year must still show.
 */
export function fiscalYearLabel(t: TFunction, year: number): string {
  if (year >= 2019) {
    const reiwa = year - 2018;
    return t('reforms.fiscalYearReiwa', { n: reiwa === 1 ? '元' : String(reiwa), year });
  }
  return t('reforms.fiscalYearPlain', { year });
}

/**
 * A period as the screens show it: the server's reading, then what was written when the two
 * differ (`令和7年4月～令和8年2月（R7.4~ R8.2）`); text the server could not read stays as it is.
 */
export function periodText(period: PeriodOut | null | undefined): { display: string; original: string | null } | null {
  if (!period) return null;
  if (!period.structured || period.display === period.original) return { display: period.original, original: null };
  return { display: period.display, original: period.original };
}
