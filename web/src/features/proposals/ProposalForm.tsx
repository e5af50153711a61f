// The proposal form of the new and edit pages: its values, the body it sends, and its fields.
import { useTranslation } from 'react-i18next';
import {
  IMPLEMENTATION_STATUSES,
  type ImplementationStatus,
  type ProjectTeamOut,
  type ProposalIn,
  type ProposalOut,
} from './api';
import { FormFrame, type RecordFormProps, SelectInput, TextInput, textOrNull, WarekiPreview } from '../../components/form';
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
  const text = textOrNull;
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
  onSubmit,
  ...frame
}: RecordFormProps<ProposalValues> & {
  teams: ProjectTeamOut[];
}) {
  const { t } = useTranslation();
  const [values, setValues] = useDraft<ProposalValues>(initial);

  const team = teams.find((candidate) => String(candidate.fiscal_year) === values.fiscal_year);
  const themes = team?.themes ?? [];
  const themeOptions = values.theme && !themes.includes(values.theme) ? [...themes, values.theme] : themes;
  const required = t('proposals.required');
  const set = (field: ProposalField) => (value: string) => setValues((current) => ({ ...current, [field]: value }));

  return (
    <FormFrame
      {...frame}
      className="form pp-form"
      fields={PROPOSAL_FIELDS}
      submit={() => onSubmit(values)}
    >
      {({ error, id }) => (
        <>
          <SelectInput
            id={id('fiscal_year')}
            label={t('proposals.fields.fiscalYear')}
            required
            requiredText={required}
            error={error('fiscal_year')}
            value={values.fiscal_year}
            onChange={set('fiscal_year')}
            options={teams.map((candidate) => [candidate.fiscal_year, candidate.fiscal_year_label] as const)}
          />
          <SelectInput
            id={id('theme')}
            label={t('proposals.fields.theme')}
            required
            requiredText={required}
            hint={t('proposals.hints.theme')}
            error={error('theme')}
            value={values.theme}
            onChange={set('theme')}
            blank={t('proposals.chooseTheme')}
            options={themeOptions.map((theme) => [theme, theme] as const)}
          />
          <TextInput
            id={id('title')}
            label={t('proposals.fields.title')}
            required
            requiredText={required}
            error={error('title')}
            value={values.title}
            onChange={set('title')}
          />
          <TextInput
            id={id('scene')}
            label={t('proposals.fields.scene')}
            hint={t('proposals.hints.scene')}
            error={error('scene')}
            suggestions={SCENES}
            value={values.scene}
            onChange={set('scene')}
          />
          <TextInput
            id={id('viewpoint')}
            label={t('proposals.fields.viewpoint')}
            hint={t('proposals.hints.viewpoint')}
            error={error('viewpoint')}
            suggestions={VIEWPOINTS}
            value={values.viewpoint}
            onChange={set('viewpoint')}
          />
          <TextInput
            id={id('pain_point')}
            label={t('proposals.fields.painPoint')}
            error={error('pain_point')}
            multiline
            value={values.pain_point}
            onChange={set('pain_point')}
          />
          <TextInput
            id={id('proposed_solution')}
            label={t('proposals.fields.proposedSolution')}
            error={error('proposed_solution')}
            multiline
            value={values.proposed_solution}
            onChange={set('proposed_solution')}
          />
          <TextInput
            id={id('number')}
            label={t('proposals.fields.number')}
            hint={t('proposals.hints.number')}
            error={error('number')}
            width="short"
            value={values.number}
            onChange={set('number')}
          />
          <SelectInput
            id={id('implementation_status')}
            label={t('proposals.fields.implementationStatus')}
            error={error('implementation_status')}
            value={values.implementation_status}
            onChange={set('implementation_status')}
            blank={t('proposals.noStatus')}
            options={IMPLEMENTATION_STATUSES.map((status) => [status, statusLabel(t, status)] as const)}
          />
          <TextInput
            id={id('outcome_period')}
            label={t('proposals.fields.outcomePeriod')}
            hint={t('proposals.hints.outcomePeriod')}
            error={error('outcome_period')}
            after={<WarekiPreview text={values.outcome_period} testId="outcome-preview" />}
            width="medium"
            value={values.outcome_period}
            onChange={set('outcome_period')}
          />
          <TextInput
            id={id('outcome_text')}
            label={t('proposals.fields.outcomeText')}
            error={error('outcome_text')}
            multiline
            rows={3}
            value={values.outcome_text}
            onChange={set('outcome_text')}
          />
        </>
      )}
    </FormFrame>
  );
}
