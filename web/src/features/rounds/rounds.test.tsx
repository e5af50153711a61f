import { afterEach, describe, expect, it, vi } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { fakeFetch, json, problem, tokenOut, viewerUser, type Handler } from '../../test/http';
import { editorUser, organizationRoutes, system } from '../../test/fixtures/ledger';
import { renderApp } from '../../test/renderApp';
import type { ItemOut, RequestOut, RoundOut } from './api';
import { reformBody, requestFilterOf } from './api';
import { draftChanges, draftOf, fiscalQuarterOf, type Draft } from './values';

/** `values` is a free JSON object in the schema. */
const values = (object: Record<string, unknown>) => object as unknown as ItemOut['values'];

const round: RoundOut = {
  id: 7,
  title: '令和7年度 第3四半期 進捗照会',
  as_of: '2025-12-31',
  due_on: '2026-01-16',
  fiscal_year: 2025,
  state: 'draft',
  state_label: '下書き',
  record_kinds: ['reform', 'digital_system'],
  bureau_ids: [9],
  section_ids: [],
  reminder_schedule: { reminder_days_before: [7, 2], remind_on_due_date: true, overdue_every_business_days: 3 },
  request_counts: { unanswered: 0, in_progress: 0, answered: 0, returned: 0, accepted: 0, total: 0 },
  can_manage: true,
  opened_at: null,
  closed_at: null,
  reopen_reason: null,
  created_at: '2025-12-20T00:00:00Z',
  updated_at: '2025-12-20T00:00:00Z',
  version: 3,
};

const request: RequestOut = {
  id: 41,
  round: { id: 7, title: round.title, as_of: round.as_of, due_on: round.due_on, state: 'open' },
  owner_kind: 'section',
  owner_id: 21,
  owner_name: 'DX推進課',
  bureau_id: 9,
  bureau_name: 'デジタル市役所推進室',
  state: 'unanswered',
  state_label: '未回答',
  item_count: 2,
  answered_count: 0,
  overdue: true,
  version: 5,
  can_answer: true,
  return_comment: null,
  returned_at: null,
  submitted_at: null,
  accepted_at: null,
};

const systemItem: ItemOut = {
  id: 501,
  record_kind: 'digital_system',
  record_id: 3,
  title: '子ども受付ルーム予約システム',
  link: '/digital-systems/3',
  record_version: 4,
  values: values({ status: 'production', annual_hours_saved: 1200, cost_effect_yen: 3500000 }),
  outcome: 'none',
  audit_event_ids: [],
  answered_at: null,
  answered_by: null,
  comment: null,
};

const reformItem: ItemOut = {
  ...systemItem,
  id: 502,
  record_kind: 'reform',
  record_id: 12,
  title: '窓口予約のオンライン化',
  link: '/reforms/12',
  record_version: 2,
  values: values({ status: 'trial', period_text: 'R7.10~', effects: [{ kind: 'hours_per_year', value: 120, unit: '時間', basis: null }] }),
};

function server(routes: Record<string, Handler>, user = tokenOut('t', editorUser)) {
  return fakeFetch({
    'POST /api/v1/auth/refresh': () => json(user),
    'GET /api/v1/me/round-requests': () => json({ items: [request], total: 1, page: 1, per_page: 100 }),
    'GET /api/v1/rounds/7': () => json({ ...round, state: 'open', can_manage: false }),
    ...organizationRoutes,
    ...routes,
  });
}

afterEach(() => {
  localStorage.clear();
  vi.restoreAllMocks();
});

