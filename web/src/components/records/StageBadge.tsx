import { useTranslation } from 'react-i18next';
import { stageLabel } from '../../lib/labels';

/** The stage of a proposal or section as a coloured badge with its full label as text. */
export function StageBadge({ stage }: { stage: number | null | undefined }) {
  const { t } = useTranslation();
  const modifier = stage === 1 || stage === 2 || stage === 3 || stage === 4 ? stage : 0;
  return <span className={`pp-stage pp-stage--${modifier}`}>{stageLabel(t, stage)}</span>;
}
