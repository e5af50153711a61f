import { describe, expect, it } from 'vitest';
import { formatDate, formatWareki, isIsoDate, todayInTokyo } from './dates';

describe('dates of the organisation screen', () => {
  it('takes today from the calendar in Tokyo, not from the browser clock', () => {
    expect(todayInTokyo(new Date('2026-03-31T15:00:00Z'))).toBe('2026-04-01');
    expect(todayInTokyo(new Date('2026-03-31T14:59:59Z'))).toBe('2026-03-31');
  });

  it('shows a date in Japanese with its era and in English without', () => {
    expect(formatDate('2026-04-01', 'ja')).toBe('2026年4月1日（令和8年4月1日）');
    expect(formatDate('2019-04-01', 'ja')).toBe('2019年4月1日（平成31年4月1日）');
    expect(formatDate('2026-04-01', 'en')).toBe('1 April 2026');
    expect(formatWareki('2019-05-01')).toMatch(/^令和(元|1)年5月1日$/);
  });

  it('accepts only real calendar dates', () => {
    expect(isIsoDate('2026-04-01')).toBe(true);
    expect(isIsoDate('2026-02-30')).toBe(false);
    expect(isIsoDate('')).toBe(false);
    expect(formatDate('', 'ja')).toBe('');
  });
});
