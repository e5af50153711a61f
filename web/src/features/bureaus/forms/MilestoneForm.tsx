// Add or edit a quarterly milestone of an issue: planned, done on a date, or slipped.
import { useState } from 'react';
import { useMutation } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { dataOf, useApi } from '../../../lib/api';
import { todayInTokyo } from '../../../lib/dates';
import { Checks, FormShell, SelectInput, TextInput, textOrNull, toApiProblem, type HeadingTag } from '../../../components/form';
import { ifMatch, MILESTONE_STATES, QUARTERS, type MilestoneOut, type MilestoneState } from '../api';
import { milestoneStateLabel, quarterLabel } from '../format';
import { useAfterWrite } from './useAfterWrite';

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
  as: HeadingTag;
  onDone: (message: string) => void;
  onCancel?: () => void;
}) {
  const { t } = useTranslation();
  const api = useApi();
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
            suggestions={workstreams}
          />
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
              width="short"
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
