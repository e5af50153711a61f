import { useId, useMemo, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useAuth } from '../../lib/auth';
import { fiscalYearChoices, formatDate, todayInTokyo } from '../../lib/dates';
import { fiscalYearLabel } from '../../lib/labels';
import {
  describeFailure,
  FormAlert,
  SelectInput,
  TextInput,
  toApiProblem,
  useFocusFirstInvalid,
  useTextValues,
} from '../../components/form';
import {
  TARGET_METRICS,
  useAddMeasurement,
  useCreateTarget,
  useTargets,
  type LedgerStandingOut,
  type TargetIn,
  type TargetMeasurementIn,
  type TargetMetricDto,
  type TargetOut,
} from './api';
import { formatHours, formatInUnit, formatNumber, formatPercent, formatYen, percentOf } from '../../lib/format';
import { BarGauge, ColumnChart, SemicircleGauge } from '../../components/records/Gauge';
import { mayAddTarget, mayEditTarget } from '../../lib/permissions';
import { LoadProblem } from '../../components/records/LoadProblem';

function targetOf(targets: TargetOut[], metric: TargetMetricDto): TargetOut | undefined {
  return targets.find((target) => target.metric === metric);
}

/** The city-wide targets and how far the ledger has got towards them (GET /targets). */
export function TargetsOverview() {
  const { t, i18n } = useTranslation();
  const { user } = useAuth();
  const targets = useTargets();
  const headingId = useId();
  const language = i18n.resolvedLanguage ?? 'ja';
  const data = targets.data;

  return (
    <section className="card lg-targets" aria-labelledby={headingId}>
      <h2 id={headingId}>{t('targets.heading')}</h2>
      {targets.isPending && <p role="status">{t('ledger.loading')}</p>}
      {targets.isError && (
        <LoadProblem error={targets.error} />
      )}
      {data && (
        <>
          <div className="lg-gauges">
            <HoursGauge target={targetOf(data.targets, 'annual_hours_saved')} ledger={data.ledger} language={language} />
            <CostGauge target={targetOf(data.targets, 'cost_effect_yen')} ledger={data.ledger} language={language} />
          </div>
          <Standing ledger={data.ledger} language={language} />
          <ByBureau ledger={data.ledger} language={language} />
          <ByYear ledger={data.ledger} language={language} />
          <TargetList targets={data.targets} language={language} />
          {mayAddTarget(user) && <AddTargetForm />}
        </>
      )}
    </section>
  );
}

function HoursGauge({
  target,
  ledger,
  language,
}: {
  target: TargetOut | undefined;
  ledger: LedgerStandingOut;
  language: string;
}) {
  const { t } = useTranslation();
  const headingId = useId();
  const value = target?.ledger_value ?? ledger.annual_hours_saved;
  const percent = target ? (target.progress_percent ?? percentOf(value, target.target_value)) : null;
  const percentText = percent === null ? t('targets.noPercent') : formatPercent(percent, language);
  return (
    <article className="lg-gauge-card" aria-labelledby={headingId} data-testid="hours-gauge">
      <h3 id={headingId}>{t('targets.hoursHeading')}</h3>
      <SemicircleGauge percent={percent} label={t('targets.gaugeLabel', { name: t('targets.hoursHeading'), percent: percentText })} />
      <dl className="lg-figures">
        <div>
          <dt>{t('targets.actualFromLedger')}</dt>
          <dd className="lg-figure">{formatHours(value, language)}</dd>
        </div>
        {target?.target_value != null ? (
          <div>
            <dt>{t('targets.targetValue')}</dt>
            <dd>
              {formatInUnit(target.target_value, target.unit, language)}
              {target.due_label && <> {t('targets.dueBy', { date: target.due_label })}</>}
            </dd>
          </div>
        ) : (
          <div>
            <dt>{t('targets.targetValue')}</dt>
            <dd>{t('targets.noTarget')}</dd>
          </div>
        )}
        <div>
          <dt>{t('targets.progress')}</dt>
          <dd className="lg-figure" data-testid="hours-percent">
            {percentText}
          </dd>
        </div>
      </dl>
    </article>
  );
}

