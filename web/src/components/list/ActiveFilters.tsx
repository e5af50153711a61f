import { useId } from 'react';
import { useTranslation } from 'react-i18next';

export interface ActiveFilter {
  /** The query-string key(s) the filter comes from; removing it deletes them. */
  keys: readonly string[];
  /** What the filter means, e.g. 「基準日 2025年11月25日 時点」. */
  label: string;
}

/**
 * The conditions a list is filtered by, in words, each with a button that drops it, and one that
 * drops them all. A list reached from a dashboard figure shows here what the figure counted.
 */
export function ActiveFilters({
  filters,
  onRemove,
  onClear,
}: {
  filters: readonly ActiveFilter[];
  onRemove: (keys: readonly string[]) => void;
  onClear: () => void;
}) {
  const { t } = useTranslation();
  const headingId = useId();
  if (filters.length === 0) return null;
  return (
    <div className="notice notice--info af-notice" data-testid="active-filters">
      <p id={headingId}>{t('listFilters.heading')}</p>
      <ul aria-labelledby={headingId}>
        {filters.map((filter) => (
          <li key={filter.keys.join('+')}>
            <span>{filter.label}</span>
            <button
              type="button"
              className="af-notice__remove"
              aria-label={t('listFilters.removeOne', { label: filter.label })}
              onClick={() => onRemove(filter.keys)}
            >
              {t('listFilters.remove')}
            </button>
          </li>
        ))}
      </ul>
      <button type="button" className="button button--secondary" onClick={onClear}>
        {t('listFilters.clearAll')}
      </button>
    </div>
  );
}
