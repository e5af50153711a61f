import { readFile } from 'node:fs/promises';
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import { DEMO_ADMIN, signIn, followNavLink } from './fixtures';

const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const DEMO_PROPOSER = { email: 'proposer@platina.example', password: 'platina-demo' };
const TITLE = '区役所の窓口が混雑して待ち時間が長い';
const THEMES = ['ユーザーの困りごと', '職員の困りごと'];
const EDITOR = { email: 'soumu-kikaku@platina.example', password: 'editor-password-123' };

async function seriousViolations(page: Page) {
  const results = await new AxeBuilder({ page }).withTags(TAGS).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')) }));
}

/** A date in Japan as YYYY-MM-DD, `offsetDays` from today. */
function tokyoDate(offsetDays = 0): string {
  const instant = new Date(Date.now() + offsetDays * 86_400_000);
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Tokyo', year: 'numeric', month: '2-digit', day: '2-digit' }).format(
    instant,
  );
}

/** The Japanese fiscal year (April–March) of today, by the year it starts in. */
function currentFiscalYear(): number {
  const [year, month] = tokyoDate().split('-').map(Number) as [number, number];
  return month >= 4 ? year : year - 1;
}

async function adminToken(request: APIRequestContext): Promise<string> {
  const response = await request.post('/api/v1/auth/login', { data: DEMO_ADMIN });
  expect(response.status(), 'admin sign-in').toBe(200);
  return ((await response.json()) as { access_token: string }).access_token;
}

// The demo database starts empty: the admin builds the PT of this fiscal year, the section and
// the editor of that section through the API.
test.describe.configure({ mode: 'serial' });

let proposalPath = '';

