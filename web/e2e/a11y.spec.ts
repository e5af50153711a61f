import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { DEMO_ADMIN, signIn } from './fixtures';

const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

async function seriousViolations(page: Page) {
  const results = await new AxeBuilder({ page }).withTags(TAGS).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')) }));
}

test.describe('accessibility (axe-core, WCAG 2.2 AA)', () => {
  test('the sign-in page has no serious or critical violations', async ({ page }) => {
    await page.goto('/login');
    await expect(page.getByRole('heading', { level: 1, name: 'ログイン' })).toBeVisible();
    expect(await seriousViolations(page)).toEqual([]);
  });

  test('the sign-in page with field errors has no serious or critical violations', async ({ page }) => {
    await page.goto('/login');
    await page.getByRole('button', { name: 'ログイン' }).click();
    await expect(page.getByRole('alert')).toHaveText('入力内容を確認してください。');
    await expect(page.getByLabel('メールアドレス')).toHaveAttribute('aria-invalid', 'true');
    await expect(page.getByLabel('メールアドレス')).toBeFocused();
    expect(await seriousViolations(page)).toEqual([]);
  });

  test('the signed-in shell has no serious or critical violations in either language', async ({ page }) => {
    await signIn(page, DEMO_ADMIN);
    await expect(page.getByRole('navigation', { name: 'メインメニュー' })).toBeVisible();
    expect(await seriousViolations(page)).toEqual([]);

    await page.getByRole('button', { name: 'English' }).click();
    await expect(page.locator('html')).toHaveAttribute('lang', 'en');
    expect(await seriousViolations(page)).toEqual([]);
  });

  test('the skip link is the first stop of the keyboard and moves to the main content', async ({ page }) => {
    await signIn(page, DEMO_ADMIN);
    await expect(page.getByRole('navigation', { name: 'メインメニュー' })).toBeVisible();
    await page.keyboard.press('Tab');
    const skip = page.getByRole('link', { name: '本文へスキップ' });
    await expect(skip).toBeFocused();
    await expect(skip).toBeVisible();
    await page.keyboard.press('Enter');
    await expect(page.locator('#main-content')).toBeFocused();
  });

  test('each group of the main menu opens by keyboard, passes axe open, and closes with Escape', async ({ page }) => {
    // Seven axe scans of the home page with its charts: more than the default 30 s on a shared runner.
    test.setTimeout(180_000);
    await page.setViewportSize({ width: 1366, height: 768 });
    await signIn(page, DEMO_ADMIN);
    const nav = page.getByRole('navigation', { name: 'メインメニュー' });
    await expect(nav).toBeVisible();
    // ホーム and six groups stand on one row at 1366 pixels.
    const tops = await nav.locator('.primary-nav__list > li').evaluateAll((items) =>
      items.map((item) => Math.round(item.getBoundingClientRect().top)),
    );
    expect(tops).toHaveLength(7);
    expect(new Set(tops).size).toBe(1);

    const groups = [
      { name: '提案', links: ['課題提案', '進捗状況', 'プロジェクトチーム'] },
      { name: '報告', links: ['プラチナレポート'] },
      { name: '局区の取組', links: ['自主改革', 'マイルストーン'] },
      { name: '台帳', links: ['システム台帳'] },
      { name: '照会', links: ['照会への回答', '照会'] },
      { name: '管理', links: ['組織', 'データの取り込み'] },
    ];
    for (const group of groups) {
      const button = nav.getByRole('button', { name: group.name });
      await button.focus();
      await page.keyboard.press('Enter');
      await expect(button).toHaveAttribute('aria-expanded', 'true');
      for (const link of group.links) await expect(nav.getByRole('link', { name: link, exact: true })).toBeVisible();
      expect(await seriousViolations(page)).toEqual([]);
      // Tab walks into the open menu; Escape closes it and returns to the group's button.
      await page.keyboard.press('Tab');
      await expect(nav.getByRole('link', { name: group.links[0] ?? '', exact: true })).toBeFocused();
      await page.keyboard.press('Escape');
      await expect(button).toHaveAttribute('aria-expanded', 'false');
      await expect(button).toBeFocused();
    }

    // Following a link closes the menu and marks where the person now is.
    await nav.getByRole('button', { name: '局区の取組' }).press('Enter');
    await nav.getByRole('link', { name: '自主改革', exact: true }).press('Enter');
    await expect(page.getByRole('heading', { level: 1, name: '自主改革' })).toBeVisible();
    await expect(page.getByTestId('nav-current-group')).toHaveText('局区の取組（現在の場所）');
    await expect(nav.getByRole('list', { name: '局区の取組の画面' }).getByRole('link', { name: '自主改革' })).toHaveAttribute(
      'aria-current',
      'page',
    );
    expect(await seriousViolations(page)).toEqual([]);
  });
});
