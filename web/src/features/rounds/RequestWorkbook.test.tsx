import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { fakeFetch, json, problem, tokenOut, type Handler } from '../../test/http';
import { editorUser, organizationRoutes } from '../../test/fixtures/ledger';
import { renderApp } from '../../test/renderApp';
import type { ItemOut, RequestOut } from './api';
import type { WorkbookAnswerOut } from './RequestWorkbook';

const request: RequestOut = {
  id: 41,
  round: { id: 7, title: '令和7年度 第3四半期 進捗照会', as_of: '2025-12-31', due_on: '2026-01-16', state: 'open' },
  owner_kind: 'section',
  owner_id: 21,
  owner_name: 'DX推進課',
  bureau_id: 9,
  bureau_name: 'デジタル市役所推進室',
  state: 'unanswered',
  state_label: '未回答',
  item_count: 1,
  answered_count: 0,
  overdue: false,
  version: 5,
  can_answer: true,
  return_comment: null,
  returned_at: null,
  submitted_at: null,
  accepted_at: null,
};

const reformItem: ItemOut = {
  id: 502,
  record_kind: 'reform',
  record_id: 12,
  title: '窓口予約のオンライン化',
  link: '/reforms/12',
  record_version: 2,
  values: { status: 'trial', period_text: 'R7.10~', effects: [] } as unknown as ItemOut['values'],
  outcome: 'none',
  audit_event_ids: [],
  answered_at: null,
  answered_by: null,
  comment: null,
};

function answerOut(overrides: Partial<WorkbookAnswerOut> = {}): WorkbookAnswerOut {
  return {
    dry_run: true,
    applied: false,
    request,
    rows: [
      {
        sheet: '自主改革取組',
        row: 2,
        item_id: 502,
        record_kind: 'reform',
        record_id: 12,
        title: '窓口予約のオンライン化',
        outcome: 'changed',
        changes: [{ field: 'status', label: '状況', before: '試行中', after: '実施済' }],
      },
    ],
    errors: [],
    notes: [],
    ...overrides,
  };
}

function server(routes: Record<string, Handler>) {
  return fakeFetch({
    'POST /api/v1/auth/refresh': () => json(tokenOut('t', editorUser)),
    'GET /api/v1/me/round-requests': () => json({ items: [request], total: 1, page: 1, per_page: 100 }),
    'GET /api/v1/rounds/7': () => json({ id: 7, state: 'open', can_manage: false, title: request.round.title }),
    'GET /api/v1/round-requests/41': () => json({ request, items: [reformItem] }),
    ...organizationRoutes,
    ...routes,
  });
}

// As in the import screen's tests: the page's form must be Node's FormData for Node's fetch.
let nodeFormData: typeof FormData;
beforeAll(async () => {
  nodeFormData = (await new Response(new URLSearchParams()).formData()).constructor as typeof FormData;
});
beforeEach(() => {
  vi.stubGlobal('FormData', nodeFormData);
});
afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

