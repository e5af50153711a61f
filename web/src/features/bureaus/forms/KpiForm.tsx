// Add or edit a KPI (baseline and target with their dates) and record its actuals.
import { useTranslation } from 'react-i18next';
import { dataOf, useApi } from '../../../lib/api';
import { todayInTokyo } from '../../../lib/dates';
import { Checks, FormShell, SelectInput, TextInput, numberOrNull, textOrNull, useTextValues, type HeadingTag } from '../../../components/form';
import { ifMatch, type KpiOut } from '../api';
import { usePolicyWrite } from './usePolicyWrite';

const KPI_FIELDS = ['name', 'unit', 'baseline_value', 'baseline_on', 'target_value', 'target_on', 'direction', 'tolerance', 'note'] as const;
const DIRECTIONS = ['increase', 'decrease', 'keep'] as const;
type Direction = (typeof DIRECTIONS)[number];

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
  const { values: v, bind } = useTextValues<(typeof KPI_FIELDS)[number]>(() => ({
    name: kpi?.name ?? '',
    unit: kpi?.unit ?? '',
    baseline_value: kpi ? String(kpi.baseline_value) : '',
    baseline_on: kpi?.baseline_on ?? '',
    target_value: kpi?.target_value == null ? '' : String(kpi.target_value),
    target_on: kpi?.target_on ?? '',
    direction: kpi?.direction_set ? (kpi.direction ?? '') : '',
    tolerance: kpi?.tolerance == null ? '' : String(kpi.tolerance),
    note: kpi?.note ?? '',
  }));
  // Kept at its target: chosen so, or read so from an equal baseline and target.
  const kept =
    v.direction === 'keep' ||
    (v.direction === '' && v.target_value.trim() !== '' && numberOrNull(v.target_value) === numberOrNull(v.baseline_value));
  const body = () => ({
    name: v.name,
    unit: v.unit,
    baseline_value: numberOrNull(v.baseline_value) ?? 0,
    baseline_on: v.baseline_on,
    target_value: numberOrNull(v.target_value),
    target_on: textOrNull(v.target_on),
    direction: (v.direction || null) as Direction | null,
    tolerance: kept ? numberOrNull(v.tolerance) : null,
    note: textOrNull(v.note),
  });
  const write = usePolicyWrite(
    async () =>
      kpi
        ? dataOf(
            await api.client.PUT('/api/v1/kpis/{id}', {
              params: { path: { id: kpi.id }, header: { 'If-Match': ifMatch(kpi.version) } },
              body: body(),
            }),
          )
        : dataOf(await api.client.POST('/api/v1/policy-issues/{id}/kpis', { params: { path: { id: issueId } }, body: body() })),
    (saved) => (kpi ? t('bureaus.kpiSaved', { name: saved.name }) : t('bureaus.kpiAdded', { name: saved.name })),
    onDone,
  );
  return (
    <FormShell
      {...write}
      heading={kpi ? t('bureaus.editKpiHeading', { name: kpi.name }) : t('bureaus.addKpiHeading')}
      as={as}
      fields={KPI_FIELDS}
      check={() =>
        new Checks()
          .required('name', v.name)
          .required('unit', v.unit)
          .required('baseline_value', v.baseline_value)
          .number('baseline_value', v.baseline_value)
          .required('baseline_on', v.baseline_on)
          .number('target_value', v.target_value)
          .number('tolerance', v.tolerance)
          .problem()
      }
      submitLabel={kpi ? t('bureaus.save') : t('bureaus.addKpiSubmit')}
      onCancel={onCancel}
    >
      {(frame) => {
        const field = bind(frame);
        return (
          <>
            <TextInput {...field('name')} label={t('bureaus.kpiFields.name')} required />
            <TextInput
              {...field('unit')}
              label={t('bureaus.kpiFields.unit')}
              hint={t('bureaus.kpiHints.unit')}
              required
              width="short"
            />
            <div className="form-row">
              <TextInput {...field('baseline_value')} label={t('bureaus.kpiFields.baselineValue')} required width="short" />
              <TextInput
                {...field('baseline_on')}
                type="date"
                width="short"
                label={t('bureaus.kpiFields.baselineOn')}
                required
              />
            </div>
            <div className="form-row">
              <TextInput {...field('target_value')} label={t('bureaus.kpiFields.targetValue')} width="short" />
              <TextInput {...field('target_on')} type="date" width="short" label={t('bureaus.kpiFields.targetOn')} />
            </div>
            <div className="form-row">
              <SelectInput
                {...field('direction')}
                label={t('bureaus.kpiFields.direction')}
                hint={t('bureaus.kpiHints.direction')}
                options={[['', t('bureaus.kpiDirectionRead')], ...DIRECTIONS.map((d): [string, string] => [d, t(`bureaus.kpiDirections.${d}`)])]}
              />
              {kept && (
                <TextInput
                  {...field('tolerance')}
                  label={t('bureaus.kpiFields.tolerance')}
                  hint={t('bureaus.kpiHints.tolerance')}
                  width="short"
                />
              )}
            </div>
            <TextInput {...field('note')} label={t('bureaus.kpiFields.note')} multiline />
          </>
        );
      }}
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
  const { values, bind } = useTextValues<(typeof ACTUAL_FIELDS)[number]>(() => ({
    value: '',
    measured_on: todayInTokyo(),
    note: '',
  }));
  const write = usePolicyWrite(
    async () =>
      dataOf(
        await api.client.POST('/api/v1/kpis/{id}/actuals', {
          params: { path: { id: kpi.id } },
          body: { value: numberOrNull(values.value) ?? 0, measured_on: values.measured_on, note: textOrNull(values.note) },
        }),
      ),
    () => t('bureaus.actualAdded', { name: kpi.name }),
    onDone,
  );
  return (
    <FormShell
      {...write}
      heading={t('bureaus.addActualHeading', { name: kpi.name })}
      as={as}
      fields={ACTUAL_FIELDS}
      check={() =>
        new Checks()
          .required('value', values.value)
          .number('value', values.value)
          .required('measured_on', values.measured_on)
          .problem()
      }
      submitLabel={t('bureaus.addActualSubmit')}
      onCancel={onCancel}
    >
      {(frame) => {
        const field = bind(frame);
        return (
          <>
            <div className="form-row">
              <TextInput
                {...field('value')}
                label={t('bureaus.actualFields.value', { unit: kpi.unit })}
                required
                width="short"
              />
              <TextInput
                {...field('measured_on')}
                type="date"
                width="short"
                label={t('bureaus.actualFields.measuredOn')}
                required
              />
            </div>
            <TextInput {...field('note')} label={t('bureaus.actualFields.note')} />
          </>
        );
      }}
    </FormShell>
  );
}
