// The words for the records' fixed vocabularies (stages, statuses, classifications, fiscal years,
// periods) in the language in use: the server's own labels are Japanese only.
import type { TFunction } from 'i18next';
import type {
  Decision,
  EffectKind,
  ImplementationStatus,
  IssueStatus,
  PeriodOut,
  ReformClassification,
  ReformStatus,
} from './api';

export const STAGES = [1, 2, 3, 4] as const;
export type StageNumber = (typeof STAGES)[number];

export function isStage(value: number | null | undefined): value is StageNumber {
  return value === 1 || value === 2 || value === 3 || value === 4;
}

export const IMPLEMENTATION_STATUSES: readonly ImplementationStatus[] = [
  'under_consideration',
  'demonstration',
  'trial',
  'planned',
  'done',
  'ended',
];

export const REFORM_STATUSES: readonly ReformStatus[] = [
  'under_consideration',
  'planned',
  'trial',
  'in_progress',
  'done',
  'ended',
];
export const CLASSIFICATIONS: readonly ReformClassification[] = ['i', 'ii', 'iii'];
/** The owner's status words of a policy issue, in the order they are offered. */
export const ISSUE_STATUSES: readonly IssueStatus[] = ['not_started', 'in_progress', 'done', 'on_hold'];

/** ①所管課に提示 … in the language in use (the server's labels are Japanese only). */
export function stageLabel(t: TFunction, stage: number | null | undefined): string {
  if (stage === 1 || stage === 2 || stage === 3 || stage === 4) return t(`proposals.stages.${stage}`);
  return t('proposals.notPresented');
}

export function stageShortLabel(t: TFunction, stage: number | null | undefined): string {
  if (stage === 1 || stage === 2 || stage === 3 || stage === 4) return t(`proposals.stagesShort.${stage}`);
  return t('proposals.notPresented');
}

export function statusLabel(t: TFunction, status: ImplementationStatus | null | undefined): string {
  return status ? t(`proposals.statuses.${status}`) : t('proposals.none');
}

export function decisionLabel(t: TFunction, decision: Decision | null | undefined): string {
  return decision ? t(`proposals.decisions.${decision}`) : '';
}


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
