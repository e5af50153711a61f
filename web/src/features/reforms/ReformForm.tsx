// The reform form of the new and edit pages: its values, the checks and body it sends, the tag
// input and the rows of quantified effects.
import type { TFunction } from 'i18next';
import { useEffect, useId, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiProblem, fieldErrorMessage, type BureauOut } from '../../lib/api';
import { fiscalYearChoices, fiscalYearOf, todayInTokyo } from '../../lib/dates';
import {
  CheckboxField,
  Field,
  FormFrame,
  RadioGroup,
  type RecordFormProps,
  SelectInput,
  TextInput,
  textOrNull,
  WarekiPreview,
} from '../../components/form';
import {
  CLASSIFICATIONS,
  DEFAULT_UNITS,
  EFFECT_KINDS,
  REFORM_STATUSES,
  useBureauSections,
  type EffectKind,
  type ReformClassification,
  type ReformIn,
  type ReformOut,
  type ReformStatus,
} from './api';
import { classificationLabel, effectKindLabel, fiscalYearLabel, reformStatusLabel } from '../../lib/labels';
import { useDraft } from '../../lib/useDraft';

/** The form's fields, named like the members of ReformIn so `errors[].pointer` finds them. */
export const REFORM_FIELDS = [
  'fiscal_year',
  'bureau_id',
  'section_ids',
  'report_number',
  'classification',
  'source_proposal_id',
  'title',
  'problem',
  'action',
  'effect',
  'period',
  'status',
  'tags',
  'featured',
  'effects',
] as const;
export type ReformField = (typeof REFORM_FIELDS)[number];

export interface EffectRow {
  /** Stable React key of a row (rows can be removed from the middle). */
  key: number;
  kind: EffectKind;
  value: string;
  unit: string;
  basis: string;
}

export interface ReformValues {
  fiscal_year: string;
  bureau_id: string;
  section_ids: number[];
  report_number: string;
  classification: ReformClassification | '';
  source_proposal_id: string;
  title: string;
  problem: string;
  action: string;
  effect: string;
  period: string;
  status: ReformStatus | '';
  tags: string[];
  featured: boolean;
  effects: EffectRow[];
}

let nextRowKey = 1;
function rowKey(): number {
  nextRowKey += 1;
  return nextRowKey;
}

export function emptyReformValues(bureauId?: number | null): ReformValues {
  return {
    fiscal_year: String(fiscalYearOf(todayInTokyo())),
    bureau_id: bureauId ? String(bureauId) : '',
    section_ids: [],
    report_number: '',
    classification: '',
    source_proposal_id: '',
    title: '',
    problem: '',
    action: '',
    effect: '',
    period: '',
    status: '',
    tags: [],
    featured: false,
    effects: [],
  };
}

export function reformValuesOf(reform: ReformOut): ReformValues {
  return {
    fiscal_year: String(reform.fiscal_year),
    bureau_id: String(reform.bureau_id),
    section_ids: reform.sections.map((s) => s.id),
    report_number: reform.report_number == null ? '' : String(reform.report_number),
    classification: reform.classification ?? '',
    source_proposal_id: reform.source_proposal_id == null ? '' : String(reform.source_proposal_id),
    title: reform.title,
    problem: reform.problem ?? '',
    action: reform.action ?? '',
    effect: reform.effect ?? '',
    period: reform.period?.original ?? '',
    status: reform.status,
    tags: [...reform.tags],
    featured: reform.featured,
    effects: reform.effects.map((e) => ({
      key: rowKey(),
      kind: e.kind,
      value: String(e.value),
      unit: e.unit,
      basis: e.basis ?? '',
    })),
  };
}

function numberOrNull(value: string): number | null {
  const trimmed = value.trim();
  if (trimmed === '') return null;
  const n = Number(trimmed);
  return Number.isFinite(n) ? n : null;
}

/**
 * The body to send: empty optional texts become null, a blank status lets the server derive it
 * from the period, and a source proposal is only sent for classification iii.
 */
