// A column header that sorts the list by its column; the order is in `aria-sort` and in words.
import { useTranslation } from 'react-i18next';

/** The column and direction of a `sort` value (`-title` is title, descending). */
export function readSort(sort: string | undefined, defaultColumn = ''): { column: string; descending: boolean } {
  const value = sort ?? '';
  return { column: value.replace(/^-/, '') || defaultColumn, descending: value.startsWith('-') };
}

export function SortableHeader({
  column,
  label,
  sort,
  defaultColumn,
  descendingFirst = false,
  onSort,
}: {
  column: string;
  label: string;
  /** The list's current `sort` value. */
  sort: string | undefined;
  /** The column the server sorts by when none is asked for. */
  defaultColumn?: string;
  /** Figures are most useful largest first; names and numbers ascending. */
  descendingFirst?: boolean;
  onSort: (sort: string) => void;
}) {
  const { t } = useTranslation();
  const current = readSort(sort, defaultColumn);
  const active = current.column === column;
  const descending = active && current.descending;
  const next = active ? (descending ? column : `-${column}`) : descendingFirst ? `-${column}` : column;
  return (
    <th scope="col" aria-sort={active ? (descending ? 'descending' : 'ascending') : undefined}>
      <button type="button" className="pp-sort" onClick={() => onSort(next)}>
        {label}
        <span aria-hidden="true" className="pp-sort__icon">
          {active ? (descending ? '▼' : '▲') : '↕'}
        </span>
        <span className="visually-hidden">
          {' '}
          {t('list.sortBy', { column: label })}
          {active && `（${descending ? t('list.sortDescending') : t('list.sortAscending')}）`}
        </span>
      </button>
    </th>
  );
}