function CostGauge({
  target,
  ledger,
  language,
}: {
  target: TargetOut | undefined;
  ledger: LedgerStandingOut;
  language: string;
}) {
  const { t } = useTranslation();
  const headingId = useId();
  const unit = target?.unit ?? '円';
  const value = target?.ledger_value ?? ledger.cost_effect_yen;
  const percent = target ? (target.progress_percent ?? percentOf(value, target.target_value)) : null;
  const percentText = percent === null ? t('targets.noPercent') : formatPercent(percent, language);
  return (
    <article className="lg-gauge-card" aria-labelledby={headingId} data-testid="cost-gauge">
      <h3 id={headingId}>{t('targets.costHeading')}</h3>
      <BarGauge percent={percent} label={t('targets.gaugeLabel', { name: t('targets.costHeading'), percent: percentText })} />
      <dl className="lg-figures">
        <div>
          <dt>{t('targets.actualFromLedger')}</dt>
          <dd className="lg-figure">
            {target?.ledger_value != null ? formatInUnit(value, unit, language) : formatYen(value, language)}
          </dd>
        </div>
        <div>
          <dt>{t('targets.targetValue')}</dt>
          <dd>
            {target?.target_value != null ? (
              <>
                {formatInUnit(target.target_value, unit, language)}
                {target.due_label && <> {t('targets.dueBy', { date: target.due_label })}</>}
              </>
            ) : (
              t('targets.noTarget')
            )}
          </dd>
        </div>
        <div>
          <dt>{t('targets.progress')}</dt>
          <dd className="lg-figure">{percentText}</dd>
        </div>
      </dl>
    </article>
  );
}

function Standing({ ledger, language }: { ledger: LedgerStandingOut; language: string }) {
  const { t } = useTranslation();
  const operating = ledger.systems_in_trial + ledger.systems_in_production;
  const count = (n: number) => t('targets.systemsCount', { n: formatNumber(n, language, 0) });
  return (
    <dl className="lg-stats" data-testid="ledger-standing">
      <div>
        <dt>{t('targets.inProduction')}</dt>
        <dd>{count(ledger.systems_in_production)}</dd>
      </div>
      <div>
        <dt>{t('targets.inTrial')}</dt>
        <dd>{count(ledger.systems_in_trial)}</dd>
      </div>
      <div>
        <dt>{t('targets.retired')}</dt>
        <dd>{count(ledger.systems_retired)}</dd>
      </div>
      <div>
        <dt>{t('targets.total')}</dt>
        <dd>{count(ledger.systems_total)}</dd>
      </div>
      <div>
        <dt>{t('targets.inHouseRate')}</dt>
        <dd>
          {/* No operating system yet means no rate, not 0%. */}
          {ledger.in_house_rate_percent == null
            ? t('ledger.none')
            : formatPercent(ledger.in_house_rate_percent, language)}
          <span className="lg-stat-note">
            {t('targets.inHouseDetail', {
              inHouse: formatNumber(ledger.built_in_house_operating, language, 0),
              operating: formatNumber(operating, language, 0),
            })}
          </span>
        </dd>
      </div>
    </dl>
  );
}

