/**
 * Progress drawings of the targets. They are inline SVG (no chart library) and only illustrate:
 * every figure they show is also written out in text next to them.
 */

function clamp(percent: number): number {
  return Math.max(0, Math.min(100, percent));
}

/** A half-circle dial filled to `percent` (capped at 100 in the drawing, not in the text). */
export function SemicircleGauge({ percent, label }: { percent: number | null; label: string }) {
  const arc = 'M 20 100 A 80 80 0 0 1 180 100';
  return (
    <svg className="lg-gauge" viewBox="0 0 200 112" role="img" aria-label={label} focusable="false">
      <path d={arc} className="lg-gauge__track" pathLength={100} />
      {percent !== null && percent > 0 && (
        <path
          d={arc}
          className="lg-gauge__value"
          pathLength={100}
          strokeDasharray={`${clamp(percent)} 100`}
          data-testid="gauge-value"
        />
      )}
      <text x="100" y="92" textAnchor="middle" className="lg-gauge__text" aria-hidden="true">
        {percent === null ? '—' : `${percent.toFixed(1)}%`}
      </text>
    </svg>
  );
}

/** A horizontal bar filled to `percent`. */
export function BarGauge({ percent, label }: { percent: number | null; label: string }) {
  const width = percent === null ? 0 : clamp(percent);
  return (
    <svg className="lg-bar" viewBox="0 0 100 8" preserveAspectRatio="none" role="img" aria-label={label} focusable="false">
      <rect x="0" y="0" width="100" height="8" className="lg-bar__track" />
      {width > 0 && <rect x="0" y="0" width={width} height="8" className="lg-bar__value" />}
    </svg>
  );
}

/** Columns of one series; `aria-hidden` because the table that follows carries the same figures. */
export function ColumnChart({ points }: { points: { label: string; value: number }[] }) {
  const max = Math.max(1, ...points.map((p) => p.value));
  const width = 40 * Math.max(points.length, 1);
  return (
    <svg
      className="lg-columns"
      viewBox={`0 0 ${width} 130`}
      aria-hidden="true"
      focusable="false"
      style={{ maxWidth: `${Math.max(width * 2, 160)}px` }}
    >
      <line x1="0" y1="110" x2={width} y2="110" className="lg-columns__axis" />
      {points.map((point, index) => {
        const height = (point.value / max) * 100;
        return (
          <g key={point.label}>
            <rect x={index * 40 + 8} y={110 - height} width="24" height={height} className="lg-columns__bar" />
            <text x={index * 40 + 20} y="124" textAnchor="middle" className="lg-columns__label">
              {point.label}
            </text>
          </g>
        );
      })}
    </svg>
  );
}
