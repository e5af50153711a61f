// What every list page shows under its filters: the error, the count (announced as it changes),
// the table of one page and the links to the others.
import type { ReactNode } from 'react';
import type { UseQueryResult } from '@tanstack/react-query';
import { Link } from 'react-router';
import { useTranslation } from 'react-i18next';
import { ExportMenu, type ExportMenuProps } from '../records/ExportMenu';
import { Pagination, pageRange } from './Pagination';
import { LoadProblem } from '../records/LoadProblem';

export interface ListPage<T> {
  items: T[];
  total: number;
}

export function ListResults<T>({
  list,
  page,
  perPage,
  countTestId,
  emptyText,
  rangeText,
  caption,
  tableClassName = 'pp-table',
  head,
  row,
  pageLink,
}: {
  list: UseQueryResult<ListPage<T>>;
  page: number;
  perPage: number;
  countTestId: string;
  emptyText: string;
  rangeText: (range: { total: number; from: number; to: number }) => string;
  /** The table's name for screen readers, with the count. */
  caption: (total: number) => string;
  tableClassName?: string;
  head: ReactNode;
  row: (item: T) => ReactNode;
  pageLink: (page: number) => string;
}) {
  const { t } = useTranslation();
  const data = list.data;
  const total = data?.total ?? 0;
  const { pages, from, to } = pageRange(total, page, perPage);
  return (
    <>
      {list.isError && (
        <LoadProblem error={list.error} />
      )}

      <p role="status" aria-atomic="true" className="pp-result-count" data-testid={countTestId}>
        {list.isPending ? t('list.loading') : data && (total === 0 ? emptyText : rangeText({ total, from, to }))}
      </p>

      {data && data.items.length > 0 && (
        <div className="pp-table-wrap">
          <table className={tableClassName}>
            <caption className="visually-hidden">{caption(total)}</caption>
            <thead>{head}</thead>
            <tbody>{data.items.map(row)}</tbody>
          </table>
        </div>
      )}

      {data && <Pagination page={page} pages={pages} linkTo={pageLink} />}
    </>
  );
}

/** The heading row of a list page with its actions (新規登録, エクスポート) and the lead text. */
/**
 * The list's title and intro, with the link to a new record (`create`, given only to those who
 * may create one) and the export menu of what the list shows.
 */
export function ListHeader({
  title,
  intro,
  create,
  exportMenu,
}: {
  title: string;
  intro: string;
  create?: { to: string; label: string } | undefined;
  exportMenu: ExportMenuProps;
}) {
  return (
    <>
      <div className="pp-title-row">
        <h1 tabIndex={-1}>{title}</h1>
        <div className="xp-actions">
          {create && (
            <Link to={create.to} className="button button--primary pp-link-button">
              {create.label}
            </Link>
          )}
          <ExportMenu {...exportMenu} />
        </div>
      </div>
      <p className="lead">{intro}</p>
    </>
  );
}

/** A polite live region for what the previous screen reported (saved, deleted…). */
export function Announcement({ message, testId }: { message: string; testId: string }) {
  return (
    <div role="status" aria-atomic="true" className="alert-region" data-testid={testId}>
      {message && <div className="notice notice--info">{message}</div>}
    </div>
  );
}
