import { useId, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { useTranslation } from 'react-i18next';
import { type BureauOut, type SectionNameOut, type SectionOut } from '../../lib/api';
import { useAuth } from '../../lib/auth';
import { usePageTitle } from '../../lib/usePageTitle';
import { useBureaus, useSections } from './api';
import { formatDate, isIsoDate, todayInTokyo } from '../../lib/dates';
import { BureauForm, RenameForm, SectionForm, type Announce } from './forms';
import { FormOpener } from '../../components/form';
import { mayManageOrganization } from '../../lib/permissions';
import { LoadProblem } from '../../components/records/LoadProblem';

/** The 基準日 lives in the address (`?as_of=2026-04-01`), so a view can be linked and reloaded. */
function useAsOf(): [string, (value: string) => void] {
  const [params, setParams] = useSearchParams();
  const value = params.get('as_of') ?? todayInTokyo();
  const setValue = (next: string) =>
    setParams(
      (current) => {
        const out = new URLSearchParams(current);
        out.set('as_of', next);
        return out;
      },
      { replace: true },
    );
  return [value, setValue];
}

/**
 * 組織: the bureaus and, for each, its sections under the names in force on 基準日 with every
 * name they have had. Admins add and edit bureaus, add sections and rename them.
 */
export function OrganizationPage() {
  const { t, i18n } = useTranslation();
  const { user } = useAuth();
  const ids = useId();
  usePageTitle(t('organization.title'));
  const isAdmin = mayManageOrganization(user);
  const [asOf, setAsOf] = useAsOf();
  const validAsOf = isIsoDate(asOf);
  const [announcement, setAnnouncement] = useState('');
  const [expanded, setExpanded] = useState<ReadonlySet<number>>(new Set());
  const bureaus = useBureaus();

  const asOfId = `${ids}-as-of`;
  const asOfHintId = `${asOfId}-hint`;
  const asOfErrorId = `${asOfId}-error`;

  function toggle(id: number) {
    setExpanded((current) => {
      const next = new Set(current);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  }

  return (
    <div className="page org-page">
      <h1 tabIndex={-1}>{t('organization.title')}</h1>
      <p className="lead">{t('organization.intro')}</p>

      <div role="status" aria-atomic="true" className="alert-region">
        {announcement && (
          <div className="notice notice--info" data-testid="org-announcement">
            {announcement}
          </div>
        )}
      </div>

      <div className="form-field org-as-of">
        <label htmlFor={asOfId} className="form-field__label">
          {t('organization.asOf')}
        </label>
        <p id={asOfHintId} className="form-field__hint">
          {validAsOf
            ? t('organization.asOfHint', { date: formatDate(asOf, i18n.language) })
            : t('organization.asOfEmpty')}
        </p>
        {!validAsOf && (
          <p id={asOfErrorId} className="form-field__error">
            {t('organization.asOfInvalid')}
          </p>
        )}
        <input
          id={asOfId}
          name="as_of"
          type="date"
          className="form-field__input form-field__input--short"
          value={asOf}
          aria-invalid={validAsOf ? undefined : true}
          aria-describedby={validAsOf ? asOfHintId : `${asOfErrorId} ${asOfHintId}`}
          onChange={(event) => setAsOf(event.target.value)}
        />
      </div>

      <section className="org-bureaus" aria-labelledby={`${ids}-list`}>
        <h2 id={`${ids}-list`}>{t('organization.bureausHeading')}</h2>
        {bureaus.isPending && <p role="status">{t('organization.loading')}</p>}
        {bureaus.isError && (
          <LoadProblem error={bureaus.error} />
        )}
        {bureaus.data && bureaus.data.length === 0 && <p>{t('organization.noBureaus')}</p>}
        {bureaus.data && bureaus.data.length > 0 && (
          <ul className="org-list">
            {bureaus.data.map((bureau) => (
              <BureauItem
                key={bureau.id}
                bureau={bureau}
                asOf={validAsOf ? asOf : null}
                expanded={expanded.has(bureau.id)}
                onToggle={() => toggle(bureau.id)}
                isAdmin={isAdmin}
                announce={setAnnouncement}
              />
            ))}
          </ul>
        )}
      </section>

      {isAdmin && (
        <div className="card org-add-bureau">
          <BureauForm onDone={setAnnouncement} />
        </div>
      )}
    </div>
  );
}

function BureauItem({
  bureau,
  asOf,
  expanded,
  onToggle,
  isAdmin,
  announce,
}: {
  bureau: BureauOut;
  asOf: string | null;
  expanded: boolean;
  onToggle: () => void;
  isAdmin: boolean;
  announce: Announce;
}) {
  const { t, i18n } = useTranslation();
  const ids = useId();
  const sections = useSections(bureau.id, asOf ?? '', expanded && asOf !== null);
  const buttonId = `${ids}-button`;
  const panelId = `${ids}-panel`;
  const kindLabel = t(`organization.kinds.${bureau.kind}`, { defaultValue: bureau.kind_label });

  return (
    <li className="org-bureau card">
      <h3 className="org-bureau__heading">
        <button
          id={buttonId}
          type="button"
          className="org-bureau__toggle"
          aria-expanded={expanded}
          aria-controls={panelId}
          onClick={onToggle}
        >
          <span className="org-bureau__icon" aria-hidden="true">
            {expanded ? '▼' : '▶'}
          </span>
          <span className="org-bureau__name">{bureau.name}</span>{' '}
          <span className="tag" data-testid="bureau-kind">
            {kindLabel}
          </span>
        </button>
      </h3>
      {expanded && (
        <div id={panelId} role="region" aria-labelledby={buttonId} className="org-bureau__panel">
          <p>
            <Link to={`/bureaus/${bureau.id}`}>{t('organization.openBureauPage', { name: bureau.name })}</Link>
          </p>
          <FormOpener
            allowed={isAdmin}
            label={t('organization.editBureau')}
            ariaLabel={t('organization.editBureauLabel', { name: bureau.name })}
            inRow
            onDone={announce}
          >
            {({ close, done }) => <BureauForm bureau={bureau} onCancel={close} onDone={done} />}
          </FormOpener>

          <h4 className="org-bureau__sections-heading">
            {asOf
              ? t('organization.sectionsHeading', { date: formatDate(asOf, i18n.language) })
              : t('organization.sectionsHeadingNoDate')}
          </h4>
          {!asOf && <p>{t('organization.asOfEmpty')}</p>}
          {asOf && sections.isPending && <p role="status">{t('organization.loading')}</p>}
          {sections.isError && (
            <LoadProblem error={sections.error} />
          )}
          {asOf && sections.data && sections.data.length === 0 && <p>{t('organization.noSections')}</p>}
          {asOf && sections.data && sections.data.length > 0 && (
            <ul className="org-sections">
              {sections.data.map((section) => (
                <SectionItem key={section.id} section={section} isAdmin={isAdmin} announce={announce} />
              ))}
            </ul>
          )}

          <FormOpener
            allowed={isAdmin}
            label={t('organization.addSection')}
            ariaLabel={t('organization.addSectionLabel', { name: bureau.name })}
            inRow
            onDone={announce}
          >
            {({ close, done }) => <SectionForm bureau={bureau} onCancel={close} onDone={done} />}
          </FormOpener>
        </div>
      )}
    </li>
  );
}

type NameStatus = 'former' | 'current' | 'planned';

/** Which of a section's names was in force on `asOf`, which came before and which come later. */
function nameStatuses(names: readonly SectionNameOut[], asOf: string): NameStatus[] {
  let current = -1;
  names.forEach((n, index) => {
    if (n.effective_from <= asOf) current = index;
  });
  return names.map((_, index) => (index < current ? 'former' : index === current ? 'current' : 'planned'));
}

function SectionItem({
  section,
  isAdmin,
  announce,
}: {
  section: SectionOut;
  isAdmin: boolean;
  announce: Announce;
}) {
  const { t, i18n } = useTranslation();
  const ids = useId();
  const statuses = nameStatuses(section.names, section.as_of);
  const historyId = `${ids}-history`;

  return (
    <li className="org-section" data-testid="section">
      <h5 className="org-section__name" data-testid="section-name">
        {section.name}
      </h5>
      <p id={historyId} className="org-section__history-label">
        {t('organization.nameHistory')}
      </p>
      <ol className="org-history" aria-labelledby={historyId}>
        {section.names.map((n, index) => (
          <li key={`${n.effective_from}-${n.name}`} className={`org-history__item org-history__item--${statuses[index]}`}>
            <span className="org-history__name">{n.name}</span>{' '}
            <span className="org-history__date">
              {t('organization.nameFrom', { date: formatDate(n.effective_from, i18n.language) })}
            </span>{' '}
            <span className="tag tag--subtle">{t(`organization.nameStatus.${statuses[index] ?? 'former'}`)}</span>
          </li>
        ))}
      </ol>
      <FormOpener
        allowed={isAdmin}
        label={t('organization.rename')}
        ariaLabel={t('organization.renameLabel', { name: section.name })}
        onDone={announce}
      >
        {({ close, done }) => <RenameForm section={section} onCancel={close} onDone={done} />}
      </FormOpener>
    </li>
  );
}
