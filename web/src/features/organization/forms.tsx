// The organization screen's forms: add or edit a bureau, add a section, rename a section.
import { useId, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { ApiProblem, BureauKind, BureauOut, SectionOut } from '../../lib/api';
import { useCreateBureau, useCreateSection, useInvalidateOrganization, useRenameSection, useUpdateBureau } from './api';
import { formatDate, todayInTokyo } from '../../lib/dates';
import {
  CancelButton,
  FormFrame,
  SelectInput,
  TextInput,
  toApiProblem,
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

/** A name typed into an organization form: sent as typed, the server trims and judges it. */
const NAME_INPUT = { name: 'name', autoComplete: 'off', required: true } as const;

/**
 * The frame the three organization forms share: their heading, the submit button that stays
 * focusable while saving, and a refusal kept in the form (what was typed stays).
 */
function OrganizationForm<F extends string>({
  heading,
  level,
  meta,
  fields,
  problem,
  override,
  submit,
  pending,
  submitLabel,
  onCancel,
  focusOnMount,
  children,
}: {
  heading: string;
  level: HeadingLevel;
  meta?: ReactNode;
  fields: readonly F[];
  problem: ApiProblem | null;
  override?: ProblemOverride<F>;
  submit: () => Promise<void>;
  pending: boolean;
  submitLabel: string;
  onCancel?: (() => void) | undefined;
  focusOnMount: boolean;
  children: (error: (field: F) => string | undefined, id: (field: F) => string) => ReactNode;
}) {
  const { t } = useTranslation();
  const headingId = `${useId()}-heading`;
  return (
    <FormFrame
      className="form org-form"
      labelledBy={headingId}
      header={
        <>
          <FormHeading level={level} id={headingId}>
            {heading}
          </FormHeading>
          {meta}
        </>
      }
      fields={fields}
      problem={problem}
      problemSummary={override}
      submit={() => void submit()}
      pending={pending}
      focusableWhilePending
      submitLabel={submitLabel}
      submittingLabel={t('organization.saving')}
      cancel={onCancel && <CancelButton onClick={onCancel} label={t('organization.cancel')} />}
      focusOnMount={focusOnMount}
    >
      {({ error, id }) => children(error, id)}
    </FormFrame>
  );
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
  const create = useCreateBureau();
  const update = useUpdateBureau();
  const invalidate = useInvalidateOrganization();
  const [name, setName] = useState(bureau?.name ?? '');
  const [kind, setKind] = useState<BureauKind | ''>(bureau?.kind ?? '');
  const [sortOrder, setSortOrder] = useState(bureau ? String(bureau.sort_order) : '');
  const [problem, setProblem] = useState<ApiProblem | null>(null);

  const override: ProblemOverride<BureauField> = (p) => {
    if (p.status === 409) return { field: 'name', message: t('organization.duplicateBureau') };
    if (p.status === 412) return { summary: t('organization.staleBureau') };
    return undefined;
  };

  async function submit() {
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

  return (
    <OrganizationForm
      heading={bureau ? t('organization.editBureauHeading', { name: bureau.name }) : t('organization.addBureau')}
      level={bureau ? 4 : 2}
      meta={
        bureau && (
          <p className="muted org-form__meta" data-testid="bureau-version">
            {t('organization.version', { version: bureau.version })}
          </p>
        )
      }
      fields={BUREAU_FIELDS}
      problem={problem}
      override={override}
      submit={submit}
      pending={create.isPending || update.isPending}
      submitLabel={bureau ? t('organization.saveBureau') : t('organization.addBureauSubmit')}
      onCancel={onCancel}
      focusOnMount={bureau !== undefined}
    >
      {(error, id) => (
        <>
          <TextInput
            id={id('name')}
            label={t('organization.fields.name')}
            error={error('name')}
            input={NAME_INPUT}
            value={name}
            onChange={setName}
          />
          <SelectInput
            id={id('kind')}
            name="kind"
            label={t('organization.fields.kind')}
            error={error('kind')}
            value={kind}
            onChange={(value) => setKind(value as BureauKind | '')}
            blank={bureau ? undefined : t('organization.kindAuto')}
            options={BUREAU_KINDS.map((k) => [k, t(`organization.kinds.${k}`)] as const)}
          />
          <TextInput
            id={id('sort_order')}
            label={t('organization.fields.sortOrder')}
            hint={t('organization.hints.sortOrder')}
            error={error('sort_order')}
            type="number"
            inputMode="numeric"
            width="short"
            input={{ name: 'sort_order', min: 0, max: 10000, step: 1 }}
            value={sortOrder}
            onChange={setSortOrder}
          />
        </>
      )}
    </OrganizationForm>
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
  const create = useCreateSection();
  return (
    <SectionNameForm
      heading={t('organization.addSectionHeading', { name: bureau.name })}
      level={4}
      submitLabel={t('organization.addSectionSubmit')}
      nameLabel={t('organization.fields.sectionName')}
      dateHint={t('organization.hints.effectiveFromSection')}
      startDate={todayInTokyo}
      pending={create.isPending}
      save={async (name, effectiveFrom) => {
        const created = await create.mutateAsync({
          bureau_id: bureau.id,
          name,
          effective_from: effectiveFrom === '' ? undefined : effectiveFrom,
        });
        const from = created.names[0]?.effective_from ?? effectiveFrom;
        return t('organization.sectionCreated', {
          name: created.names[0]?.name ?? created.name,
          bureau: bureau.name,
          date: formatDate(from, i18n.language),
        });
      }}
      onDone={onDone}
      onCancel={onCancel}
    />
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
  const rename = useRenameSection();
  const invalidate = useInvalidateOrganization();

  const override: ProblemOverride<SectionField> = (p) => {
    if (p.status === 409) return { field: 'effective_from', message: t('organization.renameDateTaken') };
    if (p.status === 412) return { summary: t('organization.staleSection') };
    return undefined;
  };

  return (
    <SectionNameForm
      heading={t('organization.renameHeading', { name: section.name })}
      level={6}
      submitLabel={t('organization.renameSubmit')}
      nameLabel={t('organization.fields.newName')}
      dateHint={t('organization.hints.effectiveFromRename')}
      dateRequired
      startDate=""
      override={override}
      pending={rename.isPending}
      save={async (name, effectiveFrom) => {
        const from = section.name;
        await rename.mutateAsync({ id: section.id, version: section.version, body: { name, effective_from: effectiveFrom } });
        return t('organization.renamed', { from, to: name.trim(), date: formatDate(effectiveFrom, i18n.language) });
      }}
      onRefused={(problem) => {
        if (problem.status === 412) void invalidate();
      }}
      onDone={onDone}
      onCancel={onCancel}
    />
  );
}

/**
 * What adding and renaming a section both ask: a name and the date it takes effect (適用開始日).
 * `save` writes and returns the sentence to announce; a refusal stays in the form with what was typed.
 */
function SectionNameForm({
  heading,
  level,
  submitLabel,
  nameLabel,
  dateHint,
  dateRequired = false,
  startDate,
  override,
  pending,
  save,
  onRefused,
  onDone,
  onCancel,
}: {
  heading: string;
  level: HeadingLevel;
  submitLabel: string;
  nameLabel: string;
  dateHint: string;
  dateRequired?: boolean;
  startDate: string | (() => string);
  override?: ProblemOverride<SectionField>;
  pending: boolean;
  save: (name: string, effectiveFrom: string) => Promise<string>;
  onRefused?: (problem: ApiProblem) => void;
  onDone: Announce;
  onCancel: () => void;
}) {
  const { t } = useTranslation();
  const [name, setName] = useState('');
  const [effectiveFrom, setEffectiveFrom] = useState(startDate);
  const [problem, setProblem] = useState<ApiProblem | null>(null);

  async function submit() {
    setProblem(null);
    try {
      onDone(await save(name, effectiveFrom));
    } catch (error) {
      const refused = toApiProblem(error);
      setProblem(refused);
      onRefused?.(refused);
    }
  }

  return (
    <OrganizationForm
      heading={heading}
      level={level}
      fields={SECTION_FIELDS}
      problem={problem}
      override={override}
      submit={submit}
      pending={pending}
      submitLabel={submitLabel}
      onCancel={onCancel}
      focusOnMount
    >
      {(error, id) => (
        <>
          <TextInput id={id('name')} label={nameLabel} error={error('name')} input={NAME_INPUT} value={name} onChange={setName} />
          <TextInput
            id={id('effective_from')}
            label={t('organization.fields.effectiveFrom')}
            hint={dateHint}
            error={error('effective_from')}
            type="date"
            width="short"
            input={{ name: 'effective_from', required: dateRequired || undefined }}
            value={effectiveFrom}
            onChange={setEffectiveFrom}
          />
        </>
      )}
    </OrganizationForm>
  );
}
