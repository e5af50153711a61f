import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import { DEMO_ADMIN, signIn } from './fixtures';

// A reporting round end to end: the office drafts and opens a round over a small scope through
// the screens; the section's editor, in another browser, answers three records with changes and
// the fourth 変更なし and submits; the office returns the request with a comment; the editor sees
// the comment, changes the last record and submits again; the office accepts, the round page
// shows the request accepted and the compliance view 100 % answered.

const BUREAU = '照会検証局';
const SECTION = '照会回答課';
const EDITOR = { email: 'rounds-editor@platina.example', password: 'editor-password-123' };
const ROUND = '令和7年度 第3四半期 進捗照会（検証）';
const RETURN_COMMENT = '課題提案の実施状況を基準日時点のものにしてください';

// A server of its own (scripts/e2e.sh): the round asks about every record of its scope, and the
// other specs' records stay out of it; without one, the common server.
const ROUNDS_URL = process.env.PLATINA_E2E_ROUNDS_URL;
test.use(ROUNDS_URL ? { baseURL: ROUNDS_URL } : {});

const ids = { reformA: 0, reformB: 0, system: 0, assignment: 0 };

async function created(request: APIRequestContext, path: string, headers: Record<string, string>, data: unknown): Promise<number> {
  const response = await request.post(path, { headers, data });
  expect(response.status(), await response.text()).toBe(201);
  return ((await response.json()) as { id: number }).id;
}

test.beforeAll(async ({ playwright }, testInfo) => {
  const request = await playwright.request.newContext({ baseURL: ROUNDS_URL ?? testInfo.project.use.baseURL });
  const login = await request.post('/api/v1/auth/login', { data: DEMO_ADMIN });
  expect(login.status(), 'admin sign-in').toBe(200);
  const headers = { Authorization: `Bearer ${((await login.json()) as { access_token: string }).access_token}` };
  const bureauId = await created(request, '/api/v1/bureaus', headers, { name: BUREAU });
  const sectionId = await created(request, '/api/v1/sections', headers, { bureau_id: bureauId, name: SECTION, effective_from: '2019-04-01' });
  await created(request, '/api/v1/users', headers, { ...EDITOR, display_name: '照会回答課 担当', role: 'editor', section_ids: [sectionId] });
  const reform = (title: string, status: string) => ({
    fiscal_year: 2025,
    bureau_id: bureauId,
    section_ids: [sectionId],
    title,
    status,
    period: 'R7.10~',
    effects: [{ kind: 'hours_per_year', value: 120, unit: '時間' }],
  });
  ids.reformA = await created(request, '/api/v1/reforms', headers, reform('窓口予約のオンライン化', 'trial'));
  ids.reformB = await created(request, '/api/v1/reforms', headers, reform('会議資料のペーパーレス化', 'in_progress'));
  ids.system = await created(request, '/api/v1/digital-systems', headers, {
    name: '照会回答課 申請受付アプリ',
    section_id: sectionId,
    platform: 'kintone',
    built_in_house: true,
    status: 'production',
    production_started_on: '2024-10-01',
    annual_hours_saved: 300,
  });
  const proposalId = await created(request, '/api/v1/proposals', headers, {
    fiscal_year: 2025,
    theme: 'ユーザーの困りごと',
    title: '申請の進み具合をオンラインで確かめたい',
  });
  ids.assignment = await created(request, `/api/v1/proposals/${proposalId}/assignments`, headers, { section_id: sectionId });
  await request.dispose();
});

function item(page: Page, kind: string, id: number) {
  return page.getByTestId(`item-${kind}-${id}`);
}

