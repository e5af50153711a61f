import AxeBuilder from '@axe-core/playwright';
import { expect, type Page } from '@playwright/test';

export const DEMO_ADMIN = { email: 'admin@platina.example', password: 'platina-demo' };
export const DEMO_VIEWER = { email: 'viewer@platina.example', password: 'platina-demo' };

export interface SignedInUser {
  display_name: string;
  role: string;
}

/** Signs in through the form and returns the user the server answered with. */
export async function signIn(
  page: Page,
  credentials: { email: string; password: string },
): Promise<SignedInUser> {
  await page.goto('/login');
  await page.getByLabel('メールアドレス').fill(credentials.email);
  await page.getByLabel('パスワード').fill(credentials.password);
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/login') && r.request().method() === 'POST'),
    page.getByRole('button', { name: 'ログイン' }).click(),
  ]);
  expect(response.status(), 'sign-in answer').toBe(200);
  const body = (await response.json()) as { user: SignedInUser };
  return body.user;
}

/**
 * Follows an entry of the main menu: opens its group first unless the page shown is in that group
 * (whose screens then stand in the menu's second row).
 */
export async function followNavLink(page: Page, group: string, link: string): Promise<void> {
  const nav = page.getByRole('navigation', { name: 'メインメニュー' });
  const target = nav.getByRole('link', { name: link, exact: true });
  // The menu is there once the shell has rendered (right after sign-in it may not be yet).
  await expect(nav.getByRole('link', { name: 'ホーム' })).toBeVisible();
  if (!(await target.isVisible())) await nav.getByRole('button', { name: group }).click();
  await target.click();
}

/** The WCAG levels the axe scans of every spec check. */
export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

/** The serious and critical axe-core violations of the page as shown now. */
export async function seriousViolations(page: Page) {
  const results = await new AxeBuilder({ page }).withTags(AXE_TAGS).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')) }));
}
