import { expect, test } from '@playwright/test';
import { DEMO_ADMIN, seriousViolations, signIn } from './fixtures';

// Answering a request by Excel through the screens: the office's admin (who answers for any
// request) opens a request of the demo's open round, downloads it as a workbook and uploads the
// same file; the dry run reads every sheet and previews exactly the answers given so far (or
// says that no row answers yet, with 反映する off). Editing the workbook and applying it are
// covered by the API tests (tests/api/round_workbook.rs).

// The demo dataset's server (scripts/e2e.sh starts one): it holds an open round.
const DEMO_URL = process.env.PLATINA_E2E_DEMO_URL;
test.skip(!DEMO_URL, 'needs PLATINA_E2E_DEMO_URL, a server with the demo dataset (scripts/e2e.sh starts one)');
test.use({ baseURL: DEMO_URL });

test('a request downloads as a workbook and the same file uploads to a dry-run preview', async ({ page, request }) => {
  const login = await request.post('/api/v1/auth/login', { data: DEMO_ADMIN });
  expect(login.status()).toBe(200);
  const headers = { Authorization: `Bearer ${((await login.json()) as { access_token: string }).access_token}` };
  const rounds = (await (await request.get('/api/v1/rounds?state=open', { headers })).json()) as { items: { id: number }[] };
  test.skip(rounds.items.length === 0, 'the demo data holds no open round');
  const requests = (await (await request.get(`/api/v1/rounds/${rounds.items[0]!.id}/requests?per_page=200`, { headers })).json()) as {
    items: { id: number; item_count: number; answered_count: number; can_answer: boolean }[];
  };
  const target = requests.items.find((r) => r.item_count > 0 && r.can_answer);
  test.skip(!target, 'no request of the open round waits for an answer');

  await signIn(page, DEMO_ADMIN);
  await page.goto(`/inbox/requests/${target!.id}`);
  const section = page.locator('section.rq-workbook');
  const [download] = await Promise.all([page.waitForEvent('download'), section.getByRole('button', { name: 'Excelでダウンロード' }).click()]);
  expect(download.suggestedFilename()).toBe(`round-request-${target!.id}.xlsx`);
  const file = await download.path();

  await section.getByLabel(/記入したExcelファイル/).setInputFiles(file);
  await section.getByRole('button', { name: 'Excelで回答' }).click();
  const preview = section.getByTestId('workbook-preview');
  await expect(preview).toBeVisible();
  await expect(preview).not.toContainText('反映できません');
  if (target!.answered_count === 0) {
    await expect(preview).toContainText('回答された行がありません');
    await expect(section.getByRole('button', { name: '反映する' })).toBeDisabled();
  } else {
    // The workbook carries the answers given so far: the same file answers them again, as they are.
    await expect(preview).toContainText(`回答する行 ${target!.answered_count} 件`);
    await expect(section.getByRole('button', { name: '反映する' })).toBeEnabled();
  }
  // The section and its preview read as the rest of the page does.
  expect(await seriousViolations(page)).toEqual([]);
});
