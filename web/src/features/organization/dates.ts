/**
 * Calendar dates of the city's records (`YYYY-MM-DD`). They are dates in Japan, so "today" and
 * every formatted date use the Asia/Tokyo time zone whatever the browser's own zone is.
 */
export const TIME_ZONE = 'Asia/Tokyo';

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

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

/** Midnight of the date in Japan, so formatting with timeZone Asia/Tokyo gives the same day back. */
function instantOf(isoDate: string): Date {
  return new Date(`${isoDate}T00:00:00+09:00`);
}

const FORMATTERS = {
  ja: new Intl.DateTimeFormat('ja-JP', { timeZone: TIME_ZONE, year: 'numeric', month: 'long', day: 'numeric' }),
  wareki: new Intl.DateTimeFormat('ja-JP-u-ca-japanese', {
    timeZone: TIME_ZONE,
    era: 'long',
    year: 'numeric',
    month: 'long',
    day: 'numeric',
  }),
  en: new Intl.DateTimeFormat('en-GB', { timeZone: TIME_ZONE, year: 'numeric', month: 'long', day: 'numeric' }),
};

/** 2026-04-01 → 令和8年4月1日 */
export function formatWareki(isoDate: string): string {
  return isIsoDate(isoDate) ? FORMATTERS.wareki.format(instantOf(isoDate)) : isoDate;
}

/**
 * A date as the reader expects it: `2026年4月1日（令和8年4月1日）` in Japanese, `1 April 2026`
 * in English. Anything that is not a date is returned as it is.
 */
export function formatDate(isoDate: string, language: string): string {
  if (!isIsoDate(isoDate)) return isoDate;
  const instant = instantOf(isoDate);
  if (language === 'en') return FORMATTERS.en.format(instant);
  return `${FORMATTERS.ja.format(instant)}（${FORMATTERS.wareki.format(instant)}）`;
}
