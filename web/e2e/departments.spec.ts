import AxeBuilder from '@axe-core/playwright';
import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import { DEMO_ADMIN, DEMO_VIEWER, signIn, followNavLink } from './fixtures';

const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
const BUREAU = '八幡西区役所';
// Names unique to this run, so the spec also passes against a database that already has data.
const RUN = Date.now().toString(36);
const EDITOR = { email: `yahatanishi-${RUN}@platina.example`, password: 'editor-password-123' };
const REFORM_TITLE = `区役所窓口のオンライン予約（${RUN}）`;
const ISSUE_TITLE = `子育て世帯の手続きのワンストップ化（${RUN}）`;
const MILESTONE_TITLE = `予約制の試行（${RUN}）`;
const SLIPPING_TITLE = `予約システムの運用開始（${RUN}）`;
const SLIP_REASON = '業者の選定が遅れたため、第4四半期に運用を始めます。';
const PERIOD = 'R7.4~ R8.2';
// GET /api/v1/wareki/parse?text=R7.4~%20R8.2 answers this display (domain::period tests agree).
const PERIOD_DISPLAY = '令和7年4月～令和8年2月';

async function seriousViolations(page: Page) {
  const results = await new AxeBuilder({ page }).withTags(TAGS).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')) }));
}

async function adminToken(request: APIRequestContext): Promise<string> {
  const response = await request.post('/api/v1/auth/login', { data: DEMO_ADMIN });
  expect(response.status(), 'admin sign-in').toBe(200);
  return ((await response.json()) as { access_token: string }).access_token;
}

test.describe.configure({ mode: 'serial' });

let bureauId = 0;
let milestoneId = 0;
let slippingId = 0;

