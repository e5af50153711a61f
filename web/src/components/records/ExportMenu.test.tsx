import { beforeEach, describe, expect, it, vi } from 'vitest';
import { render, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { AppProviders } from '../../test/providers';
import { createApiClient } from '../../lib/api';
import { fakeFetch, json, problem, tokenOut, type Handler } from '../../test/http';
import { renderApp } from '../../test/renderApp';
import { bureauRoutes, policy, summaryOf } from '../../test/fixtures/bureaus';
import { organizationRoutes, reform } from '../../test/fixtures/reforms';
import { exportSearch, filenameFromDisposition } from '../../lib/download';
import { ExportMenu, type ExportMenuProps } from './ExportMenu';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

function file(body: string, type: string, disposition: string): Response {
  return new Response(body, { status: 200, headers: { 'Content-Type': type, 'Content-Disposition': disposition } });
}

const reformsCsv = () =>
  file('\uFEFFID,取組名\r\n7,区役所窓口のオンライン予約\r\n', 'text/csv; charset=utf-8', `attachment; filename="reforms-20261121.csv"; filename*=UTF-8''${encodeURIComponent('自主改革_20261121.csv')}`);

/** Every download the page starts: what the temporary link pointed at and the name it offered. */
let downloads: { href: string; download: string }[] = [];

beforeEach(() => {
  downloads = [];
  // jsdom has no object URLs; a counter stands in so each file gets its own.
  let next = 0;
  Object.defineProperty(URL, 'createObjectURL', {
    configurable: true,
    writable: true,
    value: vi.fn(() => `blob:http://localhost/file-${++next}`),
  });
  Object.defineProperty(URL, 'revokeObjectURL', { configurable: true, writable: true, value: vi.fn() });
  vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
    downloads.push({ href: this.href, download: this.download });
  });
});

function renderMenu(props: ExportMenuProps, routes: Record<string, Handler>) {
  const server = fakeFetch(routes);
  const api = createApiClient({ baseUrl: 'http://localhost', fetch: server.fetch });
  api.setSession(tokenOut('token-1'));
  render(
    <AppProviders api={api}>
      <ExportMenu {...props} />
    </AppProviders>,
  );
  return server;
}

function exportRoute(path: string, answer: Handler) {
  const urls: URL[] = [];
  const authorizations: (string | null)[] = [];
  const handler: Handler = (request) => {
    urls.push(new URL(request.url));
    authorizations.push(request.headers.get('Authorization'));
    return answer(request);
  };
  return { routes: { [`GET ${path}`]: handler }, urls, authorizations };
}

