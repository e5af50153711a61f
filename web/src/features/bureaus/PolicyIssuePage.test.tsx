import { describe, expect, it } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { fakeFetch, json, tokenOut, viewerUser } from '../../test/http';
import { renderApp } from '../../test/renderApp';
import { bureauEditor } from '../../test/fixtures/reforms';
import type { PolicyIssueOut } from './api';
import { issue, kpi, readOnly, policy } from '../../test/fixtures/bureaus';

describe('the policy issue page', () => {
  it('shows the issue with its plan, KPIs and links, and a way back to the bureau’s year', async () => {
    const { fetch } = fakeFetch({
      'POST /api/v1/auth/refresh': () => json(tokenOut('token-6', bureauEditor)),
      'GET /api/v1/policy-issues/21': () =>
        json(
          issue({
            links: [
              {
                id: 8,
                kind: 'digital_system',
                kind_label: 'システム',
                entity_id: 3,
                title: '子ども受付ルーム予約システム',
                bureau_name: '八幡西区役所',
                direction: 'outgoing',
                origin: 'manual',
                path: '/digital-systems/3',
                can_delete: true,
              },
            ],
          }),
        ),
    });
    renderApp('/policy-issues/21', fetch);

    expect(await screen.findByRole('heading', { level: 1, name: 'A(1) 子育て世帯の手続き負担の軽減' })).toBeInTheDocument();
    expect(screen.getByRole('link', { name: '八幡西区役所（令和7年度）へ戻る' })).toHaveAttribute(
      'href',
      '/bureaus/5?fiscal_year=2025',
    );
    expect(screen.getByRole('heading', { level: 2, name: '四半期ごとの計画' })).toBeInTheDocument();
    expect(screen.getByRole('heading', { level: 2, name: '成果指標（KPI）' })).toBeInTheDocument();
    expect(screen.getByRole('link', { name: '子ども受付ルーム予約システム' })).toHaveAttribute('href', '/digital-systems/3');
    expect(screen.getByRole('button', { name: '「利用者アンケートの実施」を完了にする' })).toBeInTheDocument();
  });

  it('records progress as of a date', async () => {
    const posts: unknown[] = [];
    const { fetch } = fakeFetch({
      'POST /api/v1/auth/refresh': () => json(tokenOut('token-6', bureauEditor)),
      'GET /api/v1/policy-issues/21': () => json(issue()),
      'POST /api/v1/policy-issues/21/progress-notes': async (request) => {
        posts.push(await request.json());
        return json({ id: 62, issue_id: 21, as_of: '2025-12-15', as_of_label: '令和7年12月時点', body: '試行を開始', recorded_at: '2025-12-15T01:00:00Z' }, 201);
      },
    });
    renderApp('/policy-issues/21', fetch);
    const user = userEvent.setup();

    await user.click(await screen.findByRole('button', { name: 'A(1)の進捗を記録' }));
    const form = screen.getByRole('form', { name: '進捗を記録' });
    const asOf = within(form).getByLabelText(/^時点（必須）/);
    await user.clear(asOf);
    await user.type(asOf, '2025-12-15');
    await user.type(within(form).getByLabelText(/^進捗の内容/), '試行を開始');
    await user.click(within(form).getByRole('button', { name: '記録する' }));

    await waitFor(() => expect(screen.getByTestId('bureau-announcement')).toHaveTextContent('進捗（令和7年12月時点）を記録しました。'));
    expect(posts).toEqual([{ as_of: '2025-12-15', as_of_label: null, body: '試行を開始' }]);
    expect(screen.getByRole('button', { name: 'A(1)の進捗を記録' })).toHaveFocus();
  });

  it('offers a viewer no editing control', async () => {
    const readOnlyIssue: PolicyIssueOut = readOnly(policy({ issues: [issue()] })).issues[0]!;
    const { fetch } = fakeFetch({
      'POST /api/v1/auth/refresh': () => json(tokenOut('token-3', viewerUser)),
      'GET /api/v1/policy-issues/21': () => json(readOnlyIssue),
    });
    renderApp('/policy-issues/21', fetch);

    await screen.findByRole('heading', { level: 1, name: 'A(1) 子育て世帯の手続き負担の軽減' });
    expect(within(screen.getByRole('main')).queryAllByRole('button')).toEqual([]);
  });
});