test('the office opens a round, the owner answers and submits, is returned once and accepted', async ({ browser }) => {
  test.setTimeout(90_000);
  const adminPage = await (await browser.newContext()).newPage();
  const editorPage = await (await browser.newContext()).newPage();
  adminPage.on('dialog', (dialog) => void dialog.accept());

  // The office drafts the round over the new bureau and checks the preview before opening it.
  await signIn(adminPage, DEMO_ADMIN);
  await adminPage.goto('/rounds');
  const form = adminPage.getByRole('form', { name: '照会の下書き' });
  await form.getByLabel('件名').fill(ROUND);
  await form.getByLabel('基準日').fill('2025-12-31');
  await form.getByLabel('回答期限').fill('2026-01-16');
  await form.getByRole('checkbox', { name: BUREAU }).check();
  await form.getByRole('button', { name: '下書きを作成' }).click();
  await expect(adminPage.getByRole('heading', { level: 1, name: ROUND })).toBeVisible();
  await expect(adminPage.getByTestId('round-preview-summary')).toHaveText('依頼 1件・記録 4件');
  await expect(adminPage.getByRole('cell', { name: SECTION })).toBeVisible();
  await adminPage.getByRole('button', { name: '開始', exact: true }).click();
  await expect(adminPage.getByTestId('round-state')).toHaveText('照会中');
  const roundUrl = adminPage.url();

  // The editor finds the request in the inbox, counted in the menu.
  await signIn(editorPage, EDITOR);
  await expect(editorPage.getByTestId('inbox-count')).toContainText('1');
  await editorPage.goto('/inbox');
  await editorPage.getByRole('link', { name: ROUND }).click();
  await expect(editorPage.getByTestId('request-progress')).toHaveText('0 / 4 件回答済み');

  // Three records change: a reform's status, another's period (Enter saves), the system's hours.
  const reformA = item(editorPage, 'reform', ids.reformA);
  await reformA.getByRole('button', { name: '変更を入力' }).click();
  await reformA.getByLabel('状況').selectOption({ label: '実施中' });
  await reformA.getByRole('button', { name: '保存して「変更あり」にする' }).click();
  await expect(reformA.getByTestId('item-outcome')).toHaveText('変更あり');

  const reformB = item(editorPage, 'reform', ids.reformB);
  await reformB.getByRole('button', { name: '変更を入力' }).click();
  await reformB.getByLabel('実施（予定）時期').fill('R7.10~R8.3');
  await reformB.getByLabel('実施（予定）時期').press('Enter');
  await expect(reformB.getByTestId('item-outcome')).toHaveText('変更あり');

  const system = item(editorPage, 'digital_system', ids.system);
  await system.getByRole('button', { name: '変更を入力' }).click();
  await system.getByLabel('年間削減時間（時間）').fill('420');
  // Typed input survives a reload until it is saved.
  await editorPage.reload();
  await expect(system.getByLabel('年間削減時間（時間）')).toHaveValue('420');
  await system.getByLabel('年間削減時間（時間）').press('Enter');
  await expect(system.getByTestId('item-outcome')).toHaveText('変更あり');

  // The proposal assignment is unchanged: one click.
  const assignment = item(editorPage, 'proposal_assignment', ids.assignment);
  await assignment.getByRole('button', { name: '変更なし' }).click();
  await expect(assignment.getByTestId('item-outcome')).toHaveText('変更なし');
  await expect(editorPage.getByTestId('request-progress')).toHaveText('4 / 4 件回答済み');
  await editorPage.getByRole('button', { name: '回答する' }).click();
  await expect(editorPage.getByTestId('request-state')).toHaveText('回答済');

  // The office opens the request from the round page and returns it with a comment.
  await adminPage.goto(roundUrl);
  await adminPage.getByTestId('round-requests').getByRole('link', { name: SECTION }).click();
  await adminPage.getByLabel('差戻しのコメント（必須）').fill(RETURN_COMMENT);
  await adminPage.getByRole('button', { name: '差戻し', exact: true }).click();
  await expect(adminPage.getByTestId('request-state')).toHaveText('差戻し');

  // The editor sees the comment, records the proposal's outcome and submits again.
  await editorPage.reload();
  await expect(editorPage.getByTestId('return-comment')).toHaveText(RETURN_COMMENT);
  await assignment.getByRole('button', { name: '変更を入力' }).click();
  await assignment.getByLabel('実施状況').selectOption({ label: '実施予定' });
  await assignment.getByLabel('実施時期').fill('R8.4~');
  await assignment.getByLabel('実施時期').press('Enter');
  await expect(assignment.getByTestId('item-outcome')).toHaveText('変更あり');
  await editorPage.getByRole('button', { name: '回答する' }).click();
  await expect(editorPage.getByTestId('request-state')).toHaveText('回答済');

  // The office accepts; the round shows its one request accepted.
  await adminPage.reload();
  await adminPage.getByRole('button', { name: '受理', exact: true }).click();
  await expect(adminPage.getByTestId('request-state')).toHaveText('受理');
  await adminPage.goto(roundUrl);
  await expect(adminPage.getByTestId('round-counts')).toHaveText(
    '全1件（未回答 0・回答中 0・回答済 0・差戻し 0・受理 1）',
  );
  await expect(adminPage.getByTestId('round-requests').getByRole('cell', { name: '4 / 4' })).toBeVisible();

  // The compliance view counts the one request answered: 100 %, nobody overdue.
  await adminPage.goto(`${roundUrl}/compliance`);
  const totals = adminPage.getByRole('table', { name: '全体の回答状況' });
  const totalsRow = totals.getByRole('row').filter({ has: adminPage.getByRole('rowheader', { name: '全体' }) });
  await expect(totalsRow.getByRole('cell').nth(4)).toHaveText(/^100(\.0)?%$/);
  await expect(totalsRow.getByRole('cell').nth(3)).toHaveText('0');
});