test.describe('課題提案 from intake to the progress report', () => {
  test.beforeAll(async ({ playwright }, testInfo) => {
    const request = await playwright.request.newContext({ baseURL: testInfo.project.use.baseURL });
    const token = await adminToken(request);
    const headers = { Authorization: `Bearer ${token}` };
    const fiscalYear = currentFiscalYear();

    const team = await request.post('/api/v1/project-teams', {
      headers,
      data: { fiscal_year: fiscalYear, name: `${fiscalYear}年度 プラチナ市役所プロジェクトチーム`, themes: THEMES },
    });
    expect(team.status(), await team.text()).toBe(201);

    // Other specs may have created the ward already; bureau names are unique.
    const bureaus = await request.get('/api/v1/bureaus', { headers });
    expect(bureaus.status(), await bureaus.text()).toBe(200);
    const existing = ((await bureaus.json()) as { id: number; name: string }[]).find((b) => b.name === '八幡西区役所');
    let bureauId = existing?.id;
    if (bureauId === undefined) {
      const bureau = await request.post('/api/v1/bureaus', { headers, data: { name: '八幡西区役所' } });
      expect(bureau.status(), await bureau.text()).toBe(201);
      bureauId = ((await bureau.json()) as { id: number }).id;
    }

    const section = await request.post('/api/v1/sections', {
      headers,
      data: { bureau_id: bureauId, name: '総務企画課', effective_from: '2019-04-01' },
    });
    expect(section.status(), await section.text()).toBe(201);
    const sectionId = ((await section.json()) as { id: number }).id;

    const editor = await request.post('/api/v1/users', {
      headers,
      data: { ...EDITOR, display_name: '八幡西区 総務企画課 担当', role: 'editor', section_ids: [sectionId] },
    });
    expect(editor.status(), await editor.text()).toBe(201);
    await request.dispose();
  });

  test('the proposer submits a proposal in Japanese through the intake form', async ({ page }) => {
    await signIn(page, DEMO_PROPOSER);
    await followNavLink(page, '提案', '課題提案');
    await expect(page.getByRole('heading', { level: 1, name: '課題提案' })).toBeVisible();
    await page.getByRole('link', { name: '新規提案' }).click();
    await expect(page.getByRole('heading', { level: 1, name: '新規提案' })).toBeVisible();

    await page.getByRole('combobox', { name: /^テーマ/ }).selectOption('ユーザーの困りごと');
    await page.getByRole('textbox', { name: /^課題名/ }).fill(TITLE);
    await page.getByRole('combobox', { name: '場面' }).fill('行政手続きの場面等');
    await page.getByRole('combobox', { name: '目線' }).fill('市民の目線');
    await page.getByRole('textbox', { name: '困りごと', exact: true }).fill('区役所の窓口が混雑して、待ち時間が長い。');
    await page.getByRole('textbox', { name: '解決策（打ち手）の案' }).fill('窓口の予約制とオンライン申請の案内');
    await page.getByRole('textbox', { name: '実施時期' }).fill('R8.3~');
    await expect(page.getByTestId('outcome-preview')).toHaveText('読み取り結果: 令和8年3月～');

    await page.getByRole('button', { name: '提案する' }).click();
    await expect(page).toHaveURL(/\/proposals\/\d+$/);
    await expect(page.getByRole('heading', { level: 1, name: TITLE })).toBeVisible();
    await expect(page.getByTestId('proposal-announcement')).toHaveText(`課題提案「${TITLE}」を登録しました。`);
    await expect(page.getByText('まだ所管課に提示されていません。')).toBeVisible();
    proposalPath = new URL(page.url()).pathname;
  });

  test('the admin makes 総務企画課 responsible for it', async ({ page }) => {
    expect(proposalPath, 'the proposal of the previous test').not.toBe('');
    await signIn(page, DEMO_ADMIN);
    await followNavLink(page, '提案', '課題提案');
    const link = page.getByRole('link', { name: TITLE });
    await expect(link).toBeVisible();
    await expect(page.getByTestId('proposal-count')).toHaveText('全1件中 1～1件を表示');
    expect(await seriousViolations(page)).toEqual([]);

    await link.click();
    await expect(page).toHaveURL(new RegExp(`${proposalPath}$`));
    await expect(page.getByRole('heading', { level: 1, name: TITLE })).toBeVisible();

    const add = page.getByRole('form', { name: '担当課を追加' });
    await add.getByRole('combobox', { name: /^課/ }).selectOption({ label: '総務企画課' });
    await add.getByRole('button', { name: '担当課を追加する' }).click();
    const status = page.getByTestId('proposal-announcement');
    await expect(status).toHaveText('総務企画課を担当課に追加しました。');

    expect(await seriousViolations(page)).toEqual([]);
  });

  test('the editor of 総務企画課 moves its assignment to ② today', async ({ page }) => {
    await signIn(page, EDITOR);
    await page.goto(proposalPath);
    await expect(page.getByRole('heading', { level: 1, name: TITLE })).toBeVisible();
    const status = page.getByTestId('proposal-announcement');
    const move = page.getByRole('form', { name: '総務企画課の段階を変更' });
    await move.getByRole('radio', { name: '②PTと所管課で協議' }).check();
    await expect(move.getByLabel(/^変更した日/)).toHaveValue(tokyoDate());
    await move.getByRole('button', { name: '段階を変更する' }).click();
    await expect(status).toHaveText('総務企画課の段階を「②PTと所管課で協議」に変更しました。');

    const steps = page.getByRole('list', { name: '総務企画課の段階' });
    await expect(steps.locator('[aria-current="step"]')).toHaveText('②PTと所管課で協議（現在の段階）');
    await expect(page.getByTestId('proposal-history')).toContainText('段階の変更');
    expect(await seriousViolations(page)).toEqual([]);
  });

  test('the progress report counts it in ② today but not as of yesterday', async ({ page }) => {
    await signIn(page, DEMO_ADMIN);
    await followNavLink(page, '提案', '進捗状況');
    await expect(page.getByRole('heading', { level: 1, name: '進捗状況' })).toBeVisible();
    await expect(page.getByLabel(/^基準日/)).toHaveValue(tokyoDate());

    const table = page.getByTestId('progress-table');
    const cell = table.getByRole('link', { name: 'ユーザーの困りごと・②PTと所管課で協議: 1件' });
    await expect(cell).toBeVisible();
    await expect(table.getByRole('link', { name: 'すべてのテーマ・合計: 1件' })).toBeVisible();
    const csvLink = page.getByRole('link', { name: 'CSVでダウンロード' });
    await expect(csvLink).toHaveAttribute('href', /format=csv/);
    const [download] = await Promise.all([page.waitForEvent('download'), csvLink.click()]);
    expect(download.suggestedFilename()).toBe(`proposal-progress-${currentFiscalYear()}-${tokyoDate()}.csv`);
    const csv = await readFile(await download.path());
    expect([...csv.subarray(0, 3)], 'UTF-8 BOM').toEqual([0xef, 0xbb, 0xbf]);
    expect(csv.toString('utf8')).toContain('ユーザーの困りごと');
    expect(await seriousViolations(page)).toEqual([]);

    // The list behind the cell shows the same count today.
    await cell.click();
    await expect(page).toHaveURL(/\/proposals\?.*stage=2/);
    await expect(page.getByTestId('proposal-count')).toHaveText('全1件中 1～1件を表示');
    await expect(page.getByRole('link', { name: TITLE })).toBeVisible();
    await page.goBack();

    // Yesterday the proposal had not been presented to the section (nor submitted): not in ②.
    await page.getByLabel(/^基準日/).fill(tokyoDate(-1));
    await expect(table.getByRole('button', { name: 'ユーザーの困りごと・②PTと所管課で協議: 0件' })).toBeVisible();
    await expect(table.getByRole('button', { name: 'すべてのテーマ・②PTと所管課で協議: 0件' })).toBeVisible();
    await expect(table.getByRole('link')).toHaveCount(0);
    expect(await seriousViolations(page)).toEqual([]);
  });
});