export function reformBodyOf(values: ReformValues): ReformIn {
  const text = textOrNull;
  return {
    fiscal_year: Number(values.fiscal_year),
    bureau_id: Number(values.bureau_id),
    section_ids: values.section_ids,
    report_number: numberOrNull(values.report_number),
    classification: values.classification === '' ? null : values.classification,
    source_proposal_id: values.classification === 'iii' ? numberOrNull(values.source_proposal_id) : null,
    title: values.title,
    problem: text(values.problem),
    action: text(values.action),
    effect: text(values.effect),
    period: text(values.period),
    status: values.status === '' ? null : values.status,
    tags: values.tags,
    featured: values.featured,
    effects: values.effects.map((row) => ({
      kind: row.kind,
      value: Number(row.value),
      unit: row.unit,
      basis: text(row.basis),
    })),
  };
}

/**
 * What can be told before asking the server: required choices and numbers that are not numbers.
 * Reported as the server would (a 422 with pointers), so both show the same way.
 */
export function checkReformValues(values: ReformValues): ApiProblem | null {
  const errors: { pointer: string; code: string; message: string }[] = [];
  const required = (pointer: string) => errors.push({ pointer, code: 'required', message: 'is required' });
  const invalid = (pointer: string) => errors.push({ pointer, code: 'invalid_value', message: 'must be a number' });
  if (!values.bureau_id) required('/bureau_id');
  if (values.title.trim() === '') required('/title');
  if (values.report_number.trim() !== '' && numberOrNull(values.report_number) === null) invalid('/report_number');
  if (
    values.classification === 'iii' &&
    values.source_proposal_id.trim() !== '' &&
    numberOrNull(values.source_proposal_id) === null
  ) {
    invalid('/source_proposal_id');
  }
  values.effects.forEach((row, index) => {
    if (row.value.trim() === '') required(`/effects/${index}/value`);
    else if (numberOrNull(row.value) === null) invalid(`/effects/${index}/value`);
    if (row.unit.trim() === '') required(`/effects/${index}/unit`);
  });
  if (errors.length === 0) return null;
  return new ApiProblem({ status: 422, code: 'validation_failed', fieldErrors: errors });
}

/** Tags typed one at a time: Enter or a comma (、 too) turns the text into a chip. */
function TagInput({
  id,
  tags,
  onChange,
  a11y,
}: {
  id: string;
  tags: string[];
  onChange: (tags: string[]) => void;
  a11y: { 'aria-invalid': true | undefined; 'aria-describedby': string | undefined };
}) {
  const { t } = useTranslation();
  const [text, setText] = useState('');
  const [message, setMessage] = useState('');

  function add(raw: string) {
    const parts = raw
      .split(/[,、，]/)
      .map((p) => p.trim())
      .filter((p) => p !== '');
    const next = [...tags];
    for (const part of parts) if (!next.includes(part)) next.push(part);
    if (next.length !== tags.length) {
      onChange(next);
      setMessage(t('reforms.tagAdded', { tags: parts.join('、') }));
    }
  }

  function handleKeyDown(event: KeyboardEvent<HTMLInputElement>) {
    if (event.key === 'Enter' && !event.nativeEvent.isComposing) {
      // Enter adds a tag instead of submitting the whole form.
      event.preventDefault();
      add(text);
      setText('');
    }
  }

  function handleChange(value: string) {
    if (/[,、，]/.test(value)) {
      add(value);
      setText('');
    } else {
      setText(value);
    }
  }

  function remove(tag: string) {
    onChange(tags.filter((x) => x !== tag));
    setMessage(t('reforms.tagRemoved', { tag }));
  }

  return (
    <div className="rf-tags">
      {tags.length > 0 && (
        <ul className="rf-chips" aria-label={t('reforms.chosenTags')}>
          {tags.map((tag) => (
            <li key={tag} className="rf-chip">
              <span>{tag}</span>
              <button
                type="button"
                className="rf-chip__remove"
                aria-label={t('reforms.removeTag', { tag })}
                onClick={() => remove(tag)}
              >
                <span aria-hidden="true">×</span>
              </button>
            </li>
          ))}
        </ul>
      )}
      <input
        id={id}
        {...a11y}
        type="text"
        className="form-field__input pp-input-medium"
        value={text}
        onChange={(e) => handleChange(e.target.value)}
        onKeyDown={handleKeyDown}
        onBlur={() => {
          // A tag typed but not yet confirmed is not lost when the user moves on.
          if (text.trim() !== '') {
            add(text);
            setText('');
          }
        }}
      />
      <p role="status" aria-atomic="true" className="visually-hidden">
        {message}
      </p>
    </div>
  );
}

