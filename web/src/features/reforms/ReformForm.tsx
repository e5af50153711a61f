import type { TFunction } from 'i18next';
import { useEffect, useId, useMemo, useRef, useState, type FormEvent, type KeyboardEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiProblem, fieldErrorMessage, type BureauOut } from '../../lib/api';
import { fiscalYearOf, todayInTokyo } from '../../lib/dates';
import { describeFailure, Field, FormAlert, useFocusFirstInvalid, WarekiPreview } from '../../components/form';
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
  const text = (value: string) => (value.trim() === '' ? null : value);
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
  const out: Record<number, Partial<Record<'kind' | 'value' | 'unit' | 'basis', string>>> = {};
  if (!problem) return out;
  for (const fieldError of problem.fieldErrors) {
    const match = /^\/effects\/(\d+)\/(kind|value|unit|basis)$/.exec(fieldError.pointer);
    if (!match) continue;
    const row = Number(match[1]);
    const member = match[2] as 'kind' | 'value' | 'unit' | 'basis';
    out[row] ??= {};
    out[row][member] ??= fieldErrorMessage(t, fieldError);
  }
  return out;
}

export function ReformForm({
  bureaus,
  initial,
  submitLabel,
  submittingLabel,
  pending,
  problem,
  problemSummary,
  onSubmit,
  cancel,
  labelledBy,
}: {
  bureaus: BureauOut[];
  initial: ReformValues;
  submitLabel: string;
  submittingLabel: string;
  pending: boolean;
  problem: ApiProblem | null;
  /** Replaces the problem's own message (e.g. for a 412). */
  problemSummary?: string | undefined;
  onSubmit: (values: ReformValues) => void;
  cancel?: ReactNode;
  labelledBy: string;
}) {
  const { t } = useTranslation();
  const id = useId();
  const formRef = useRef<HTMLFormElement>(null);
  const [values, setValues] = useDraft<ReformValues>(initial);
  // A refusal found before asking the server holds until the server answers again.
  const [local, setLocal] = useState<{ problem: ApiProblem | null; after: ApiProblem | null }>({ problem: null, after: null });
  const localProblem = local.after === problem ? local.problem : null;
  const setLocalProblem = (found: ApiProblem | null) => setLocal({ problem: found, after: problem });

  const shown = localProblem ?? problem;
  const failure = useMemo(
    () => (shown ? describeFailure(t, shown, REFORM_FIELDS, localProblem ? undefined : problemSummary) : null),
    [t, shown, localProblem, problemSummary],
  );
  const rowErrors = useMemo(() => effectErrors(t, shown), [t, shown]);
  useFocusFirstInvalid(formRef, shown);

  const bureauId = values.bureau_id ? Number(values.bureau_id) : null;
  const sections = useBureauSections(bureauId);
  const required = t('reforms.required');

  const yearOptions = useMemo(() => {
    // From 令和元年度 (the reports start in Reiwa) up to next year.
    const current = fiscalYearOf(todayInTokyo());
    const years: number[] = [];
    for (let year = current + 1; year >= Math.min(2019, current); year -= 1) years.push(year);
    const chosen = Number(initial.fiscal_year);
    if (Number.isSafeInteger(chosen) && chosen > 0 && !years.includes(chosen)) years.push(chosen);
    return years.sort((a, b) => b - a);
  }, [initial.fiscal_year]);

  function set<K extends keyof ReformValues>(field: K, value: ReformValues[K]) {
    setValues((current) => ({ ...current, [field]: value }));
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

  function setEffect(index: number, patch: Partial<EffectRow>) {
    setValues((current) => ({
      ...current,
      effects: current.effects.map((row, i) => {
        if (i !== index) return row;
        const next = { ...row, ...patch };
        // A unit still at the default of the old kind follows the new kind.
        if (patch.kind && (row.unit === '' || row.unit === DEFAULT_UNITS[row.kind])) next.unit = DEFAULT_UNITS[patch.kind];
        return next;
      }),
    }));
  }

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
  }, [values.effects.length]);

  function addEffect() {
    setValues((current) => ({
      ...current,
      effects: [...current.effects, { key: rowKey(), kind: 'hours_per_year', value: '', unit: DEFAULT_UNITS.hours_per_year, basis: '' }],
    }));
    setFocusRow(values.effects.length);
  }

  function removeEffect(index: number) {
    setValues((current) => ({ ...current, effects: current.effects.filter((_, i) => i !== index) }));
    // Focus goes to the row that took its place, or to the add button when none is left.
    setFocusRow(values.effects.length > 1 ? Math.min(index, values.effects.length - 2) : -1);
  }

  function handleSubmit(event: FormEvent) {
    event.preventDefault();
    const local = checkReformValues(values);
    if (local) {
      setLocalProblem(local);
      return;
    }
    setLocalProblem(null);
    onSubmit(values);
  }

  const error = (field: ReformField) => failure?.fields[field];
  const fieldId = (field: ReformField) => `${id}-${field}`;
  const sectionError = error('section_ids');
  const classificationError = error('classification');

  return (
    <form ref={formRef} className="form pp-form rf-form" noValidate onSubmit={handleSubmit} aria-labelledby={labelledBy}>
      <FormAlert t={t} failure={failure} problem={shown} />

      <Field id={fieldId('fiscal_year')} label={t('reforms.fields.fiscalYear')} required requiredText={required} error={error('fiscal_year')}>
        {(a11y) => (
          <select
            {...a11y}
            className="form-field__input form-field__select"
            value={values.fiscal_year}
            onChange={(e) => set('fiscal_year', e.target.value)}
          >
            {yearOptions.map((year) => (
              <option key={year} value={year}>
                {fiscalYearLabel(t, year)}
              </option>
            ))}
          </select>
        )}
      </Field>

      <Field id={fieldId('bureau_id')} label={t('reforms.fields.bureau')} required requiredText={required} error={error('bureau_id')}>
        {(a11y) => (
          <select
            {...a11y}
            className="form-field__input form-field__select"
            value={values.bureau_id}
            onChange={(e) => setBureau(e.target.value)}
          >
            <option value="">{t('reforms.chooseBureau')}</option>
            {bureaus.map((bureau) => (
              <option key={bureau.id} value={bureau.id}>
                {bureau.name}
              </option>
            ))}
          </select>
        )}
      </Field>

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

      <Field
        id={fieldId('report_number')}
        label={t('reforms.fields.reportNumber')}
        hint={t('reforms.hints.reportNumber')}
        error={error('report_number')}
      >
        {(a11y) => (
          <input
            {...a11y}
            type="text"
            inputMode="numeric"
            className="form-field__input form-field__input--short"
            value={values.report_number}
            onChange={(e) => set('report_number', e.target.value)}
          />
        )}
      </Field>

      <fieldset
        className="pp-fieldset form-field"
        aria-describedby={classificationError ? `${id}-classification-error` : undefined}
      >
        <legend className="form-field__label">{t('reforms.fields.classification')}</legend>
        {classificationError && (
          <p id={`${id}-classification-error`} className="form-field__error">
            {classificationError}
          </p>
        )}
        {[...CLASSIFICATIONS, '' as const].map((value) => (
          <div key={value || 'none'} className="pp-radio">
            <input
              type="radio"
              id={`${id}-classification-${value || 'none'}`}
              name={`${id}-classification`}
              value={value}
              checked={values.classification === value}
              aria-invalid={classificationError ? true : undefined}
              onChange={() => set('classification', value)}
            />
            <label htmlFor={`${id}-classification-${value || 'none'}`}>
              {value ? classificationLabel(t, value) : t('reforms.unclassified')}
            </label>
          </div>
        ))}
      </fieldset>

      {values.classification === 'iii' && (
        <Field
          id={fieldId('source_proposal_id')}
          label={t('reforms.fields.sourceProposal')}
          hint={t('reforms.hints.sourceProposal')}
          error={error('source_proposal_id')}
        >
          {(a11y) => (
            <input
              {...a11y}
              type="text"
              inputMode="numeric"
              className="form-field__input form-field__input--short"
              value={values.source_proposal_id}
              onChange={(e) => set('source_proposal_id', e.target.value)}
            />
          )}
        </Field>
      )}

      <Field id={fieldId('title')} label={t('reforms.fields.title')} required requiredText={required} error={error('title')}>
        {(a11y) => (
          <input
            {...a11y}
            type="text"
            className="form-field__input"
            value={values.title}
            onChange={(e) => set('title', e.target.value)}
          />
        )}
      </Field>

      {(['problem', 'action', 'effect'] as const).map((field) => (
        <Field key={field} id={fieldId(field)} label={t(`reforms.fields.${field}`)} error={error(field)}>
          {(a11y) => (
            <textarea
              {...a11y}
              rows={4}
              className="form-field__input"
              value={values[field]}
              onChange={(e) => set(field, e.target.value)}
            />
          )}
        </Field>
      ))}

      <Field
        id={fieldId('period')}
        label={t('reforms.fields.period')}
        hint={t('reforms.hints.period')}
        error={error('period')}
        after={<WarekiPreview text={values.period} testId="period-preview" withStatus />}
      >
        {(a11y) => (
          <input
            {...a11y}
            type="text"
            className="form-field__input pp-input-medium"
            value={values.period}
            onChange={(e) => set('period', e.target.value)}
          />
        )}
      </Field>

      <Field id={fieldId('status')} label={t('reforms.fields.status')} hint={t('reforms.hints.status')} error={error('status')}>
        {(a11y) => (
          <select
            {...a11y}
            className="form-field__input form-field__select"
            value={values.status}
            onChange={(e) => set('status', e.target.value as ReformStatus | '')}
          >
            <option value="">{t('reforms.statusFromPeriod')}</option>
            {REFORM_STATUSES.map((status) => (
              <option key={status} value={status}>
                {reformStatusLabel(t, status)}
              </option>
            ))}
          </select>
        )}
      </Field>

      <Field id={fieldId('tags')} label={t('reforms.fields.tags')} hint={t('reforms.hints.tags')} error={error('tags')}>
        {(a11y) => (
          <TagInput
            id={a11y.id}
            tags={values.tags}
            onChange={(tags) => set('tags', tags)}
            a11y={{ 'aria-invalid': a11y['aria-invalid'], 'aria-describedby': a11y['aria-describedby'] }}
          />
        )}
      </Field>

      <div className="pp-checkbox">
        <input
          id={fieldId('featured')}
          type="checkbox"
          checked={values.featured}
          aria-describedby={`${fieldId('featured')}-hint`}
          onChange={(e) => set('featured', e.target.checked)}
        />
        <label htmlFor={fieldId('featured')}>{t('reforms.fields.featured')}</label>
        <p id={`${fieldId('featured')}-hint`} className="form-field__hint">
          {t('reforms.hints.featured')}
        </p>
      </div>

      <fieldset className="pp-fieldset rf-effects" aria-describedby={`${id}-effects-hint`}>
        <legend className="form-field__label">{t('reforms.fields.effects')}</legend>
        <p id={`${id}-effects-hint`} className="form-field__hint">
          {t('reforms.hints.effects')}
        </p>
        {error('effects') && Object.keys(rowErrors).length === 0 && <p className="form-field__error">{error('effects')}</p>}
        <div ref={effectsRef} className="rf-effect-rows">
          {values.effects.map((row, index) => {
            const n = index + 1;
            const rowId = `${id}-effect-${row.key}`;
            const errs = rowErrors[index] ?? {};
            return (
              <fieldset key={row.key} className="rf-effect-row">
                <legend>{t('reforms.effectRow', { n })}</legend>
                <Field id={`${rowId}-kind`} label={t('reforms.fields.effectKind')} error={errs.kind}>
                  {(a11y) => (
                    <select
                      {...a11y}
                      className="form-field__input"
                      value={row.kind}
                      onChange={(e) => setEffect(index, { kind: e.target.value as EffectKind })}
                    >
                      {EFFECT_KINDS.map((kind) => (
                        <option key={kind} value={kind}>
                          {effectKindLabel(t, kind)}
                        </option>
                      ))}
                    </select>
                  )}
                </Field>
                <Field id={`${rowId}-value`} label={t('reforms.fields.effectValue')} required requiredText={required} error={errs.value}>
                  {(a11y) => (
                    <input
                      {...a11y}
                      type="text"
                      inputMode="decimal"
                      className="form-field__input"
                      value={row.value}
                      onChange={(e) => setEffect(index, { value: e.target.value })}
                    />
                  )}
                </Field>
                <Field id={`${rowId}-unit`} label={t('reforms.fields.effectUnit')} required requiredText={required} error={errs.unit}>
                  {(a11y) => (
                    <input
                      {...a11y}
                      type="text"
                      className="form-field__input"
                      value={row.unit}
                      onChange={(e) => setEffect(index, { unit: e.target.value })}
                    />
                  )}
                </Field>
                <Field id={`${rowId}-basis`} label={t('reforms.fields.effectBasis')} error={errs.basis}>
                  {(a11y) => (
                    <input
                      {...a11y}
                      type="text"
                      className="form-field__input"
                      value={row.basis}
                      onChange={(e) => setEffect(index, { basis: e.target.value })}
                    />
                  )}
                </Field>
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

      <div className="button-row">
        <button type="submit" className="button button--primary" disabled={pending}>
          {pending ? submittingLabel : submitLabel}
        </button>
        {cancel}
      </div>
    </form>
  );
}
