import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import { DEMO_ADMIN, followNavLink, seriousViolations, signIn } from './fixtures';

// The admin screens of the office's operations, through the real UI, signed in as the demo admin:
// a mail the demo records (送信済みメール), the job runner's counts and a job that failed for real
// (ジョブ), and a webhook endpoint that a receiver started here answers (Webhook).

// A server of its own (scripts/e2e.sh) with a quick job runner; without one, the common server.
const ADMIN_URL = process.env.PLATINA_E2E_ADMIN_URL;
test.use(ADMIN_URL ? { baseURL: ADMIN_URL } : {});

const BUREAU = '運用確認局';
const SECTION = 'メール確認課';
const EDITOR = { email: 'mail-editor@platina.example', password: 'editor-password-123' };
const TITLE = '住民票の写しをコンビニで受け取りたい';

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

/** A webhook receiver on 127.0.0.1: records every request and answers with `status`. */
interface Receiver {
  url: string;
  requests: Received[];
  status: number;
  close: () => Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  const receiver: Receiver = { url: '', requests: [], status: 200, close: async () => undefined };
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      receiver.requests.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
      response.writeHead(receiver.status, { 'Content-Type': 'text/plain' });
      response.end(receiver.status < 300 ? 'ok' : 'broken');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/platina-hook`;
  receiver.close = () => new Promise((resolve) => server.close(() => resolve()));
  return receiver;
}

/** A port on 127.0.0.1 where nothing listens (it was free a moment ago). */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Whether `received` carries a Standard Webhooks signature made with `secret` (whsec_…). */
function signedWith(received: Received, secret: string): boolean {
  const id = String(received.headers['webhook-id']);
  const timestamp = String(received.headers['webhook-timestamp']);
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${received.body}`).digest('base64');
  return String(received.headers['webhook-signature'])
    .split(' ')
    .some((signature) => signature === `v1,${expected}`);
}

async function adminToken(request: APIRequestContext): Promise<string> {
  const response = await request.post('/api/v1/auth/login', { data: DEMO_ADMIN });
  expect(response.status(), 'admin sign-in').toBe(200);
  return ((await response.json()) as { access_token: string }).access_token;
}

let proposalPath = '';