describe('the answers of a request, read and drafted', () => {
  it('counts the quarter of 基準日 in the fiscal year (April is the first)', () => {
    expect(fiscalQuarterOf('2025-04-01')).toBe(1);
    expect(fiscalQuarterOf('2025-09-30')).toBe(2);
    expect(fiscalQuarterOf('2025-12-31')).toBe(3);
    expect(fiscalQuarterOf('2026-03-31')).toBe(4);
  });

  it('finds nothing to save in a draft that still holds the record as it is', () => {
    const draft = draftOf(systemItem, '2025-12-31');
    expect(draftChanges(systemItem, draft, '2025-12-31')).toBe(false);
    expect(draftChanges(systemItem, { ...(draft as Extract<Draft, { kind: 'digital_system' }>), hours: '1300' }, '2025-12-31')).toBe(true);
  });

  it('keeps every other field of a reform when the round changes its status, period and effects', () => {
    const body = reformBody(
      {
        id: 12, fiscal_year: 2025, fiscal_year_label: '令和7年度', bureau_id: 9, bureau_name: 'デジタル市役所推進室', number_in_bureau: 1,
        sections: [{ id: 21, name: 'DX推進課' }], classification: 'ii', classification_label: null, title: '窓口予約', problem: '待ち時間',
        action: '予約制', effect: '短縮', period: null, status: 'trial', status_label: '試行中', tags: ['kintone'], effects: [], featured: true,
        report_number: 4, source_proposal_id: null, links: null, can_edit: true, version: 2, created_at: '', updated_at: '',
      },
      { status: 'in_progress', period: 'R7.10~R8.3', effects: [] },
    );
    expect(body).toMatchObject({ section_ids: [21], classification: 'ii', problem: '待ち時間', tags: ['kintone'], featured: true, report_number: 4 });
    expect(body).toMatchObject({ status: 'in_progress', period: 'R7.10~R8.3' });
  });
});

