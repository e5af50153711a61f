import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { i18n } from '../../lib/i18n';
import { fakeFetch, json, problem, tokenOut, viewerUser, type Handler } from '../../test/http';
import { editorUser } from '../../test/fixtures/ledger';
import type { ImportJobOut } from './api';
import { renderImports } from './renderImports';
import { WRITING_ID, importColumns, importJob, importPhase, importRow, rejectedDryRun, writingJob } from './testData';

interface Posted {
  kind: string | null;
  dryRun: string | null;
  contentType: string | null;
  body: string;
}

/**
 * The import endpoints: `post` answers each POST (202 with a job), `poll` each GET of the job.
 * Every POST is recorded with its query, Content-Type and multipart body.
 */
function importServer({
  user = tokenOut('token-1'),
  post,
  poll = () => json(importJob()),
  routes = {},
}: {
  user?: ReturnType<typeof tokenOut>;
  post: (posted: Posted, index: number) => Response;
  poll?: Handler;
  /** More endpoints, such as the poll of a second job. */
  routes?: Record<string, Handler>;
}) {
  const posted: Posted[] = [];
  const polled: string[] = [];
  const fake = fakeFetch({
    'POST /api/v1/auth/refresh': () => json(user),
    'GET /api/v1/imports/columns': () => json(importColumns()),
    'POST /api/v1/imports': async (request) => {
      const query = new URL(request.url).searchParams;
      const entry = {
        kind: query.get('kind'),
        dryRun: query.get('dry_run'),
        contentType: request.headers.get('Content-Type'),
        body: await request.text(),
      };
      posted.push(entry);
      return post(entry, posted.length - 1);
    },
    'GET /api/v1/imports/0b9d6c1e-6a7e-4c41-9d55-2f0c5e1d7a10': (request) => {
      polled.push(new URL(request.url).pathname);
      return poll(request);
    },
    ...routes,
  });
  return { ...fake, posted, polled };
}

function accepted(job: ImportJobOut): Response {
  return json(job, 202, { Location: `/api/v1/imports/${job.id}` });
}

// The fetch under test is Node's, but FormData and File are jsdom's, and Node sends a jsdom File as
// "undefined". So the page builds its form with Node's FormData here (as a browser uses its own),
// and the files come out of a form Node parsed.
let nodeFormData: typeof FormData;
beforeAll(async () => {
  nodeFormData = (await new Response(new URLSearchParams()).formData()).constructor as typeof FormData;
});
beforeEach(() => {
  vi.stubGlobal('FormData', nodeFormData);
});
afterEach(() => {
  vi.unstubAllGlobals();
});

