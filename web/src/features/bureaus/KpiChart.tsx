import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import type { KpiOut } from './api';
import { chartDateLabel, formatShortDate } from '../../lib/dates';
import { formatNumber } from './format';

const BAR = 44;
const GAP = 36;
const TOP = 28;
const PLOT = 140;
const BOTTOM = 44;
const SIDE = 24;

/**
 * Baseline and actuals of one KPI as bars, with the target as a dashed line. The chart is one
 * image whose text alternative lists every number; the same numbers are in the KPI table, so
 * nothing is known from the picture alone.
 */
export function KpiChart({ kpi, language }: { kpi: KpiOut; language: string }) {
  const { t } = useTranslation();
  const ids = useId();
  const bars = [
    { key: 'baseline', label: t('bureaus.chartBaseline'), on: kpi.baseline_on, value: kpi.baseline_value, baseline: true },
    ...kpi.actuals.map((a) => ({
      key: `a${a.id}`,
      label: chartDateLabel(a.measured_on, language),
      on: a.measured_on,
      value: a.value,
      baseline: false,
    })),
  ];
  const values = bars.map((b) => b.value);
  if (kpi.target_value != null) values.push(kpi.target_value);
  const max = Math.max(0, ...values);
  const min = Math.min(0, ...values);
  const span = max - min || 1;
  const y = (value: number) => TOP + PLOT - ((value - min) / span) * PLOT;
  const zero = y(0);
  const width = SIDE * 2 + bars.length * BAR + (bars.length - 1) * GAP + (kpi.target_value != null ? 64 : 0);
  const height = TOP + PLOT + BOTTOM;

  const unit = kpi.unit;
  const describe = [
    t('bureaus.chartDescBaseline', {
      value: formatNumber(kpi.baseline_value, language),
      unit,
      date: formatShortDate(kpi.baseline_on, language),
    }),
    ...kpi.actuals.map((a) =>
      t('bureaus.chartDescActual', {
        value: formatNumber(a.value, language),
        unit,
        date: formatShortDate(a.measured_on, language),
      }),
    ),
    ...(kpi.target_value != null
      ? [t('bureaus.chartDescTarget', { value: formatNumber(kpi.target_value, language), unit })]
      : []),
  ].join(language === 'en' ? '; ' : '、');

  return (
    <figure className="bp-chart">
      <figcaption className="bp-chart__caption">{t('bureaus.chartCaption', { name: kpi.name, unit })}</figcaption>
      <svg
        role="img"
        aria-labelledby={`${ids}-title`}
        aria-describedby={`${ids}-desc`}
        viewBox={`0 0 ${width} ${height}`}
        width={width}
        height={height}
        className="bp-chart__svg"
      >
        <title id={`${ids}-title`}>{t('bureaus.chartTitle', { name: kpi.name })}</title>
        <desc id={`${ids}-desc`}>{describe}</desc>
        <line x1={SIDE / 2} x2={width - SIDE / 2} y1={zero} y2={zero} className="bp-chart__axis" />
        {bars.map((bar, index) => {
          const x = SIDE + index * (BAR + GAP);
          const top = Math.min(y(bar.value), zero);
          const h = Math.max(1, Math.abs(zero - y(bar.value)));
          return (
            <g key={bar.key}>
              <rect
                x={x}
                y={top}
                width={BAR}
                height={h}
                className={bar.baseline ? 'bp-chart__bar bp-chart__bar--baseline' : 'bp-chart__bar'}
              />
              <text x={x + BAR / 2} y={top - 6} textAnchor="middle" className="bp-chart__value">
                {formatNumber(bar.value, language)}
              </text>
              <text x={x + BAR / 2} y={TOP + PLOT + 18} textAnchor="middle" className="bp-chart__label">
                {bar.label}
              </text>
              {bar.baseline && (
                <text x={x + BAR / 2} y={TOP + PLOT + 36} textAnchor="middle" className="bp-chart__label">
                  {chartDateLabel(bar.on, language)}
                </text>
              )}
            </g>
          );
        })}
        {kpi.target_value != null && (
          <g>
            <line
              x1={SIDE / 2}
              x2={width - 64}
              y1={y(kpi.target_value)}
              y2={y(kpi.target_value)}
              className="bp-chart__target"
            />
            <text x={width - 60} y={y(kpi.target_value) + 4} className="bp-chart__label">
              {t('bureaus.chartTarget')}
            </text>
          </g>
        )}
      </svg>
    </figure>
  );
}