describe('the request page', () => {
  function requestServer(items: ItemOut[], routes: Record<string, Handler> = {}) {
    let current = items;
    const detail = () => json({ request: { ...request, answered_count: current.filter((i) => i.outcome !== 'none').length }, items: current });
    const answer = (id: number, outcome: ItemOut['outcome']) => {
      current = current.map((i) => (i.id === id ? { ...i, outcome, answered_by: '戸畑 三郎', answered_at: '2026-01-10T01:00:00Z' } : i));
    };
    return { detail, answer, routes: { 'GET /api/v1/round-requests/41': () => detail(), ...routes } };
  }

  it('marks an item 変更なし with one click and keeps 回答する off until every item is answered', async () => {
    const state = requestServer([systemItem, reformItem]);
    const { fetch, calls } = server({
      ...state.routes,
      'PUT /api/v1/round-requests/41/items/501': async (r) => {
        state.answer(501, ((await r.json()) as { outcome: ItemOut['outcome'] }).outcome);
        return json({});
      },
    });
    renderApp('/inbox/requests/41', fetch);
    const card = await screen.findByTestId('item-digital_system-3');
    expect(screen.getByRole('heading', { level: 2, name: '自主改革' })).toBeInTheDocument();
    expect(screen.getByText('期限超過')).toBeInTheDocument();
    const submit = screen.getByRole('button', { name: '回答する' });
    expect(submit).toBeDisabled();

    await userEvent.setup().click(within(card).getByRole('button', { name: '変更なし' }));
    await waitFor(() => expect(within(card).getByTestId('item-outcome')).toHaveTextContent('変更なし'));
    expect(JSON.parse(calls.find((c) => c.method === 'PUT')?.body ?? '{}')).toEqual({ outcome: 'unchanged', comment: null });
    expect(screen.getByTestId('request-progress')).toHaveTextContent('1 / 2 件回答済み');
    expect(screen.getByRole('button', { name: '回答する' })).toBeDisabled();
  });

  it('saves a change through the record’s own endpoint with its version, then marks the item changed', async () => {
    const state = requestServer([systemItem]);
    const { fetch, calls } = server({
      ...state.routes,
      'GET /api/v1/digital-systems/3': () => json(system()),
      'PUT /api/v1/digital-systems/3': () => json(system({ annual_hours_saved: 1500, version: 5 })),
      'PUT /api/v1/round-requests/41/items/501': () => {
        state.answer(501, 'changed');
        return json({});
      },
    });
    renderApp('/inbox/requests/41', fetch);
    const user = userEvent.setup();
    const card = await screen.findByTestId('item-digital_system-3');
    await user.click(within(card).getByRole('button', { name: '変更を入力' }));
    const hours = within(card).getByLabelText('年間削減時間（時間）');
    await user.clear(hours);
    await user.type(hours, '1,500{Enter}');

    await waitFor(() => expect(within(card).getByTestId('item-outcome')).toHaveTextContent('変更あり'));
    const put = calls.find((c) => c.method === 'PUT' && c.path === '/api/v1/digital-systems/3');
    const body = JSON.parse(put?.body ?? '{}') as Record<string, unknown>;
    expect(body).toMatchObject({ annual_hours_saved: 1500, cost_effect_yen: 3500000, status: 'production', name: system().name });
    const item = calls.find((c) => c.path === '/api/v1/round-requests/41/items/501');
    expect(JSON.parse(item?.body ?? '{}')).toEqual({ outcome: 'changed', comment: null });
    expect(localStorage.length).toBe(0);
  });

  it('shows a stale record in Japanese, keeps the typed draft and does not mark the item', async () => {
    const state = requestServer([systemItem]);
    const { fetch, calls } = server({
      ...state.routes,
      'GET /api/v1/digital-systems/3': () => json(system()),
      'PUT /api/v1/digital-systems/3': () => problem(412, 'precondition_failed', 'Precondition Failed'),
    });
    const view = renderApp('/inbox/requests/41', fetch);
    const user = userEvent.setup();
    const card = await screen.findByTestId('item-digital_system-3');
    await user.click(within(card).getByRole('button', { name: '変更を入力' }));
    await user.clear(within(card).getByLabelText('年間削減時間（時間）'));
    await user.type(within(card).getByLabelText('年間削減時間（時間）'), '1300');
    await user.click(within(card).getByRole('button', { name: '保存して「変更あり」にする' }));

    expect(await within(card).findByText(/ほかの人がこの記録を先に更新しました/)).toBeInTheDocument();
    expect(calls.some((c) => c.path === '/api/v1/round-requests/41/items/501')).toBe(false);
    expect(calls.find((c) => c.method === 'PUT')?.authorization).toBe('Bearer t');
    view.unmount();

    // The draft survives a reload (a new page on the same storage).
    renderApp('/inbox/requests/41', fetch);
    const again = await screen.findByTestId('item-digital_system-3');
    expect(within(again).getByLabelText('年間削減時間（時間）')).toHaveValue('1300');
  });

  it('answers a policy issue in one check-in: status, note, a milestone done and one slipped only with its reason', async () => {
    const issueItem: ItemOut = {
      ...systemItem,
      id: 503,
      record_kind: 'policy_issue',
      record_id: 30,
      title: 'A(1) 区民に寄り添う、まちの窓口',
      link: '/policy-issues/30',
      record_version: 6,
      values: values({
        status: null,
        milestones: [
          { id: 71, quarter: 2, title: '検証・改善策検討着手', state: 'planned', done_on: null, slip_reason: null, version: 2 },
          { id: 72, quarter: 3, title: '結果分析・評価', state: 'planned', done_on: null, slip_reason: null, version: 1 },
        ],
        latest_progress_note: null,
      }),
    };
    const state = requestServer([issueItem]);
    const { fetch, calls } = server({
      ...state.routes,
      'POST /api/v1/policy-issues/30/check-ins': () => json({}),
      'PUT /api/v1/round-requests/41/items/503': () => {
        state.answer(503, 'changed');
        return json({});
      },
    });
    renderApp('/inbox/requests/41', fetch);
    const user = userEvent.setup();
    const card = await screen.findByTestId('item-policy_issue-30');
    await user.click(within(card).getByRole('button', { name: '変更を入力' }));
    await user.selectOptions(within(card).getByLabelText('課題の状況（所管の判断）'), 'in_progress');
    await user.type(within(card).getByLabelText('基準日時点の進捗'), '試行を始めました。');
    await user.selectOptions(within(card).getByLabelText('第2四半期（7～9月）: 検証・改善策検討着手'), 'done');
    await user.selectOptions(within(card).getByLabelText('第3四半期（10～12月）: 結果分析・評価'), 'slipped');
    await user.click(within(card).getByRole('button', { name: '保存して「変更あり」にする' }));

    // No reason yet: nothing is sent and the reason's field is marked.
    expect(await within(card).findByText('遅延にした計画には、遅延の理由を入力してください。')).toBeInTheDocument();
    const reason = within(card).getByLabelText('遅延の理由');
    expect(reason).toHaveAttribute('aria-invalid', 'true');
    expect(calls.some((c) => c.path === '/api/v1/policy-issues/30/check-ins')).toBe(false);

    await user.type(reason, '試行の結果を待つため');
    await user.click(within(card).getByRole('button', { name: '保存して「変更あり」にする' }));
    await waitFor(() => expect(within(card).getByTestId('item-outcome')).toHaveTextContent('変更あり'));
    const checkIns = calls.filter((c) => c.path === '/api/v1/policy-issues/30/check-ins');
    expect(checkIns).toHaveLength(1);
    expect(checkIns[0]?.ifMatch).toBe('"6"');
    expect(JSON.parse(checkIns[0]?.body ?? '{}')).toEqual({
      status: 'in_progress',
      note: { as_of: '2025-12-31', as_of_label: null, body: '試行を始めました。' },
      milestones: [
        { id: 71, version: 2, state: 'done', done_on: '2025-12-31', slip_reason: null },
        { id: 72, version: 1, state: 'slipped', done_on: null, slip_reason: '試行の結果を待つため' },
      ],
    });
  });

  it('shows the office’s comment at the top of a returned request', async () => {
    const { fetch } = server({
      'GET /api/v1/round-requests/41': () =>
        json({ request: { ...request, state: 'returned', return_comment: 'KPI の実績が基準日時点か確認してください' }, items: [systemItem] }),
    });
    renderApp('/inbox/requests/41', fetch);
    expect(await screen.findByTestId('return-comment')).toHaveTextContent('KPI の実績が基準日時点か確認してください');
  });
});

