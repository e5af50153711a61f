// The ledger form of the new and edit pages: its values, the checks and body it sends, its fields.
import { useId, useMemo, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import {
  CheckboxField,
  describeFailure,
  FormAlert,
  RadioGroup,
  SelectInput,
  TextInput,
  textOrNull,
  useFocusFirstInvalid,
  type RecordFormProps,
} from '../../components/form';
import {
  PLATFORMS,
  SYSTEM_STATUSES,
  useBureauList,
  useSectionsOf,
  type DigitalSystemIn,
  type DigitalSystemOut,
  type PlatformDto,
  type SystemStatusDto,
} from './api';
import { useDraft } from '../../lib/useDraft';

/** The form's fields, named like the members of DigitalSystemIn so `errors[].pointer` finds them. */
export const SYSTEM_FIELDS = [
  'name',
  'section_id',
  'platform',
  'built_in_house',
  'status',
  'trial_started_on',
  'production_started_on',
  'retired_on',
  'workflow_before',
  'workflow_after',
  'annual_hours_saved',
  'hours_basis',
  'cost_effect_yen',
  'note',
] as const;
export type SystemField = (typeof SYSTEM_FIELDS)[number];

export interface SystemValues {
  /** Only narrows the sections on offer; the body carries the section. */
  bureau_id: string;
  section_id: string;
  name: string;
  platform: PlatformDto;
  built_in_house: boolean;
  status: SystemStatusDto;
  trial_started_on: string;
  production_started_on: string;
  retired_on: string;
  workflow_before: string;
  workflow_after: string;
  annual_hours_saved: string;
  hours_basis: string;
  cost_effect_yen: string;
  note: string;
}

export function emptySystemValues(): SystemValues {
  return {
    bureau_id: '',
    section_id: '',
    name: '',
    platform: 'kintone',
    built_in_house: true,
    status: 'trial',
    trial_started_on: '',
    production_started_on: '',
    retired_on: '',
    workflow_before: '',
    workflow_after: '',
    annual_hours_saved: '',
    hours_basis: '',
    cost_effect_yen: '',
    note: '',
  };
}

export function systemValuesOf(system: DigitalSystemOut): SystemValues {
  return {
    bureau_id: String(system.bureau_id),
    section_id: String(system.section_id),
    name: system.name,
    platform: system.platform,
    built_in_house: system.built_in_house,
    status: system.status,
    trial_started_on: system.trial_started_on ?? '',
    production_started_on: system.production_started_on ?? '',
    retired_on: system.retired_on ?? '',
    workflow_before: system.workflow_before ?? '',
    workflow_after: system.workflow_after ?? '',
    annual_hours_saved: system.annual_hours_saved == null ? '' : String(system.annual_hours_saved),
    hours_basis: system.hours_basis ?? '',
    cost_effect_yen: system.cost_effect_yen == null ? '' : String(system.cost_effect_yen),
    note: system.note ?? '',
  };
}

/** Which dates the status asks for: a production date once in production, a retirement date once retired. */
export function datesFor(status: SystemStatusDto) {
  return {
    production: status === 'production' || status === 'retired',
    productionRequired: status === 'production',
    retired: status === 'retired',
  };
}

/** Reads a typed figure: full-width digits and thousands separators are accepted. */
export function parseFigure(text: string): number | null | 'invalid' {
  const normalized = text.normalize('NFKC').replace(/[,\s]/g, '');
  if (normalized === '') return null;
  if (!/^-?\d+(\.\d+)?$/.test(normalized)) return 'invalid';
  return Number(normalized);
}

type LocalErrors = Partial<Record<SystemField, string>>;

/**
 * The body to send, or the fields the browser can already tell are wrong. Dates a status does not
 * use are sent as null, so switching back from 廃止 does not leave a retirement date behind.
 */
export function systemBodyOf(
  values: SystemValues,
  messages: { required: string; number: string; integer: string },
): { body: DigitalSystemIn; errors: LocalErrors } {
  const text = textOrNull;
  const errors: LocalErrors = {};
  const dates = datesFor(values.status);
  if (values.name.trim() === '') errors.name = messages.required;
  if (values.section_id === '') errors.section_id = messages.required;
  if (dates.productionRequired && values.production_started_on === '') errors.production_started_on = messages.required;
  if (dates.retired && values.retired_on === '') errors.retired_on = messages.required;
  const hours = parseFigure(values.annual_hours_saved);
  if (hours === 'invalid') errors.annual_hours_saved = messages.number;
  const yen = parseFigure(values.cost_effect_yen);
  if (yen === 'invalid') errors.cost_effect_yen = messages.number;
  else if (yen !== null && !Number.isInteger(yen)) errors.cost_effect_yen = messages.integer;
  const body: DigitalSystemIn = {
    name: values.name,
    section_id: Number(values.section_id),
    platform: values.platform,
    built_in_house: values.built_in_house,
    status: values.status,
    trial_started_on: values.trial_started_on || null,
    production_started_on: dates.production ? values.production_started_on || null : null,
    retired_on: dates.retired ? values.retired_on || null : null,
    workflow_before: text(values.workflow_before),
    workflow_after: text(values.workflow_after),
    annual_hours_saved: hours === 'invalid' ? null : hours,
    hours_basis: text(values.hours_basis),
    cost_effect_yen: yen === 'invalid' ? null : yen,
    note: text(values.note),
  };
  return { body, errors };
}

export function DigitalSystemForm({
  initial,
  initialSection,
  submitLabel,
  submittingLabel,
  pending,
  problem,
  problemSummary,
  onSubmit,
  cancel,
  labelledBy,
}: RecordFormProps<SystemValues, DigitalSystemIn> & {
  /** The record's own section, offered even if today's list of its bureau no longer has it. */
  initialSection?: { id: number; name: string } | undefined;
}) {
  const { t } = useTranslation();
  const id = useId();
  const formRef = useRef<HTMLFormElement>(null);
  const [values, setValues] = useDraft<SystemValues>(initial);
  const [local, setLocal] = useState<LocalErrors>({});
  const [localTrigger, setLocalTrigger] = useState(0);
  const failure = useMemo(
    () => (problem ? describeFailure(t, problem, SYSTEM_FIELDS, problemSummary) : null),
    [t, problem, problemSummary],
  );
  useFocusFirstInvalid(formRef, problem);
  useFocusFirstInvalid(formRef, localTrigger);

  const bureaus = useBureauList();
  const bureauId = values.bureau_id === '' ? null : Number(values.bureau_id);
  const sections = useSectionsOf(bureauId);
  const sectionOptions = useMemo(() => {
    const list = (sections.data ?? []).map((s) => ({ id: s.id, name: s.name }));
    if (
      initialSection &&
      String(initialSection.id) === values.section_id &&
      !list.some((s) => s.id === initialSection.id)
    ) {
      list.push(initialSection);
    }
    return list;
  }, [sections.data, initialSection, values.section_id]);

  const required = t('ledger.required');
  const dates = datesFor(values.status);

  function set<K extends keyof SystemValues>(field: K, value: SystemValues[K]) {
    setValues((current) => ({ ...current, [field]: value }));
    // A corrected field loses its browser-side message; the server's stay until the next attempt.
    if (field in local) {
      setLocal((current) => {
        const next = { ...current };
        delete next[field as SystemField];
        return next;
      });
    }
  }

  function handleSubmit(event: FormEvent) {
    event.preventDefault();
    const { body, errors } = systemBodyOf(values, {
      required: t('fieldError.required'),
      number: t('ledger.errors.number'),
      integer: t('ledger.errors.integer'),
    });
    setLocal(errors);
    if (Object.keys(errors).length > 0) {
      setLocalTrigger((n) => n + 1);
      return;
    }
    onSubmit(body);
  }

  const error = (field: SystemField) => local[field] ?? failure?.fields[field];
  const fieldId = (field: SystemField | 'bureau_id') => `${id}-${field}`;
  const localSummary = Object.keys(local).length > 0;

  return (
    <form ref={formRef} className="form pp-form lg-form" noValidate onSubmit={handleSubmit} aria-labelledby={labelledBy}>
      {localSummary ? (
        <div role="alert" aria-atomic="true" className="alert-region">
          <div className="notice notice--error">
            <p>{t('ledger.fixErrors')}</p>
          </div>
        </div>
      ) : (
        <FormAlert t={t} failure={failure} problem={problem} />
      )}

      <TextInput
        id={fieldId('name')}
        label={t('ledger.fields.name')}
        required
        requiredText={required}
        error={error('name')}
        value={values.name}
        onChange={(value) => set('name', value)}
      />

      <SelectInput
        id={fieldId('bureau_id')}
        label={t('ledger.fields.bureau')}
        required
        requiredText={required}
        hint={t('ledger.hints.bureau')}
        value={values.bureau_id}
        onChange={(next) => setValues((current) => ({ ...current, bureau_id: next, section_id: '' }))}
        blank={t('ledger.chooseBureau')}
        options={(bureaus.data ?? []).map((bureau) => [bureau.id, bureau.name] as const)}
      />

      <SelectInput
        id={fieldId('section_id')}
        label={t('ledger.fields.section')}
        required
        requiredText={required}
        error={error('section_id')}
        value={values.section_id}
        disabled={bureauId === null}
        onChange={(value) => set('section_id', value)}
        blank={bureauId === null ? t('ledger.chooseBureauFirst') : t('ledger.chooseSection')}
        options={sectionOptions.map((section) => [section.id, section.name] as const)}
      />

      <SelectInput
        id={fieldId('platform')}
        label={t('ledger.fields.platform')}
        required
        requiredText={required}
        error={error('platform')}
        value={values.platform}
        onChange={(value) => set('platform', value as PlatformDto)}
        options={PLATFORMS.map((platform) => [platform, t(`ledger.platforms.${platform}`)] as const)}
      />

      <CheckboxField
        id={fieldId('built_in_house')}
        label={t('ledger.fields.builtInHouse')}
        hint={t('ledger.hints.builtInHouse')}
        error={error('built_in_house')}
        checked={values.built_in_house}
        onChange={(checked) => set('built_in_house', checked)}
      />

      <RadioGroup
        id={fieldId('status')}
        legend={t('ledger.fields.status')}
        required
        requiredText={required}
        error={error('status')}
        value={values.status}
        onChange={(status) => set('status', status)}
        options={SYSTEM_STATUSES.map((status) => [status, t(`ledger.statuses.${status}`)] as const)}
      />

      <div className="lg-date-row">
        <TextInput
          id={fieldId('trial_started_on')}
          label={t('ledger.fields.trialStartedOn')}
          error={error('trial_started_on')}
          type="date"
          value={values.trial_started_on}
          onChange={(value) => set('trial_started_on', value)}
        />
        {dates.production && (
          <TextInput
            id={fieldId('production_started_on')}
            label={t('ledger.fields.productionStartedOn')}
            required={dates.productionRequired}
            requiredText={required}
            hint={dates.productionRequired ? t('ledger.hints.productionRequired') : undefined}
            error={error('production_started_on')}
            type="date"
            value={values.production_started_on}
            onChange={(value) => set('production_started_on', value)}
          />
        )}
        {dates.retired && (
          <TextInput
            id={fieldId('retired_on')}
            label={t('ledger.fields.retiredOn')}
            required
            requiredText={required}
            hint={t('ledger.hints.retiredRequired')}
            error={error('retired_on')}
            type="date"
            value={values.retired_on}
            onChange={(value) => set('retired_on', value)}
          />
        )}
      </div>

      <div className="lg-side-by-side">
        {(['workflow_before', 'workflow_after'] as const).map((field) => (
          <TextInput
            key={field}
            id={fieldId(field)}
            label={t(field === 'workflow_before' ? 'ledger.fields.workflowBefore' : 'ledger.fields.workflowAfter')}
            hint={t(field === 'workflow_before' ? 'ledger.hints.workflowBefore' : 'ledger.hints.workflowAfter')}
            error={error(field)}
            multiline
            rows={6}
            value={values[field]}
            onChange={(value) => set(field, value)}
          />
        ))}
      </div>

      <TextInput
        id={fieldId('annual_hours_saved')}
        label={t('ledger.fields.annualHoursSaved')}
        hint={t('ledger.hints.annualHoursSaved')}
        error={error('annual_hours_saved')}
        inputMode="decimal"
        width="short"
        value={values.annual_hours_saved}
        onChange={(value) => set('annual_hours_saved', value)}
      />

      <TextInput
        id={fieldId('hours_basis')}
        label={t('ledger.fields.hoursBasis')}
        hint={t('ledger.hints.hoursBasis')}
        error={error('hours_basis')}
        multiline
        rows={2}
        value={values.hours_basis}
        onChange={(value) => set('hours_basis', value)}
      />

      <TextInput
        id={fieldId('cost_effect_yen')}
        label={t('ledger.fields.costEffectYen')}
        hint={t('ledger.hints.costEffectYen')}
        error={error('cost_effect_yen')}
        inputMode="numeric"
        width="short"
        value={values.cost_effect_yen}
        onChange={(value) => set('cost_effect_yen', value)}
      />

      <TextInput
        id={fieldId('note')}
        label={t('ledger.fields.note')}
        error={error('note')}
        multiline
        rows={3}
        value={values.note}
        onChange={(value) => set('note', value)}
      />

      <div className="button-row">
        <button type="submit" className="button button--primary" disabled={pending}>
          {pending ? submittingLabel : submitLabel}
        </button>
        {cancel}
      </div>
    </form>
  );
}
