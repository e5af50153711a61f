import { Fragment } from 'react';
import { useTranslation } from 'react-i18next';
import { fiscalYearLabel } from '../../lib/labels';
import type { SearchHitOut, TextFragment } from './api';

/**
 * Text the server split into fragments, matches wrapped in <mark>. Built as React elements so
 * nothing in a record's text can ever become markup.
 */
export function Highlighted({ fragments }: { fragments: readonly TextFragment[] }) {
  return (
    <>
      {fragments.map((fragment, index) =>
        fragment.highlighted ? <mark key={index}>{fragment.text}</mark> : <Fragment key={index}>{fragment.text}</Fragment>,
      )}
    </>
  );
}

/** 局・区 and 年度 of a hit, each announced with its label; absent values are left out. */
export function HitMeta({ hit, className }: { hit: SearchHitOut; className?: string }) {
  const { t } = useTranslation();
  const year =
    hit.fiscal_year !== null ? fiscalYearLabel(t, hit.fiscal_year) : (hit.fiscal_year_label ?? null);
  if (!hit.bureau_name && !year) return null;
  return (
    <span className={className}>
      {hit.bureau_name && (
        <span className="sr-meta__item">
          <span className="visually-hidden">{t('search.bureau')}:</span>{' '}
          {hit.bureau_name}
        </span>
      )}
      {hit.bureau_name && year && (
        <>
          {' '}
          <span aria-hidden="true">・</span>{' '}
        </>
      )}
      {year && (
        <span className="sr-meta__item">
          <span className="visually-hidden">{t('search.fiscalYear')}:</span>{' '}
          {year}
        </span>
      )}
    </span>
  );
}
