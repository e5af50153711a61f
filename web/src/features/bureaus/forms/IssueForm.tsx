// Add or edit a policy issue (課題): area and number, policy field, impact and urgency, texts.
import { useState } from 'react';
import { useMutation } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { dataOf, useApi } from '../../../lib/api';
import { Checks, FormShell, SelectInput, TextInput, numberOrNull, textOrNull, toApiProblem, type HeadingTag } from '../../../components/form';
import { AREAS, ifMatch, LEVELS, type Level, type PolicyArea, type PolicyIssueOut } from '../api';
import { levelLabel } from '../format';
import { useAfterWrite } from './useAfterWrite';

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
  as: HeadingTag;
  onDone: (message: string) => void;
  onCancel?: () => void;
}) {
  const { t } = useTranslation();
  const api = useApi();
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
          <div className="form-row">
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
              width="short"
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
            suggestions={POLICY_FIELD_SUGGESTIONS}
          />
          <div className="form-row">
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
