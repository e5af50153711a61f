import { describe, expect, it } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { fakeFetch, json, tokenOut, viewerUser, type Handler } from '../../test/http';
import { renderLedger as renderApp } from './renderLedger';
import type { TargetsOut } from './api';
import { costTarget, editorUser, hoursTarget, organizationRoutes, system, targetsOut } from '../../test/fixtures/ledger';

function ledgerServer({
  user = tokenOut('token-1'),
  targets = () => targetsOut(),
  extra = {},
}: { user?: ReturnType<typeof tokenOut>; targets?: () => TargetsOut; extra?: Record<string, Handler> } = {}) {
  const listQueries: URLSearchParams[] = [];
  const fake = fakeFetch({
    'POST /api/v1/auth/refresh': () => json(user),
    ...organizationRoutes,
    'GET /api/v1/targets': () => json(targets()),
    'GET /api/v1/digital-systems': (request) => {
      listQueries.push(new URL(request.url).searchParams);
      return json({
        items: [
          system(),
          system({
            id: 4,
            name: '議事録作成支援AI',
            section_id: 11,
            section_name: '総務企画課',
            bureau_id: 5,
            bureau_name: '八幡西区役所',
            platform: 'ai',
            status: 'trial',
            built_in_house: false,
            annual_hours_saved: null,
            cost_effect_yen: null,
          }),
        ],
        total: 2,
        page: 1,
        per_page: 50,
      });
    },
    ...extra,
  });
  return { ...fake, listQueries };
}