test.describe('a ward’s reforms and X policy', () => {
  // The admin prepares, through the API, the ward, a section, an editor of the whole ward and the
  // ward's policy for 令和7年度 with one issue and one planned milestone.
  test.beforeAll(async ({ playwright }, testInfo) => {
    const request = await playwright.request.newContext({ baseURL: testInfo.project.use.baseURL });
    const headers = { Authorization: `Bearer ${await adminToken(request)}` };

    const bureaus = await request.get('/api/v1/bureaus', { headers });
    expect(bureaus.status(), await bureaus.text()).toBe(200);
    const existing = ((await bureaus.json()) as { id: number; name: string }[]).find((b) => b.name === BUREAU);
    if (existing) {
      bureauId = existing.id;
    } else {
      const bureau = await request.post('/api/v1/bureaus', { headers, data: { name: BUREAU, kind: 'ward_office' } });
      expect(bureau.status(), await bureau.text()).toBe(201);
      bureauId = ((await bureau.json()) as { id: number }).id;
    }

    const section = await request.post('/api/v1/sections', {
      headers,
      data: { bureau_id: bureauId, name: `子ども・家庭課${RUN}`, effective_from: '2019-04-01' },
    });
    expect(section.status(), await section.text()).toBe(201);

    const editor = await request.post('/api/v1/users', {
      headers,
      data: { ...EDITOR, display_name: '八幡西区役所 担当', role: 'editor', bureau_ids: [bureauId] },
    });
    expect(editor.status(), await editor.text()).toBe(201);

    const found = await request.get(`/api/v1/policies?bureau_id=${bureauId}&fiscal_year=2025`, { headers });
    expect(found.status(), await found.text()).toBe(200);
    let policyId = ((await found.json()) as { items: { id: number }[] }).items[0]?.id;
    if (policyId === undefined) {
      const policy = await request.post('/api/v1/policies', {
        headers,
        data: { bureau_id: bureauId, fiscal_year: 2025, mission: '区民に最も身近な行政機関として、安心して暮らせるまちをつくる' },
      });
      expect(policy.status(), await policy.text()).toBe(201);
      policyId = ((await policy.json()) as { id: number }).id;
    }

    // An issue number not taken yet in area A (a rerun on the same database adds another).
    const detail = await request.get(`/api/v1/policies/${policyId}`, { headers });
    const taken = ((await detail.json()) as { issues: { area: string; number: number }[] }).issues
      .filter((i) => i.area === 'A')
      .map((i) => i.number);
    const number = Math.max(0, ...taken) + 1;
    const issue = await request.post(`/api/v1/policies/${policyId}/issues`, {
      headers,
      data: { area: 'A', number, title: ISSUE_TITLE, policy_field: '市民サービス向上', impact: 'high', urgency: 'high' },
    });
    expect(issue.status(), await issue.text()).toBe(201);
    const issueId = ((await issue.json()) as { id: number }).id;

    const milestone = await request.post(`/api/v1/policy-issues/${issueId}/milestones`, {
      headers,
      data: { workstream: '子ども受付ルーム', quarter: 3, title: MILESTONE_TITLE, state: 'planned' },
    });
    expect(milestone.status(), await milestone.text()).toBe(201);
    milestoneId = ((await milestone.json()) as { id: number }).id;
    const slipping = await request.post(`/api/v1/policy-issues/${issueId}/milestones`, {
      headers,
      data: { workstream: '子ども受付ルーム', quarter: 2, title: SLIPPING_TITLE, state: 'planned' },
    });
    expect(slipping.status(), await slipping.text()).toBe(201);
    slippingId = ((await slipping.json()) as { id: number }).id;
    await request.dispose();
  });

  test('the ward’s editor registers a reform and marks the milestone done on the ward’s page', async ({ page }) => {
    expect(bureauId, 'the ward of beforeAll').toBeGreaterThan(0);
    await signIn(page, EDITOR);
    await followNavLink(page, '局区の取組', '自主改革');
    await expect(page.getByRole('heading', { level: 1, name: '自主改革' })).toBeVisible();
    await page.getByRole('link', { name: '新規登録' }).click();
    await expect(page.getByRole('heading', { level: 1, name: '自主改革の取組を登録' })).toBeVisible();

    await page.getByRole('combobox', { name: /^年度/ }).selectOption('2025');
    await page.getByRole('combobox', { name: /^局・区/ }).selectOption({ label: BUREAU });
    await page.getByRole('checkbox', { name: `子ども・家庭課${RUN}` }).check();
    await page.getByRole('radio', { name: 'ii（通常業務）' }).check();
    await page.getByRole('textbox', { name: /^取組名/ }).fill(REFORM_TITLE);
    await page.getByRole('textbox', { name: '課題', exact: true }).fill('窓口の待ち時間が長い');
    await page.getByRole('textbox', { name: '取組', exact: true }).fill('オンライン予約を導入した');
    await page.getByRole('textbox', { name: '実施（予定）時期' }).fill(PERIOD);
    await expect(page.getByTestId('period-preview')).toHaveText(`読み取り結果: ${PERIOD_DISPLAY}`);
    await page.getByRole('textbox', { name: 'タグ' }).fill('kintone');
    await page.getByRole('textbox', { name: 'タグ' }).press('Enter');
    await expect(page.getByRole('list', { name: '追加したタグ' })).toContainText('kintone');
    expect(await seriousViolations(page)).toEqual([]);

    await page.getByRole('button', { name: '登録する' }).click();
    await expect(page).toHaveURL(/\/reforms\/\d+$/);
    await expect(page.getByRole('heading', { level: 1, name: REFORM_TITLE })).toBeVisible();
    await expect(page.getByTestId('reform-announcement')).toHaveText(`自主改革の取組「${REFORM_TITLE}」を登録しました。`);
    await expect(page.getByTestId('reform-period')).toHaveText(PERIOD_DISPLAY);

    // The ward's page, in 令和7年度: the reform with the period as read and as written.
    await page.getByRole('link', { name: BUREAU, exact: true }).click();
    await expect(page.getByRole('heading', { level: 1, name: BUREAU })).toBeVisible();
    await page.getByRole('combobox', { name: '年度' }).selectOption('2025');
    await expect(page).toHaveURL(/fiscal_year=2025/);
    const reformRow = page.getByTestId('bureau-reforms').getByRole('row', { name: REFORM_TITLE });
    await expect(reformRow).toContainText(PERIOD_DISPLAY);
    await expect(reformRow).toContainText(PERIOD);

    // The milestone of the issue, in its quarter, marked done.
    const milestone = page.getByTestId(`milestone-${milestoneId}`);
    await expect(milestone).toContainText(MILESTONE_TITLE);
    const state = milestone.locator('.bp-state').first();
    await expect(state).toHaveText('予定');
    await milestone.getByRole('button', { name: `「${MILESTONE_TITLE}」を完了にする` }).click();
    await expect(page.getByTestId('bureau-announcement')).toHaveText(`「${MILESTONE_TITLE}」を完了にしました。`);
    await expect(state).toHaveText('完了');
    await expect(milestone.getByRole('button', { name: /完了にする/ })).toHaveCount(0);

    // The other milestone slipped: the form asks for the reason before it saves.
    const slipping = page.getByTestId(`milestone-${slippingId}`);
    await slipping.getByRole('button', { name: `「${SLIPPING_TITLE}」を編集` }).click();
    const form = page.getByRole('form', { name: `「${SLIPPING_TITLE}」を編集` });
    await form.getByLabel(/状態/).selectOption({ label: '遅延' });
    await form.getByRole('button', { name: '保存する' }).click();
    await expect(form.getByLabel(/遅延の理由/)).toHaveAttribute('aria-invalid', 'true');
    await form.getByLabel(/遅延の理由/).fill(SLIP_REASON);
    await form.getByRole('button', { name: '保存する' }).click();
    await expect(slipping.locator('.bp-state').first()).toHaveText('遅延');
    await expect(slipping.getByTestId('slip-reason')).toHaveText(`遅延の理由: ${SLIP_REASON}`);
    expect(await seriousViolations(page)).toEqual([]);
  });

  test('the demo viewer reads the ward’s page without any editing control', async ({ page }) => {
    expect(bureauId, 'the ward of beforeAll').toBeGreaterThan(0);
    await signIn(page, DEMO_VIEWER);
    await page.goto(`/bureaus/${bureauId}?fiscal_year=2025`);
    await expect(page.getByRole('heading', { level: 1, name: BUREAU })).toBeVisible();
    const milestone = page.getByTestId(`milestone-${milestoneId}`);
    await expect(milestone).toContainText(MILESTONE_TITLE);
    await expect(milestone.locator('.bp-state').first()).toHaveText('完了');
    await expect(page.getByTestId(`milestone-${slippingId}`).getByTestId('slip-reason')).toHaveText(`遅延の理由: ${SLIP_REASON}`);
    await expect(page.getByRole('table', { name: 'インパクトと緊急度による課題の配置' })).toBeVisible();

    const main = page.getByRole('main');
    // Exporting is reading: the only buttons a viewer gets are the export menus.
    await expect(main.getByRole('button').filter({ hasNotText: 'エクスポート' })).toHaveCount(0);
    await expect(main.getByRole('button', { name: '課題をエクスポート' })).toBeVisible();
    await expect(main.getByRole('link', { name: 'この局・区の取組を登録' })).toHaveCount(0);
    await expect(main.getByRole('textbox')).toHaveCount(0);
    expect(await seriousViolations(page)).toEqual([]);
  });
});
