import { useId, useMemo, useRef, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { ApiProblem } from '../../lib/api';
import {
  IMPLEMENTATION_STATUSES,
  type ImplementationStatus,
  type ProjectTeamOut,
  type ProposalIn,
  type ProposalOut,
} from './api';
import { describeFailure, Field, FormAlert, useFocusFirstInvalid, WarekiPreview } from '../../components/form';
import { statusLabel } from '../../lib/labels';
import { useDraft } from '../../lib/useDraft';

/** The form's fields, named like the members of ProposalIn so `errors[].pointer` finds them. */
export const PROPOSAL_FIELDS = [
  'fiscal_year',
  'number',
  'theme',
  'scene',
  'viewpoint',
  'title',
  'pain_point',
  'proposed_solution',
  'implementation_status',
  'outcome_period',
  'outcome_text',
] as const;
export type ProposalField = (typeof PROPOSAL_FIELDS)[number];
export type ProposalValues = Record<ProposalField, string>;

const SCENES = ['行政手続きの場面等', '公共の場等', '業務効率', '働き方・働きがい・働く環境'];
const VIEWPOINTS = ['市民の目線', '子育て世代の目線', '民間事業者の目線', '社会状況'];

export function emptyValues(fiscalYear: number | undefined): ProposalValues {
  const values = Object.fromEntries(PROPOSAL_FIELDS.map((f) => [f, ''])) as ProposalValues;
  values.fiscal_year = fiscalYear ? String(fiscalYear) : '';
  return values;
}

export function valuesOf(proposal: ProposalOut): ProposalValues {
  return {
    fiscal_year: String(proposal.fiscal_year),
    number: proposal.number ?? '',
    theme: proposal.theme,
    scene: proposal.scene ?? '',
    viewpoint: proposal.viewpoint ?? '',
    title: proposal.title,
    pain_point: proposal.pain_point ?? '',
    proposed_solution: proposal.proposed_solution ?? '',
    implementation_status: proposal.implementation_status ?? '',
    outcome_period: proposal.outcome_period?.original ?? '',
    outcome_text: proposal.outcome_text ?? '',
  };
}

/** The body to send: empty optional texts become null; the typed text is otherwise sent as is. */
export function bodyOf(values: ProposalValues, continuesProposalId?: number | null): ProposalIn {
  const text = (value: string) => (value.trim() === '' ? null : value);
  return {
    fiscal_year: Number(values.fiscal_year),
    number: text(values.number),
    theme: values.theme,
    scene: text(values.scene),
    viewpoint: text(values.viewpoint),
    title: values.title,
    pain_point: text(values.pain_point),
    proposed_solution: text(values.proposed_solution),
    implementation_status: (values.implementation_status || null) as ImplementationStatus | null,
    outcome_period: text(values.outcome_period),
    outcome_text: text(values.outcome_text),
    continues_proposal_id: continuesProposalId ?? null,
  };
}

export function ProposalForm({
  teams,
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
  teams: ProjectTeamOut[];
  initial: ProposalValues;
  submitLabel: string;
  submittingLabel: string;
  pending: boolean;
  problem: ApiProblem | null;
  /** Replaces the problem's own message (e.g. for a 412). */
  problemSummary?: string | undefined;
  onSubmit: (values: ProposalValues) => void;
  cancel?: ReactNode;
  labelledBy: string;
}) {
  const { t } = useTranslation();
  const id = useId();
  const formRef = useRef<HTMLFormElement>(null);
  const [values, setValues] = useDraft<ProposalValues>(initial);
  const failure = useMemo(
    () => (problem ? describeFailure(t, problem, PROPOSAL_FIELDS, problemSummary) : null),
    [t, problem, problemSummary],
  );
  useFocusFirstInvalid(formRef, problem);

  const team = teams.find((candidate) => String(candidate.fiscal_year) === values.fiscal_year);
  const themes = team?.themes ?? [];
  const themeOptions = values.theme && !themes.includes(values.theme) ? [...themes, values.theme] : themes;
  const required = t('proposals.required');

  function set(field: ProposalField, value: string) {
    setValues((current) => ({ ...current, [field]: value }));
  }

  function handleSubmit(event: FormEvent) {
    event.preventDefault();
    onSubmit(values);
  }

  const error = (field: ProposalField) => failure?.fields[field];
  const fieldId = (field: ProposalField) => `${id}-${field}`;

  return (
    <form ref={formRef} className="form pp-form" noValidate onSubmit={handleSubmit} aria-labelledby={labelledBy}>
      <FormAlert t={t} failure={failure} problem={problem} />

      <Field id={fieldId('fiscal_year')} label={t('proposals.fields.fiscalYear')} required requiredText={required} error={error('fiscal_year')}>
        {(a11y) => (
          <select
            {...a11y}
            className="form-field__input form-field__select"
            value={values.fiscal_year}
            onChange={(e) => set('fiscal_year', e.target.value)}
          >
            {teams.map((candidate) => (
              <option key={candidate.fiscal_year} value={candidate.fiscal_year}>
                {candidate.fiscal_year_label}
              </option>
            ))}
          </select>
        )}
      </Field>

      <Field
        id={fieldId('theme')}
        label={t('proposals.fields.theme')}
        required
        requiredText={required}
        hint={t('proposals.hints.theme')}
        error={error('theme')}
      >
        {(a11y) => (
          <select
            {...a11y}
            className="form-field__input form-field__select"
            value={values.theme}
            onChange={(e) => set('theme', e.target.value)}
          >
            <option value="">{t('proposals.chooseTheme')}</option>
            {themeOptions.map((theme) => (
              <option key={theme} value={theme}>
                {theme}
              </option>
            ))}
          </select>
        )}
      </Field>

      <Field id={fieldId('title')} label={t('proposals.fields.title')} required requiredText={required} error={error('title')}>
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

      <Field id={fieldId('scene')} label={t('proposals.fields.scene')} hint={t('proposals.hints.scene')} error={error('scene')}>
        {(a11y) => (
          <>
            <input
              {...a11y}
              type="text"
              list={`${id}-scenes`}
              className="form-field__input"
              value={values.scene}
              onChange={(e) => set('scene', e.target.value)}
            />
            <datalist id={`${id}-scenes`}>
              {SCENES.map((scene) => (
                <option key={scene} value={scene} />
              ))}
            </datalist>
          </>
        )}
      </Field>

      <Field
        id={fieldId('viewpoint')}
        label={t('proposals.fields.viewpoint')}
        hint={t('proposals.hints.viewpoint')}
        error={error('viewpoint')}
      >
        {(a11y) => (
          <>
            <input
              {...a11y}
              type="text"
              list={`${id}-viewpoints`}
              className="form-field__input"
              value={values.viewpoint}
              onChange={(e) => set('viewpoint', e.target.value)}
            />
            <datalist id={`${id}-viewpoints`}>
              {VIEWPOINTS.map((viewpoint) => (
                <option key={viewpoint} value={viewpoint} />
              ))}
            </datalist>
          </>
        )}
      </Field>

      <Field id={fieldId('pain_point')} label={t('proposals.fields.painPoint')} error={error('pain_point')}>
        {(a11y) => (
          <textarea
            {...a11y}
            rows={4}
            className="form-field__input"
            value={values.pain_point}
            onChange={(e) => set('pain_point', e.target.value)}
          />
        )}
      </Field>

      <Field id={fieldId('proposed_solution')} label={t('proposals.fields.proposedSolution')} error={error('proposed_solution')}>
        {(a11y) => (
          <textarea
            {...a11y}
            rows={4}
            className="form-field__input"
            value={values.proposed_solution}
            onChange={(e) => set('proposed_solution', e.target.value)}
          />
        )}
      </Field>

      <Field
        id={fieldId('number')}
        label={t('proposals.fields.number')}
        hint={t('proposals.hints.number')}
        error={error('number')}
      >
        {(a11y) => (
          <input
            {...a11y}
            type="text"
            className="form-field__input form-field__input--short"
            value={values.number}
            onChange={(e) => set('number', e.target.value)}
          />
        )}
      </Field>

      <Field
        id={fieldId('implementation_status')}
        label={t('proposals.fields.implementationStatus')}
        error={error('implementation_status')}
      >
        {(a11y) => (
          <select
            {...a11y}
            className="form-field__input form-field__select"
            value={values.implementation_status}
            onChange={(e) => set('implementation_status', e.target.value)}
          >
            <option value="">{t('proposals.noStatus')}</option>
            {IMPLEMENTATION_STATUSES.map((status) => (
              <option key={status} value={status}>
                {statusLabel(t, status)}
              </option>
            ))}
          </select>
        )}
      </Field>

      <Field
        id={fieldId('outcome_period')}
        label={t('proposals.fields.outcomePeriod')}
        hint={t('proposals.hints.outcomePeriod')}
        error={error('outcome_period')}
        after={<WarekiPreview text={values.outcome_period} testId="outcome-preview" />}
      >
        {(a11y) => (
          <input
            {...a11y}
            type="text"
            className="form-field__input pp-input-medium"
            value={values.outcome_period}
            onChange={(e) => set('outcome_period', e.target.value)}
          />
        )}
      </Field>

      <Field id={fieldId('outcome_text')} label={t('proposals.fields.outcomeText')} error={error('outcome_text')}>
        {(a11y) => (
          <textarea
            {...a11y}
            rows={3}
            className="form-field__input"
            value={values.outcome_text}
            onChange={(e) => set('outcome_text', e.target.value)}
          />
        )}
      </Field>

      <div className="button-row">
        <button type="submit" className="button button--primary" disabled={pending}>
          {pending ? submittingLabel : submitLabel}
        </button>
        {cancel}
      </div>
    </form>
  );
}