// The section, its editor (who wants assignments by e-mail, the default) and a proposal with no
// section yet: set up over the API, so the spec's time goes to the screens.
test.beforeAll(async ({ playwright }, testInfo) => {
  const request = await playwright.request.newContext({ baseURL: ADMIN_URL ?? testInfo.project.use.baseURL });
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
    data: { ...EDITOR, display_name: 'メール確認課 担当', role: 'editor', section_ids: [sectionId] },
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

/** Reloads `page` until `check` passes: for screens that do not poll. */
async function untilShown(page: Page, check: () => Promise<void>) {
  await expect(async () => {
    await page.reload();
    await check();
  }).toPass({ timeout: 15_000, intervals: [250, 500, 1000] });
}

test('an assignment is mailed and read in 送信済みメール with its Japanese subject and link', async ({ page }) => {
  await signIn(page, DEMO_ADMIN);
  await page.goto(proposalPath);
  await expect(page.getByRole('heading', { level: 1, name: TITLE })).toBeVisible();
  const add = page.getByRole('form', { name: '担当課を追加' });
  await add.getByRole('combobox', { name: /^課/ }).selectOption({ label: SECTION });
  await add.getByRole('button', { name: '担当課を追加する' }).click();
  await expect(page.getByTestId('proposal-announcement')).toHaveText(`${SECTION}を担当課に追加しました。`);

  await followNavLink(page, '管理', '送信済みメール');
  await expect(page.getByRole('heading', { level: 1, name: '送信済みメール' })).toBeVisible();
  const row = page.getByRole('row').filter({ hasText: EDITOR.email });
  await untilShown(page, () => expect(row).toBeVisible({ timeout: 1000 }));
  await expect(row).toContainText('記録のみ');
  await expect(row).toContainText('すぐに');
  expect(await seriousViolations(page)).toEqual([]);

  const subject = row.getByRole('link', { name: /^【Platina】提案の担当課への割当て：/ });
  await expect(subject).toContainText(TITLE);
  await expect(subject).toContainText(`${SECTION}が割り当てられました`);
  await subject.click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(
    new RegExp(`^【Platina】提案の担当課への割当て：.*${TITLE}.*${SECTION}が割り当てられました$`),
  );
  await expect(page.getByTestId('sent-mail-headers')).toContainText(EDITOR.email);
  const body = page.locator('pre.pp-mail-body');
  await expect(body).toContainText('メール確認課 担当 様');
  await expect(body).toContainText(new RegExp(`https?://\\S+${proposalPath}(\\s|$)`));
  expect(await seriousViolations(page)).toEqual([]);
});

test('a webhook receiver hears a signed ping, a failure is logged and redelivered, and a dead job shows its error', async ({
  page,
}) => {
  test.setTimeout(60_000);
  const receiver = await startReceiver();
  const nowhere = `http://127.0.0.1:${await deadPort()}/nobody-listens`;
  try {
    await signIn(page, DEMO_ADMIN);
    await followNavLink(page, '管理', 'Webhook');
    await expect(page.getByRole('heading', { level: 1, name: 'Webhook 送信先' })).toBeVisible();

    // Register: the secret is shown once.
    const register = async (url: string, description: string) => {
      const form = page.getByRole('form', { name: '送信先の登録' });
      await form.getByLabel('送信先 URL').fill(url);
      await form.getByLabel('説明（受信するシステム）').fill(description);
      await form.getByRole('checkbox', { name: /KPI 実績の記録/ }).check();
      await form.getByRole('button', { name: '登録' }).click();
      await expect(page.getByRole('status').filter({ hasText: `送信先 ${url} を登録しました。` })).toBeVisible();
      const secret = (await page.getByTestId('webhook-secret').textContent()) ?? '';
      expect(secret).toMatch(/^whsec_[A-Za-z0-9+/=]+$/);
      await page.getByRole('button', { name: '保存したので閉じる' }).click();
      await expect(page.getByTestId('webhook-secret')).toHaveCount(0);
      return secret;
    };
    const secret = await register(receiver.url, '庁内ポータル（受信テスト）');

    const endpointRow = (url: string) => page.getByRole('row').filter({ hasText: url });
    const log = (url: string) => page.getByRole('region', { name: `${url} の配信履歴` });

    // A test ping arrives, signed with the secret shown, and the log says 200.
    await endpointRow(receiver.url).getByRole('button', { name: 'テスト送信' }).click();
    await expect(log(receiver.url).getByRole('row').filter({ hasText: '200 成功' })).toHaveCount(1);
    expect(receiver.requests).toHaveLength(1);
    const ping = receiver.requests[0];
    expect(String(ping?.headers['webhook-id'])).toMatch(/^msg_ping_/);
    expect(ping && signedWith(ping, secret), 'signed with the secret shown once').toBe(true);
    expect(JSON.parse(ping?.body ?? '{}')).toMatchObject({ type: 'webhook.ping' });

    // The receiver breaks: the next ping is logged as failed with the answer.
    receiver.status = 500;
    await endpointRow(receiver.url).getByRole('button', { name: 'テスト送信' }).click();
    const failed = log(receiver.url).getByRole('row').filter({ hasText: '500 失敗' });
    await expect(failed).toHaveCount(1);
    await expect(failed).toContainText('answered 500');
    const failedId = (await failed.locator('code').textContent()) ?? '';
    expect(failedId).toMatch(/^msg_ping_/);
    expect(failedId).not.toBe(String(ping?.headers['webhook-id']));

    // Mended, it gets the same message again by hand.
    receiver.status = 200;
    await failed.getByRole('button', { name: `${failedId} を再送` }).click();
    await expect(page.getByRole('status').filter({ hasText: `${failedId} の再送を受け付けました。` })).toBeVisible();
    const again = log(receiver.url).getByRole('row').filter({ hasText: failedId });
    await expect(again).toHaveCount(2);
    await expect(again.filter({ hasText: '200 成功' })).toHaveCount(1);
    expect(receiver.requests.filter((r) => r.headers['webhook-id'] === failedId)).toHaveLength(2);
    expect(await seriousViolations(page)).toEqual([]);

    // The secret is not shown again.
    await page.reload();
    await expect(endpointRow(receiver.url)).toBeVisible();
    await expect(page.getByTestId('webhook-secret')).toHaveCount(0);

    // An endpoint where nothing listens: its ping (one attempt) fails for good.
    await register(nowhere, '停止中のシステム');
    await endpointRow(nowhere).getByRole('button', { name: 'テスト送信' }).click();
    await expect(log(nowhere).getByRole('row').filter({ hasText: '応答なし 失敗' })).toContainText('could not connect');

    // ジョブ: the kinds with counts by state, and the dead delivery with its last error.
    await followNavLink(page, '管理', 'ジョブ');
    await expect(page.getByRole('heading', { level: 1, name: 'ジョブ' })).toBeVisible();
    const counts = page.getByRole('table', { name: 'ジョブの種類ごと・状態ごとの件数' });
    await expect(counts.getByRole('rowheader', { name: 'webhook.deliver' })).toBeVisible();
    await expect(counts.getByRole('rowheader', { name: 'mail.send' })).toBeVisible();
    // A ping has one attempt: the one the receiver answered 500 and the one nobody heard are dead;
    // the first ping and the redelivery succeeded.
    await expect(counts.getByRole('link', { name: 'webhook.deliverの失敗のジョブ 2件を表示' })).toBeVisible();
    await expect(counts.getByRole('link', { name: 'webhook.deliverの完了のジョブ 2件を表示' })).toBeVisible();
    await expect(counts.getByRole('link', { name: /^mail\.sendの完了のジョブ \d+件を表示$/ })).toBeVisible();
    const failures = page.getByRole('region', { name: '失敗したジョブ' });
    const lastErrors = failures.getByLabel(/^ジョブ #\d+ の最後のエラー$/);
    await expect(lastErrors).toHaveCount(2);
    await expect(lastErrors.filter({ hasText: 'could not connect' })).toHaveCount(1);
    await expect(lastErrors.filter({ hasText: 'answered 500' })).toHaveCount(1);
    await expect(failures.getByRole('button', { name: /^ジョブ #\d+（webhook\.deliver）を再実行$/ })).toHaveCount(2);
    expect(await seriousViolations(page)).toEqual([]);

    // Filtered to the failed deliveries, the list shows each error in its row.
    await counts.getByRole('link', { name: 'webhook.deliverの失敗のジョブ 2件を表示' }).click();
    await expect(page).toHaveURL(/[?&]state=dead/);
    const list = page.getByRole('region', { name: 'ジョブの一覧' });
    await expect(list.getByRole('row').filter({ hasText: 'could not connect' })).toHaveCount(1);
    await expect(list.getByRole('row').filter({ hasText: 'answered 500' })).toHaveCount(1);
  } finally {
    await receiver.close();
  }
});