describe('the export menu', () => {
  it("downloads the list's filtered export with the session's token under the server's Japanese file name", async () => {
    const route = exportRoute('/api/v1/reforms/export', reformsCsv);
    const filters = new URLSearchParams('fiscal_year=2025&tag=kintone&tag=RPA&page=3&per_page=50&sort=-title&status=done');
    renderMenu({ path: '/api/v1/reforms/export', filters }, route.routes);
    const user = userEvent.setup();

    const toggle = screen.getByRole('button', { name: 'エクスポート' });
    expect(toggle).toHaveAttribute('aria-expanded', 'false');
    await user.click(toggle);
    expect(toggle).toHaveAttribute('aria-expanded', 'true');
    const formats = screen.getByRole('list', { name: 'エクスポートの形式' });
    expect(within(formats).getAllByRole('button').map((b) => b.textContent)).toEqual([
      'CSV（Excel用）',
      'Excel（.xlsx）',
      'NDJSON',
    ]);
    await user.click(within(formats).getByRole('button', { name: 'CSV（Excel用）' }));

    await waitFor(() => expect(downloads).toHaveLength(1));
    const url = route.urls[0]!;
    expect(url.pathname).toBe('/api/v1/reforms/export');
    expect([...url.searchParams]).toEqual([
      ['fiscal_year', '2025'],
      ['tag', 'kintone'],
      ['tag', 'RPA'],
      ['status', 'done'],
      ['format', 'csv'],
    ]);
    expect(route.authorizations[0]).toBe('Bearer token-1');

    expect(downloads[0]).toEqual({ href: 'blob:http://localhost/file-1', download: '自主改革_20261121.csv' });
    const saved = vi.mocked(URL.createObjectURL).mock.calls[0]![0] as Blob;
    expect(await saved.text()).toContain('区役所窓口のオンライン予約');
    expect(screen.getByTestId('export-status')).toHaveTextContent('「自主改革_20261121.csv」をダウンロードしました。');
    expect(toggle).toHaveFocus();
    expect(toggle).toHaveAttribute('aria-expanded', 'false');
  });

  it('shows that it is busy until the file has arrived', async () => {
    let answer: (response: Response) => void = () => undefined;
    const route = exportRoute('/api/v1/digital-systems/export', () => new Promise<Response>((resolve) => (answer = resolve)));
    renderMenu({ path: '/api/v1/digital-systems/export' }, route.routes);
    const user = userEvent.setup();

    await user.click(screen.getByRole('button', { name: 'エクスポート' }));
    await user.click(screen.getByRole('button', { name: 'Excel（.xlsx）' }));

    const busy = await screen.findByRole('button', { name: 'エクスポート中…' });
    expect(busy).toHaveAttribute('aria-disabled', 'true');
    expect(screen.getByTestId('export-status')).toHaveTextContent('Excel（.xlsx）のファイルを作成しています…');
    // A second click while busy neither opens the list nor sends another request.
    await user.click(busy);
    expect(busy).toHaveAttribute('aria-expanded', 'false');
    expect(route.urls).toHaveLength(1);
    expect(route.urls[0]!.searchParams.get('format')).toBe('xlsx');

    answer(file('PK', XLSX, 'attachment; filename="digital-systems-20261121.xlsx"'));
    expect(await screen.findByRole('button', { name: 'エクスポート' })).not.toHaveAttribute('aria-disabled');
    // Without filename*, the plain filename is used.
    expect(downloads[0]?.download).toBe('digital-systems-20261121.xlsx');
  });

  it('explains a refused export and saves nothing', async () => {
    const route = exportRoute('/api/v1/proposals/export', () => problem(403, 'forbidden', 'Forbidden'));
    renderMenu({ path: '/api/v1/proposals/export', label: '提案をエクスポート' }, route.routes);
    const user = userEvent.setup();

    await user.click(screen.getByRole('button', { name: '提案をエクスポート' }));
    await user.click(screen.getByRole('button', { name: 'NDJSON' }));

    expect(await screen.findByRole('alert')).toHaveTextContent('エクスポートできませんでした。この操作を行う権限がありません。');
    expect(downloads).toEqual([]);
    expect(screen.getByRole('button', { name: '提案をエクスポート' })).not.toHaveAttribute('aria-disabled');
  });

  it('closes the list of formats with Escape and gives focus back to the button', async () => {
    renderMenu({ path: '/api/v1/reforms/export' }, {});
    const user = userEvent.setup();

    const toggle = screen.getByRole('button', { name: 'エクスポート' });
    await user.click(toggle);
    await user.tab();
    expect(screen.getByRole('button', { name: 'CSV（Excel用）' })).toHaveFocus();
    await user.keyboard('{Escape}');
    expect(screen.queryByRole('list', { name: 'エクスポートの形式' })).not.toBeInTheDocument();
    expect(toggle).toHaveFocus();
  });
});

