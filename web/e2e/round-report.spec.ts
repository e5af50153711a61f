import { expect, test, type APIRequestContext } from '@playwright/test';
import { DEMO_ADMIN, seriousViolations, signIn } from './fixtures';

// A closed round's report never changes: the office closes a round and opens its report; a
// stage change back-dated to before 基準日 is recorded after the close; the frozen report still
// counts the stage of the close while the live view counts the new one and lists the correction.

const BUREAU = '報告検証局';
const SECTION = '報告検証課';
const ROUND = '令和7年度 第3四半期 進捗照会（報告の検証）';
const THEME = 'ユーザーの困りごと';
const AS_OF = '2025-12-31';

// The round spec's server of its own (scripts/e2e.sh), so this spec's proposal stays out of the
// counts the other specs check; without one, the common server.
const ROUNDS_URL = process.env.PLATINA_E2E_ROUNDS_URL;
test.use(ROUNDS_URL ? { baseURL: ROUNDS_URL } : {});

const ids = { round: 0, proposal: 0, assignment: 0 };
let headers: Record<string, string> = {};

async function created(request: APIRequestContext, path: string, data: unknown): Promise<number> {
  const response = await request.post(path, { headers, data });
  expect(response.status(), await response.text()).toBe(201);
  return ((await response.json()) as { id: number }).id;
}

test.beforeAll(async ({ playwright }, testInfo) => {
  const request = await playwright.request.newContext({ baseURL: ROUNDS_URL ?? testInfo.project.use.baseURL });
  const login = await request.post('/api/v1/auth/login', { data: DEMO_ADMIN });
  expect(login.status(), 'admin sign-in').toBe(200);
  headers = { Authorization: `Bearer ${((await login.json()) as { access_token: string }).access_token}` };
  const bureauId = await created(request, '/api/v1/bureaus', { name: BUREAU });
  const sectionId = await created(request, '/api/v1/sections', { bureau_id: bureauId, name: SECTION, effective_from: '2019-04-01' });
  ids.proposal = await created(request, '/api/v1/proposals', { fiscal_year: 2025, theme: THEME, title: '窓口の待ち時間を知りたい' });
  // Presented to the section before 基準日: the report counts it at ①.
  ids.assignment = await created(request, `/api/v1/proposals/${ids.proposal}/assignments`, { section_id: sectionId, effective_on: '2025-12-01' });
  ids.round = await created(request, '/api/v1/rounds', {
    title: ROUND,
    as_of: AS_OF,
    due_on: '2026-01-16',
    record_kinds: ['proposal_assignment'],
    bureau_ids: [bureauId],
  });
  const draft = (await (await request.get(`/api/v1/rounds/${ids.round}`, { headers })).json()) as { version: number };
  const opened = await request.post(`/api/v1/rounds/${ids.round}/open`, { headers: { ...headers, 'If-Match': `"${draft.version}"` } });
  expect(opened.status(), await opened.text()).toBe(200);
  await request.dispose();
});

test('the frozen report keeps the figures of the close while the live view shows the back-dated correction', async ({ page, playwright }, testInfo) => {
  test.setTimeout(90_000);
  page.on('dialog', (dialog) => void dialog.accept());
  await signIn(page, DEMO_ADMIN);

  // The office closes the round and opens its report from the round page.
  await page.goto(`/rounds/${ids.round}`);
  await page.getByRole('button', { name: '締切', exact: true }).click();
  await expect(page.getByTestId('round-state')).toHaveText('締切済');
  await page.getByRole('link', { name: '報告を開く' }).click();
  await expect(page.getByRole('heading', { level: 1, name: ROUND })).toBeVisible();
  await expect(page.getByTestId('report-basis')).toHaveText(/^締切時点（\d{4}-\d{2}-\d{2} \d{2}:\d{2}）の確定値$/);
  const stages = page.getByTestId('report-stages');
  await expect(stages.getByRole('link', { name: `${THEME} ①所管課に提示 1件` })).toBeVisible();
  await expect(stages.getByRole('link', { name: `${THEME} ②PTと所管課で協議 0件` })).toBeVisible();
  expect(await seriousViolations(page)).toEqual([]);

  // Printed, the page is the report alone: no menu, no controls.
  await page.emulateMedia({ media: 'print' });
  await expect(page.getByRole('navigation', { name: 'メインメニュー' })).toBeHidden();
  await expect(page.getByRole('button', { name: '印刷' })).toBeHidden();
  await expect(page.getByRole('radio', { name: '締切時点の確定値' })).toBeHidden();
  await expect(page.getByTestId('report-basis')).toBeVisible();
  await expect(stages).toBeVisible();
  if (process.env.ROUND_REPORT_PRINT_SHOT) await page.screenshot({ path: process.env.ROUND_REPORT_PRINT_SHOT, fullPage: true });
  await page.emulateMedia({ media: 'screen' });
  await expect(page.getByRole('button', { name: '印刷' })).toBeVisible();

  // A back-dated correction, recorded after the close: the section had moved to ② before 基準日.
  const request = await playwright.request.newContext({ baseURL: ROUNDS_URL ?? testInfo.project.use.baseURL });
  const moved = await request.post(`/api/v1/proposals/${ids.proposal}/assignments/${ids.assignment}/transitions`, {
    headers,
    data: { to_stage: 2, effective_on: '2025-12-20' },
  });
  expect(moved.status(), await moved.text()).toBe(201);
  await request.dispose();

  // The frozen report is unchanged.
  await page.reload();
  await expect(stages.getByRole('link', { name: `${THEME} ①所管課に提示 1件` })).toBeVisible();
  await expect(stages.getByRole('link', { name: `${THEME} ②PTと所管課で協議 0件` })).toBeVisible();

  // The live view counts the move and lists it, linked to its proposal.
  // The view lives in the address; the radio shows it once the router has moved there.
  const liveView = page.getByRole('radio', { name: '現在の値と締切後の訂正' });
  await liveView.click();
  await expect(liveView).toBeChecked();
  const corrections = page.getByTestId('report-corrections');
  await expect(corrections.getByRole('heading', { name: '締切後の訂正 1 件' })).toBeVisible();
  await expect(stages.getByRole('link', { name: `${THEME} ②PTと所管課で協議 1件` })).toBeVisible();
  await expect(stages.getByRole('link', { name: `${THEME} ①所管課に提示 0件` })).toBeVisible();
  expect(await seriousViolations(page)).toEqual([]);
  await corrections.getByRole('link', { name: /課題提案の段階 #\d+ を開く/ }).click();
  await expect(page).toHaveURL(new RegExp(`/proposals/${ids.proposal}$`));

  // Back to the frozen report: still the figures of the close.
  await page.goBack();
  const frozenView = page.getByRole('radio', { name: '締切時点の確定値' });
  await frozenView.click();
  await expect(frozenView).toBeChecked();
  await expect(page.getByTestId('report-corrections')).toHaveCount(0);
  await expect(stages.getByRole('link', { name: `${THEME} ②PTと所管課で協議 0件` })).toBeVisible();
});