describe('the round page', () => {
  it('previews a draft and opens it with its version in If-Match', async () => {
    vi.spyOn(window, 'confirm').mockReturnValue(true);
    let opened = false;
    let ifMatchSent: string | null = null;
    const { fetch } = server(
      {
        'GET /api/v1/rounds/7': () => json(opened ? { ...round, state: 'open', state_label: '照会中' } : round),
        'GET /api/v1/rounds/7/preview': () =>
          json({ fiscal_year: 2025, requests: 1, items: 2, owners: [{ owner_kind: 'section', owner_id: 21, owner_name: 'DX推進課', bureau_id: 9, bureau_name: 'デジタル市役所推進室', items: 2 }] }),
        'POST /api/v1/rounds/7/open': (r) => {
          ifMatchSent = r.headers.get('If-Match');
          opened = true;
          return json({ ...round, state: 'open' });
        },
        'GET /api/v1/rounds/7/requests': () => json({ items: [request], total: 1, page: 1, per_page: 200 }),
      },
      tokenOut('t'),
    );
    renderApp('/rounds/7', fetch);
    expect(await screen.findByTestId('round-preview-summary')).toHaveTextContent('依頼 1件・記録 2件');
    expect(screen.getByText('デジタル市役所推進室', { selector: 'dd' })).toBeInTheDocument();
    await userEvent.setup().click(screen.getByRole('button', { name: '開始' }));
    await waitFor(() => expect(screen.getByTestId('round-state')).toHaveTextContent('照会中'));
    expect(ifMatchSent).toBe('"3"');
    const table = await screen.findByTestId('round-requests');
    expect(within(table).getByRole('link', { name: 'DX推進課' })).toHaveAttribute('href', '/inbox/requests/41');
    expect(within(table).getByText('期限超過', { selector: 'span' })).toBeInTheDocument();
  });

  it('offers a viewer no button to change a round', async () => {
    const { fetch } = server(
      {
        'GET /api/v1/rounds/7': () => json({ ...round, state: 'open', can_manage: false }),
        'GET /api/v1/rounds/7/requests': () => json({ items: [request], total: 1, page: 1, per_page: 200 }),
      },
      tokenOut('t', viewerUser),
    );
    renderApp('/rounds/7', fetch);
    expect(await screen.findByText(/閲覧のみ/)).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: '締切' })).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: '編集' })).not.toBeInTheDocument();
  });
});

describe('the filter of a round\'s requests in the address', () => {
  it('reads what a compliance figure links with and leaves out anything malformed', () => {
    expect(requestFilterOf(new URLSearchParams('state=unanswered,in_progress&overdue=true&bureau_id=4&owner_kind=section'))).toEqual({
      state: 'unanswered,in_progress',
      overdue: true,
      bureau_id: 4,
      owner_kind: 'section',
    });
    expect(requestFilterOf(new URLSearchParams('state=lost&overdue=yes&section_id=-1&bureau_id=1e3&owner_kind=ward'))).toEqual({});
  });
});
