// Add or edit a KPI (baseline and target with their dates) and record its actuals.
import { useState } from 'react';
import { useMutation } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { dataOf, useApi } from '../../../lib/api';
import { todayInTokyo } from '../../../lib/dates';
import { Checks, FormShell, TextInput, numberOrNull, textOrNull, toApiProblem, type HeadingTag } from '../../../components/form';
import { ifMatch, type KpiOut } from '../api';
import { useAfterWrite } from './useAfterWrite';

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
  as: HeadingTag;
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
            width="short"
          />
          <div className="form-row">
            <TextInput
              id={id('baseline_value')}
              label={t('bureaus.kpiFields.baselineValue')}
              value={v.baseline_value}
              onChange={set('baseline_value')}
              error={error('baseline_value')}
              required
              width="short"
            />
            <TextInput
              id={id('baseline_on')}
              type="date"
              width="short"
              label={t('bureaus.kpiFields.baselineOn')}
              value={v.baseline_on}
              onChange={set('baseline_on')}
              error={error('baseline_on')}
              required
            />
          </div>
          <div className="form-row">
            <TextInput
              id={id('target_value')}
              label={t('bureaus.kpiFields.targetValue')}
              value={v.target_value}
              onChange={set('target_value')}
              error={error('target_value')}
              width="short"
            />
            <TextInput
              id={id('target_on')}
              type="date"
              width="short"
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
  as: HeadingTag;
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
          <div className="form-row">
            <TextInput
              id={id('value')}
              label={t('bureaus.actualFields.value', { unit: kpi.unit })}
              value={value}
              onChange={setValue}
              error={error('value')}
              required
              width="short"
            />
            <TextInput
              id={id('measured_on')}
              type="date"
              width="short"
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