/** Errors of the effect rows by row and member, from pointers like `/effects/0/value`. */
function effectErrors(t: TFunction, problem: ApiProblem | null) {
  const out: Record<number, Partial<Record<EffectMember, string>>> = {};
  if (!problem) return out;
  for (const fieldError of problem.fieldErrors) {
    const match = /^\/effects\/(\d+)\/(kind|value|unit|basis)$/.exec(fieldError.pointer);
    if (!match) continue;
    const row = Number(match[1]);
    const member = match[2] as EffectMember;
    out[row] ??= {};
    out[row][member] ??= fieldErrorMessage(t, fieldError);
  }
  return out;
}

export function ReformForm({
  bureaus,
  initial,
  onSubmit,
  ...frame
}: RecordFormProps<ReformValues> & {
  bureaus: BureauOut[];
}) {
  const { t } = useTranslation();
  const id = useId();
  const [values, setValues] = useDraft<ReformValues>(initial);

  const bureauId = values.bureau_id ? Number(values.bureau_id) : null;
  const sections = useBureauSections(bureauId);
  const required = t('reforms.required');

  const yearOptions = useMemo(() => fiscalYearChoices(Number(initial.fiscal_year)), [initial.fiscal_year]);

  function set<K extends keyof ReformValues>(field: K) {
    return (value: ReformValues[K]) => setValues((current) => ({ ...current, [field]: value }));
  }

  function setBureau(value: string) {
    // Sections belong to one bureau: a change of bureau empties the choice.
    setValues((current) => ({ ...current, bureau_id: value, section_ids: value === current.bureau_id ? current.section_ids : [] }));
  }

  function toggleSection(sectionId: number, checked: boolean) {
    setValues((current) => ({
      ...current,
      section_ids: checked
        ? [...current.section_ids.filter((x) => x !== sectionId), sectionId]
        : current.section_ids.filter((x) => x !== sectionId),
    }));
  }

  return (
    <FormFrame
      {...frame}
      className="form pp-form rf-form"
      fields={REFORM_FIELDS}
      check={() => checkReformValues(values)}
      submit={() => onSubmit(values)}
    >
      {({ error, id: fieldId, shown }) => {
        const sectionError = error('section_ids');
        return (
          <>
            <SelectInput
              id={fieldId('fiscal_year')}
              label={t('reforms.fields.fiscalYear')}
              required
              requiredText={required}
              error={error('fiscal_year')}
              value={values.fiscal_year}
              onChange={set('fiscal_year')}
              options={yearOptions.map((year) => [year, fiscalYearLabel(t, year)] as const)}
            />
            <SelectInput
              id={fieldId('bureau_id')}
              label={t('reforms.fields.bureau')}
              required
              requiredText={required}
              error={error('bureau_id')}
              value={values.bureau_id}
              onChange={setBureau}
              blank={t('reforms.chooseBureau')}
              options={bureaus.map((bureau) => [bureau.id, bureau.name] as const)}
            />

            <fieldset className="pp-fieldset form-field" aria-describedby={sectionError ? `${id}-sections-error` : `${id}-sections-hint`}>
              <legend className="form-field__label">{t('reforms.fields.sections')}</legend>
              <p id={`${id}-sections-hint`} className="form-field__hint">
                {bureauId ? t('reforms.hints.sections') : t('reforms.hints.sectionsNoBureau')}
              </p>
              {sectionError && (
                <p id={`${id}-sections-error`} className="form-field__error">
                  {sectionError}
                </p>
              )}
              {sections.isFetching && !sections.data && <p role="status">{t('reforms.loading')}</p>}
              {sections.data && sections.data.length === 0 && <p>{t('reforms.noSectionsInBureau')}</p>}
              {sections.data && sections.data.length > 0 && (
                <div className="rf-checkbox-grid">
                  {sections.data.map((section) => (
                    <div key={section.id} className="pp-radio">
                      <input
                        type="checkbox"
                        id={`${id}-section-${section.id}`}
                        checked={values.section_ids.includes(section.id)}
                        aria-invalid={sectionError ? true : undefined}
                        onChange={(e) => toggleSection(section.id, e.target.checked)}
                      />
                      <label htmlFor={`${id}-section-${section.id}`}>{section.name}</label>
                    </div>
                  ))}
                </div>
              )}
            </fieldset>

            <TextInput
              id={fieldId('report_number')}
              label={t('reforms.fields.reportNumber')}
              hint={t('reforms.hints.reportNumber')}
              error={error('report_number')}
              inputMode="numeric"
              width="short"
              value={values.report_number}
              onChange={set('report_number')}
            />

            <RadioGroup
              id={fieldId('classification')}
              className="pp-fieldset form-field"
              legend={t('reforms.fields.classification')}
              error={error('classification')}
              value={values.classification}
              onChange={set('classification')}
              options={[
                ...CLASSIFICATIONS.map((value) => [value, classificationLabel(t, value)] as const),
                ['', t('reforms.unclassified')] as const,
              ]}
            />

            {values.classification === 'iii' && (
              <TextInput
                id={fieldId('source_proposal_id')}
                label={t('reforms.fields.sourceProposal')}
                hint={t('reforms.hints.sourceProposal')}
                error={error('source_proposal_id')}
                inputMode="numeric"
                width="short"
                value={values.source_proposal_id}
                onChange={set('source_proposal_id')}
              />
            )}

            <TextInput
              id={fieldId('title')}
              label={t('reforms.fields.title')}
              required
              requiredText={required}
              error={error('title')}
              value={values.title}
              onChange={set('title')}
            />

            {(['problem', 'action', 'effect'] as const).map((field) => (
              <TextInput
                key={field}
                id={fieldId(field)}
                label={t(`reforms.fields.${field}`)}
                error={error(field)}
                multiline
                value={values[field]}
                onChange={set(field)}
              />
            ))}

            <TextInput
              id={fieldId('period')}
              label={t('reforms.fields.period')}
              hint={t('reforms.hints.period')}
              error={error('period')}
              after={<WarekiPreview text={values.period} testId="period-preview" withStatus />}
              width="medium"
              value={values.period}
              onChange={set('period')}
            />

            <SelectInput
              id={fieldId('status')}
              label={t('reforms.fields.status')}
              hint={t('reforms.hints.status')}
              error={error('status')}
              value={values.status}
              onChange={(value) => set('status')(value as ReformStatus | '')}
              blank={t('reforms.statusFromPeriod')}
              options={REFORM_STATUSES.map((status) => [status, reformStatusLabel(t, status)] as const)}
            />

            <Field id={fieldId('tags')} label={t('reforms.fields.tags')} hint={t('reforms.hints.tags')} error={error('tags')}>
              {(a11y) => (
                <TagInput
                  id={a11y.id}
                  tags={values.tags}
                  onChange={set('tags')}
                  a11y={{ 'aria-invalid': a11y['aria-invalid'], 'aria-describedby': a11y['aria-describedby'] }}
                />
              )}
            </Field>

            <CheckboxField
              id={fieldId('featured')}
              label={t('reforms.fields.featured')}
              hint={t('reforms.hints.featured')}
              error={error('featured')}
              checked={values.featured}
              onChange={set('featured')}
            />

            <EffectRows
              rows={values.effects}
              onChange={(update) => setValues((current) => ({ ...current, effects: update(current.effects) }))}
              error={error('effects')}
              rowErrors={effectErrors(t, shown)}
            />
          </>
        );
      }}
    </FormFrame>
  );
}

