// Create or edit a bureau's policy (局区X方針) texts for one fiscal year.
import { useTranslation } from 'react-i18next';
import { dataOf, useApi } from '../../../lib/api';
import { FormShell, TextInput, textOrNull, useTextValues, type HeadingTag } from '../../../components/form';
import { ifMatch, type PolicyOut } from '../api';
import { usePolicyWrite } from './usePolicyWrite';

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
  as: HeadingTag;
  onDone: (message: string) => void;
  onCancel?: () => void;
}) {
  const { t } = useTranslation();
  const api = useApi();
  const { values, bind } = useTextValues<PolicyText>(
    () => Object.fromEntries(POLICY_TEXTS.map((f) => [f, policy?.[f] ?? ''])) as Record<PolicyText, string>,
  );
  const body = () => ({
    bureau_id: bureauId,
    fiscal_year: fiscalYear,
    ...(Object.fromEntries(POLICY_TEXTS.map((f) => [f, textOrNull(values[f])])) as Record<PolicyText, string | null>),
  });
  const write = usePolicyWrite(
    async () =>
      policy
        ? dataOf(
            await api.client.PUT('/api/v1/policies/{id}', {
              params: { path: { id: policy.id }, header: { 'If-Match': ifMatch(policy.version) } },
              body: body(),
            }),
          )
        : dataOf(await api.client.POST('/api/v1/policies', { body: body() })),
    () => (policy ? t('bureaus.policySaved') : t('bureaus.policyCreated', { year: fiscalYearText })),
    onDone,
  );

  return (
    <FormShell
      {...write}
      heading={policy ? t('bureaus.editPolicyHeading') : t('bureaus.createPolicyHeading', { year: fiscalYearText })}
      as={as}
      fields={POLICY_FIELDS}
      submitLabel={policy ? t('bureaus.save') : t('bureaus.createPolicySubmit')}
      onCancel={onCancel}
    >
      {(frame) =>
        POLICY_TEXTS.map((field) => (
          <TextInput key={field} {...bind(frame)(field)} label={t(`bureaus.policyFields.${field}`)} multiline />
        ))
      }
    </FormShell>
  );
}
