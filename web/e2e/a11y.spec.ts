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
});
