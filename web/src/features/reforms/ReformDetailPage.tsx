import type { ReactNode } from 'react';
import { Link, useParams } from 'react-router';
import { useFlash } from '../../lib/flash';
import { useTranslation } from 'react-i18next';
import { useApi } from '../../lib/api';
import { LinksPanel } from '../../components/links/LinksPanel';
import { formatDateTime } from '../../lib/dates';
import { DeleteRecord } from '../../components/form';
import { usePageTitle } from '../../lib/usePageTitle';
import { ifMatch, REFORMS_KEY, reformKeys, useReform, type ReformOut } from './api';
import { classificationLabel, effectKindLabel, periodText, reformStatusLabel } from '../../lib/labels';
import { TagList } from './TagList';
import './reforms.css';
import { mayEditReform, mayLinkFrom } from '../../lib/permissions';
import { LoadProblem } from '../../components/records/LoadProblem';

export function ReformDetailPage() {
  const { t, i18n } = useTranslation();
  const { id: idParam } = useParams();
  const id = Number(idParam);
  const reform = useReform(id);
  const announcement = useFlash();
  usePageTitle(reform.data?.title ?? t('reforms.listTitle'));
  const data = reform.data;

  return (
    <div className="page pp-page rf-page">
      <p>
        <Link to="/reforms">{t('reforms.backToList')}</Link>
      </p>
      <div role="status" aria-atomic="true" className="alert-region" data-testid="reform-announcement">
        {announcement && <div className="notice notice--info">{announcement}</div>}
      </div>
      {reform.isPending && (
        <>
          <h1 tabIndex={-1}>{t('reforms.listTitle')}</h1>
          <p role="status">{t('reforms.loading')}</p>
        </>
      )}
      {reform.isError && (
        <>
          <h1 tabIndex={-1}>{t('reforms.listTitle')}</h1>
          <LoadProblem error={reform.error} notFound={t('reforms.notFound')} />
        </>
      )}
      {data && <ReformView reform={data} language={i18n.resolvedLanguage ?? 'ja'} />}
    </div>
  );
}

function ReformView({ reform, language }: { reform: ReformOut; language: string }) {
  const { t } = useTranslation();
  const period = periodText(reform.period);
  const rows: [string, ReactNode][] = [
    [t('reforms.fields.fiscalYear'), reform.fiscal_year_label],
    [t('reforms.fields.bureau'), <Link to={`/bureaus/${reform.bureau_id}`}>{reform.bureau_name}</Link>],
    [t('reforms.fields.sections'), reform.sections.length > 0 ? reform.sections.map((s) => s.name).join('、') : null],
    [t('reforms.numberInBureau'), String(reform.number_in_bureau)],
    [t('reforms.fields.reportNumber'), reform.report_number == null ? null : String(reform.report_number)],
    [t('reforms.fields.classification'), classificationLabel(t, reform.classification)],
    [
      t('reforms.fields.sourceProposal'),
      reform.source_proposal_id == null ? null : (
        <Link to={`/proposals/${reform.source_proposal_id}`}>
          {t('reforms.proposalLink', { id: reform.source_proposal_id })}
        </Link>
      ),
    ],
    [
      t('reforms.fields.period'),
      period && (
        <>
          <span data-testid="reform-period">{period.display}</span>
          {period.original && (
            <span className="rf-original">
              {t('reforms.asWritten')}: {period.original}
            </span>
          )}
        </>
      ),
    ],
    [t('reforms.fields.status'), reformStatusLabel(t, reform.status)],
    [
      t('reforms.fields.tags'),
      reform.tags.length > 0 && <TagList tags={reform.tags} />,
    ],
    [t('reforms.fields.featured'), reform.featured ? t('reforms.yes') : t('reforms.no')],
  ];

  return (
    <>
      <div className="pp-title-row">
        <h1 tabIndex={-1}>{reform.title}</h1>
        {mayEditReform(reform) && (
          <Link to={`/reforms/${reform.id}/edit`} className="button button--secondary pp-link-button">
            {t('reforms.edit')}
          </Link>
        )}
      </div>

      <section className="card pp-section" aria-labelledby="rf-overview-heading">
        <h2 id="rf-overview-heading">{t('reforms.overviewHeading')}</h2>
        <dl className="summary-list">
          {rows.map(([label, value]) => (
            <div key={label}>
              <dt>{label}</dt>
              <dd>{value || t('reforms.none')}</dd>
            </div>
          ))}
        </dl>
        <p className="pp-muted-small">
          {formatDateTime(reform.updated_at, language)} ・ {t('reforms.version', { version: reform.version })}
        </p>
      </section>

      <section className="card pp-section" aria-labelledby="rf-texts-heading">
        <h2 id="rf-texts-heading">{t('reforms.textsHeading')}</h2>
        {(['problem', 'action', 'effect'] as const).map((field) => (
          <div key={field} className="rf-text-block">
            <h3>{t(`reforms.fields.${field}`)}</h3>
            <p className="pp-pre">{reform[field] || t('reforms.none')}</p>
          </div>
        ))}
      </section>

      <section className="card pp-section" aria-labelledby="rf-effects-heading">
        <h2 id="rf-effects-heading">{t('reforms.effectsHeading')}</h2>
        {reform.effects.length === 0 ? (
          <p>{t('reforms.noEffects')}</p>
        ) : (
          <div className="pp-table-wrap">
            <table className="pp-table">
              <caption className="visually-hidden">{t('reforms.effectsCaption', { title: reform.title })}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('reforms.fields.effectKind')}</th>
                  <th scope="col">{t('reforms.fields.effectValue')}</th>
                  <th scope="col">{t('reforms.fields.effectBasis')}</th>
                </tr>
              </thead>
              <tbody>
                {reform.effects.map((effect, index) => (
                  <tr key={index}>
                    <th scope="row">{effectKindLabel(t, effect.kind)}</th>
                    <td className="rf-number">
                      {new Intl.NumberFormat(language === 'en' ? 'en-GB' : 'ja-JP').format(effect.value)} {effect.unit}
                    </td>
                    <td>{effect.basis || t('reforms.none')}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <div className="pp-section">
        <LinksPanel kind="reform" id={reform.id} links={reform.links ?? []} canEdit={mayLinkFrom(reform)} />
      </div>

      {mayEditReform(reform) && <DeleteReform reform={reform} />}
    </>
  );
}

/** Deleting asks once more in place (no browser dialog), so it works the same by keyboard. */
function DeleteReform({ reform }: { reform: ReformOut }) {
  const { t } = useTranslation();
  const api = useApi();
  return (
    <DeleteRecord
      heading={t('reforms.deleteHeading')}
      openLabel={t('reforms.delete')}
      confirmLabel={t('reforms.deleteHeading')}
      question={t('reforms.deleteConfirm', { title: reform.title })}
      staleMessage={t('reforms.stale')}
      remove={() =>
        api.client.DELETE('/api/v1/reforms/{id}', {
          params: { path: { id: reform.id }, header: { 'If-Match': ifMatch(reform.version) } },
        })
      }
      listKey={REFORMS_KEY}
      recordKey={reformKeys.detail(reform.id)}
      next={{ to: '/reforms', flash: t('reforms.deleted', { title: reform.title }) }}
    />
  );
}
