import { useEffect, useId, useMemo, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { useMutation } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { ApiProblem, dataOf, isApiProblem, useApi } from '../../lib/api';
import { todayInTokyo } from '../proposals/dates';
import { describeFailure, Field, FormAlert, toApiProblem, useFocusFirstInvalid } from '../proposals/forms';
import {
  AREAS,
  ifMatch,
  LEVELS,
  MILESTONE_STATES,
  QUARTERS,
  useInvalidatePolicies,
  type KpiOut,
  type Level,
  type MilestoneOut,
  type MilestoneState,
  type PolicyArea,
  type PolicyIssueOut,
  type PolicyOut,
} from './api';
import { levelLabel, milestoneStateLabel, quarterLabel } from './format';

type Heading = 'h2' | 'h3' | 'h4' | 'h5';

interface FieldErrorInit {
  pointer: string;
  code: string;
  message: string;
}

/** Checks made before asking the server, reported like the server's 422 so both read the same. */
class Checks {
  readonly errors: FieldErrorInit[] = [];
  required(field: string, value: string) {
    if (value.trim() === '') this.errors.push({ pointer: `/${field}`, code: 'required', message: 'is required' });
    return this;
  }
  number(field: string, value: string) {
    if (value.trim() !== '' && numberOrNull(value) === null) {
      this.errors.push({ pointer: `/${field}`, code: 'invalid_value', message: 'must be a number' });
    }
    return this;
  }
  problem(): ApiProblem | null {
    return this.errors.length === 0 ? null : new ApiProblem({ status: 422, code: 'validation_failed', fieldErrors: this.errors });
  }
}

export function numberOrNull(value: string): number | null {
  const trimmed = value.trim().replace(/,/g, '');
  if (trimmed === '') return null;
  const n = Number(trimmed);
  return Number.isFinite(n) ? n : null;
}

function textOrNull(value: string): string | null {
  return value.trim() === '' ? null : value;
}

/**
 * The frame every small form of the policy screens shares: heading, error summary, focus on the
 * first control when it opens and on the first invalid field after a refusal, submit and cancel.
 */
function FormShell<F extends string>({
  heading,
  as: HeadingTag,
  fields,
  problem,
  staleSummary,
  check,
  submit,
  pending,
  submitLabel,
  submittingLabel,
  onCancel,
  children,
}: {
  heading: string;
  as: Heading;
  fields: readonly F[];
  problem: ApiProblem | null;
  staleSummary?: string;
  check: () => ApiProblem | null;
  submit: () => void;
  pending: boolean;
  submitLabel: string;
  submittingLabel: string;
  onCancel?: () => void;
  children: (error: (field: F) => string | undefined, id: (field: F) => string) => ReactNode;
}) {
  const { t } = useTranslation();
  const ids = useId();
  const formRef = useRef<HTMLFormElement>(null);
  const [localProblem, setLocalProblem] = useState<ApiProblem | null>(null);
  useEffect(() => setLocalProblem(null), [problem]);
  const shown = localProblem ?? problem;
  const failure = useMemo(
    () =>
      shown
        ? describeFailure(t, shown, fields, !localProblem && shown.status === 412 ? staleSummary : undefined)
        : null,
    [t, shown, fields, localProblem, staleSummary],
  );
  useFocusFirstInvalid(formRef, shown);
  useEffect(() => {
    formRef.current?.querySelector<HTMLElement>('input, select, textarea')?.focus();
  }, []);

  function handleSubmit(event: FormEvent) {
    event.preventDefault();
    const local = check();
    setLocalProblem(local);
    if (!local) submit();
  }

  const headingId = `${ids}-heading`;
  return (
    <form ref={formRef} className="form pp-subform bp-form" noValidate onSubmit={handleSubmit} aria-labelledby={headingId}>
      <HeadingTag id={headingId} className="bp-form__heading">
        {heading}
      </HeadingTag>
      <FormAlert t={t} failure={failure} problem={shown} />
      {children(
        (field) => failure?.fields[field],
        (field) => `${ids}-${field}`,
      )}
      <div className="button-row">
        <button type="submit" className="button button--primary" disabled={pending}>
          {pending ? submittingLabel : submitLabel}
        </button>
        {onCancel && (
          <button type="button" className="button button--secondary" onClick={onCancel}>
            {t('bureaus.cancel')}
          </button>
        )}
      </div>
    </form>
  );
}

function TextInput({
  id,
  label,
  value,
  onChange,
  error,
  required,
  hint,
  multiline,
  type = 'text',
  list,
  short,
}: {
  id: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  error?: string | undefined;
  required?: boolean;
  hint?: string;
  multiline?: boolean;
  type?: 'text' | 'date';
  list?: string;
  short?: boolean;
}) {
  const { t } = useTranslation();
  return (
    <Field id={id} label={label} required={required} requiredText={t('bureaus.required')} error={error} hint={hint}>
      {(a11y) =>
        multiline ? (
          <textarea
            {...a11y}
            rows={4}
            className="form-field__input"
            value={value}
            onChange={(e) => onChange(e.target.value)}
          />
        ) : (
          <input
            {...a11y}
            type={type}
            list={list}
            className={`form-field__input${short || type === 'date' ? ' form-field__input--short' : ''}`}
            value={value}
            onChange={(e) => onChange(e.target.value)}
          />
        )
      }
    </Field>
  );
}

function SelectInput({
  id,
  label,
  value,
  onChange,
  options,
  error,
  required,
}: {
  id: string;
  label: string;
  value: string;
  onChange: (value: string) => void;
  options: [string, string][];
  error?: string | undefined;
  required?: boolean;
}) {
  const { t } = useTranslation();
  return (
    <Field id={id} label={label} required={required} requiredText={t('bureaus.required')} error={error}>
      {(a11y) => (
        <select
          {...a11y}
          className="form-field__input form-field__select"
          value={value}
          onChange={(e) => onChange(e.target.value)}
        >
          {options.map(([v, l]) => (
            <option key={v} value={v}>
              {l}
            </option>
          ))}
        </select>
      )}
    </Field>
  );
}

/** What a write does after the server accepted it: refresh the policy screens, then report. */
function useAfterWrite(onDone: (message: string) => void) {
  const invalidate = useInvalidatePolicies();
  return {
    onSuccess: async (message: string) => {
      await invalidate();
      onDone(message);
    },
    onError: async (error: unknown) => {
      // A 412 means someone else saved first: show their version behind the form.
      if (isApiProblem(error) && error.status === 412) await invalidate();
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Policy texts (create or edit)

const POLICY_TEXTS = [
  'mission',
  'basic_information',
  'review_summary',
  'review_achieved',
  'review_not_achieved',
  'direction',
] as const;
type PolicyText = (typeof POLICY_TEXTS)[number];
const POLICY_FIELDS = ['bureau_id', 'fiscal_year', ...POLICY_TEXTS] as const;

export const POLICY_TEXT_FIELDS = POLICY_TEXTS;

export function PolicyForm({
  policy,
  bureauId,
  fiscalYear,
  fiscalYearText,
  as,
  onDone,
  onCancel,
}: {
  policy?: PolicyOut;
  bureauId: number;
  fiscalYear: number;
  fiscalYearText: string;
  as: Heading;
  onDone: (message: string) => void;
  onCancel?: () => void;
}) {
  const { t } = useTranslation();
  const api = useApi();
  const after = useAfterWrite(onDone);
  const [values, setValues] = useState<Record<PolicyText, string>>(() =>
    Object.fromEntries(POLICY_TEXTS.map((f) => [f, policy?.[f] ?? ''])) as Record<PolicyText, string>,
  );
  const body = () => ({
    bureau_id: bureauId,
    fiscal_year: fiscalYear,
    ...(Object.fromEntries(POLICY_TEXTS.map((f) => [f, textOrNull(values[f])])) as Record<PolicyText, string | null>),
  });
  const save = useMutation({
    mutationFn: async () =>
      policy
        ? dataOf(
            await api.client.PUT('/api/v1/policies/{id}', {
              params: { path: { id: policy.id }, header: { 'If-Match': ifMatch(policy.version) } },
              body: body(),
            }),
          )
        : dataOf(await api.client.POST('/api/v1/policies', { body: body() })),
    onSuccess: () =>
      after.onSuccess(policy ? t('bureaus.policySaved') : t('bureaus.policyCreated', { year: fiscalYearText })),
    onError: after.onError,
  });
  const problem = save.error ? toApiProblem(save.error) : null;

  return (
    <FormShell
      heading={policy ? t('bureaus.editPolicyHeading') : t('bureaus.createPolicyHeading', { year: fiscalYearText })}
      as={as}
      fields={POLICY_FIELDS}
      problem={problem}
      staleSummary={t('bureaus.stale')}
      check={() => null}
      submit={() => save.mutate()}
      pending={save.isPending}
      submitLabel={policy ? t('bureaus.save') : t('bureaus.createPolicySubmit')}
      submittingLabel={t('bureaus.saving')}
      onCancel={onCancel}
    >
      {(error, id) =>
        POLICY_TEXTS.map((field) => (
          <TextInput
            key={field}
            id={id(field)}
            label={t(`bureaus.policyFields.${field}`)}
            value={values[field]}
            onChange={(v) => setValues((c) => ({ ...c, [field]: v }))}
            error={error(field)}
            multiline
          />
        ))
      }
    </FormShell>
  );
}

// ---------------------------------------------------------------------------------------------
// Issue

const ISSUE_FIELDS = [
  'area',
  'number',
  'policy_field',
  'impact',
  'urgency',
  'title',
  'content',
  'background',
  'target_outcome',
  'actions',
] as const;
type IssueField = (typeof ISSUE_FIELDS)[number];
const POLICY_FIELD_SUGGESTIONS = ['市民サービス向上', '働き方改革', '官民連携', '人材育成', '行政の透明性', '地域社会'];

export function IssueForm({
  policyId,
  issue,
  as,
  onDone,
  onCancel,
}: {
  policyId: number;
  issue?: PolicyIssueOut;
  as: Heading;
  onDone: (message: string) => void;
  onCancel?: () => void;
}) {
  const { t } = useTranslation();
  const api = useApi();
  const listId = useId();
  const after = useAfterWrite(onDone);
  const [values, setValues] = useState<Record<IssueField, string>>(() => ({
    area: issue?.area ?? 'A',
    number: issue ? String(issue.number) : '',
    policy_field: issue?.policy_field ?? '',
    impact: issue?.impact ?? '',
    urgency: issue?.urgency ?? '',
    title: issue?.title ?? '',
    content: issue?.content ?? '',
    background: issue?.background ?? '',
    target_outcome: issue?.target_outcome ?? '',
    actions: issue?.actions ?? '',
  }));
  const set = (field: IssueField) => (value: string) => setValues((c) => ({ ...c, [field]: value }));
  const body = () => ({
    area: values.area as PolicyArea,
    number: numberOrNull(values.number) ?? 0,
    policy_field: textOrNull(values.policy_field),
    impact: (values.impact || null) as Level | null,
    urgency: (values.urgency || null) as Level | null,
    title: values.title,
    content: textOrNull(values.content),
    background: textOrNull(values.background),
    target_outcome: textOrNull(values.target_outcome),
    actions: textOrNull(values.actions),
  });
  const save = useMutation({
    mutationFn: async () =>
      issue
        ? dataOf(
            await api.client.PUT('/api/v1/policy-issues/{id}', {
              params: { path: { id: issue.id }, header: { 'If-Match': ifMatch(issue.version) } },
              body: body(),
            }),
          )
        : dataOf(
            await api.client.POST('/api/v1/policies/{id}/issues', { params: { path: { id: policyId } }, body: body() }),
          ),
    onSuccess: (saved) =>
      after.onSuccess(
        issue ? t('bureaus.issueSaved', { code: saved.code }) : t('bureaus.issueAdded', { code: saved.code, title: saved.title }),
      ),
    onError: after.onError,
  });
  const problem = save.error ? toApiProblem(save.error) : null;
  const levelOptions: [string, string][] = [
    ['', t('bureaus.levelUnset')],
    ...LEVELS.map((l): [string, string] => [l, levelLabel(t, l)]),
  ];

  return (
    <FormShell
      heading={issue ? t('bureaus.editIssueHeading', { code: issue.code }) : t('bureaus.addIssueHeading')}
      as={as}
      fields={ISSUE_FIELDS}
      problem={problem}
      staleSummary={t('bureaus.stale')}
      check={() =>
        new Checks()
          .required('number', values.number)
          .number('number', values.number)
          .required('title', values.title)
          .problem()
      }
      submit={() => save.mutate()}
      pending={save.isPending}
      submitLabel={issue ? t('bureaus.save') : t('bureaus.addIssueSubmit')}
      submittingLabel={t('bureaus.saving')}
      onCancel={onCancel}
    >
      {(error, id) => (
        <>
          <div className="bp-form-row">
            <SelectInput
              id={id('area')}
              label={t('bureaus.issueFields.area')}
              value={values.area}
              onChange={set('area')}
              options={AREAS.map((a) => [a, t(`bureaus.areas.${a}`)])}
              error={error('area')}
              required
            />
            <TextInput
              id={id('number')}
              label={t('bureaus.issueFields.number')}
              hint={t('bureaus.issueHints.number')}
              value={values.number}
              onChange={set('number')}
              error={error('number')}
              required
              short
            />
          </div>
          <TextInput
            id={id('title')}
            label={t('bureaus.issueFields.title')}
            value={values.title}
            onChange={set('title')}
            error={error('title')}
            required
          />
          <TextInput
            id={id('policy_field')}
            label={t('bureaus.issueFields.policyField')}
            value={values.policy_field}
            onChange={set('policy_field')}
            error={error('policy_field')}
            list={listId}
          />
          <datalist id={listId}>
            {POLICY_FIELD_SUGGESTIONS.map((s) => (
              <option key={s} value={s} />
            ))}
          </datalist>
          <div className="bp-form-row">
            <SelectInput
              id={id('impact')}
              label={t('bureaus.impact')}
              value={values.impact}
              onChange={set('impact')}
              options={levelOptions}
              error={error('impact')}
            />
            <SelectInput
              id={id('urgency')}
              label={t('bureaus.urgency')}
              value={values.urgency}
              onChange={set('urgency')}
              options={levelOptions}
              error={error('urgency')}
            />
          </div>
          {(['content', 'background', 'target_outcome', 'actions'] as const).map((field) => (
            <TextInput
              key={field}
              id={id(field)}
              label={t(`bureaus.issueFields.${field}`)}
              value={values[field]}
              onChange={set(field)}
              error={error(field)}
              multiline
            />
          ))}
        </>
      )}
    </FormShell>
  );
}

// ---------------------------------------------------------------------------------------------
// Milestone

const MILESTONE_FIELDS = ['workstream', 'quarter', 'title', 'state', 'done_on'] as const;

export function MilestoneForm({
  issueId,
  milestone,
  workstreams,
  as,
  onDone,
  onCancel,
}: {
  issueId: number;
  milestone?: MilestoneOut;
  workstreams: string[];
  as: Heading;
  onDone: (message: string) => void;
  onCancel?: () => void;
}) {
  const { t } = useTranslation();
  const api = useApi();
  const listId = useId();
  const after = useAfterWrite(onDone);
  const [workstream, setWorkstream] = useState(milestone?.workstream ?? '');
  const [quarter, setQuarter] = useState(String(milestone?.quarter ?? 1));
  const [title, setTitle] = useState(milestone?.title ?? '');
  const [state, setState] = useState<MilestoneState>(milestone?.state ?? 'planned');
  const [doneOn, setDoneOn] = useState(milestone?.done_on ?? todayInTokyo());
  const body = () => ({
    workstream: textOrNull(workstream),
    quarter: Number(quarter),
    title,
    state,
    // The server wants a date only with "done" (and fills today when it is omitted).
    done_on: state === 'done' ? textOrNull(doneOn) : null,
  });
  const save = useMutation({
    mutationFn: async () =>
      milestone
        ? dataOf(
            await api.client.PUT('/api/v1/milestones/{id}', {
              params: { path: { id: milestone.id }, header: { 'If-Match': ifMatch(milestone.version) } },
              body: body(),
            }),
          )
        : dataOf(
            await api.client.POST('/api/v1/policy-issues/{id}/milestones', { params: { path: { id: issueId } }, body: body() }),
          ),
    onSuccess: (saved) =>
      after.onSuccess(
        milestone ? t('bureaus.milestoneSaved', { title: saved.title }) : t('bureaus.milestoneAdded', { title: saved.title }),
      ),
    onError: after.onError,
  });
  const problem = save.error ? toApiProblem(save.error) : null;

  return (
    <FormShell
      heading={milestone ? t('bureaus.editMilestoneHeading', { title: milestone.title }) : t('bureaus.addMilestoneHeading')}
      as={as}
      fields={MILESTONE_FIELDS}
      problem={problem}
      staleSummary={t('bureaus.stale')}
      check={() => new Checks().required('title', title).problem()}
      submit={() => save.mutate()}
      pending={save.isPending}
      submitLabel={milestone ? t('bureaus.save') : t('bureaus.addMilestoneSubmit')}
      submittingLabel={t('bureaus.saving')}
      onCancel={onCancel}
    >
      {(error, id) => (
        <>
          <TextInput
            id={id('workstream')}
            label={t('bureaus.milestoneFields.workstream')}
            hint={t('bureaus.milestoneHints.workstream')}
            value={workstream}
            onChange={setWorkstream}
            error={error('workstream')}
            list={listId}
          />
          <datalist id={listId}>
            {workstreams.map((w) => (
              <option key={w} value={w} />
            ))}
          </datalist>
          <SelectInput
            id={id('quarter')}
            label={t('bureaus.milestoneFields.quarter')}
            value={quarter}
            onChange={setQuarter}
            options={QUARTERS.map((q) => [String(q), quarterLabel(t, q)])}
            error={error('quarter')}
            required
          />
          <TextInput
            id={id('title')}
            label={t('bureaus.milestoneFields.title')}
            value={title}
            onChange={setTitle}
            error={error('title')}
            required
          />
          <SelectInput
            id={id('state')}
            label={t('bureaus.milestoneFields.state')}
            value={state}
            onChange={(v) => setState(v as MilestoneState)}
            options={MILESTONE_STATES.map((s) => [s, milestoneStateLabel(t, s)])}
            error={error('state')}
            required
          />
          {state === 'done' && (
            <TextInput
              id={id('done_on')}
              type="date"
              label={t('bureaus.milestoneFields.doneOn')}
              value={doneOn}
              onChange={setDoneOn}
              error={error('done_on')}
            />
          )}
        </>
      )}
    </FormShell>
  );
}

// ---------------------------------------------------------------------------------------------
// Progress note

const NOTE_FIELDS = ['as_of', 'as_of_label', 'body'] as const;

export function NoteForm({
  issueId,
  as,
  onDone,
  onCancel,
}: {
  issueId: number;
  as: Heading;
  onDone: (message: string) => void;
  onCancel?: () => void;
}) {
  const { t } = useTranslation();
  const api = useApi();
  const after = useAfterWrite(onDone);
  const [asOf, setAsOf] = useState(todayInTokyo());
  const [label, setLabel] = useState('');
  const [text, setText] = useState('');
  const save = useMutation({
    mutationFn: async () =>
      dataOf(
        await api.client.POST('/api/v1/policy-issues/{id}/progress-notes', {
          params: { path: { id: issueId } },
          body: { as_of: asOf, as_of_label: textOrNull(label), body: text },
        }),
      ),
    onSuccess: (saved) => after.onSuccess(t('bureaus.noteAdded', { label: saved.as_of_label })),
    onError: after.onError,
  });
  const problem = save.error ? toApiProblem(save.error) : null;
  return (
    <FormShell
      heading={t('bureaus.addNoteHeading')}
      as={as}
      fields={NOTE_FIELDS}
      problem={problem}
      check={() => new Checks().required('as_of', asOf).required('body', text).problem()}
      submit={() => save.mutate()}
      pending={save.isPending}
      submitLabel={t('bureaus.addNoteSubmit')}
      submittingLabel={t('bureaus.saving')}
      onCancel={onCancel}
    >
      {(error, id) => (
        <>
          <TextInput
            id={id('as_of')}
            type="date"
            label={t('bureaus.noteFields.asOf')}
            value={asOf}
            onChange={setAsOf}
            error={error('as_of')}
            required
          />
          <TextInput
            id={id('as_of_label')}
            label={t('bureaus.noteFields.asOfLabel')}
            hint={t('bureaus.noteHints.asOfLabel')}
            value={label}
            onChange={setLabel}
            error={error('as_of_label')}
          />
          <TextInput
            id={id('body')}
            label={t('bureaus.noteFields.body')}
            value={text}
            onChange={setText}
            error={error('body')}
            required
            multiline
          />
        </>
      )}
    </FormShell>
  );
}

// ---------------------------------------------------------------------------------------------
// KPI and its actuals

const KPI_FIELDS = ['name', 'unit', 'baseline_value', 'baseline_on', 'target_value', 'target_on', 'note'] as const;

export function KpiForm({
  issueId,
  kpi,
  as,
  onDone,
  onCancel,
}: {
  issueId: number;
  kpi?: KpiOut;
  as: Heading;
  onDone: (message: string) => void;
  onCancel?: () => void;
}) {
  const { t } = useTranslation();
  const api = useApi();
  const after = useAfterWrite(onDone);
  const [v, setV] = useState<Record<(typeof KPI_FIELDS)[number], string>>(() => ({
    name: kpi?.name ?? '',
    unit: kpi?.unit ?? '',
    baseline_value: kpi ? String(kpi.baseline_value) : '',
    baseline_on: kpi?.baseline_on ?? '',
    target_value: kpi?.target_value == null ? '' : String(kpi.target_value),
    target_on: kpi?.target_on ?? '',
    note: kpi?.note ?? '',
  }));
  const set = (field: (typeof KPI_FIELDS)[number]) => (value: string) => setV((c) => ({ ...c, [field]: value }));
  const body = () => ({
    name: v.name,
    unit: v.unit,
    baseline_value: numberOrNull(v.baseline_value) ?? 0,
    baseline_on: v.baseline_on,
    target_value: numberOrNull(v.target_value),
    target_on: textOrNull(v.target_on),
    note: textOrNull(v.note),
  });
  const save = useMutation({
    mutationFn: async () =>
      kpi
        ? dataOf(
            await api.client.PUT('/api/v1/kpis/{id}', {
              params: { path: { id: kpi.id }, header: { 'If-Match': ifMatch(kpi.version) } },
              body: body(),
            }),
          )
        : dataOf(await api.client.POST('/api/v1/policy-issues/{id}/kpis', { params: { path: { id: issueId } }, body: body() })),
    onSuccess: (saved) =>
      after.onSuccess(kpi ? t('bureaus.kpiSaved', { name: saved.name }) : t('bureaus.kpiAdded', { name: saved.name })),
    onError: after.onError,
  });
  const problem = save.error ? toApiProblem(save.error) : null;
  return (
    <FormShell
      heading={kpi ? t('bureaus.editKpiHeading', { name: kpi.name }) : t('bureaus.addKpiHeading')}
      as={as}
      fields={KPI_FIELDS}
      problem={problem}
      staleSummary={t('bureaus.stale')}
      check={() =>
        new Checks()
          .required('name', v.name)
          .required('unit', v.unit)
          .required('baseline_value', v.baseline_value)
          .number('baseline_value', v.baseline_value)
          .required('baseline_on', v.baseline_on)
          .number('target_value', v.target_value)
          .problem()
      }
      submit={() => save.mutate()}
      pending={save.isPending}
      submitLabel={kpi ? t('bureaus.save') : t('bureaus.addKpiSubmit')}
      submittingLabel={t('bureaus.saving')}
      onCancel={onCancel}
    >
      {(error, id) => (
        <>
          <TextInput
            id={id('name')}
            label={t('bureaus.kpiFields.name')}
            value={v.name}
            onChange={set('name')}
            error={error('name')}
            required
          />
          <TextInput
            id={id('unit')}
            label={t('bureaus.kpiFields.unit')}
            hint={t('bureaus.kpiHints.unit')}
            value={v.unit}
            onChange={set('unit')}
            error={error('unit')}
            required
            short
          />
          <div className="bp-form-row">
            <TextInput
              id={id('baseline_value')}
              label={t('bureaus.kpiFields.baselineValue')}
              value={v.baseline_value}
              onChange={set('baseline_value')}
              error={error('baseline_value')}
              required
              short
            />
            <TextInput
              id={id('baseline_on')}
              type="date"
              label={t('bureaus.kpiFields.baselineOn')}
              value={v.baseline_on}
              onChange={set('baseline_on')}
              error={error('baseline_on')}
              required
            />
          </div>
          <div className="bp-form-row">
            <TextInput
              id={id('target_value')}
              label={t('bureaus.kpiFields.targetValue')}
              value={v.target_value}
              onChange={set('target_value')}
              error={error('target_value')}
              short
            />
            <TextInput
              id={id('target_on')}
              type="date"
              label={t('bureaus.kpiFields.targetOn')}
              value={v.target_on}
              onChange={set('target_on')}
              error={error('target_on')}
            />
          </div>
          <TextInput
            id={id('note')}
            label={t('bureaus.kpiFields.note')}
            value={v.note}
            onChange={set('note')}
            error={error('note')}
            multiline
          />
        </>
      )}
    </FormShell>
  );
}

const ACTUAL_FIELDS = ['value', 'measured_on', 'note'] as const;

export function ActualForm({
  kpi,
  as,
  onDone,
  onCancel,
}: {
  kpi: KpiOut;
  as: Heading;
  onDone: (message: string) => void;
  onCancel?: () => void;
}) {
  const { t } = useTranslation();
  const api = useApi();
  const after = useAfterWrite(onDone);
  const [value, setValue] = useState('');
  const [measuredOn, setMeasuredOn] = useState(todayInTokyo());
  const [note, setNote] = useState('');
  const save = useMutation({
    mutationFn: async () =>
      dataOf(
        await api.client.POST('/api/v1/kpis/{id}/actuals', {
          params: { path: { id: kpi.id } },
          body: { value: numberOrNull(value) ?? 0, measured_on: measuredOn, note: textOrNull(note) },
        }),
      ),
    onSuccess: () => after.onSuccess(t('bureaus.actualAdded', { name: kpi.name })),
    onError: after.onError,
  });
  const problem = save.error ? toApiProblem(save.error) : null;
  return (
    <FormShell
      heading={t('bureaus.addActualHeading', { name: kpi.name })}
      as={as}
      fields={ACTUAL_FIELDS}
      problem={problem}
      check={() => new Checks().required('value', value).number('value', value).required('measured_on', measuredOn).problem()}
      submit={() => save.mutate()}
      pending={save.isPending}
      submitLabel={t('bureaus.addActualSubmit')}
      submittingLabel={t('bureaus.saving')}
      onCancel={onCancel}
    >
      {(error, id) => (
        <>
          <div className="bp-form-row">
            <TextInput
              id={id('value')}
              label={t('bureaus.actualFields.value', { unit: kpi.unit })}
              value={value}
              onChange={setValue}
              error={error('value')}
              required
              short
            />
            <TextInput
              id={id('measured_on')}
              type="date"
              label={t('bureaus.actualFields.measuredOn')}
              value={measuredOn}
              onChange={setMeasuredOn}
              error={error('measured_on')}
              required
            />
          </div>
          <TextInput
            id={id('note')}
            label={t('bureaus.actualFields.note')}
            value={note}
            onChange={setNote}
            error={error('note')}
          />
        </>
      )}
    </FormShell>
  );
}

// ---------------------------------------------------------------------------------------------

/**
 * A delete button that asks once more in place (no browser dialog, so keyboard and screen reader
 * users get the same question), with focus on the confirming button and back on cancel.
 */
export function ConfirmDelete({
  label,
  question,
  onConfirm,
  pending,
}: {
  label: string;
  question: string;
  onConfirm: () => void;
  pending: boolean;
}) {
  const { t } = useTranslation();
  const ids = useId();
  const [asking, setAsking] = useState(false);
  const yes = useRef<HTMLButtonElement>(null);
  const first = useRef<HTMLButtonElement>(null);
  const wasAsking = useRef(false);
  useEffect(() => {
    if (asking) yes.current?.focus();
    else if (wasAsking.current) first.current?.focus();
    wasAsking.current = asking;
  }, [asking]);

  if (!asking) {
    return (
      <button ref={first} type="button" className="button button--secondary bp-small-button" onClick={() => setAsking(true)}>
        {label}
      </button>
    );
  }
  return (
    <span className="bp-confirm">
      <span id={`${ids}-q`}>{question}</span>
      <button
        ref={yes}
        type="button"
        className="button button--danger bp-small-button"
        aria-describedby={`${ids}-q`}
        disabled={pending}
        onClick={onConfirm}
      >
        {pending ? t('bureaus.deleting') : t('bureaus.deleteYes')}
      </button>
      <button type="button" className="button button--secondary bp-small-button" onClick={() => setAsking(false)}>
        {t('bureaus.cancel')}
      </button>
    </span>
  );
}
