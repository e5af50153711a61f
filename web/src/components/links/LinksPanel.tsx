import { useId, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { Link } from 'react-router';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import { dataOf, isApiProblem, useApi, type ApiProblem } from '../../lib/api';
import {
  LINKS_KEY,
  linkableKinds,
  linkBody,
  useCandidateSearch,
  useKpiPreview,
  type EntityKindDto,
  type LinkOut,
} from './api';
import { mayDeleteLink } from '../../lib/permissions';
import { useDebouncedValue } from '../../lib/useDebouncedValue';
import { SearchField, useConfirmFocus } from '../form';
import './links.css';

export type { EntityKindDto, LinkOut } from './api';

export interface LinksPanelProps {
  /** The record whose page shows the panel. */
  kind: EntityKindDto;
  id: number;
  /** Its links as the record's GET returned them (both directions). */
  links: LinkOut[];
  /** Whether the caller may edit the record: offers adding and removing links. */
  canEdit: boolean;
  /** Called after a link was added or removed (the panel also invalidates the cached queries). */
  onChanged?: () => void;
}

export function kindLabel(t: TFunction, kind: EntityKindDto): string {
  return t(`links.kinds.${kind}`);
}

function problemMessage(t: TFunction, problem: ApiProblem | null, action: 'add' | 'delete'): string {
  if (!problem) return '';
  if (problem.status === 409) return t('links.alreadyLinked');
  if (problem.status === 422) return action === 'add' ? t('links.notAllowed') : problem.localizedMessage(t);
  if (problem.status === 403) return t('links.forbidden');
  if (problem.status === 404 && action === 'delete') return t('links.alreadyRemoved');
  return problem.localizedMessage(t);
}

function toProblem(error: unknown): ApiProblem | null {
  return isApiProblem(error) ? error : null;
}

/**
 * The links of one record along the chain 課題提案 → 自主改革 → X方針の課題 → システム → KPI,
 * with forms to add and remove them. Shared by every detail page of the chain.
 */
export function LinksPanel({ kind, id, links, canEdit, onChanged }: LinksPanelProps) {
  const { t } = useTranslation();
  const headingId = useId();
  const queryClient = useQueryClient();
  const [announcement, setAnnouncement] = useState('');

  const incoming = links.filter((link) => link.direction === 'incoming');
  const outgoing = links.filter((link) => link.direction === 'outgoing');

  async function changed(message: string) {
    setAnnouncement(message);
    // The panel cannot know every page's query keys, and a link changes the pages of both ends,
    // so everything is marked stale; only the queries on screen refetch now. The picker's own
    // searches are left alone: they do not change with links.
    await queryClient.invalidateQueries({
      predicate: (query) => !(query.queryKey[0] === LINKS_KEY[0] && query.queryKey[1] === 'search'),
    });
    onChanged?.();
  }

  return (
    <section className="card lk-panel" aria-labelledby={headingId}>
      <h2 id={headingId}>{t('links.heading')}</h2>
      <div role="status" aria-atomic="true" className="alert-region" data-testid="links-announcement">
        {announcement && <div className="notice notice--info">{announcement}</div>}
      </div>
      <LinkGroup
        title={t('links.incoming')}
        empty={t('links.noIncoming')}
        links={incoming}
        canEdit={canEdit}
        onDeleted={(link) => changed(t('links.deleted', { title: link.title }))}
      />
      <LinkGroup
        title={t('links.outgoing')}
        empty={t('links.noOutgoing')}
        links={outgoing}
        canEdit={canEdit}
        onDeleted={(link) => changed(t('links.deleted', { title: link.title }))}
      />
      {canEdit && (
        <AddLinkForm
          kind={kind}
          id={id}
          links={links}
          onAdded={(link) => changed(t('links.added', { title: link.title }))}
        />
      )}
    </section>
  );
}

function LinkGroup({
  title,
  empty,
  links,
  canEdit,
  onDeleted,
}: {
  title: string;
  empty: string;
  links: LinkOut[];
  canEdit: boolean;
  onDeleted: (link: LinkOut) => Promise<void>;
}) {
  const headingId = useId();
  return (
    <section className="lk-group" aria-labelledby={headingId}>
      <h3 id={headingId}>{title}</h3>
      {links.length === 0 ? (
        <p className="muted">{empty}</p>
      ) : (
        <ul className="lk-list" aria-labelledby={headingId}>
          {links.map((link) => (
            <LinkItem
              key={`${link.kind}-${link.entity_id}-${link.id ?? 'derived'}`}
              link={link}
              canEdit={canEdit}
              onDeleted={onDeleted}
            />
          ))}
        </ul>
      )}
    </section>
  );
}

function LinkItem({
  link,
  canEdit,
  onDeleted,
}: {
  link: LinkOut;
  canEdit: boolean;
  onDeleted: (link: LinkOut) => Promise<void>;
}) {
  const { t } = useTranslation();
  const api = useApi();
  const { asking: confirming, setAsking: setConfirming, confirmRef: confirmButton, openerRef: deleteButton } = useConfirmFocus();
  // Derived links (a reform of classification iii and its proposal) have no id and follow the record.
  const linkId = link.id ?? null;
  const deletable = mayDeleteLink(canEdit, link) && linkId !== null;

  const remove = useMutation({
    mutationFn: async () => {
      if (linkId === null) return;
      await api.client.DELETE('/api/v1/links/{id}', { params: { path: { id: linkId } } });
    },
    onSuccess: () => onDeleted(link),
  });

  return (
    <li className="lk-item">
      <div className="lk-item__main">
        <span className="tag lk-kind">{kindLabel(t, link.kind)}</span>{' '}
        <Link to={link.path}>{link.title}</Link>
        {link.bureau_name && <span className="pp-muted-small">（{link.bureau_name}）</span>}
        {link.origin === 'classification' && (
          <span className="lk-origin pp-muted-small">{t('links.derived')}</span>
        )}
        {link.note && <p className="lk-note pp-muted-small">{link.note}</p>}
      </div>
      {deletable && !confirming && (
        <button
          ref={deleteButton}
          type="button"
          className="button button--secondary lk-small-button"
          aria-label={t('links.deleteLabel', { title: link.title })}
          onClick={() => {
            remove.reset();
            setConfirming(true);
          }}
        >
          {t('links.delete')}
        </button>
      )}
      {deletable && confirming && (
        <div className="lk-confirm" role="group" aria-label={t('links.confirmLabel')}>
          <p>{t('links.confirmDelete', { title: link.title })}</p>
          <div className="button-row">
            <button
              ref={confirmButton}
              type="button"
              className="button button--primary lk-small-button"
              disabled={remove.isPending}
              onClick={() => remove.mutate()}
            >
              {remove.isPending ? t('links.deleting') : t('links.confirmYes')}
            </button>
            <button type="button" className="button button--secondary lk-small-button" onClick={() => setConfirming(false)}>
              {t('links.confirmNo')}
            </button>
          </div>
        </div>
      )}
      <div role="alert" aria-atomic="true" className="alert-region">
        {remove.isError && (
          <div className="notice notice--error">{problemMessage(t, toProblem(remove.error), 'delete')}</div>
        )}
      </div>
    </li>
  );
}

function positiveId(text: string): number | null {
  const trimmed = text.trim();
  if (!/^\d+$/.test(trimmed)) return null;
  const n = Number(trimmed);
  return Number.isSafeInteger(n) && n > 0 ? n : null;
}

function AddLinkForm({
  kind,
  id,
  links,
  onAdded,
}: {
  kind: EntityKindDto;
  id: number;
  links: LinkOut[];
  onAdded: (link: LinkOut) => Promise<void>;
}) {
  const { t } = useTranslation();
  const api = useApi();
  const ids = useId();
  const { earlier, later } = linkableKinds(kind);
  const [otherKind, setOtherKind] = useState<EntityKindDto>(later[0] ?? earlier[earlier.length - 1] ?? kind);
  const [text, setText] = useState('');
  const [searched, setSearched] = useState('');
  const [targetId, setTargetId] = useState('');
  const [note, setNote] = useState('');
  const [idError, setIdError] = useState('');
  const idInput = useRef<HTMLInputElement>(null);

  const search = useCandidateSearch(otherKind, searched);
  const typedId = positiveId(targetId);
  const kpiId = useDebouncedValue(otherKind === 'kpi' ? typedId : null, 300);
  const kpi = useKpiPreview(kpiId);
  const linkedIds = new Set(links.filter((link) => link.kind === otherKind).map((link) => link.entity_id));

  const add = useMutation({
    mutationFn: async (otherId: number) =>
      dataOf(
        await api.client.POST('/api/v1/links', {
          body: linkBody({ kind, id }, { kind: otherKind, id: otherId }, note.trim() === '' ? null : note.trim()),
        }),
      ),
    onSuccess: async (link) => {
      setText('');
      setSearched('');
      setTargetId('');
      setNote('');
      await onAdded(link);
    },
  });

  function chooseKind(next: EntityKindDto) {
    setOtherKind(next);
    setSearched('');
    setTargetId('');
    setIdError('');
    add.reset();
  }

  function runSearch() {
    setSearched(text.trim());
  }

  function searchOnEnter(event: KeyboardEvent<HTMLInputElement>) {
    // Enter in the keyword box searches; it must not submit the link form.
    if (event.key === 'Enter') {
      event.preventDefault();
      runSearch();
    }
  }

  function handleSubmit(event: FormEvent) {
    event.preventDefault();
    if (typedId === null) {
      setIdError(t('links.idRequired'));
      idInput.current?.focus();
      return;
    }
    setIdError('');
    add.mutate(typedId);
  }

  const direction = earlier.includes(otherKind) ? t('links.willBeIncoming') : t('links.willBeOutgoing');
  const addError = problemMessage(t, toProblem(add.error), 'add');
  const idDescribedBy = [idError ? `${ids}-id-error` : null, `${ids}-id-hint`, otherKind === 'kpi' ? `${ids}-kpi` : null]
    .filter(Boolean)
    .join(' ');

  return (
    <form className="lk-add form" noValidate onSubmit={handleSubmit} aria-labelledby={`${ids}-heading`}>
      <h3 id={`${ids}-heading`}>{t('links.addHeading')}</h3>
      <div role="alert" aria-atomic="true" className="alert-region">
        {addError && <div className="notice notice--error">{addError}</div>}
      </div>

      <div className="form-field">
        <label className="form-field__label" htmlFor={`${ids}-kind`}>
          {t('links.otherKind')}
        </label>
        <p id={`${ids}-kind-hint`} className="form-field__hint">
          {direction}
        </p>
        <select
          id={`${ids}-kind`}
          className="form-field__input form-field__select"
          aria-describedby={`${ids}-kind-hint`}
          value={otherKind}
          onChange={(e) => chooseKind(e.target.value as EntityKindDto)}
        >
          {earlier.length > 0 && (
            <optgroup label={t('links.incoming')}>
              {earlier.map((k) => (
                <option key={k} value={k}>
                  {kindLabel(t, k)}
                </option>
              ))}
            </optgroup>
          )}
          {later.length > 0 && (
            <optgroup label={t('links.outgoing')}>
              {later.map((k) => (
                <option key={k} value={k}>
                  {kindLabel(t, k)}
                </option>
              ))}
            </optgroup>
          )}
        </select>
      </div>

      {otherKind !== 'kpi' && (
        <SearchField
          label={t('links.searchLabel', { kind: kindLabel(t, otherKind) })}
          hint={t('links.searchHint')}
          value={text}
          onChange={setText}
          onKeyDown={searchOnEnter}
          action={
            <button type="button" className="button button--secondary" onClick={runSearch}>
              {t('links.searchSubmit')}
            </button>
          }
        >
          <div role="status" aria-atomic="true" className="lk-search-status">
            {searched !== '' &&
              (search.isFetching
                ? t('links.searching')
                : search.isError
                  ? (toProblem(search.error)?.localizedMessage(t) ?? t('problem.internal_error'))
                  : search.data && search.data.length === 0
                    ? t('links.noCandidates')
                    : search.data
                      ? t('links.candidateCount', { n: search.data.length })
                      : '')}
          </div>
          {searched !== '' && search.data && search.data.length > 0 && (
            <fieldset className="pp-fieldset lk-candidates">
              <legend className="form-field__label">{t('links.candidates')}</legend>
              {search.data.map((candidate) => {
                const linked = linkedIds.has(candidate.id);
                return (
                  <div className="pp-radio" key={candidate.id}>
                    <input
                      type="radio"
                      id={`${ids}-candidate-${candidate.id}`}
                      name={`${ids}-candidate`}
                      value={candidate.id}
                      disabled={linked}
                      checked={typedId === candidate.id}
                      onChange={() => {
                        setTargetId(String(candidate.id));
                        setIdError('');
                      }}
                    />
                    <label htmlFor={`${ids}-candidate-${candidate.id}`}>
                      {candidate.title}
                      <span className="pp-muted-small">
                        {candidate.bureauName ? `（${candidate.bureauName}）` : ''} ID: {candidate.id}
                        {linked ? ` ${t('links.alreadyLinkedShort')}` : ''}
                      </span>
                    </label>
                  </div>
                );
              })}
            </fieldset>
          )}
        </SearchField>
      )}

      <div className="form-field">
        <label className="form-field__label" htmlFor={`${ids}-id`}>
          {t('links.idLabel', { kind: kindLabel(t, otherKind) })}
        </label>
        <p id={`${ids}-id-hint`} className="form-field__hint">
          {otherKind === 'kpi' ? t('links.kpiIdHint') : t('links.idHint')}
        </p>
        {idError && (
          <p id={`${ids}-id-error`} className="form-field__error">
            {idError}
          </p>
        )}
        <input
          ref={idInput}
          id={`${ids}-id`}
          type="text"
          inputMode="numeric"
          autoComplete="off"
          className="form-field__input form-field__input--short"
          aria-invalid={idError ? true : undefined}
          aria-describedby={idDescribedBy}
          value={targetId}
          onChange={(e) => setTargetId(e.target.value)}
        />
        {otherKind === 'kpi' && (
          <p id={`${ids}-kpi`} className="pp-muted-small" role="status" aria-atomic="true">
            {kpiId !== null && kpi.data && kpi.data.id === kpiId
              ? t('links.kpiFound', { name: kpi.data.name })
              : kpiId !== null && kpi.isError
                ? t('links.kpiNotFound')
                : ''}
          </p>
        )}
      </div>

      <div className="form-field">
        <label className="form-field__label" htmlFor={`${ids}-note`}>
          {t('links.note')}
        </label>
        <input
          id={`${ids}-note`}
          type="text"
          className="form-field__input"
          value={note}
          onChange={(e) => setNote(e.target.value)}
        />
      </div>

      <div className="button-row">
        <button type="submit" className="button button--primary" disabled={add.isPending}>
          {add.isPending ? t('links.adding') : t('links.addSubmit')}
        </button>
      </div>
    </form>
  );
}