type EffectMember = 'kind' | 'value' | 'unit' | 'basis';

/**
 * The quantified effects, one fieldset a row, added and removed in place. Focus follows: to a new
 * row, to the row that takes a removed one's place, or to the add button when none is left.
 */
function EffectRows({
  rows,
  onChange,
  error,
  rowErrors,
}: {
  rows: EffectRow[];
  onChange: (update: (rows: EffectRow[]) => EffectRow[]) => void;
  error: string | undefined;
  rowErrors: Record<number, Partial<Record<EffectMember, string>>>;
}) {
  const { t } = useTranslation();
  const id = useId();
  const required = t('reforms.required');
  const addEffectButton = useRef<HTMLButtonElement>(null);
  const effectsRef = useRef<HTMLDivElement>(null);
  // The row to focus once the effect rows have re-rendered (a new row, or the one after a removed one).
  const focusRow = useRef<number | null>(null);
  const setFocusRow = (row: number) => {
    focusRow.current = row;
  };
  useEffect(() => {
    const row = focusRow.current;
    if (row === null) return;
    focusRow.current = null;
    const selects = effectsRef.current?.querySelectorAll<HTMLElement>('select');
    if (selects && selects[row]) selects[row].focus();
    else addEffectButton.current?.focus();
  }, [rows.length]);

  function setEffect(index: number, patch: Partial<EffectRow>) {
    onChange((current) =>
      current.map((row, i) => {
        if (i !== index) return row;
        const next = { ...row, ...patch };
        // A unit still at the default of the old kind follows the new kind.
        if (patch.kind && (row.unit === '' || row.unit === DEFAULT_UNITS[row.kind])) next.unit = DEFAULT_UNITS[patch.kind];
        return next;
      }),
    );
  }

  function addEffect() {
    onChange((current) => [
      ...current,
      { key: rowKey(), kind: 'hours_per_year', value: '', unit: DEFAULT_UNITS.hours_per_year, basis: '' },
    ]);
    setFocusRow(rows.length);
  }

  function removeEffect(index: number) {
    onChange((current) => current.filter((_, i) => i !== index));
    // Focus goes to the row that took its place, or to the add button when none is left.
    setFocusRow(rows.length > 1 ? Math.min(index, rows.length - 2) : -1);
  }

  return (
    <fieldset className="pp-fieldset rf-effects" aria-describedby={`${id}-effects-hint`}>
      <legend className="form-field__label">{t('reforms.fields.effects')}</legend>
      <p id={`${id}-effects-hint`} className="form-field__hint">
        {t('reforms.hints.effects')}
      </p>
      {error && Object.keys(rowErrors).length === 0 && <p className="form-field__error">{error}</p>}
      <div ref={effectsRef} className="rf-effect-rows">
        {rows.map((row, index) => {
          const n = index + 1;
          const rowId = `${id}-effect-${row.key}`;
          const errs = rowErrors[index] ?? {};
          return (
            <fieldset key={row.key} className="rf-effect-row">
              <legend>{t('reforms.effectRow', { n })}</legend>
              <SelectInput
                id={`${rowId}-kind`}
                label={t('reforms.fields.effectKind')}
                error={errs.kind}
                value={row.kind}
                onChange={(kind) => setEffect(index, { kind: kind as EffectKind })}
                options={EFFECT_KINDS.map((kind) => [kind, effectKindLabel(t, kind)] as const)}
              />
              <TextInput
                id={`${rowId}-value`}
                label={t('reforms.fields.effectValue')}
                required
                requiredText={required}
                error={errs.value}
                inputMode="decimal"
                value={row.value}
                onChange={(value) => setEffect(index, { value })}
              />
              <TextInput
                id={`${rowId}-unit`}
                label={t('reforms.fields.effectUnit')}
                required
                requiredText={required}
                error={errs.unit}
                value={row.unit}
                onChange={(unit) => setEffect(index, { unit })}
              />
              <TextInput
                id={`${rowId}-basis`}
                label={t('reforms.fields.effectBasis')}
                error={errs.basis}
                value={row.basis}
                onChange={(basis) => setEffect(index, { basis })}
              />
              <div className="rf-effect-row__remove">
                <button type="button" className="button button--secondary" onClick={() => removeEffect(index)}>
                  {t('reforms.removeEffect', { n })}
                </button>
              </div>
            </fieldset>
          );
        })}
      </div>
      <div>
        <button ref={addEffectButton} type="button" className="button button--secondary" onClick={addEffect}>
          {t('reforms.addEffect')}
        </button>
      </div>
    </fieldset>
  );
}
