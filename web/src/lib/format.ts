// How figures read in the SPA: counts, hours, yen, percentages and values in a target's unit.
/**
 * Japanese readers count money in 億 and 万 (the report says
 * 100億円), so yen are written that way in Japanese and with digit grouping in English.
 */

function locale(language: string): string {
  return language === 'en' ? 'en-GB' : 'ja-JP';
}

export function formatNumber(value: number, language: string, maximumFractionDigits = 1): string {
  return new Intl.NumberFormat(locale(language), { maximumFractionDigits }).format(value);
}

/** `1234567890` → `12億3,456万7,890円` (ja) / `¥1,234,567,890` (en). */
export function formatYen(value: number, language: string): string {
  const rounded = Math.round(value);
  if (language === 'en') {
    return `${rounded < 0 ? '-' : ''}¥${formatNumber(Math.abs(rounded), 'en', 0)}`;
  }
  const sign = rounded < 0 ? '-' : '';
  let rest = Math.abs(rounded);
  const oku = Math.floor(rest / 1e8);
  rest -= oku * 1e8;
  const man = Math.floor(rest / 1e4);
  const yen = rest - man * 1e4;
  const group = (n: number) => formatNumber(n, 'ja', 0);
  const parts = [oku ? `${group(oku)}億` : '', man ? `${group(man)}万` : '', yen || (!oku && !man) ? group(yen) : ''];
  return `${sign}${parts.join('')}円`;
}

export function formatHours(value: number, language: string): string {
  return language === 'en' ? `${formatNumber(value, 'en')} hours` : `${formatNumber(value, 'ja')}時間`;
}

export function formatPercent(value: number, language: string): string {
  return `${formatNumber(value, language, 1)}%`;
}

/** A value in a target's own unit; yen and percentages get their usual form. */
export function formatInUnit(value: number, unit: string, language: string): string {
  const trimmed = unit.trim();
  if (trimmed === '円') return formatYen(value, language);
  if (trimmed === '%' || trimmed === '％') return formatPercent(value, language);
  if (trimmed === '時間' && language === 'en') return formatHours(value, language);
  const number = formatNumber(value, language, 2);
  return language === 'en' && trimmed !== '' ? `${number} ${trimmed}` : `${number}${trimmed}`;
}

/** The share of `value` in `target` with one decimal, or null without a positive target. */
export function percentOf(value: number, target: number | null | undefined): number | null {
  if (target === null || target === undefined || !(target > 0)) return null;
  return Math.round((value / target) * 1000) / 10;
}

/** A count as the tables show it: `1,234`. */
export function formatCount(value: number, language: string): string {
  return formatNumber(value, language, 0);
}

/** A change with its sign: `+54`, `-3.5`, `±0`. */
export function signedNumber(value: number, language: string): string {
  if (value === 0) return '±0';
  const text = formatNumber(Math.abs(value), language, 2);
  return value > 0 ? `+${text}` : `-${text}`;
}