describe('the system ledger', () => {
  it('shows the hours saved against the target as a gauge with the percentage in text', async () => {
    const { fetch } = ledgerServer();
    renderApp('/digital-systems', fetch);

    const gauge = await screen.findByTestId('hours-gauge');
    expect(within(gauge).getByRole('img', { name: '年間削減時間の目標達成率 40.4%' })).toBeInTheDocument();
    expect(within(gauge).getByTestId('hours-percent')).toHaveTextContent('40.4%');
    expect(gauge).toHaveTextContent('40,355時間');
    expect(gauge).toHaveTextContent('100,000時間 （令和8年3月31日まで）');
    expect(within(gauge).getByTestId('gauge-value')).toHaveAttribute('stroke-dasharray', '40.4 100');

    const cost = screen.getByTestId('cost-gauge');
    expect(cost).toHaveTextContent('12億3,456万7,890円');
    expect(cost).toHaveTextContent('100億円');
    expect(cost).toHaveTextContent('12.3%');

    const standing = screen.getByTestId('ledger-standing');
    expect(standing).toHaveTextContent('本運用中のシステム297システム');
    expect(standing).toHaveTextContent('内製化率91.5%（稼働中 307システムのうち内製 281システム）');
  });

  it('works the percentage out itself when the server gives none', async () => {
    const { fetch } = ledgerServer({
      targets: () => targetsOut([hoursTarget({ progress_percent: null, ledger_value: 25_000 }), costTarget()]),
    });
    renderApp('/digital-systems', fetch);
    expect(await screen.findByTestId('hours-percent')).toHaveTextContent('25%');
  });

  it('tabulates the ledger by bureau and by fiscal year with the running total, and the recorded results', async () => {
    const { fetch } = ledgerServer();
    renderApp('/digital-systems', fetch);

    const byBureau = await screen.findByRole('table', { name: '局・区別の本運用システム数と年間削減時間' });
    expect(within(byBureau).getByRole('rowheader', { name: '八幡西区役所' }).closest('tr')).toHaveTextContent(
      '八幡西区役所17715,355時間',
    );
    const byYear = screen.getByRole('table', { name: /年度別の本運用開始システム数/ });
    const r5 = within(byYear).getByRole('rowheader', { name: '令和5年度' }).closest('tr')!;
    expect(within(r5).getAllByRole('cell').map((c) => c.textContent)).toEqual(['147', '20,355時間', '40,355時間']);

    const measurements = screen.getByRole('table', { name: '「年間削減時間 10万時間」の実績の記録（新しい順）' });
    expect(within(measurements).getByRole('rowheader', { name: '令和5年度' }).closest('tr')).toHaveTextContent('40,355時間');
  });

  it('lists the systems with their section, platform, status and figures', async () => {
    const { fetch } = ledgerServer({ user: tokenOut('token-3', editorUser) });
    renderApp('/digital-systems', fetch);

    const table = await screen.findByRole('table', { name: /システム台帳の一覧/ });
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows).toHaveLength(2);
    expect(within(rows[0]!).getByRole('link', { name: '子ども受付ルーム予約システム' })).toHaveAttribute(
      'href',
      '/digital-systems/3',
    );
    expect(within(rows[0]!).getAllByRole('cell').map((c) => c.textContent)).toEqual([
      'DX推進課（デジタル市役所推進室）',
      'kintone',
      '本運用',
      '内製',
      '1,200時間',
      '350万円',
    ]);
    expect(within(rows[1]!).getAllByRole('cell').map((c) => c.textContent)).toEqual([
      '総務企画課（八幡西区役所）',
      'AI',
      '試行',
      '外部委託',
      '—',
      '—',
    ]);
    expect(screen.getByTestId('system-count')).toHaveTextContent('2件中 1～2件目を表示');
    expect(screen.getByRole('link', { name: '新規登録' })).toHaveAttribute('href', '/digital-systems/new');
    // Editors may register systems but not set city-wide targets.
    expect(screen.queryByRole('button', { name: '目標を追加する' })).not.toBeInTheDocument();
  });

  it('asks the server for the filters chosen and keeps them in the address', async () => {
    const { fetch, listQueries } = ledgerServer();
    const { router } = renderApp('/digital-systems', fetch);
    const user = userEvent.setup();

    await screen.findByRole('table', { name: /システム台帳の一覧/ });
    await user.selectOptions(screen.getByLabelText('状態'), '本運用');
    await user.selectOptions(screen.getByLabelText('内製'), '外部委託');
    await user.type(screen.getByLabelText('キーワード'), '予約');
    await user.click(screen.getByRole('button', { name: '検索' }));

    await waitFor(() => expect(listQueries.at(-1)?.get('q')).toBe('予約'));
    const last = listQueries.at(-1)!;
    expect(last.get('status')).toBe('production');
    expect(last.get('built_in_house')).toBe('false');
    expect(router.state.location.search).toContain('status=production');

    await user.click(screen.getByRole('button', { name: /年間削減時間で並べ替え/ }));
    await waitFor(() => expect(listQueries.at(-1)?.get('sort')).toBe('-annual_hours_saved'));
    const systems = screen.getByRole('table', { name: /システム台帳の一覧/ });
    expect(within(systems).getByRole('columnheader', { name: /年間削減時間/ })).toHaveAttribute('aria-sort', 'descending');
    expect(listQueries.at(-1)?.get('status')).toBe('production');
  });

  it('offers no registration or target forms to a viewer', async () => {
    const { fetch } = ledgerServer({
      user: tokenOut('token-4', viewerUser),
      targets: () => targetsOut([hoursTarget({ can_edit: false }), costTarget({ can_edit: false })]),
    });
    renderApp('/digital-systems', fetch);
    await screen.findByTestId('hours-gauge');
    expect(screen.queryByRole('link', { name: '新規登録' })).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: '目標を追加する' })).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: /の実績を記録/ })).not.toBeInTheDocument();
  });

  it('lets an admin record a result of a target and add a target', async () => {
    const posted: { path: string; body: unknown }[] = [];
    let targets = targetsOut();
    const { fetch } = ledgerServer({
      targets: () => targets,
      extra: {
        'POST /api/v1/targets/1/measurements': async (request) => {
          posted.push({ path: '/targets/1/measurements', body: await request.json() });
          const updated = hoursTarget({
            measurements: [
              {
                id: 12,
                value: 52_000,
                measured_on: '2025-03-31',
                fiscal_year: 2024,
                fiscal_year_label: '令和6年度',
                source: null,
                note: null,
              },
              ...hoursTarget().measurements,
            ],
          });
          targets = targetsOut([updated, costTarget()]);
          return json(updated, 201);
        },
        'POST /api/v1/targets': async (request) => {
          posted.push({ path: '/targets', body: await request.json() });
          return json(hoursTarget({ id: 3, code: 'consult', name: '相談件数', metric: 'consultations' }), 201);
        },
      },
    });
    renderApp('/digital-systems', fetch);
    const user = userEvent.setup();

    await user.click(await screen.findByRole('button', { name: '「年間削減時間 10万時間」の実績を記録' }));
    const form = screen.getByRole('form', { name: '「年間削減時間 10万時間」の実績を記録' });
    await user.type(within(form).getByLabelText(/^値（単位: 時間）/), '52,000');
    const date = within(form).getByLabelText(/^測定日/);
    await user.clear(date);
    await user.type(date, '2025-03-31');
    await user.selectOptions(within(form).getByLabelText('年度'), '令和6年度');
    await user.click(within(form).getByRole('button', { name: '記録する' }));

    await waitFor(() => expect(posted).toHaveLength(1));
    expect(posted[0]).toEqual({
      path: '/targets/1/measurements',
      body: { value: 52000, measured_on: '2025-03-31', fiscal_year: 2024, source: null, note: null },
    });
    const table = await screen.findByRole('table', { name: '「年間削減時間 10万時間」の実績の記録（新しい順）' });
    await waitFor(() => expect(within(table).getByRole('rowheader', { name: '令和6年度' })).toBeInTheDocument());

    await user.click(screen.getByRole('button', { name: '目標を追加する' }));
    const add = screen.getByRole('form', { name: '目標を追加' });
    await user.type(within(add).getByLabelText(/^目標の名称/), '相談件数');
    await user.type(within(add).getByLabelText(/^コード/), 'consult');
    await user.selectOptions(within(add).getByLabelText(/^指標/), '相談件数');
    expect(within(add).getByLabelText(/^単位/)).toHaveValue('件');
    await user.type(within(add).getByLabelText('目標'), '500');
    await user.click(within(add).getByRole('button', { name: '追加する' }));

    await waitFor(() => expect(posted).toHaveLength(2));
    expect(posted[1]).toEqual({
      path: '/targets',
      body: {
        code: 'consult',
        name: '相談件数',
        metric: 'consultations',
        unit: '件',
        target_value: 500,
        due_on: null,
        description: null,
      },
    });
    expect(await screen.findByText('目標「相談件数」を追加しました。')).toBeInTheDocument();
  });

  it('passes the dashboard’s in_production_on, production_fiscal_year and bureau through and names them above the list', async () => {
    const { fetch, listQueries } = ledgerServer();
    renderApp('/digital-systems?in_production_on=2026-03-31&production_fiscal_year=2025&bureau_id=9', fetch);

    await screen.findByRole('table', { name: /システム台帳の一覧/ });
    const last = listQueries.at(-1)!;
    expect(last.get('in_production_on')).toBe('2026-03-31');
    expect(last.get('production_fiscal_year')).toBe('2025');
    expect(last.get('bureau_id')).toBe('9');

    const filters = screen.getByTestId('active-filters');
    expect(filters).toHaveTextContent('2026年3月31日 時点で本運用中');
    expect(filters).toHaveTextContent('令和7年度に本運用開始');
    await waitFor(() => expect(filters).toHaveTextContent('局・区: デジタル市役所推進室'));
    expect(screen.getByTestId('system-count')).toHaveTextContent('2件中');
  });
});
