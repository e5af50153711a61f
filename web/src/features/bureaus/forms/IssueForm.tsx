// Add or edit a policy issue (課題): area and number, policy field, impact and urgency, texts, and
// the owner's status word.
import { useTranslation } from 'react-i18next';
import { dataOf, useApi } from '../../../lib/api';
import {
  Checks,
  FormShell,
  SelectInput,
  TextInput,
  numberOrNull,
  textOrNull,
  useTextValues,
  type HeadingTag,
} from '../../../components/form';
import { ISSUE_STATUSES } from '../../../lib/labels';
import { AREAS, ifMatch, LEVELS, type IssueStatus, type Level, type PolicyArea, type PolicyIssueOut } from '../api';
import { levelLabel } from '../format';
import { usePolicyWrite } from './usePolicyWrite';

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
  'status',
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
  const { values, bind } = useTextValues<IssueField>(() => ({
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
    status: issue?.status ?? '',
  }));
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
    status: (values.status || null) as IssueStatus | null,
  });
  const write = usePolicyWrite(
    async () =>
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
    (saved) =>
      issue ? t('bureaus.issueSaved', { code: saved.code }) : t('bureaus.issueAdded', { code: saved.code, title: saved.title }),
    onDone,
  );
  const levelOptions: [string, string][] = [
    ['', t('bureaus.levelUnset')],
    ...LEVELS.map((l): [string, string] => [l, levelLabel(t, l)]),
  ];

  return (
    <FormShell
      {...write}
      heading={issue ? t('bureaus.editIssueHeading', { code: issue.code }) : t('bureaus.addIssueHeading')}
      as={as}
      fields={ISSUE_FIELDS}
      check={() =>
        new Checks()
          .required('number', values.number)
          .number('number', values.number)
          .required('title', values.title)
          .problem()
      }
      submitLabel={issue ? t('bureaus.save') : t('bureaus.addIssueSubmit')}
      onCancel={onCancel}
    >
      {(frame) => {
        const field = bind(frame);
        return (
          <>
            <div className="form-row">
              <SelectInput
                {...field('area')}
                label={t('bureaus.issueFields.area')}
                options={AREAS.map((a) => [a, t(`bureaus.areas.${a}`)])}
                required
              />
              <TextInput
                {...field('number')}
                label={t('bureaus.issueFields.number')}
                hint={t('bureaus.issueHints.number')}
                required
                width="short"
              />
            </div>
            <TextInput {...field('title')} label={t('bureaus.issueFields.title')} required />
            <TextInput
              {...field('policy_field')}
              label={t('bureaus.issueFields.policyField')}
              suggestions={POLICY_FIELD_SUGGESTIONS}
            />
            <SelectInput
              {...field('status')}
              label={t('bureaus.issueStatus')}
              options={[['', t('bureaus.levelUnset')], ...ISSUE_STATUSES.map((s): [string, string] => [s, t(`bureaus.issueStatuses.${s}`)])]}
            />
            <div className="form-row">
              <SelectInput {...field('impact')} label={t('bureaus.impact')} options={levelOptions} />
              <SelectInput {...field('urgency')} label={t('bureaus.urgency')} options={levelOptions} />
            </div>
            {(['content', 'background', 'target_outcome', 'actions'] as const).map((name) => (
              <TextInput key={name} {...field(name)} label={t(`bureaus.issueFields.${name}`)} multiline />
            ))}
          </>
        );
      }}
    </FormShell>
  );
}
