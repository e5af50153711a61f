// Create or edit a bureau's policy (局区X方針) texts for one fiscal year.
import { useState } from 'react';
import { useMutation } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { dataOf, useApi } from '../../../lib/api';
import { FormShell, TextInput, textOrNull, toApiProblem, type HeadingTag } from '../../../components/form';
import { ifMatch, type PolicyOut } from '../api';
import { useAfterWrite } from './useAfterWrite';

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
