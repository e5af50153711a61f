import { describe, expect, it } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { fakeFetch, json, problem, tokenOut, viewerUser, type Handler } from '../../test/http';
import type { DigitalSystemOut } from './api';
import { organizationRoutes, system, targetsOut } from '../../test/fixtures/ledger';
import { renderLedger } from './renderLedger';

const linked: DigitalSystemOut = system({
  links: [
    {
      id: 51,
      kind: 'reform',
      kind_label: '自主改革',
      note: null,
      entity_id: 5,
      title: '窓口予約の導入',
      bureau_name: 'デジタル市役所推進室',
      direction: 'incoming',
      origin: 'manual',
      path: '/reforms/5',
      can_delete: true,
    },
    {
      id: 52,
      kind: 'kpi',
      kind_label: 'KPI',
      note: '利用件数で効果を測る',
      entity_id: 12,
      title: '子ども受付ルームの利用件数',
      bureau_name: null,
      direction: 'outgoing',
      origin: 'manual',
      path: '/kpis/12',
      can_delete: true,
    },
  ],
});

function detailServer(routes: Record<string, Handler> = {}, user = tokenOut('token-1'), body = () => linked) {
  return fakeFetch({
    'POST /api/v1/auth/refresh': () => json(user),
    ...organizationRoutes,
    'GET /api/v1/digital-systems/3': () => json(body()),
    ...routes,
  });
}

describe('the system detail', () => {
  it('shows every field, the workflow before and after side by side, and the links', async () => {
    const { fetch } = detailServer();
    renderLedger('/digital-systems/3', fetch);

    expect(await screen.findByRole('heading', { level: 1, name: '子ども受付ルーム予約システム' })).toBeInTheDocument();
    const overview = screen.getByTestId('system-overview');
    expect(overview).toHaveTextContent('担当課DX推進課');
    expect(overview).toHaveTextContent('状態本運用');
    expect(overview).toHaveTextContent('本運用開始日2024年10月1日（令和6年10月1日）');
    expect(overview).toHaveTextContent('年間削減時間（時間）1,200時間');
    expect(overview).toHaveTextContent('効果額（円）350万円');

    const workflow = screen.getByRole('region', { name: '業務フローの変化' });
    expect(within(workflow).getByRole('region', { name: '導入前の業務フロー' })).toHaveTextContent('電話で予約を受け');
    expect(within(workflow).getByRole('region', { name: '導入後の業務フロー' })).toHaveTextContent('kintoneで自動集計');

    const links = screen.getByRole('region', { name: '関連する取組' });
    expect(within(links).getByRole('list', { name: 'この取組の元になったもの' })).toHaveTextContent('自主改革 窓口予約の導入（デジタル市役所推進室）');
    expect(within(links).getByRole('list', { name: 'つながる先' })).toHaveTextContent('KPI 子ども受付ルームの利用件数');
    expect(within(links).getByRole('form', { name: '関連を追加' })).toBeInTheDocument();
    expect(screen.getByRole('link', { name: '編集' })).toHaveAttribute('href', '/digital-systems/3/edit');
  });

  it('offers a viewer neither editing, deleting nor linking', async () => {
    const { fetch } = detailServer({}, tokenOut('token-4', viewerUser), () => ({ ...linked, can_edit: false }));
    renderLedger('/digital-systems/3', fetch);
    await screen.findByRole('heading', { level: 1, name: '子ども受付ルーム予約システム' });
    expect(screen.queryByRole('link', { name: '編集' })).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'このシステムを削除' })).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: /関連を削除/ })).not.toBeInTheDocument();
    expect(screen.queryByRole('form', { name: '関連を追加' })).not.toBeInTheDocument();
  });

  it('deletes the system with If-Match after confirming and returns to the ledger', async () => {
    const deletes: (string | null)[] = [];
    const { fetch } = detailServer({
      'DELETE /api/v1/digital-systems/3': (request) => {
        deletes.push(request.headers.get('If-Match'));
        return new Response(null, { status: 204 });
      },
      'GET /api/v1/targets': () => json(targetsOut()),
      'GET /api/v1/digital-systems': () => json({ items: [], total: 0, page: 1, per_page: 50 }),
    });
    const { router } = renderLedger('/digital-systems/3', fetch);
    const user = userEvent.setup();

    await user.click(await screen.findByRole('button', { name: 'このシステムを削除' }));
    expect(deletes).toEqual([]);
    const confirm = screen.getByRole('group', { name: 'システムの削除の確認' });
    expect(confirm).toHaveTextContent('「子ども受付ルーム予約システム」を台帳から削除しますか？');
    await user.click(within(confirm).getByRole('button', { name: '削除する' }));

    await waitFor(() => expect(router.state.location.pathname).toBe('/digital-systems'));
    expect(deletes).toEqual(['"4"']);
    expect(await screen.findByTestId('ledger-announcement')).toHaveTextContent(
      'システム「子ども受付ルーム予約システム」を削除しました。',
    );
  });

  it('does not delete a system someone else changed meanwhile (412)', async () => {
    const { fetch } = detailServer({
      'DELETE /api/v1/digital-systems/3': () => problem(412, 'precondition_failed', 'Precondition failed'),
    });
    const { router } = renderLedger('/digital-systems/3', fetch);
    const user = userEvent.setup();

    await user.click(await screen.findByRole('button', { name: 'このシステムを削除' }));
    await user.click(screen.getByRole('button', { name: '削除する' }));
    await waitFor(() =>
      expect(screen.getByRole('region', { name: 'システムの削除' })).toHaveTextContent(
        'ほかの人がこのシステムを先に更新したため、削除しませんでした。',
      ),
    );
    expect(router.state.location.pathname).toBe('/digital-systems/3');
  });
});