describe('the KPI page', () => {
  it('shows the baseline, every actual and the chart, and adds an actual', async () => {
    let current = kpi();
    const posts: unknown[] = [];
    const { fetch } = fakeFetch({
      'POST /api/v1/auth/refresh': () => json(tokenOut('token-6', bureauEditor)),
      'GET /api/v1/kpis/41': () => json(current),
      'POST /api/v1/kpis/41/actuals': async (request) => {
        posts.push(await request.json());
        current = kpi({
          actuals: [...current.actuals, { id: 52, value: 1100, measured_on: '2025-11-30', note: null }],
          latest_value: 1100,
          latest_on: '2025-11-30',
          change_value: 100,
          change_percent: 10,
        });
        return json(current, 201);
      },
    });
    renderApp('/kpis/41', fetch);
    const user = userEvent.setup();

    expect(await screen.findByRole('heading', { level: 1, name: '子ども受付ルームの利用件数' })).toBeInTheDocument();
    expect(screen.getByRole('link', { name: '課題へ戻る' })).toHaveAttribute('href', '/policy-issues/21');
    expect(screen.getByTestId('kpi-change-41')).toHaveTextContent('+5.7%');
    const actuals = screen.getByRole('table', { name: '「子ども受付ルームの利用件数」の実績（古い順）' });
    expect(within(actuals).getAllByRole('row')).toHaveLength(2);

    await user.click(screen.getByRole('button', { name: '「子ども受付ルームの利用件数」の実績を追加' }));
    const form = screen.getByRole('form', { name: '「子ども受付ルームの利用件数」の実績を追加' });
    await user.type(within(form).getByLabelText(/^実績値（件）/), '1100');
    const measured = within(form).getByLabelText(/^測定日/);
    await user.clear(measured);
    await user.type(measured, '2025-11-30');
    await user.click(within(form).getByRole('button', { name: '追加する' }));

    await waitFor(() => expect(screen.getByTestId('kpi-change-41')).toHaveTextContent('+10.0%'));
    expect(posts).toEqual([{ value: 1100, measured_on: '2025-11-30', note: null }]);
    expect(within(actuals).getAllByRole('row')).toHaveLength(3);
    expect(screen.getByRole('img', { name: /子ども受付ルームの利用件数の基準値と実績/ })).toHaveAccessibleDescription(/実績 1,100件（令和7年11月30日）/);
  });

  it('keeps a KPI at its target within a band and shows the health it is judged to have', async () => {
    let current = kpi();
    const puts: unknown[] = [];
    const { fetch } = fakeFetch({
      'POST /api/v1/auth/refresh': () => json(tokenOut('token-6', bureauEditor)),
      'GET /api/v1/kpis/41': () => json(current),
      'PUT /api/v1/kpis/41': async (request) => {
        puts.push(await request.json());
        current = kpi({ direction: 'keep', direction_label: '維持する', direction_set: true, tolerance: 50, health: 'on_track', health_label: '順調', version: 2 });
        return json(current);
      },
    });
    renderApp('/kpis/41', fetch);
    const user = userEvent.setup();

    expect(await screen.findByTestId('kpi-health-41')).toHaveTextContent('遅延目指す方向: 増やす（基準値と目標値から）');
    await user.click(screen.getByRole('button', { name: '「子ども受付ルームの利用件数」を編集' }));
    const form = screen.getByRole('form', { name: '「子ども受付ルームの利用件数」を編集' });
    expect(within(form).queryByLabelText(/^維持とみなす幅/)).not.toBeInTheDocument();
    await user.selectOptions(within(form).getByLabelText(/^目指す方向/), 'keep');
    await user.type(within(form).getByLabelText(/^維持とみなす幅/), '50');
    await user.click(within(form).getByRole('button', { name: '保存する' }));

    await waitFor(() => expect(screen.getByTestId('kpi-health-41')).toHaveTextContent('順調目指す方向: 維持する'));
    expect(puts).toEqual([expect.objectContaining({ direction: 'keep', tolerance: 50, target_value: 1200 })]);
  });

  it('refuses a value that is not a number before sending it', async () => {
    const { fetch, calls } = fakeFetch({
      'POST /api/v1/auth/refresh': () => json(tokenOut('token-6', bureauEditor)),
      'GET /api/v1/kpis/41': () => json(kpi()),
    });
    renderApp('/kpis/41', fetch);
    const user = userEvent.setup();

    await user.click(await screen.findByRole('button', { name: '「子ども受付ルームの利用件数」の実績を追加' }));
    const form = screen.getByRole('form', { name: '「子ども受付ルームの利用件数」の実績を追加' });
    await user.type(within(form).getByLabelText(/^実績値（件）/), '約千');
    await user.click(within(form).getByRole('button', { name: '追加する' }));

    const value = within(form).getByLabelText(/^実績値（件）/);
    expect(value).toHaveAttribute('aria-invalid', 'true');
    expect(value).toHaveFocus();
    expect(calls.some((c) => c.path.endsWith('/actuals'))).toBe(false);
  });
});
