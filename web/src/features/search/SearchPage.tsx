import { useId, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { isApiProblem } from '../../lib/api';
import { Pagination } from '../../components/list';
import { SearchField } from '../../components/form';
import { usePageTitle } from '../../lib/usePageTitle';
import {
  MAX_QUERY_LENGTH,
  SEARCH_KINDS,
  countOf,
  groupHitsByKind,
  hitPath,
  isEntityKind,
  searchPageLink,
  useSearch,
  type EntityKind,
  type SearchHitOut,
} from './api';
import { HitMeta, Highlighted } from './Highlighted';
import './search.css';
import { useDraft } from '../../lib/useDraft';

export const PER_PAGE = 20;

function positiveInt(value: string | null): number | undefined {
  if (value === null || !/^\d+$/.test(value)) return undefined;
  const n = Number(value);
  return n > 0 && Number.isSafeInteger(n) ? n : undefined;
}

/** 横断検索の結果: `/search?q=&kind=&page=`, so a search can be linked, reloaded and paged. */
export function SearchPage() {
  const { t } = useTranslation();
  const ids = useId();
  const [params, setParams] = useSearchParams();
  const q = (params.get('q') ?? '').trim().slice(0, MAX_QUERY_LENGTH);
  const rawKind = params.get('kind');
  const kind: EntityKind | undefined = isEntityKind(rawKind) ? rawKind : undefined;
  const current = positiveInt(params.get('page')) ?? 1;
  const search = useSearch({ q, ...(kind ? { kind } : {}), page: current, per_page: PER_PAGE });
  usePageTitle(q ? t('search.page.titleWithQuery', { query: q }) : t('search.page.title'));

  const [text, setText] = useDraft(q);

  function handleSubmit(event: FormEvent) {
    event.preventDefault();
    const next = new URLSearchParams(params);
    const typed = text.trim();
    if (typed) next.set('q', typed);
    else next.delete('q');
    next.delete('page');
    setParams(next);
  }

  const data = q ? search.data : undefined;
  const total = data?.total ?? 0;
  const allCount = SEARCH_KINDS.reduce((sum, k) => sum + countOf(data, k), 0);
  const pages = Math.max(1, Math.ceil(total / PER_PAGE));
  const from = total === 0 ? 0 : (current - 1) * PER_PAGE + 1;
  const to = Math.min(total, current * PER_PAGE);

  let status = '';
  if (!q) status = t('search.page.enterQuery');
  else if (search.isPending || search.isPlaceholderData) status = t('search.page.loading');
  else if (data) status = total === 0 ? t('search.page.empty', { query: q }) : t('search.page.resultRange', { query: q, total, from, to });

  return (
    <div className="page pp-page sr-page">
      <h1 tabIndex={-1}>{t('search.page.title')}</h1>
      <p className="lead">{t('search.page.intro')}</p>

      <form role="search" aria-label={t('search.page.title')} className="card sr-page__form" onSubmit={handleSubmit}>
        <SearchField
          label={t('search.page.field')}
          hint={t('search.page.fieldHint')}
          maxLength={MAX_QUERY_LENGTH}
          value={text}
          onChange={setText}
          action={
            <button type="submit" className="button button--secondary">
              {t('search.page.submit')}
            </button>
          }
        />
      </form>

      {q && (
        <nav aria-label={t('search.page.kindFilter')} className="sr-kinds">
          <ul className="sr-kinds__list">
            <li>
              <KindLink q={q} active={!kind} label={t('search.all')} count={data ? allCount : undefined} />
            </li>
            {SEARCH_KINDS.map((k) => (
              <li key={k}>
                <KindLink
                  q={q}
                  kind={k}
                  active={kind === k}
                  label={t(`search.kinds.${k}`)}
                  count={data ? countOf(data, k) : undefined}
                />
              </li>
            ))}
          </ul>
        </nav>
      )}

      {q && search.isError && (
        <div className="notice notice--error" role="alert">
          {isApiProblem(search.error) ? search.error.localizedMessage(t) : t('problem.internal_error')}
          {isApiProblem(search.error) && search.error.requestId && (
            <p className="notice__meta">{t('errors.requestId', { id: search.error.requestId })}</p>
          )}
        </div>
      )}

      <p role="status" aria-atomic="true" className="pp-result-count" data-testid="search-count">
        {status}
      </p>
      {data && total === 0 && <p>{t('search.page.emptyHint')}</p>}

      {data &&
        groupHitsByKind(data.hits).map((group) => (
          <section key={group.kind} className="sr-group" aria-labelledby={`${ids}-${group.kind}`}>
            <h2 id={`${ids}-${group.kind}`} className="sr-group__heading">
              {t(`search.kinds.${group.kind}`)}
            </h2>
            <ol className="sr-hits">
              {group.hits.map((hit) => (
                <HitItem key={`${hit.kind}-${hit.id}`} hit={hit} />
              ))}
            </ol>
          </section>
        ))}

      {data && (
        <Pagination
          page={current}
          pages={pages}
          linkTo={(n) => searchPageLink(q, kind, n)}
          label={t('search.page.pagination')}
          pageOf={t('search.page.pageOf', { page: current, pages })}
        />
      )}
    </div>
  );
}

function KindLink({
  q,
  kind,
  active,
  label,
  count,
}: {
  q: string;
  kind?: EntityKind;
  active: boolean;
  label: string;
  count: number | undefined;
}) {
  const { t } = useTranslation();
  return (
    <Link
      to={searchPageLink(q, kind)}
      className="sr-kinds__link"
      aria-current={active ? 'page' : undefined}
      data-testid={`search-kind-${kind ?? 'all'}`}
    >
      {count === undefined ? label : t('search.page.kindCount', { label, count })}
    </Link>
  );
}

function HitItem({ hit }: { hit: SearchHitOut }) {
  return (
    <li className="sr-hit">
      <h3 className="sr-hit__title">
        <Link to={hitPath(hit)}>
          <Highlighted fragments={hit.title} />
        </Link>
      </h3>
      {hit.snippet.length > 0 && (
        <p className="sr-hit__snippet">
          <Highlighted fragments={hit.snippet} />
        </p>
      )}
      <HitMeta hit={hit} className="sr-hit__meta" />
    </li>
  );
}
