import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { DEMO_ADMIN, signIn, followNavLink } from './fixtures';

const DATA = path.join(path.dirname(fileURLToPath(import.meta.url)), 'data');
// The bureau and section the fixture files name (they are Shift_JIS, as kintone writes them).
const BUREAU = '取込テスト区役所';
const SECTION = '取込テスト課';
const IMPORTED_TITLE = '①髙橋㈱のｶﾀｶﾅ帳票を電子化';

test.describe('kintone data in and out', () => {
  test.beforeAll(async ({ playwright }, testInfo) => {
    const request = await playwright.request.newContext({ baseURL: testInfo.project.use.baseURL });
    const login = await request.post('/api/v1/auth/login', { data: DEMO_ADMIN });
    expect(login.status(), 'admin sign-in').toBe(200);
    const headers = { Authorization: `Bearer ${((await login.json()) as { access_token: string }).access_token}` };
    const bureaus = (await (await request.get('/api/v1/bureaus', { headers })).json()) as { id: number; name: string }[];
    if (!bureaus.some((b) => b.name === BUREAU)) {
      const bureau = await request.post('/api/v1/bureaus', { headers, data: { name: BUREAU } });
      expect(bureau.status(), await bureau.text()).toBe(201);
      const section = await request.post('/api/v1/sections', {
        headers,
        data: { bureau_id: ((await bureau.json()) as { id: number }).id, name: SECTION, effective_from: '2019-04-01' },
      });
      expect(section.status(), await section.text()).toBe(201);
    }
    await request.dispose();
  });

  test('an admin imports a Shift_JIS CSV after fixing its bad row, finds the record and exports it', async ({
    page,
  }) => {
    await signIn(page, DEMO_ADMIN);
    await followNavLink(page, '管理', 'データの取り込み');
    await expect(page.getByRole('heading', { level: 1, name: 'データの取り込み' })).toBeVisible();
    await page.getByRole('radio', { name: '自主改革' }).check();

    // The dry run of the file with one bad row shows the error on its row, and nothing can be imported.
    await page.getByLabel('ファイル', { exact: true }).setInputFiles(path.join(DATA, 'kintone-one-bad-row.sjis.csv'));
    await page.getByRole('button', { name: '確認する（ドライラン）' }).click();
    await expect(page.getByRole('heading', { name: '確認の結果（ドライラン）' })).toBeVisible();
    await expect(page.getByText('Shift_JIS', { exact: true })).toBeVisible();
    const rows = page.getByRole('table', { name: /行ごとの結果/ });
    const badRow = rows.getByRole('row').filter({ hasText: '誤った行' });
    await expect(badRow).toContainText('エラー');
    await expect(badRow).toContainText('「存在しない区役所」という局・区はありません');
    await expect(rows.getByRole('row').filter({ hasText: IMPORTED_TITLE })).toContainText('新規');
    await expect(page.getByRole('button', { name: '取り込む' })).toBeDisabled();
    await expect(page.getByText(/エラーを直したファイルを選び直してください/)).toBeVisible();
    expect(await seriousViolations(page)).toEqual([]);

    // The fixed file checks clean and is imported.
    await page.getByLabel('ファイル', { exact: true }).setInputFiles(path.join(DATA, 'kintone-fixed.sjis.csv'));
    const dryRun = page.getByRole('button', { name: '確認する（ドライラン）' });
    if (await dryRun.isEnabled()) await dryRun.click();
    await expect(page.getByRole('button', { name: '取り込む' })).toBeEnabled();
    await page.getByRole('button', { name: '取り込む' }).click();
    await expect(page.getByRole('heading', { name: '取り込みの結果' })).toBeVisible();
    await expect(page.getByText(/取り込みました。新規 2件/)).toBeVisible();
    // The result lists every phase the import ran, in order, each finished with its own bar.
    const phases = page.getByTestId('import-result').getByTestId('import-phases');
    for (const name of ['読み込み', '確認', '書き込み', '集計・索引の更新']) {
      await expect(phases.getByRole('progressbar', { name, exact: true })).toBeVisible();
    }
    await expect(phases.getByRole('listitem')).toHaveCount(4);
    await expect(phases.getByRole('listitem').nth(2)).toContainText('完了');
    expect(await seriousViolations(page)).toEqual([]);

    // The header search finds the new record by its half-width katakana.
    const search = page.getByRole('combobox', { name: '横断検索' });
    await search.fill('ｶﾀｶﾅ帳票');
    const option = page.getByRole('option', { name: new RegExp(IMPORTED_TITLE.slice(0, 4)) }).first();
    await expect(option).toBeVisible();
    await option.click();
    await expect(page.getByRole('heading', { level: 1, name: IMPORTED_TITLE })).toBeVisible();

    // The reform list filtered to it exports a CSV for Excel that holds it.
    await page.goto(`/reforms?q=${encodeURIComponent('ｶﾀｶﾅ帳票')}`);
    await expect(page.getByRole('link', { name: IMPORTED_TITLE }).first()).toBeVisible();
    await page.getByRole('button', { name: 'エクスポート' }).click();
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('menuitem', { name: 'CSV（Excel用）' }).or(page.getByRole('button', { name: 'CSV（Excel用）' })).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^自主改革_\d{8}\.csv$/);
    const file = readFileSync(await download.path());
    expect(file.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    const text = file.toString('utf8');
    expect(text).toContain(IMPORTED_TITLE);
    expect(text).toContain(BUREAU);
  });
});

async function seriousViolations(page: Page) {
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'])
    .analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ id: v.id, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')) }));
}