describe('the export on the list pages', () => {
  it("exports the reform list with the filters on screen, without its page and sort", async () => {
    const route = exportRoute('/api/v1/reforms/export', reformsCsv);
    const { fetch } = fakeFetch({
      'POST /api/v1/auth/refresh': () => json(tokenOut('token-1')),
      ...organizationRoutes,
      'GET /api/v1/reforms': () => json({ items: [reform()], total: 1, page: 2, per_page: 50 }),
      ...route.routes,
    });
    renderApp('/reforms?fiscal_year=2025&status=done&page=2&sort=-title&status_unknown=x', fetch);
    const user = userEvent.setup();

    await user.click(await screen.findByRole('button', { name: 'エクスポート' }));
    await user.click(screen.getByRole('button', { name: 'Excel（.xlsx）' }));

    await waitFor(() => expect(route.urls).toHaveLength(1));
    expect(Object.fromEntries(route.urls[0]!.searchParams)).toEqual({ fiscal_year: '2025', status: 'done', format: 'xlsx' });
    expect(route.authorizations[0]).toBe('Bearer token-1');
  });

  it("exports a bureau's policy issues and KPIs of the year shown", async () => {
    const issues = exportRoute('/api/v1/policy-issues/export', () =>
      file('[]', 'application/x-ndjson', `attachment; filename*=UTF-8''${encodeURIComponent('X方針の課題_八幡西区役所.ndjson')}`),
    );
    const kpis = exportRoute('/api/v1/kpis/export', () =>
      file('[]', 'text/csv; charset=utf-8', `attachment; filename*=UTF-8''${encodeURIComponent('KPI_八幡西区役所.csv')}`),
    );
    const { fetch } = fakeFetch({
      'POST /api/v1/auth/refresh': () => json(tokenOut('token-1')),
      ...bureauRoutes,
      'GET /api/v1/policies': () => json({ items: [summaryOf(policy())], total: 1, page: 1, per_page: 200 }),
      'GET /api/v1/policies/11': () => json(policy()),
      ...issues.routes,
      ...kpis.routes,
    });
    renderApp('/bureaus/5?fiscal_year=2025', fetch);
    const user = userEvent.setup();

    await user.click(await screen.findByRole('button', { name: '課題をエクスポート' }));
    await user.click(screen.getByRole('button', { name: 'NDJSON' }));
    await waitFor(() => expect(downloads.map((d) => d.download)).toEqual(['X方針の課題_八幡西区役所.ndjson']));
    expect(Object.fromEntries(issues.urls[0]!.searchParams)).toEqual({ bureau_id: '5', fiscal_year: '2025', format: 'ndjson' });

    await user.click(screen.getByRole('button', { name: 'KPIをエクスポート' }));
    await user.click(screen.getByRole('button', { name: 'CSV（Excel用）' }));
    await waitFor(() => expect(downloads).toHaveLength(2));
    expect(downloads[1]!.download).toBe('KPI_八幡西区役所.csv');
    expect(Object.fromEntries(kpis.urls[0]!.searchParams)).toEqual({ bureau_id: '5', fiscal_year: '2025', format: 'csv' });
  });
});

describe('reading an export answer', () => {
  it('prefers the UTF-8 filename* and falls back to the plain filename', () => {
    expect(filenameFromDisposition(`attachment; filename="reforms.csv"; filename*=UTF-8''%E8%87%AA%E4%B8%BB%E6%94%B9%E9%9D%A9.csv`)).toBe('自主改革.csv');
    expect(filenameFromDisposition(`attachment; filename*=utf-8'ja'%E6%8F%90%E6%A1%88.xlsx; filename="proposals.xlsx"`)).toBe('提案.xlsx');
    expect(filenameFromDisposition('attachment; filename="kpis-20261121.csv"')).toBe('kpis-20261121.csv');
    expect(filenameFromDisposition('attachment; filename=kpis.csv')).toBe('kpis.csv');
    expect(filenameFromDisposition(`attachment; filename="safe.csv"; filename*=UTF-8''%E8%87`)).toBe('safe.csv');
    expect(filenameFromDisposition('attachment')).toBeNull();
    expect(filenameFromDisposition(null)).toBeNull();
  });

  it('builds the query from the filters, leaving out empty values, paging and sort', () => {
    expect(exportSearch({ fiscal_year: 2025, featured: true, q: '', section_id: undefined, page: 2, per_page: 50, sort: 'title' }, 'xlsx').toString()).toBe(
      'fiscal_year=2025&featured=true&format=xlsx',
    );
    expect(exportSearch(new URLSearchParams('format=ndjson&bureau_id=5'), 'csv').toString()).toBe('bureau_id=5&format=csv');
  });
});