async function workbookFile(): Promise<File> {
  const boundary = 'platina-test-boundary';
  const body = [
    `--${boundary}`,
    'Content-Disposition: form-data; name="file"; filename="round-request-41.xlsx"',
    'Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    '',
    'PK-not-really',
    `--${boundary}--`,
    '',
  ].join('\r\n');
  const form = await new Response(body, { headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}` } }).formData();
  return form.get('file') as File;
}

describe('answering a request by Excel', () => {
  it('downloads the request as a workbook with the token and the name the server gives it', async () => {
    const downloads: { href: string; download: string }[] = [];
    Object.defineProperty(URL, 'createObjectURL', { configurable: true, writable: true, value: vi.fn(() => 'blob:http://localhost/workbook') });
    Object.defineProperty(URL, 'revokeObjectURL', { configurable: true, writable: true, value: vi.fn() });
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      downloads.push({ href: this.href, download: this.download });
    });
    const { fetch, calls } = server({
      'GET /api/v1/round-requests/41/workbook': () =>
        new Response('PK-workbook', {
          status: 200,
          headers: {
            'Content-Type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
            'Content-Disposition': 'attachment; filename="round-request-41.xlsx"',
          },
        }),
    });
    renderApp('/inbox/requests/41', fetch);
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'Excelでダウンロード' }));

    await waitFor(() => expect(downloads).toEqual([{ href: 'blob:http://localhost/workbook', download: 'round-request-41.xlsx' }]));
    expect(calls.find((c) => c.path === '/api/v1/round-requests/41/workbook')?.authorization).toBe('Bearer t');
    const saved = vi.mocked(URL.createObjectURL).mock.calls[0]![0] as Blob;
    expect(await saved.text()).toBe('PK-workbook');
  });

  it('previews the workbook by a dry run and applies the same file only after 反映する', async () => {
    const posted: string[] = [];
    const { fetch } = server({
      'POST /api/v1/round-requests/41/workbook': (r) => {
        const dryRun = new URL(r.url).searchParams.get('dry_run');
        posted.push(dryRun ?? '');
        return json(dryRun === 'true' ? answerOut() : answerOut({ dry_run: false, applied: true }));
      },
    });
    renderApp('/inbox/requests/41', fetch);
    const user = userEvent.setup();
    const section = (await screen.findByRole('heading', { name: 'Excelで回答' })).closest('section') as HTMLElement;
    expect(within(section).getByRole('button', { name: 'Excelでダウンロード' })).toBeEnabled();
    await user.upload(within(section).getByLabelText(/記入したExcelファイル/), await workbookFile());
    await user.click(within(section).getByRole('button', { name: 'Excelで回答' }));

    const preview = await within(section).findByTestId('workbook-preview');
    expect(within(preview).getByText('状況: 試行中 → 実施済')).toBeInTheDocument();
    expect(within(preview).getByText('自主改革取組 2行目')).toBeInTheDocument();
    expect(posted).toEqual(['true']);

    await user.click(within(section).getByRole('button', { name: '反映する' }));
    await waitFor(() => expect(posted).toEqual(['true', 'false']));
    expect(await screen.findByText('Excelの回答 1 件を反映しました。')).toBeInTheDocument();
  });

  it('names each refused row and offers no 反映する while any row is refused', async () => {
    const { fetch } = server({
      'POST /api/v1/round-requests/41/workbook': () =>
        json(
          answerOut({
            rows: [],
            errors: [{ sheet: '自主改革取組', row: 2, column: '版', code: 'stale', message: 'この記録はダウンロード後に更新されています' }],
          }),
        ),
    });
    renderApp('/inbox/requests/41', fetch);
    const user = userEvent.setup();
    const section = (await screen.findByRole('heading', { name: 'Excelで回答' })).closest('section') as HTMLElement;
    await user.upload(within(section).getByLabelText(/記入したExcelファイル/), await workbookFile());
    await user.click(within(section).getByRole('button', { name: 'Excelで回答' }));

    expect(await within(section).findByText(/自主改革取組 2行目「版」: この記録はダウンロード後に更新されています/)).toBeInTheDocument();
    expect(within(section).getByRole('button', { name: '反映する' })).toBeDisabled();
  });

  it('says in Japanese that a stale workbook was refused whole', async () => {
    const { fetch } = server({
      'POST /api/v1/round-requests/41/workbook': (r) =>
        new URL(r.url).searchParams.get('dry_run') === 'true'
          ? json(answerOut())
          : problem(412, 'precondition_failed', 'Precondition Failed', {
              errors: [{ pointer: '/自主改革取組/2/版', location: 'body', code: 'stale', message: 'stale' }],
            }),
    });
    renderApp('/inbox/requests/41', fetch);
    const user = userEvent.setup();
    const section = (await screen.findByRole('heading', { name: 'Excelで回答' })).closest('section') as HTMLElement;
    await user.upload(within(section).getByLabelText(/記入したExcelファイル/), await workbookFile());
    await user.click(within(section).getByRole('button', { name: 'Excelで回答' }));
    await user.click(await within(section).findByRole('button', { name: '反映する' }));

    expect(await within(section).findByText(/ダウンロード後に更新された記録があります/)).toBeInTheDocument();
    expect(within(section).getByText('/自主改革取組/2/版: stale')).toBeInTheDocument();
  });
});
