import type { TFunction } from 'i18next';
import type { Decision, ImplementationStatus } from './api';

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