async function nativeFile(name: string, type: string, text: string): Promise<File> {
  const boundary = 'platina-test-boundary';
  const body = [
    `--${boundary}`,
    `Content-Disposition: form-data; name="file"; filename="${name}"`,
    `Content-Type: ${type}`,
    '',
    text,
    `--${boundary}--`,
    '',
  ].join('\r\n');
  const form = await new Response(body, {
    headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}` },
  }).formData();
  return form.get('file') as File;
}

function csv(name = '自主改革.csv'): Promise<File> {
  return nativeFile(name, 'text/csv', '年度,No.,取組名\n2025,12,窓口予約のオンライン化');
}

async function chooseFileAndCheck(user: ReturnType<typeof userEvent.setup>, file?: File) {
  await user.upload(await screen.findByLabelText('ファイル'), file ?? (await csv()));
  await user.click(screen.getByRole('button', { name: '確認する（ドライラン）' }));
}

describe('the import screen', () => {
  it('lists the columns the server publishes for the chosen kind', async () => {
    const { fetch } = importServer({ post: () => accepted(importJob()) });
    renderImports(fetch);
    const user = userEvent.setup();

    const columns = (await screen.findByText('自主改革で取り込める列')).closest('details')!;
    await waitFor(() => expect(within(columns).getAllByRole('listitem')).toHaveLength(6));
    expect(within(columns).getAllByRole('listitem').map((item) => item.textContent)).toEqual([
      'ID / id',
      '年度 / fiscal_year',
      'No. / report_number',
      '局・区 / bureau',
      '取組名 / title',
      '注目 / featured',
    ]);
    await user.click(screen.getByRole('radio', { name: 'システム台帳' }));
    expect(within(screen.getByText(/で取り込める列/).closest('details')!).getAllByRole('listitem').map((item) => item.textContent)).toEqual([
      'システム名 / name',
      '所管課 / section',
    ]);
  });

  it('checks the file with a dry run, marks the rejected row as an error and will not import it', async () => {
    const { fetch, posted } = importServer({ post: () => accepted(rejectedDryRun()) });
    renderImports(fetch);
    const user = userEvent.setup();

    expect(await screen.findByRole('radio', { name: '自主改革' })).toBeChecked();
    expect(screen.getByText(/kintone や Excel が書き出す Shift_JIS/)).toBeInTheDocument();
    await chooseFileAndCheck(user);

    const preview = await screen.findByTestId('import-preview');
    expect(posted).toHaveLength(1);
    expect(posted[0]!.kind).toBe('reforms');
    expect(posted[0]!.dryRun).toBe('true');
    expect(posted[0]!.contentType).toMatch(/^multipart\/form-data; boundary=/);
    expect(posted[0]!.body).toContain('name="file"; filename="自主改革.csv"');
    expect(posted[0]!.body).toContain('2025,12,窓口予約のオンライン化');

    expect(within(preview).getByTestId('import-format')).toHaveTextContent('CSV');
    expect(within(preview).getByTestId('import-encoding')).toHaveTextContent('Shift_JIS');
    const mapping = within(preview).getByRole('table', { name: 'ファイルの列と取り込み先の項目の対応' });
    expect(within(mapping).getByRole('rowheader', { name: 'No.' }).closest('tr')).toHaveTextContent('No.No.');
    expect(within(mapping).getByRole('rowheader', { name: '担当者メモ' }).closest('tr')).toHaveTextContent(
      '担当者メモ取り込まない列',
    );
    expect(within(preview).getByTestId('import-summary')).toHaveTextContent('新規1件更新1件変更なし0件エラー1件');

    const table = within(preview).getByRole('table', { name: '行ごとの結果（エラーの行を先に表示）' });
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows.map((row) => within(row).getByRole('rowheader').textContent)).toEqual(['3', '2', '4']);
    expect(rows[0]).toHaveClass('im-row--rejected');
    expect(within(rows[0]!).getAllByRole('cell').map((cell) => cell.textContent)).toEqual([
      '—',
      '公用車の予約システム',
      'エラー',
      '列「年度」: 値が正しくありません。',
    ]);
    expect(rows[1]).not.toHaveClass('im-row--rejected');
    expect(within(rows[2]!).getByRole('link', { name: '押印の廃止' })).toHaveAttribute('href', '/reforms/14');

    await user.click(within(preview).getByRole('checkbox', { name: 'エラーのみ表示' }));
    const errorsOnly = within(preview).getByRole('table', { name: '行ごとの結果（エラーの行のみ）' });
    expect(within(errorsOnly).getAllByRole('row')).toHaveLength(2);

    const confirm = screen.getByRole('button', { name: '取り込む' });
    expect(confirm).toBeDisabled();
    expect(screen.getByTestId('import-confirm-note')).toHaveTextContent(
      'エラーの行が 1件あるため、取り込めません。エラーを直したファイルを選び直してください。',
    );
    expect(posted.every((entry) => entry.dryRun === 'true')).toBe(true);
  });

  it('checks a newly chosen file again at once, and offers to import it once it has no errors', async () => {
    const { fetch, posted } = importServer({
      post: (_, index) => accepted(index === 0 ? rejectedDryRun() : importJob({ file_name: '自主改革_修正.csv' })),
    });
    renderImports(fetch);
    const user = userEvent.setup();

    await chooseFileAndCheck(user);
    await waitFor(() => expect(screen.getByRole('button', { name: '取り込む' })).toBeDisabled());

    await user.upload(screen.getByLabelText('ファイル'), await csv('自主改革_修正.csv'));
    await waitFor(() => expect(screen.getByTestId('import-file-name')).toHaveTextContent('自主改革_修正.csv'));
    expect(posted).toHaveLength(2);
    expect(posted[1]!.dryRun).toBe('true');
    expect(posted[1]!.body).toContain('filename="自主改革_修正.csv"');
    expect(screen.getByRole('button', { name: '取り込む' })).toBeEnabled();
    expect(screen.getByTestId('import-confirm-note')).toHaveTextContent('エラーはありません。');
  });

  it('imports the checked file and links to the records it created and updated', async () => {
    const systems = {
      kind: 'digital_systems' as const,
      file_name: 'システム台帳.xlsx',
      format: 'xlsx' as const,
      encoding: null,
      columns: [{ header: 'システム名', field: 'name' }],
    };
    const done = importJob({
      ...systems,
      dry_run: false,
      rows: [
        importRow({ key: null, outcome: 'created', record_id: 31, title: '庁内会議室予約' }),
        importRow({ row: 3, key: 'ID 4', outcome: 'updated', record_id: 4, title: '議事録作成支援AI' }),
      ],
    });
    const { fetch, posted, polled } = importServer({
      post: ({ dryRun }) =>
        accepted(
          dryRun === 'true'
            ? importJob(systems)
            : { ...done, state: 'running', processed_rows: 0, summary: { created: 0, updated: 0, unchanged: 0, rejected: 0 }, rows: [] },
        ),
      poll: () => json(done),
    });
    renderImports(fetch);
    const user = userEvent.setup();

    await user.click(await screen.findByRole('radio', { name: 'システム台帳' }));
    await chooseFileAndCheck(
      user,
      await nativeFile('システム台帳.xlsx', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 'PK'),
    );
    const preview = await screen.findByTestId('import-preview');
    expect(within(preview).getByTestId('import-format')).toHaveTextContent('Excel（.xlsx）');
    expect(within(preview).queryByTestId('import-encoding')).not.toBeInTheDocument();
    expect(within(preview).getByRole('rowheader', { name: 'システム名' }).closest('tr')).toHaveTextContent(
      'システム名システム名',
    );
    expect(screen.getByTestId('import-check-status')).toHaveTextContent(
      '確認が終わりました。新規 1件、更新 1件、変更なし 0件、エラー 0件です。',
    );

    await user.click(screen.getByRole('button', { name: '取り込む' }));

    const result = await screen.findByTestId('import-result', {}, { timeout: 3000 });
    expect(posted.map((entry) => [entry.kind, entry.dryRun])).toEqual([
      ['digital_systems', 'true'],
      ['digital_systems', 'false'],
    ]);
    expect(posted[1]!.body).toContain('filename="システム台帳.xlsx"');
    expect(polled.length).toBeGreaterThan(0);
    expect(within(result).getByRole('heading', { name: '取り込みの結果' })).toHaveFocus();
    expect(result).toHaveTextContent('取り込みました。新規 1件、更新 1件、変更なし 0件です。');
    expect(within(result).getByRole('link', { name: '庁内会議室予約' })).toHaveAttribute('href', '/digital-systems/31');
    expect(within(result).getByRole('link', { name: '議事録作成支援AI' })).toHaveAttribute('href', '/digital-systems/4');
    expect(screen.queryByRole('button', { name: '取り込む' })).not.toBeInTheDocument();
  });

  it('shows the message and the rows when the real import is rejected', async () => {
    const { fetch } = importServer({
      post: ({ dryRun }) =>
        accepted(
          dryRun === 'true'
            ? importJob()
            : rejectedDryRun({ dry_run: false, state: 'rejected', message: '1 row was rejected; nothing was changed' }),
        ),
    });
    renderImports(fetch);
    const user = userEvent.setup();

    await chooseFileAndCheck(user);
    await user.click(await screen.findByRole('button', { name: '取り込む' }));

    const result = await screen.findByTestId('import-result');
    expect(result).toHaveTextContent('取り込みを中止しました。エラーの行があったため、データは何も変更していません。');
    expect(result).toHaveTextContent('サーバーからのメッセージ: 1 row was rejected; nothing was changed');
    const table = within(result).getByRole('table', { name: '行ごとの結果（エラーの行を先に表示）' });
    expect(within(table).getAllByRole('row')[1]).toHaveClass('im-row--rejected');
  });

  it('says the import was interrupted when the server stopped before it finished, in Japanese and English', async () => {
    const message =
      'サーバーが停止したため、取り込みを中断しました。何も変更していません。もう一度取り込んでください。 / The import was interrupted because the server stopped; nothing was changed. Please run it again.';
    const interrupted = importJob({
      dry_run: false,
      state: 'interrupted',
      processed_rows: 1,
      summary: { created: 0, updated: 0, unchanged: 0, rejected: 0 },
      rows: [],
      message,
    });
    const { fetch } = importServer({
      post: ({ dryRun }) =>
        accepted(dryRun === 'true' ? importJob() : { ...interrupted, state: 'running', message: null, finished_at: null }),
      poll: () => json(interrupted),
    });
    renderImports(fetch);
    const user = userEvent.setup();

    await chooseFileAndCheck(user);
    await user.click(await screen.findByRole('button', { name: '取り込む' }));

    const result = await screen.findByTestId('import-result', {}, { timeout: 3000 });
    expect(result).toHaveTextContent(
      'サーバーが停止したため、取り込みを中断しました。データは何も変更していません。もう一度取り込んでください。',
    );
    expect(result).not.toHaveTextContent('取り込みに失敗しました');
    expect(result).toHaveTextContent(`サーバーからのメッセージ: ${message}`);

    await i18n.changeLanguage('en');
    await waitFor(() =>
      expect(result).toHaveTextContent(
        'The import was interrupted because the server stopped. No data was changed. Please import the file again.',
      ),
    );
  });

  it('says the check was interrupted when the server stopped during the dry run', async () => {
    const { fetch } = importServer({
      post: () => accepted(importJob({ state: 'running', processed_rows: 0, rows: [], finished_at: null })),
      poll: () => json(importJob({ state: 'interrupted', rows: [], message: 'interrupted' })),
    });
    renderImports(fetch);
    const user = userEvent.setup();

    await chooseFileAndCheck(user);

    const notice = await screen.findByText(
      'サーバーが停止したため、確認を中断しました。データは何も変更していません。もう一度確認してください。',
      {},
      { timeout: 3000 },
    );
    expect(notice.closest('[role="alert"]')).not.toBeNull();
    expect(screen.queryByText('確認の途中でエラーが発生しました。データは何も変更していません。')).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: '取り込む' })).not.toBeInTheDocument();
  });

  it('shows a progress bar with the rows processed while the check runs', async () => {
    let polls = 0;
    const running = (processed: number) =>
      importJob({ state: 'running', total_rows: 1200, processed_rows: processed, rows: [], finished_at: null });
    const { fetch } = importServer({
      post: () => accepted(running(400)),
      poll: () => {
        polls += 1;
        return json(polls === 1 ? running(700) : importJob({ total_rows: 1200, processed_rows: 1200 }));
      },
    });
    renderImports(fetch);
    const user = userEvent.setup();

    await chooseFileAndCheck(user);

    const bar = await screen.findByRole('progressbar', { name: '確認の進み具合' });
    expect(bar).toHaveAttribute('max', '1200');
    expect(bar).toHaveAttribute('value', '400');
    const status = bar.closest('[role="status"]');
    expect(status).toHaveAttribute('aria-live', 'polite');
    expect(status).toHaveTextContent('1,200行中 400行を処理しました');
    expect(screen.getByRole('button', { name: '確認しています…' })).toBeDisabled();

    await waitFor(() => expect(status).toHaveTextContent('1,200行中 700行を処理しました'), { timeout: 3000 });
    expect(screen.getByRole('progressbar', { name: '確認の進み具合' })).toHaveAttribute('value', '700');

    await screen.findByTestId('import-preview', {}, { timeout: 3000 });
    expect(screen.queryByRole('progressbar')).not.toBeInTheDocument();
    expect(polls).toBe(2);
  });

  it('shows each phase of a running import in order with its own bar, rows done and time left, and the overall bar short of 100 % while writing', async () => {
    let finished = false;
    const done = importJob({ id: WRITING_ID, dry_run: false, total_rows: 1200, processed_rows: 1200 });
    const { fetch } = importServer({
      post: ({ dryRun }) => accepted(dryRun === 'true' ? importJob() : writingJob()),
      routes: { [`GET /api/v1/imports/${WRITING_ID}`]: () => json(finished ? done : writingJob()) },
    });
    renderImports(fetch);
    const user = userEvent.setup();

    await chooseFileAndCheck(user);
    await user.click(await screen.findByRole('button', { name: '取り込む' }));

    const phases = await screen.findByTestId('import-phases');
    const names = within(phases)
      .getAllByRole('progressbar')
      .map((bar) => bar.getAttribute('aria-labelledby'))
      .map((id) => document.getElementById(id ?? '')?.textContent);
    expect(names).toEqual(['読み込み', '確認', '書き込み', '集計・索引の更新']);

    const writing = within(phases).getByRole('progressbar', { name: '書き込み' });
    expect(writing).toHaveAttribute('aria-valuenow', '600');
    expect(writing).toHaveAttribute('aria-valuemax', '1200');
    expect(writing.closest('li')).toHaveTextContent('1,200行中 600行（残り約3分）');
    expect(within(phases).getByRole('progressbar', { name: '確認' }).closest('li')).toHaveTextContent(
      '1,200行中 900行（残り約40秒）',
    );
    expect(within(phases).getByRole('progressbar', { name: '読み込み' }).closest('li')).toHaveTextContent('完了');
    const indexing = within(phases).getByRole('progressbar', { name: '集計・索引の更新' });
    expect(indexing).toHaveAttribute('aria-valuenow', '0');
    expect(indexing.closest('li')).toHaveTextContent('待機中');

    const overall = screen.getByRole('progressbar', { name: '取り込みの進み具合' });
    expect(overall).toHaveAttribute('max', '100');
    expect(Number(overall.getAttribute('value'))).toBeLessThan(100);
    expect(Number(overall.getAttribute('value'))).toBeGreaterThan(0);

    finished = true;
    await screen.findByTestId('import-result', {}, { timeout: 3000 });
    expect(screen.queryByRole('progressbar', { name: '取り込みの進み具合' })).not.toBeInTheDocument();
  });

  it('names the phases and the time left in English when English is chosen', async () => {
    await i18n.changeLanguage('en');
    const { fetch } = importServer({
      post: ({ dryRun }) => accepted(dryRun === 'true' ? importJob() : writingJob()),
      routes: { [`GET /api/v1/imports/${WRITING_ID}`]: () => json(writingJob()) },
    });
    renderImports(fetch);
    const user = userEvent.setup();

    await user.upload(await screen.findByLabelText('File'), await csv());
    await user.click(screen.getByRole('button', { name: 'Check (dry run)' }));
    await user.click(await screen.findByRole('button', { name: 'Import' }));

    const writing = await screen.findByRole('progressbar', { name: 'Writing' });
    expect(writing.closest('li')).toHaveTextContent('600 of 1,200 rows（about 3 min left）');
    expect(screen.getByRole('progressbar', { name: 'Updating tallies and indexes' }).closest('li')).toHaveTextContent(
      'Waiting',
    );
  });

  it('shows a finished dry run’s reading and checking as done, and no writing, which a dry run never does', async () => {
    const checked = importJob({
      phases: [
        importPhase('reading', { done: 2, total: 2, started_at: '2025-11-21T01:00:00Z', finished_at: '2025-11-21T01:00:00Z' }),
        importPhase('checking', { done: 2, total: 2, started_at: '2025-11-21T01:00:00Z', finished_at: '2025-11-21T01:00:01Z' }),
        importPhase('writing', { total: 2 }),
        importPhase('indexing', { total: 2 }),
      ],
    });
    const { fetch } = importServer({ post: () => accepted(checked), poll: () => json(checked) });
    renderImports(fetch);
    const user = userEvent.setup();

    await chooseFileAndCheck(user);

    const preview = await screen.findByTestId('import-preview');
    const phases = within(preview).getByTestId('import-phases');
    const checking = within(phases).getByRole('progressbar', { name: '確認' });
    expect(checking).toHaveAttribute('aria-valuenow', '2');
    expect(checking.closest('li')).toHaveTextContent('2行中 2行（完了）');
    expect(within(phases).queryByRole('progressbar', { name: '書き込み' })).not.toBeInTheDocument();
  });

  it('says when a large file’s rows are listed only in part, while the counts cover every row', async () => {
    const large = rejectedDryRun({
      total_rows: 5000,
      processed_rows: 5000,
      summary: { created: 4998, updated: 1, unchanged: 0, rejected: 1 },
    });
    const { fetch } = importServer({ post: () => accepted(large), poll: () => json(large) });
    renderImports(fetch);
    const user = userEvent.setup();

    await chooseFileAndCheck(user);

    expect(await screen.findByTestId('import-rows-limited')).toHaveTextContent(
      '5,000行のうち 3行を表示しています（最初の1,000行と、エラーの行）。',
    );
    expect(screen.getByTestId('import-summary')).toHaveTextContent('4,998件');
  });

  it('shows why the server could not read the file, next to the file and by column', async () => {
    const { fetch } = importServer({
      post: () =>
        problem(422, 'validation_failed', 'Validation failed', {
          detail: '必須の列「取組名」がありません。',
          errors: [
            { pointer: '/columns/取組名', code: 'required', message: 'required column is missing' },
            { pointer: '/file', code: 'invalid_value', message: 'no header row' },
          ],
        }),
    });
    renderImports(fetch);
    const user = userEvent.setup();

    await chooseFileAndCheck(user);

    const alert = await screen.findByRole('alert');
    await waitFor(() => expect(alert).toHaveTextContent('ファイルを読み取れませんでした。'));
    expect(alert).toHaveTextContent('必須の列「取組名」がありません。');
    expect(alert).toHaveTextContent('列「取組名」: 必須の列がありません。');
    const input = screen.getByLabelText('ファイル');
    expect(input).toHaveAttribute('aria-invalid', 'true');
    expect(input).toHaveAccessibleDescription(expect.stringContaining('値が正しくありません。'));
    expect(screen.queryByTestId('import-preview')).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: '取り込む' })).not.toBeInTheDocument();
  });

  it('speaks English when English is chosen, with the server’s own row messages', async () => {
    await i18n.changeLanguage('en');
    const { fetch } = importServer({ post: () => accepted(rejectedDryRun()) });
    renderImports(fetch);
    const user = userEvent.setup();

    expect(await screen.findByRole('radio', { name: 'Self-initiated reforms' })).toBeChecked();
    await user.upload(screen.getByLabelText('File'), await csv());
    await user.click(screen.getByRole('button', { name: 'Check (dry run)' }));

    const table = await screen.findByRole('table', { name: 'Result by row (rows with errors first)' });
    const rejected = within(table).getAllByRole('row')[1]!;
    expect(within(rejected).getAllByRole('cell').map((cell) => cell.textContent)).toEqual([
      '—',
      '公用車の予約システム',
      'Error',
      'Column “年度”: not a fiscal year',
    ]);
    expect(screen.getByRole('table', { name: 'Columns of the file and the fields they are imported into' })).toHaveTextContent(
      'No.report_number',
    );
    expect(screen.getByRole('button', { name: 'Import' })).toBeDisabled();
    expect(screen.getByTestId('import-confirm-note')).toHaveTextContent('choose the corrected file again');
  });

  it('asks for a file before checking, without calling the server', async () => {
    const { fetch, posted } = importServer({ post: () => accepted(importJob()) });
    renderImports(fetch);
    const user = userEvent.setup();

    await user.click(await screen.findByRole('button', { name: '確認する（ドライラン）' }));
    expect(screen.getByLabelText('ファイル')).toHaveAccessibleDescription(
      expect.stringContaining('取り込むファイルを選んでください。'),
    );
    expect(posted).toHaveLength(0);
  });

  it('lets an editor import and tells a viewer that only administrators and editors can', async () => {
    const editor = importServer({ user: tokenOut('token-3', editorUser), post: () => accepted(importJob()) });
    const { unmount } = renderImports(editor.fetch);
    expect(await screen.findByRole('button', { name: '確認する（ドライラン）' })).toBeInTheDocument();
    unmount();

    const viewer = importServer({ user: tokenOut('token-4', viewerUser), post: () => accepted(importJob()) });
    renderImports(viewer.fetch);
    expect(await screen.findByText('データの取り込みは、管理者と編集者だけが行えます。')).toBeInTheDocument();
    expect(screen.queryByLabelText('ファイル')).not.toBeInTheDocument();
  });
});
