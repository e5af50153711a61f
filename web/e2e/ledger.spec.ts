import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { DEMO_ADMIN, signIn, followNavLink } from './fixtures';

const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
// Names unique to this run, so the spec also passes against a database that already has data.
const RUN = Date.now().toString(36);
const BUREAU = `デジタル市役所推進室${RUN}`;
const SECTION = `DX推進課${RUN}`;
const SYSTEM = `DX相談案件管理アプリ（${RUN}）`;

async function seriousViolations(page: Page) {
  const results = await new AxeBuilder({ page }).withTags(TAGS).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')) }));
}

test.describe('the system ledger against the city’s targets', () => {
  // The admin prepares the section and the 100,000-hour target through the API; the system itself
  // is registered through the form, so the gauge moves only because of what the browser sent.
  test.beforeAll(async ({ playwright }, testInfo) => {
    const request = await playwright.request.newContext({ baseURL: testInfo.project.use.baseURL });
    const login = await request.post('/api/v1/auth/login', { data: DEMO_ADMIN });
    expect(login.status(), 'admin sign-in').toBe(200);
    const headers = { Authorization: `Bearer ${((await login.json()) as { access_token: string }).access_token}` };
    const bureau = await request.post('/api/v1/bureaus', { headers, data: { name: BUREAU } });
    expect(bureau.status(), await bureau.text()).toBe(201);
    const section = await request.post('/api/v1/sections', {
      headers,
      data: { bureau_id: ((await bureau.json()) as { id: number }).id, name: SECTION, effective_from: '2021-04-01' },
    });
    expect(section.status(), await section.text()).toBe(201);
    const targets = await request.get('/api/v1/targets', { headers });
    const existing = ((await targets.json()) as { targets: { code: string }[] }).targets;
    if (!existing.some((t) => t.code === 'annual-hours-saved')) {
      const target = await request.post('/api/v1/targets', {
        headers,
        data: {
          code: 'annual-hours-saved',
          name: '年間削減作業時間',
          metric: 'annual_hours_saved',
          unit: '時間',
          target_value: 100000,
          due_on: '2026-03-31',
        },
      });
      expect(target.status(), await target.text()).toBe(201);
    }
    await request.dispose();
  });

  test('a system registered in production moves the hours gauge by its hours saved', async ({ page }) => {
    await signIn(page, DEMO_ADMIN);
    await followNavLink(page, '台帳', 'システム台帳');
    await expect(page.getByRole('heading', { level: 1, name: 'システム台帳' })).toBeVisible();
    const percent = page.getByTestId('hours-percent');
    await expect(percent).toBeVisible();
    const before = Number.parseFloat((await percent.textContent()) ?? 'NaN');
    expect(before).not.toBeNaN();

    await page.getByRole('link', { name: '新規登録' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'システムの新規登録' })).toBeVisible();
    await page.getByLabel(/^システム名/).fill(SYSTEM);
    await page.getByLabel(/^局・区/).selectOption({ label: BUREAU });
    await page.getByLabel(/^担当課/).selectOption({ label: SECTION });
    await page.getByLabel('職員が内製したシステム').check();
    await page.getByRole('radio', { name: '本運用' }).check();
    await page.getByLabel(/^本運用開始日/).fill('2024-06-01');
    await page.getByLabel('年間削減時間（時間）').fill('１０,０００');
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByRole('button', { name: '登録する' }).click();
    await expect(page).toHaveURL(/\/digital-systems\/\d+$/);
    await expect(page.getByRole('heading', { level: 1, name: SYSTEM })).toBeVisible();

    await followNavLink(page, '台帳', 'システム台帳');
    await expect(page.getByRole('rowheader', { name: SYSTEM })).toBeVisible();
    // 10,000 hours of a 100,000-hour target is ten points more on the gauge.
    await expect
      .poll(async () => Number.parseFloat((await percent.textContent()) ?? 'NaN'))
      .toBeCloseTo(before + 10, 1);
    expect(await seriousViolations(page)).toEqual([]);
  });
});