function ByBureau({ ledger, language }: { ledger: LedgerStandingOut; language: string }) {
  const { t } = useTranslation();
  if (ledger.by_bureau.length === 0) return null;
  return (
    <div className="pp-table-wrap lg-block">
      <table className="pp-table lg-num-table">
        <caption>{t('targets.byBureauCaption')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('targets.bureau')}</th>
            <th scope="col">{t('targets.inProduction')}</th>
            <th scope="col">{t('targets.hoursHeading')}</th>
          </tr>
        </thead>
        <tbody>
          {ledger.by_bureau.map((row) => (
            <tr key={row.bureau_id}>
              <th scope="row">{row.bureau_name}</th>
              <td>{formatNumber(row.systems_in_production, language, 0)}</td>
              <td>{formatHours(row.annual_hours_saved, language)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function ByYear({ ledger, language }: { ledger: LedgerStandingOut; language: string }) {
  const { t } = useTranslation();
  if (ledger.by_fiscal_year.length === 0) return null;
  const short = (year: number | null | undefined) =>
    year == null ? '?' : language === 'en' ? String(year) : `R${year - 2018}`;
  return (
    <div className="lg-block">
      <figure className="lg-chart">
        <ColumnChart
          points={ledger.by_fiscal_year.map((row) => ({
            label: short(row.fiscal_year),
            value: row.cumulative_hours_saved,
          }))}
        />
        <figcaption className="pp-muted-small">{t('targets.chartCaption')}</figcaption>
      </figure>
      <div className="pp-table-wrap">
        <table className="pp-table lg-num-table">
          <caption>{t('targets.byYearCaption')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('targets.fiscalYear')}</th>
              <th scope="col">{t('targets.systemsStarted')}</th>
              <th scope="col">{t('targets.hoursHeading')}</th>
              <th scope="col">{t('targets.cumulativeHours')}</th>
            </tr>
          </thead>
          <tbody>
            {ledger.by_fiscal_year.map((row) => (
              <tr key={row.fiscal_year ?? 'unknown'}>
                <th scope="row">{row.fiscal_year_label}</th>
                <td>{formatNumber(row.systems_started, language, 0)}</td>
                <td>{formatHours(row.annual_hours_saved, language)}</td>
                <td>{formatHours(row.cumulative_hours_saved, language)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

function TargetList({ targets, language }: { targets: TargetOut[]; language: string }) {
  const { t } = useTranslation();
  const headingId = useId();
  return (
    <section className="lg-block" aria-labelledby={headingId}>
      <h3 id={headingId}>{t('targets.listHeading')}</h3>
      {targets.length === 0 && <p>{t('targets.noTargets')}</p>}
      {targets.map((target) => (
        <TargetCard key={target.id} target={target} language={language} />
      ))}
    </section>
  );
}

function TargetCard({ target, language }: { target: TargetOut; language: string }) {
  const { t } = useTranslation();
  const headingId = useId();
  const [adding, setAdding] = useState(false);
  return (
    <article className="lg-target" aria-labelledby={headingId}>
      <h4 id={headingId}>{target.name}</h4>
      <dl className="summary-list">
        <div>
          <dt>{t('targets.metric')}</dt>
          <dd>{t(`targets.metrics.${target.metric}`)}</dd>
        </div>
        <div>
          <dt>{t('targets.targetValue')}</dt>
          <dd>
            {target.target_value != null ? formatInUnit(target.target_value, target.unit, language) : t('targets.noTarget')}
            {target.due_label && <> {t('targets.dueBy', { date: target.due_label })}</>}
          </dd>
        </div>
        {target.ledger_value != null && (
          <div>
            <dt>{t('targets.actualFromLedger')}</dt>
            <dd>
              {formatInUnit(target.ledger_value, target.unit, language)}
              {target.progress_percent != null &&
                ` （${t('targets.progress')} ${formatPercent(target.progress_percent, language)}）`}
            </dd>
          </div>
        )}
        {target.description && (
          <div>
            <dt>{t('targets.description')}</dt>
            <dd className="pp-pre">{target.description}</dd>
          </div>
        )}
      </dl>
      {target.measurements.length === 0 ? (
        <p className="muted">{t('targets.noMeasurements')}</p>
      ) : (
        <div className="pp-table-wrap">
          <table className="pp-table" data-testid={`measurements-${target.code}`}>
            <caption>{t('targets.measurementsCaption', { name: target.name })}</caption>
            <thead>
              <tr>
                <th scope="col">{t('targets.fiscalYear')}</th>
                <th scope="col">{t('targets.measuredOn')}</th>
                <th scope="col">{t('targets.value')}</th>
                <th scope="col">{t('targets.source')}</th>
                <th scope="col">{t('targets.note')}</th>
              </tr>
            </thead>
            <tbody>
              {target.measurements.map((m) => (
                <tr key={m.id}>
                  <th scope="row">{m.fiscal_year_label ?? t('ledger.none')}</th>
                  <td>{formatDate(m.measured_on, language)}</td>
                  <td className="lg-num">{formatInUnit(m.value, target.unit, language)}</td>
                  <td>{m.source ?? ''}</td>
                  <td className="pp-pre">{m.note ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {mayEditTarget(target) &&
        (adding ? (
          <MeasurementForm target={target} onDone={() => setAdding(false)} />
        ) : (
          <button type="button" className="button button--secondary" onClick={() => setAdding(true)}>
            {t('targets.addMeasurementFor', { name: target.name })}
          </button>
        ))}
    </article>
  );
}

const MEASUREMENT_FIELDS = ['value', 'measured_on', 'fiscal_year', 'source', 'note'] as const;
type MeasurementField = (typeof MEASUREMENT_FIELDS)[number];

function parseNumber(text: string): number | null {
  const normalized = text.normalize('NFKC').replace(/[,\s]/g, '');
  if (normalized === '' || !/^-?\d+(\.\d+)?$/.test(normalized)) return null;
  return Number(normalized);
}

function MeasurementForm({ target, onDone }: { target: TargetOut; onDone: () => void }) {
  const { t } = useTranslation();
  const id = useId();
  const formRef = useRef<HTMLFormElement>(null);
  const add = useAddMeasurement();
  const { values, bind: bindText } = useTextValues<MeasurementField>(() => ({
    value: '',
    measured_on: todayInTokyo(),
    fiscal_year: '',
    source: '',
    note: '',
  }));
  const [local, setLocal] = useState<Partial<Record<MeasurementField, string>>>({});
  const problem = add.error ? toApiProblem(add.error) : null;
  const failure = useMemo(() => (problem ? describeFailure(t, problem, MEASUREMENT_FIELDS) : null), [t, problem]);
  useFocusFirstInvalid(formRef, problem ?? (Object.keys(local).length > 0 ? local : null));
  const required = t('ledger.required');
  const error = (field: MeasurementField) => local[field] ?? failure?.fields[field];
  const bind = bindText({ error, id: (field) => `${id}-${field}` });

  function handleSubmit(event: FormEvent) {
    event.preventDefault();
    const value = parseNumber(values.value);
    const errors: Partial<Record<MeasurementField, string>> = {};
    if (value === null) errors.value = t('ledger.errors.number');
    if (values.measured_on === '') errors.measured_on = t('fieldError.required');
    setLocal(errors);
    if (value === null || Object.keys(errors).length > 0) return;
    const body: TargetMeasurementIn = {
      value,
      measured_on: values.measured_on,
      fiscal_year: values.fiscal_year ? Number(values.fiscal_year) : null,
      source: values.source.trim() || null,
      note: values.note.trim() || null,
    };
    add.mutate({ targetId: target.id, body }, { onSuccess: onDone });
  }

  return (
    <form ref={formRef} className="form pp-subform" noValidate onSubmit={handleSubmit} aria-labelledby={`${id}-heading`}>
      <h5 id={`${id}-heading`} className="lg-h5">
        {t('targets.addMeasurementFor', { name: target.name })}
      </h5>
      <FormAlert t={t} failure={failure} problem={problem} />
      <TextInput
        {...bind('value')}
        label={t('targets.valueIn', { unit: target.unit })}
        required
        requiredText={required}
        inputMode="decimal"
        width="short"
      />
      <TextInput {...bind('measured_on')} label={t('targets.measuredOn')} required requiredText={required} type="date" width="short" />
      <SelectInput
        {...bind('fiscal_year')}
        label={t('targets.fiscalYear')}
        hint={t('targets.fiscalYearHint')}
        blank={t('targets.noFiscalYear')}
        options={fiscalYearChoices().map((year) => [year, fiscalYearLabel(t, year)] as const)}
      />
      <TextInput {...bind('source')} label={t('targets.source')} hint={t('targets.sourceHint')} />
      <TextInput {...bind('note')} label={t('targets.note')} multiline rows={2} />
      <div className="button-row">
        <button type="submit" className="button button--primary" disabled={add.isPending}>
          {add.isPending ? t('ledger.saving') : t('targets.recordMeasurement')}
        </button>
        <button type="button" className="button button--secondary" onClick={onDone}>
          {t('ledger.cancel')}
        </button>
      </div>
    </form>
  );
}

const TARGET_FIELDS = ['code', 'name', 'metric', 'unit', 'target_value', 'due_on', 'description'] as const;
type TargetField = (typeof TARGET_FIELDS)[number];

const EMPTY_TARGET: Record<TargetField, string> = {
  code: '',
  name: '',
  metric: 'annual_hours_saved',
  unit: '時間',
  target_value: '',
  due_on: '',
  description: '',
};

/** The unit a new target of each metric usually has, so the admin rarely has to type it. */
const DEFAULT_UNITS: Record<TargetMetricDto, string> = {
  annual_hours_saved: '時間',
  cost_effect_yen: '円',
  systems_in_operation: 'システム',
  in_house_rate: '%',
  consultations: '件',
  other: '',
};

function AddTargetForm() {
  const { t } = useTranslation();
  const id = useId();
  const formRef = useRef<HTMLFormElement>(null);
  const create = useCreateTarget();
  const [open, setOpen] = useState(false);
  const { values, setValues, bind: bindText } = useTextValues<TargetField>(() => EMPTY_TARGET);
  const [local, setLocal] = useState<Partial<Record<TargetField, string>>>({});
  const [done, setDone] = useState('');
  const problem = create.error ? toApiProblem(create.error) : null;
  const failure = useMemo(
    () =>
      problem
        ? describeFailure(t, problem, TARGET_FIELDS, problem.status === 409 ? t('targets.duplicateCode') : undefined)
        : null,
    [t, problem],
  );
  useFocusFirstInvalid(formRef, problem ?? (Object.keys(local).length > 0 ? local : null));
  const required = t('ledger.required');
  const error = (field: TargetField) => local[field] ?? failure?.fields[field];
  const bind = bindText({ error, id: (field) => `${id}-${field}` });

  function handleSubmit(event: FormEvent) {
    event.preventDefault();
    const errors: Partial<Record<TargetField, string>> = {};
    const targetValue = values.target_value.trim() === '' ? null : parseNumber(values.target_value);
    if (values.target_value.trim() !== '' && targetValue === null) errors.target_value = t('ledger.errors.number');
    setLocal(errors);
    if (Object.keys(errors).length > 0) return;
    const body: TargetIn = {
      code: values.code.trim(),
      name: values.name,
      metric: values.metric as TargetMetricDto,
      unit: values.unit,
      target_value: targetValue,
      due_on: values.due_on || null,
      description: values.description.trim() || null,
    };
    create.mutate(body, {
      onSuccess: (target) => {
        setDone(t('targets.created', { name: target.name }));
        setValues(EMPTY_TARGET);
        setOpen(false);
      },
    });
  }

  return (
    <section className="lg-block" aria-labelledby={`${id}-heading`}>
      <h3 id={`${id}-heading`}>{t('targets.addHeading')}</h3>
      <div role="status" aria-atomic="true" className="alert-region">
        {done && <div className="notice notice--info">{done}</div>}
      </div>
      {!open ? (
        <button
          type="button"
          className="button button--secondary"
          onClick={() => {
            setDone('');
            setOpen(true);
          }}
        >
          {t('targets.addOpen')}
        </button>
      ) : (
        <form ref={formRef} className="form pp-subform" noValidate onSubmit={handleSubmit} aria-labelledby={`${id}-heading`}>
          <FormAlert t={t} failure={failure} problem={problem} />
          <TextInput {...bind('name')} label={t('targets.name')} required requiredText={required} />
          <TextInput
            {...bind('code')}
            label={t('targets.code')}
            required
            requiredText={required}
            hint={t('targets.codeHint')}
            width="short"
            input={{ autoComplete: 'off', spellCheck: false }}
          />
          <SelectInput
            {...bind('metric')}
            onChange={(value) => {
              const metric = value as TargetMetricDto;
              setValues((v) => ({ ...v, metric, unit: DEFAULT_UNITS[metric] }));
            }}
            label={t('targets.metric')}
            required
            requiredText={required}
            options={TARGET_METRICS.map((metric) => [metric, t(`targets.metrics.${metric}`)] as const)}
          />
          <TextInput {...bind('unit')} label={t('targets.unit')} required requiredText={required} hint={t('targets.unitHint')} width="short" />
          <TextInput {...bind('target_value')} label={t('targets.targetValue')} inputMode="decimal" width="short" />
          <TextInput {...bind('due_on')} label={t('targets.dueOn')} type="date" width="short" />
          <TextInput {...bind('description')} label={t('targets.description')} multiline rows={2} />
          <div className="button-row">
            <button type="submit" className="button button--primary" disabled={create.isPending}>
              {create.isPending ? t('ledger.saving') : t('targets.addSubmit')}
            </button>
            <button
              type="button"
              className="button button--secondary"
              onClick={() => {
                create.reset();
                setLocal({});
                setOpen(false);
              }}
            >
              {t('ledger.cancel')}
            </button>
          </div>
        </form>
      )}
    </section>
  );
}
