import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { DEMO_ADMIN, DEMO_VIEWER, signIn, followNavLink } from './fixtures';

const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

async function seriousViolations(page: Page) {
  const results = await new AxeBuilder({ page }).withTags(TAGS).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')) }));
}

async function openOrganization(page: Page) {
  await followNavLink(page, '管理', '組織');
  await expect(page).toHaveURL(/\/organization/);
  await expect(page.getByRole('heading', { level: 1, name: '組織' })).toBeVisible();
}

// The demo server starts with an empty organisation; the viewer reads what the admin built.
test.describe.configure({ mode: 'serial' });

test.describe('the organisation screen', () => {
  test('the admin builds 市長公室 and sees 広報戦略課 renamed from 2026-04-01', async ({ page }) => {
    await signIn(page, DEMO_ADMIN);
    await openOrganization(page);
    const status = page.getByTestId('org-announcement');

    const addBureau = page.getByRole('form', { name: '局・区を追加' });
    await addBureau.getByLabel('名称').fill('市長公室');
    await addBureau.getByLabel('種別').selectOption({ label: '室' });
    await addBureau.getByLabel('表示順').fill('1');
    await addBureau.getByRole('button', { name: '追加する' }).click();
    await expect(status).toHaveText('「市長公室」を追加しました。');
    await expect(addBureau.getByLabel('名称')).toHaveValue('');

    const bureauButton = page.getByRole('button', { name: '市長公室 室', exact: true });
    await bureauButton.click();
    await expect(bureauButton).toHaveAttribute('aria-expanded', 'true');
    const panel = page.getByRole('region', { name: '市長公室 室' });

    await panel.getByRole('button', { name: '市長公室に課を追加' }).click();
    const addSection = panel.getByRole('form', { name: '市長公室に課を追加' });
    await addSection.getByLabel('課の名称').fill('広報戦略課');
    await addSection.getByLabel('適用開始日').fill('2019-04-01');
    await addSection.getByRole('button', { name: '追加する' }).click();
    await expect(status).toHaveText('市長公室に「広報戦略課」を追加しました（2019年4月1日（平成31年4月1日）から）。');

    const asOf = page.getByLabel('基準日');
    await asOf.fill('2026-03-31');
    await expect(panel.getByRole('heading', { level: 5, name: '広報戦略課' })).toBeVisible();

    await panel.getByRole('button', { name: '広報戦略課の名称を変更' }).click();
    const rename = panel.getByRole('form', { name: '広報戦略課の名称を変更' });
    await rename.getByLabel('新しい名称').fill('企画・マーケティング課');
    await rename.getByLabel('適用開始日').fill('2026-04-01');
    await rename.getByRole('button', { name: '変更する' }).click();
    await expect(status).toHaveText(
      '「広報戦略課」を2026年4月1日（令和8年4月1日）から「企画・マーケティング課」に変更しました。',
    );

    // The day before the rename: the old name, with the new one announced in the history.
    await expect(asOf).toHaveValue('2026-03-31');
    const sectionHeadings = panel.getByRole('heading', { level: 5 });
    await expect(sectionHeadings).toHaveText(['広報戦略課']);
    const history = panel.getByRole('list', { name: '名称履歴' });
    await expect(history.getByRole('listitem')).toHaveText([
      '広報戦略課 2019年4月1日（平成31年4月1日）から 基準日時点の名称',
      '企画・マーケティング課 2026年4月1日（令和8年4月1日）から 予定',
    ]);

    // From the day of the rename on: the new name.
    await asOf.fill('2026-04-01');
    await expect(sectionHeadings).toHaveText(['企画・マーケティング課']);
    await expect(history.getByRole('listitem').first()).toHaveText(
      '広報戦略課 2019年4月1日（平成31年4月1日）から 旧名称',
    );

    // A second rename taking effect the same day is refused (409) next to the date.
    await panel.getByRole('button', { name: '企画・マーケティング課の名称を変更' }).click();
    const again = panel.getByRole('form', { name: '企画・マーケティング課の名称を変更' });
    await again.getByLabel('新しい名称').fill('広報課');
    await again.getByLabel('適用開始日').fill('2026-04-01');
    await again.getByRole('button', { name: '変更する' }).click();
    const date = again.getByLabel('適用開始日');
    await expect(date).toHaveAttribute('aria-invalid', 'true');
    await expect(date).toHaveAccessibleDescription(/この適用開始日から有効になる名称がすでにあります。/);
    await expect(again.getByLabel('新しい名称')).toHaveValue('広報課');

    // The same bureau name twice is refused (409) next to the name.
    await addBureau.getByLabel('名称').fill('市長公室');
    await addBureau.getByRole('button', { name: '追加する' }).click();
    await expect(addBureau.getByLabel('名称')).toHaveAttribute('aria-invalid', 'true');
    await expect(addBureau.getByLabel('名称')).toHaveAccessibleDescription('同じ名称の局・区がすでにあります。');

    expect(await seriousViolations(page)).toEqual([]);
  });

  test('the admin edits the bureau with the version it shows', async ({ page }) => {
    await signIn(page, DEMO_ADMIN);
    await page.goto('/organization?as_of=2026-04-01');
    await page.getByRole('button', { name: '市長公室 室', exact: true }).click();
    const panel = page.getByRole('region', { name: '市長公室 室' });
    await panel.getByRole('button', { name: '市長公室を編集' }).click();
    const form = panel.getByRole('form', { name: '市長公室を編集' });
    await expect(form.getByTestId('bureau-version')).toHaveText('表示中の版: 1');
    await form.getByLabel('表示順').fill('2');

    const [request] = await Promise.all([
      page.waitForRequest((r) => r.method() === 'PATCH' && /\/api\/v1\/bureaus\/\d+$/.test(r.url())),
      form.getByRole('button', { name: '保存する' }).click(),
    ]);
    expect(request.headers()['if-match']).toBe('"1"');
    await expect(page.getByTestId('org-announcement')).toHaveText('「市長公室」を保存しました。');
    await expect(panel.getByRole('button', { name: '市長公室を編集' })).toBeFocused();
  });

  test('the viewer sees the organisation but no edit controls', async ({ page }) => {
    await signIn(page, DEMO_VIEWER);
    await openOrganization(page);
    await page.getByLabel('基準日').fill('2026-04-01');

    const bureauButton = page.getByRole('button', { name: '市長公室 室', exact: true });
    await bureauButton.click();
    const panel = page.getByRole('region', { name: '市長公室 室' });
    await expect(panel.getByRole('heading', { level: 5, name: '企画・マーケティング課' })).toBeVisible();

    await expect(page.getByRole('form')).toHaveCount(0);
    await expect(page.getByRole('button', { name: /編集|課を追加|名称を変更|追加する/ })).toHaveCount(0);
    // The only input is the 基準日 itself.
    await expect(page.getByRole('textbox')).toHaveCount(1);
    await expect(page.getByRole('textbox')).toHaveAccessibleName('基準日');
    // The header's search box is the one combobox a viewer has; the organisation itself offers none.
    await expect(page.getByRole('main').getByRole('combobox')).toHaveCount(0);

    expect(await seriousViolations(page)).toEqual([]);
  });
});
