import { expect, test, type APIRequestContext } from '@playwright/test';
import { DEMO_ADMIN, signIn } from './fixtures';

// An admin assigns a proposal to a section; the editor of that section, signed in in another
// browser, sees the bell's count rise without reloading and follows the notification to the
// proposal. The bell polls every 30 s, so the count rises within a minute.

const BUREAU = '通知検証局';
const SECTION = 'お知らせ確認課';
const EDITOR = { email: 'notify-editor@platina.example', password: 'editor-password-123' };
const TITLE = '転入届の手続きを一度の来庁で終えたい';

async function adminToken(request: APIRequestContext): Promise<string> {
  const response = await request.post('/api/v1/auth/login', { data: DEMO_ADMIN });
  expect(response.status(), 'admin sign-in').toBe(200);
  return ((await response.json()) as { access_token: string }).access_token;
}

let proposalPath = '';

test.beforeAll(async ({ playwright }, testInfo) => {
  const request = await playwright.request.newContext({ baseURL: testInfo.project.use.baseURL });
  const headers = { Authorization: `Bearer ${await adminToken(request)}` };
  const bureau = await request.post('/api/v1/bureaus', { headers, data: { name: BUREAU } });
  expect(bureau.status(), await bureau.text()).toBe(201);
  const bureauId = ((await bureau.json()) as { id: number }).id;
  const section = await request.post('/api/v1/sections', {
    headers,
    data: { bureau_id: bureauId, name: SECTION, effective_from: '2019-04-01' },
  });
  expect(section.status(), await section.text()).toBe(201);
  const sectionId = ((await section.json()) as { id: number }).id;
  const editor = await request.post('/api/v1/users', {
    headers,
    data: { ...EDITOR, display_name: 'お知らせ確認課 担当', role: 'editor', section_ids: [sectionId] },
  });
  expect(editor.status(), await editor.text()).toBe(201);
  const proposal = await request.post('/api/v1/proposals', {
    headers,
    data: { fiscal_year: 2025, theme: 'ユーザーの困りごと', title: TITLE },
  });
  expect(proposal.status(), await proposal.text()).toBe(201);
  proposalPath = `/proposals/${((await proposal.json()) as { id: number }).id}`;
  await request.dispose();
});

test('the editor of the section sees the bell rise and follows it to the assigned proposal', async ({ browser }) => {
  test.setTimeout(120_000);
  const editorContext = await browser.newContext();
  const adminContext = await browser.newContext();
  const editorPage = await editorContext.newPage();
  const adminPage = await adminContext.newPage();

  // The editor starts with nothing unread (the notice of their new account is marked read).
  await signIn(editorPage, EDITOR);
  const bell = editorPage.getByTestId('notification-bell');
  await expect(bell).toBeVisible();
  await bell.click();
  await expect(editorPage.getByRole('heading', { level: 1, name: 'お知らせ' })).toBeVisible();
  await expect(editorPage.getByTestId('notification').first()).toBeVisible();
  await editorPage.getByRole('button', { name: 'すべて既読にする' }).click();
  await expect(bell).toHaveAccessibleName('お知らせ');
  await expect(editorPage.getByTestId('notification-count')).toHaveCount(0);

  // The admin, in another browser, makes the editor's section responsible.
  await signIn(adminPage, DEMO_ADMIN);
  await adminPage.goto(proposalPath);
  await expect(adminPage.getByRole('heading', { level: 1, name: TITLE })).toBeVisible();
  const add = adminPage.getByRole('form', { name: '担当課を追加' });
  await add.getByRole('combobox', { name: /^課/ }).selectOption({ label: SECTION });
  await add.getByRole('button', { name: '担当課を追加する' }).click();
  await expect(adminPage.getByTestId('proposal-announcement')).toHaveText(`${SECTION}を担当課に追加しました。`);

  // Without a reload, the editor's bell counts it within a minute.
  await expect(editorPage.getByTestId('notification-count')).toHaveText('1', { timeout: 60_000 });
  await expect(bell).toHaveAccessibleName('お知らせ（未読 1 件）');

  await bell.click();
  const item = editorPage.getByTestId('notification').filter({ hasText: TITLE }).first();
  await expect(item).toContainText('未読');
  await item.getByRole('link', { name: new RegExp(`${SECTION}が割り当てられました`) }).click();
  await expect(editorPage).toHaveURL(new RegExp(`${proposalPath}$`));
  await expect(editorPage.getByRole('heading', { level: 1, name: TITLE })).toBeVisible();
  // Opening it read it.
  await expect(editorPage.getByTestId('notification-count')).toHaveCount(0);

  await editorContext.close();
  await adminContext.close();
});
