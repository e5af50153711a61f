// The one set of date helpers of the SPA. The city's records are dated in Japan, so "today" and
// every formatted date or time use Asia/Tokyo whatever the browser's own zone is; Japanese adds
// the era (和暦) form. Values that are not dates are shown as they are, never guessed.

export const TIME_ZONE = 'Asia/Tokyo';

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const ISO_MONTH = /^(\d{4})-(\d{2})$/;

/** True for a real calendar date written as YYYY-MM-DD (2026-02-30 is not one). */
export function isIsoDate(value: string): boolean {
  const match = ISO_DATE.exec(value);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** Today's date in Japan as YYYY-MM-DD. */
export function todayInTokyo(now: Date = new Date()): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: TIME_ZONE,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).formatToParts(now);
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')}`;
}

/** The fiscal year (April–March, by the year it starts in) that a YYYY-MM-DD date belongs to. */
export function fiscalYearOf(isoDate: string): number {
  const year = Number(isoDate.slice(0, 4));
  const month = Number(isoDate.slice(5, 7));
  return month >= 4 ? year : year - 1;
}

/**
 * The fiscal years a form offers: from 令和元年度 (the reports start in Reiwa) up to next year,
 * newest first, with `keep` (a record's own year) added when it falls outside.
 */
export function fiscalYearChoices(keep?: number): number[] {
  const current = fiscalYearOf(todayInTokyo());
  const years: number[] = [];
  for (let year = current + 1; year >= Math.min(2019, current); year -= 1) years.push(year);
  if (keep !== undefined && Number.isSafeInteger(keep) && keep > 0 && !years.includes(keep)) years.push(keep);
  return years.sort((a, b) => b - a);
}

/** Midnight of the date in Japan, so formatting with timeZone Asia/Tokyo gives the same day back. */
function instantOf(isoDate: string): Date {
  return new Date(`${isoDate}T00:00:00+09:00`);
}

const DATE = { timeZone: TIME_ZONE, year: 'numeric', month: 'long', day: 'numeric' } as const;
const TIME = { timeZone: TIME_ZONE, hour: '2-digit', minute: '2-digit', hour12: false } as const;
const FORMATTERS = {
  ja: new Intl.DateTimeFormat('ja-JP', DATE),
  wareki: new Intl.DateTimeFormat('ja-JP-u-ca-japanese', { ...DATE, era: 'long' }),
  en: new Intl.DateTimeFormat('en-GB', DATE),
  enShort: new Intl.DateTimeFormat('en-GB', { ...DATE, month: 'short' }),
  enMonth: new Intl.DateTimeFormat('en-GB', { timeZone: TIME_ZONE, year: 'numeric', month: 'short' }),
  jaTime: new Intl.DateTimeFormat('ja-JP', TIME),
  enTime: new Intl.DateTimeFormat('en-GB', TIME),
};

/** 2026-04-01 → 令和8年4月1日 */
export function formatWareki(isoDate: string): string {
  return isIsoDate(isoDate) ? FORMATTERS.wareki.format(instantOf(isoDate)) : isoDate;
}

/**
 * `2026年11月21日（令和8年11月21日）` in Japanese, `21 November 2026` in English.
 * Anything that is not a date comes back as it is.
 */
export function formatDate(isoDate: string, language: string): string {
  if (!isIsoDate(isoDate)) return isoDate;
  const instant = instantOf(isoDate);
  if (language === 'en') return FORMATTERS.en.format(instant);
  return `${FORMATTERS.ja.format(instant)}（${FORMATTERS.wareki.format(instant)}）`;
}

/** A recorded instant in Japan time: `令和8年11月21日 12:49` / `21 November 2026 12:49`. */
export function formatDateTime(isoDateTime: string, language: string): string {
  const instant = new Date(isoDateTime);
  if (Number.isNaN(instant.getTime())) return isoDateTime;
  if (language === 'en') return `${FORMATTERS.en.format(instant)} ${FORMATTERS.enTime.format(instant)}`;
  return `${FORMATTERS.wareki.format(instant)} ${FORMATTERS.jaTime.format(instant)}`;
}

/** `2025-11-25` → `2025年11月25日` / `25 Nov 2025` (tables and filter labels); anything else as it is. */
export function shortDate(isoDate: string, language: string): string {
  if (!isIsoDate(isoDate)) return isoDate;
  if (language === 'en') return FORMATTERS.enShort.format(instantOf(isoDate));
  const [year, month, day] = isoDate.split('-').map(Number) as [number, number, number];
  return `${year}年${month}月${day}日`;
}

/** `令和5年11月30日` / `30 Nov 2023`: the era form the policies are written in, without the Western date. */
export function formatShortDate(isoDate: string | null | undefined, language: string): string {
  if (!isoDate) return '';
  if (!isIsoDate(isoDate)) return isoDate;
  return (language === 'en' ? FORMATTERS.enShort : FORMATTERS.wareki).format(instantOf(isoDate));
}

/** `R5.11.30` under a chart bar, where a long label would not fit; ISO dates in English. */
export function chartDateLabel(isoDate: string, language: string): string {
  if (language === 'en' || !isIsoDate(isoDate)) return isoDate;
  const [year, month, day] = isoDate.split('-').map(Number) as [number, number, number];
  const afterReiwa = isoDate >= '2019-05-01';
  const eraYear = afterReiwa ? year - 2018 : year - 1988;
  return `${afterReiwa ? 'R' : 'H'}${eraYear}.${month}.${day}`;
}

/** `2025-04` → `2025年4月` / `Apr 2025`; anything else as it is. */
export function monthLabel(key: string, language: string): string {
  const match = ISO_MONTH.exec(key);
  if (!match) return key;
  const year = Number(match[1]);
  const month = Number(match[2]);
  if (month < 1 || month > 12) return key;
  if (language === 'en') return FORMATTERS.enMonth.format(instantOf(`${key}-01`));
  return `${year}年${month}月`;
}
