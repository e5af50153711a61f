// Previous and next page links with "page n of m" between them; nothing for a single page.
import { Link } from 'react-router';
import { useTranslation } from 'react-i18next';

export function Pagination({
  page,
  pages,
  linkTo,
  label,
  pageOf,
}: {
  page: number;
  pages: number;
  linkTo: (page: number) => string;
  /** The navigation's name when a screen has more than one list (default ページ送り). */
  label?: string;
  pageOf?: string;
}) {
  const { t } = useTranslation();
  if (pages <= 1) return null;
  return (
    <nav aria-label={label ?? t('list.pagination')} className="pp-pagination">
      {page > 1 ? (
        <Link to={linkTo(page - 1)} rel="prev">
          {t('list.previous')}
        </Link>
      ) : (
        <span />
      )}
      <span>{pageOf ?? t('list.pageOf', { page, pages })}</span>
      {page < pages ? (
        <Link to={linkTo(page + 1)} rel="next">
          {t('list.next')}
        </Link>
      ) : (
        <span />
      )}
    </nav>
  );
}

/** The page count and the 1-based range of rows shown for a page of `perPage`. */
export function pageRange(total: number, page: number, perPage: number) {
  return {
    pages: Math.max(1, Math.ceil(total / perPage)),
    from: total === 0 ? 0 : (page - 1) * perPage + 1,
    to: Math.min(total, page * perPage),
  };
}
