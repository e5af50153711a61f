// Add or edit a quarterly milestone of an issue: planned, done on a date, or slipped with its reason.
import { useTranslation } from 'react-i18next';
import { dataOf, useApi } from '../../../lib/api';
import { todayInTokyo } from '../../../lib/dates';
import { Checks, FormShell, SelectInput, TextInput, textOrNull, useTextValues, type HeadingTag } from '../../../components/form';
import { ifMatch, MILESTONE_STATES, QUARTERS, type MilestoneOut, type MilestoneState } from '../api';
import { milestoneStateLabel, quarterLabel } from '../format';
import { usePolicyWrite } from './usePolicyWrite';

const MILESTONE_FIELDS = ['workstream', 'quarter', 'title', 'state', 'done_on', 'slip_reason'] as const;

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
  as: HeadingTag;
  onDone: (message: string) => void;
  onCancel?: () => void;
}) {
  const { t } = useTranslation();
  const api = useApi();
  const { values, bind } = useTextValues<(typeof MILESTONE_FIELDS)[number]>(() => ({
    workstream: milestone?.workstream ?? '',
    quarter: String(milestone?.quarter ?? 1),
    title: milestone?.title ?? '',
    state: milestone?.state ?? 'planned',
    done_on: milestone?.done_on ?? todayInTokyo(),
    slip_reason: milestone?.slip_reason ?? '',
  }));
  const state = values.state as MilestoneState;
  const body = () => ({
    workstream: textOrNull(values.workstream),
    quarter: Number(values.quarter),
    title: values.title,
    state,
    // The server wants a date only with "done" (and fills today when it is omitted).
    done_on: state === 'done' ? textOrNull(values.done_on) : null,
    // A reason exactly when slipped: the server refuses it on any other state.
    slip_reason: state === 'slipped' ? textOrNull(values.slip_reason) : null,
  });
  const write = usePolicyWrite(
    async () =>
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
    (saved) =>
      milestone ? t('bureaus.milestoneSaved', { title: saved.title }) : t('bureaus.milestoneAdded', { title: saved.title }),
    onDone,
  );

  return (
    <FormShell
      {...write}
      heading={milestone ? t('bureaus.editMilestoneHeading', { title: milestone.title }) : t('bureaus.addMilestoneHeading')}
      as={as}
      fields={MILESTONE_FIELDS}
      check={() => {
        const checks = new Checks().required('title', values.title);
        if (state === 'slipped') checks.required('slip_reason', values.slip_reason);
        return checks.problem();
      }}
      submitLabel={milestone ? t('bureaus.save') : t('bureaus.addMilestoneSubmit')}
      onCancel={onCancel}
    >
      {(frame) => {
        const field = bind(frame);
        return (
          <>
            <TextInput
              {...field('workstream')}
              label={t('bureaus.milestoneFields.workstream')}
              hint={t('bureaus.milestoneHints.workstream')}
              suggestions={workstreams}
            />
            <SelectInput
              {...field('quarter')}
              label={t('bureaus.milestoneFields.quarter')}
              options={QUARTERS.map((q) => [String(q), quarterLabel(t, q)])}
              required
            />
            <TextInput {...field('title')} label={t('bureaus.milestoneFields.title')} required />
            <SelectInput
              {...field('state')}
              label={t('bureaus.milestoneFields.state')}
              options={MILESTONE_STATES.map((s) => [s, milestoneStateLabel(t, s)])}
              required
            />
            {state === 'done' && (
              <TextInput {...field('done_on')} type="date" width="short" label={t('bureaus.milestoneFields.doneOn')} />
            )}
            {state === 'slipped' && <TextInput {...field('slip_reason')} label={t('bureaus.slipReason')} required />}
          </>
        );
      }}
    </FormShell>
  );
}
