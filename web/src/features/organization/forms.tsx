import { useId, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { ApiProblem, BureauKind, BureauOut, SectionOut } from '../../lib/api';
import { useCreateBureau, useCreateSection, useInvalidateOrganization, useRenameSection, useUpdateBureau } from './api';
import { formatDate, todayInTokyo } from '../../lib/dates';
import {
  FormAlert,
  Field,
  describeFailure,
  toApiProblem,
  useFocusFirstInvalid,
  useFocusOnMount,
  type ProblemOverride,
} from '../../components/form';

export const BUREAU_KINDS: readonly BureauKind[] = ['bureau', 'ward_office', 'office', 'committee', 'other'];

type HeadingLevel = 2 | 3 | 4 | 5 | 6;

function FormHeading({ level, id, children }: { level: HeadingLevel; id: string; children: string }) {
  const Tag = `h${level}` as const;
  return (
    <Tag id={id} className="org-form__heading">
      {children}
    </Tag>
  );
}

/** Called after a successful write with a sentence for the page's status region. */
export type Announce = (message: string) => void;

type BureauField = 'name' | 'kind' | 'sort_order';
const BUREAU_FIELDS: readonly BureauField[] = ['name', 'kind', 'sort_order'];

/** `""` → omitted; anything else is sent as a number and the server judges it (422 next to the field). */
function sortOrderValue(text: string): number | undefined {
  const trimmed = text.trim();
  return trimmed === '' ? undefined : Number(trimmed);
}

/**
 * Adds a bureau, or edits one when `bureau` is given (PATCH with If-Match of the version shown).
 * What was typed stays in the form when the server refuses it.
 */
export function BureauForm({
  bureau,
  onDone,
  onCancel,
}: {
  bureau?: BureauOut;
  onDone: Announce;
  onCancel?: () => void;
}) {
  const { t } = useTranslation();
  const ids = useId();
  const formRef = useRef<HTMLFormElement>(null);
  const create = useCreateBureau();
  const update = useUpdateBureau();
  const invalidate = useInvalidateOrganization();
  const [name, setName] = useState(bureau?.name ?? '');
  const [kind, setKind] = useState<BureauKind | ''>(bureau?.kind ?? '');
  const [sortOrder, setSortOrder] = useState(bureau ? String(bureau.sort_order) : '');
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const submitting = create.isPending || update.isPending;
  useFocusFirstInvalid(formRef, problem);
  useFocusOnMount(formRef, bureau !== undefined);

  const override: ProblemOverride<BureauField> = (p) => {
    if (p.status === 409) return { field: 'name', message: t('organization.duplicateBureau') };
    if (p.status === 412) return { summary: t('organization.staleBureau') };
    return undefined;
  };
  const failure = problem ? describeFailure(t, problem, BUREAU_FIELDS, override) : null;

  async function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (submitting) return;
    setProblem(null);
    const body = { name, kind: kind === '' ? undefined : kind, sort_order: sortOrderValue(sortOrder) };
    try {
      if (bureau) {
        const saved = await update.mutateAsync({ id: bureau.id, version: bureau.version, body });
        onDone(t('organization.bureauSaved', { name: saved.name }));
      } else {
        const created = await create.mutateAsync(body);
        setName('');
        setKind('');
        setSortOrder('');
        onDone(t('organization.bureauCreated', { name: created.name }));
      }
    } catch (error) {
      const next = toApiProblem(error);
      setProblem(next);
      // Someone else saved first: show their version; the next save is checked against it.
      if (next.status === 412) void invalidate();
    }
  }

  const headingId = `${ids}-heading`;
  const field = (f: BureauField) => `${ids}-${f}`;
  return (
    <form
      ref={formRef}
      className="form org-form"
      noValidate
      aria-labelledby={headingId}
      onSubmit={(event) => void handleSubmit(event)}
    >
      <FormHeading level={bureau ? 4 : 2} id={headingId}>
        {bureau ? t('organization.editBureauHeading', { name: bureau.name }) : t('organization.addBureau')}
      </FormHeading>
      {bureau && (
        <p className="muted org-form__meta" data-testid="bureau-version">
          {t('organization.version', { version: bureau.version })}
        </p>
      )}
      <FormAlert t={t} failure={failure} problem={problem} />
      <Field id={field('name')} label={t('organization.fields.name')} error={failure?.fields.name}>
        {(a11y) => (
          <input
            {...a11y}
            name="name"
            className="form-field__input"
            type="text"
            autoComplete="off"
            required
            value={name}
            onChange={(event) => setName(event.target.value)}
          />
        )}
      </Field>
      <Field id={field('kind')} label={t('organization.fields.kind')} error={failure?.fields.kind}>
        {(a11y) => (
          <select
            {...a11y}
            name="kind"
            className="form-field__input form-field__select"
            value={kind}
            onChange={(event) => setKind(event.target.value as BureauKind | '')}
          >
            {!bureau && <option value="">{t('organization.kindAuto')}</option>}
            {BUREAU_KINDS.map((k) => (
              <option key={k} value={k}>
                {t(`organization.kinds.${k}`)}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field
        id={field('sort_order')}
        label={t('organization.fields.sortOrder')}
        hint={t('organization.hints.sortOrder')}
        error={failure?.fields.sort_order}
      >
        {(a11y) => (
          <input
            {...a11y}
            name="sort_order"
            className="form-field__input form-field__input--short"
            type="number"
            inputMode="numeric"
            min={0}
            max={10000}
            step={1}
            value={sortOrder}
            onChange={(event) => setSortOrder(event.target.value)}
          />
        )}
      </Field>
      <div className="button-row">
        <button type="submit" className="button button--primary" aria-disabled={submitting || undefined}>
          {submitting
            ? t('organization.saving')
            : bureau
              ? t('organization.saveBureau')
              : t('organization.addBureauSubmit')}
        </button>
        {onCancel && (
          <button type="button" className="button button--secondary" onClick={onCancel}>
            {t('organization.cancel')}
          </button>
        )}
      </div>
    </form>
  );
}

type SectionField = 'name' | 'effective_from';
const SECTION_FIELDS: readonly SectionField[] = ['name', 'effective_from'];

/** Adds a section to a bureau, under a name in force from 適用開始日 (today when left empty). */
export function SectionForm({
  bureau,
  onDone,
  onCancel,
}: {
  bureau: BureauOut;
  onDone: Announce;
  onCancel: () => void;
}) {
  const { t, i18n } = useTranslation();
  const ids = useId();
  const formRef = useRef<HTMLFormElement>(null);
  const create = useCreateSection();
  const [name, setName] = useState('');
  const [effectiveFrom, setEffectiveFrom] = useState(todayInTokyo);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  useFocusFirstInvalid(formRef, problem);
  useFocusOnMount(formRef, true);
  const failure = problem ? describeFailure(t, problem, SECTION_FIELDS) : null;

  async function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (create.isPending) return;
    setProblem(null);
    try {
      const created = await create.mutateAsync({
        bureau_id: bureau.id,
        name,
        effective_from: effectiveFrom === '' ? undefined : effectiveFrom,
      });
      const from = created.names[0]?.effective_from ?? effectiveFrom;
      onDone(
        t('organization.sectionCreated', {
          name: created.names[0]?.name ?? created.name,
          bureau: bureau.name,
          date: formatDate(from, i18n.language),
        }),
      );
    } catch (error) {
      setProblem(toApiProblem(error));
    }
  }

  const headingId = `${ids}-heading`;
  return (
    <form
      ref={formRef}
      className="form org-form"
      noValidate
      aria-labelledby={headingId}
      onSubmit={(event) => void handleSubmit(event)}
    >
      <FormHeading level={4} id={headingId}>
        {t('organization.addSectionHeading', { name: bureau.name })}
      </FormHeading>
      <FormAlert t={t} failure={failure} problem={problem} />
      <Field id={`${ids}-name`} label={t('organization.fields.sectionName')} error={failure?.fields.name}>
        {(a11y) => (
          <input
            {...a11y}
            name="name"
            className="form-field__input"
            type="text"
            autoComplete="off"
            required
            value={name}
            onChange={(event) => setName(event.target.value)}
          />
        )}
      </Field>
      <Field
        id={`${ids}-effective_from`}
        label={t('organization.fields.effectiveFrom')}
        hint={t('organization.hints.effectiveFromSection')}
        error={failure?.fields.effective_from}
      >
        {(a11y) => (
          <input
            {...a11y}
            name="effective_from"
            className="form-field__input form-field__input--short"
            type="date"
            value={effectiveFrom}
            onChange={(event) => setEffectiveFrom(event.target.value)}
          />
        )}
      </Field>
      <div className="button-row">
        <button type="submit" className="button button--primary" aria-disabled={create.isPending || undefined}>
          {create.isPending ? t('organization.saving') : t('organization.addSectionSubmit')}
        </button>
        <button type="button" className="button button--secondary" onClick={onCancel}>
          {t('organization.cancel')}
        </button>
      </div>
    </form>
  );
}

/**
 * Gives a section a new name from 適用開始日 on (POST …/renames with If-Match of the version
 * shown). A 409 means a name already takes effect that day, so it is shown next to the date.
 */
export function RenameForm({
  section,
  onDone,
  onCancel,
}: {
  section: SectionOut;
  onDone: Announce;
  onCancel: () => void;
}) {
  const { t, i18n } = useTranslation();
  const ids = useId();
  const formRef = useRef<HTMLFormElement>(null);
  const rename = useRenameSection();
  const invalidate = useInvalidateOrganization();
  const [name, setName] = useState('');
  const [effectiveFrom, setEffectiveFrom] = useState('');
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  useFocusFirstInvalid(formRef, problem);
  useFocusOnMount(formRef, true);

  const override: ProblemOverride<SectionField> = (p) => {
    if (p.status === 409) return { field: 'effective_from', message: t('organization.renameDateTaken') };
    if (p.status === 412) return { summary: t('organization.staleSection') };
    return undefined;
  };
  const failure = problem ? describeFailure(t, problem, SECTION_FIELDS, override) : null;

  async function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (rename.isPending) return;
    setProblem(null);
    const from = section.name;
    try {
      await rename.mutateAsync({
        id: section.id,
        version: section.version,
        body: { name, effective_from: effectiveFrom },
      });
      onDone(
        t('organization.renamed', {
          from,
          to: name.trim(),
          date: formatDate(effectiveFrom, i18n.language),
        }),
      );
    } catch (error) {
      const next = toApiProblem(error);
      setProblem(next);
      if (next.status === 412) void invalidate();
    }
  }

  const headingId = `${ids}-heading`;
  return (
    <form
      ref={formRef}
      className="form org-form"
      noValidate
      aria-labelledby={headingId}
      onSubmit={(event) => void handleSubmit(event)}
    >
      <FormHeading level={6} id={headingId}>
        {t('organization.renameHeading', { name: section.name })}
      </FormHeading>
      <FormAlert t={t} failure={failure} problem={problem} />
      <Field id={`${ids}-name`} label={t('organization.fields.newName')} error={failure?.fields.name}>
        {(a11y) => (
          <input
            {...a11y}
            name="name"
            className="form-field__input"
            type="text"
            autoComplete="off"
            required
            value={name}
            onChange={(event) => setName(event.target.value)}
          />
        )}
      </Field>
      <Field
        id={`${ids}-effective_from`}
        label={t('organization.fields.effectiveFrom')}
        hint={t('organization.hints.effectiveFromRename')}
        error={failure?.fields.effective_from}
      >
        {(a11y) => (
          <input
            {...a11y}
            name="effective_from"
            className="form-field__input form-field__input--short"
            type="date"
            required
            value={effectiveFrom}
            onChange={(event) => setEffectiveFrom(event.target.value)}
          />
        )}
      </Field>
      <div className="button-row">
        <button type="submit" className="button button--primary" aria-disabled={rename.isPending || undefined}>
          {rename.isPending ? t('organization.saving') : t('organization.renameSubmit')}
        </button>
        <button type="button" className="button button--secondary" onClick={onCancel}>
          {t('organization.cancel')}
        </button>
      </div>
    </form>
  );
}
