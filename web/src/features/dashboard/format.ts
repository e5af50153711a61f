import { isIsoDate } from '../proposals/dates';
import { formatNumber } from '../ledger/format';

/** A count as the tables show it: `1,234`. */
export function formatCount(value: number, language: string): string {
  return formatNumber(value, language, 0);
}

/** `2025-11-25` → `2025年11月25日` / `25 Nov 2025`; anything else as it is. */
export function shortDate(isoDate: string, language: string): string {
  if (!isIsoDate(isoDate)) return isoDate;
  const [year, month, day] = isoDate.split('-').map(Number) as [number, number, number];
  if (language === 'en') {
    return new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', year: 'numeric', month: 'short', day: 'numeric' }).format(
      new Date(Date.UTC(year, month - 1, day)),
    );
  }
  return `${year}年${month}月${day}日`;
}

const MONTH = /^(\d{4})-(\d{2})$/;

/** `2025-04` → `2025年4月` / `Apr 2025`; anything else as it is. */
export function monthLabel(key: string, language: string): string {
  const match = MONTH.exec(key);
  if (!match) return key;
  const year = Number(match[1]);
  const month = Number(match[2]);
  if (month < 1 || month > 12) return key;
  if (language === 'en') {
    return new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', year: 'numeric', month: 'short' }).format(
      new Date(Date.UTC(year, month - 1, 1)),
    );
  }
  return `${year}年${month}月`;
}

/** A change with its sign: `+54`, `-3.5`, `±0`. */
export function signedNumber(value: number, language: string): string {
  if (value === 0) return '±0';
  const text = formatNumber(Math.abs(value), language, 2);
  return value > 0 ? `+${text}` : `-${text}`;
}
