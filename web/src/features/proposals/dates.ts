/**
 * Dates of the proposal screens. Records are dated in Japan, so "today" and every formatted date
 * or time use Asia/Tokyo whatever the browser's own zone is; Japanese adds the era form.
 */
export const TIME_ZONE = 'Asia/Tokyo';

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True for a real calendar date written as YYYY-MM-DD. */
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

function instantOf(isoDate: string): Date {
  return new Date(`${isoDate}T00:00:00+09:00`);
}

const DATE = { timeZone: TIME_ZONE, year: 'numeric', month: 'long', day: 'numeric' } as const;
const TIME = { timeZone: TIME_ZONE, hour: '2-digit', minute: '2-digit', hour12: false } as const;
const FORMATTERS = {
  ja: new Intl.DateTimeFormat('ja-JP', DATE),
  wareki: new Intl.DateTimeFormat('ja-JP-u-ca-japanese', { ...DATE, era: 'long' }),
  en: new Intl.DateTimeFormat('en-GB', DATE),
  jaTime: new Intl.DateTimeFormat('ja-JP', TIME),
  enTime: new Intl.DateTimeFormat('en-GB', TIME),
};

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
