import { expect, test } from '@playwright/test';
import { DEMO_ADMIN, DEMO_VIEWER, signIn } from './fixtures';

test.describe('signing in and out', () => {
  test('the demo admin signs in in Japanese, switches to English and signs out', async ({ page }) => {
    const user = await signIn(page, DEMO_ADMIN);

    await expect(page).toHaveURL(/\/$/);
    await expect(page.locator('html')).toHaveAttribute('lang', 'ja');
    const header = page.getByRole('banner');
    await expect(header.getByTestId('user-name')).toHaveText(user.display_name);
    await expect(header.getByTestId('user-role')).toContainText('管理者');
    await expect(page.getByRole('navigation', { name: 'メインメニュー' })).toBeVisible();
    await expect(page.getByRole('link', { name: 'ホーム' })).toHaveAttribute('aria-current', 'page');
    await expect(page.getByRole('link', { name: 'API仕様書' })).toHaveAttribute('href', '/api/docs');
    await expect(page.getByRole('heading', { level: 1 })).toContainText(user.display_name);

    await page.getByRole('button', { name: 'English' }).click();

    await expect(page.locator('html')).toHaveAttribute('lang', 'en');
    await expect(page.getByRole('navigation', { name: 'Main menu' })).toBeVisible();
    await expect(page.getByRole('link', { name: 'Home' })).toBeVisible();
    await expect(header.getByTestId('user-role')).toContainText('Administrator');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(`Welcome, ${user.display_name}`);

    // The choice survives a reload, and so does the session (silent refresh through the cookie).
    await page.reload();
    await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();
    await expect(page.locator('html')).toHaveAttribute('lang', 'en');

    await page.getByRole('button', { name: 'Sign out' }).click();

    await expect(page).toHaveURL(/\/login$/);
    await expect(page.getByRole('heading', { level: 1, name: 'Sign in' })).toBeVisible();
    await expect(page.getByRole('status')).toHaveText('You have signed out.');

    // After signing out, a protected page sends the visitor back to the sign-in page.
    await page.goto('/');
    await expect(page).toHaveURL(/\/login$/);
  });

  test('a wrong password shows the Japanese error message', async ({ page }) => {
    await page.goto('/login');
    await expect(page.getByRole('heading', { level: 1, name: 'ログイン' })).toBeVisible();
    await page.getByLabel('メールアドレス').fill(DEMO_VIEWER.email);
    await page.getByLabel('パスワード').fill('not-the-password');
    await page.getByRole('button', { name: 'ログイン' }).click();

    await expect(page.getByRole('alert')).toHaveText(
      'メールアドレスまたはパスワードが正しくありません。',
    );
    await expect(page).toHaveURL(/\/login$/);
  });

  test('a deep link to an unknown page is served by the app and needs a sign-in', async ({ page }) => {
    await page.goto('/no/such/page');
    await expect(page).toHaveURL(/\/login$/);
    await signIn(page, DEMO_VIEWER);
    await expect(page.getByRole('banner').getByTestId('user-role')).toHaveText('閲覧者');
  });

  test('two tabs reloading at the same moment both keep the session', async ({ page, context }) => {
    const user = await signIn(page, DEMO_ADMIN);
    await expect(page.getByTestId('user-name')).toHaveText(user.display_name);
    const second = await context.newPage();
    await second.goto('/');
    await expect(second.getByTestId('user-name')).toHaveText(user.display_name);

    await Promise.all([page.reload(), second.reload()]);

    await expect(page.getByTestId('user-name')).toHaveText(user.display_name);
    await expect(second.getByTestId('user-name')).toHaveText(user.display_name);
  });
});
