import { describe, expect, it } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { fakeFetch, json, problem, tokenOut, viewerUser, type Handler } from '../../test/http';
import { renderApp } from '../../test/renderApp';
import { todayInTokyo } from '../../lib/dates';
import { proposal } from '../../test/fixtures/proposals';
import { bureauEditor, reform } from '../../test/fixtures/reforms';
import type { MilestoneOut, PolicyOut } from './api';
import { bureauRoutes, policy, readOnly, summaryOf } from '../../test/fixtures/bureaus';

function bureauServer(current: () => PolicyOut | null, extra: Record<string, Handler> = {}, user = tokenOut('token-6', bureauEditor)) {
  const policyUrls: URL[] = [];
  const server = fakeFetch({
    'POST /api/v1/auth/refresh': () => json(user),
    ...bureauRoutes,
    'GET /api/v1/policies': (request) => {
      policyUrls.push(new URL(request.url));
      const p = current();
      const items = p ? [summaryOf(p)] : [];
      return json({ items, total: items.length, page: 1, per_page: 200 });
    },
    'GET /api/v1/policies/11': () => json(current()),
    ...extra,
  });
  return { ...server, policyUrls };
}

/** The fixture policy with milestone 32 (the first issue's second) as the server answers after a write. */
function withMilestone32(change: Partial<MilestoneOut>): PolicyOut {
  const base = policy();
  const [first, ...rest] = base.issues;
  return {
    ...base,
    issues: [{ ...first!, milestones: first!.milestones.map((m) => (m.id === 32 ? { ...m, ...change } : m)) }, ...rest],
  };
}

describe('the bureau page', () => {
  it('shows the mission, the numbered reforms with their read period and the proposals of its sections', async () => {
    const proposalUrls: URL[] = [];
    const reformUrls: URL[] = [];
    const { fetch } = bureauServer(() => policy(), {
      'GET /api/v1/bureaus/5/reforms': (request) => {
        reformUrls.push(new URL(request.url));
        return json({ items: [reform({ number_in_bureau: 1 })], total: 1, page: 1, per_page: 200 });
      },
      'GET /api/v1/proposals': (request) => {
        proposalUrls.push(new URL(request.url));
        return json({ items: [proposal()], total: 1, page: 1, per_page: 200 });
      },
    });
    renderApp('/bureaus/5?fiscal_year=2025', fetch);

    expect(await screen.findByRole('heading', { level: 1, name: '八幡西区役所' })).toBeInTheDocument();
    expect(screen.getByLabelText('年度')).toHaveValue('2025');
    expect(await screen.findByTestId('policy-mission')).toHaveTextContent('区民に最も身近な行政機関として');

    const reforms = await screen.findByRole('table', { name: '八幡西区役所の令和7年度の自主改革の取組（番号順）' });
    const row = within(reforms).getByRole('row', { name: /区役所窓口のオンライン予約/ });
    expect(within(row).getAllByRole('cell')[0]).toHaveTextContent('1');
    expect(row).toHaveTextContent('令和7年4月～令和8年2月記載: R7.4~ R8.2');
    expect(reformUrls.at(-1)?.searchParams.get('fiscal_year')).toBe('2025');
    expect(screen.getByRole('link', { name: 'この局・区の取組を登録' })).toHaveAttribute('href', '/reforms/new?bureau_id=5');
    expect(screen.getByRole('link', { name: 'この局・区のダッシュボードを見る' })).toHaveAttribute(
      'href',
      '/bureaus/5/dashboard?fiscal_year=2025',
    );

    const proposals = await screen.findByTestId('bureau-proposals');
    expect(within(proposals).getByRole('link', { name: '区役所の窓口が混雑して待ち時間が長い' })).toHaveAttribute('href', '/proposals/7');
    expect(proposals).toHaveTextContent('②PTと所管課で協議');
    expect(proposalUrls.at(-1)?.searchParams.get('bureau_id')).toBe('5');
  });

  it('places the issues by impact and urgency and lists the unrated ones apart', async () => {
    const { fetch } = bureauServer(() => policy());
    renderApp('/bureaus/5?fiscal_year=2025', fetch);

    const matrix = await screen.findByRole('table', { name: 'インパクトと緊急度による課題の配置' });
    const high = within(matrix).getByRole('row', { name: /^インパクト高/ });
    const low = within(matrix).getByRole('row', { name: /^インパクト低/ });
    const [highUrgent, highLater] = within(high).getAllByRole('cell');
    const [lowUrgent, lowLater] = within(low).getAllByRole('cell');
    expect(within(highUrgent!).getByRole('link', { name: 'A(1)' })).toHaveAttribute('href', '#issue-21');
    expect(highLater).toHaveTextContent('該当する課題なし');
    expect(within(lowUrgent!).getByRole('link', { name: 'B(2)' })).toHaveAttribute('href', '#issue-22');
    expect(lowLater).toHaveTextContent('該当する課題なし');
    expect(within(matrix).queryByRole('link', { name: 'C(1)' })).not.toBeInTheDocument();
    expect(within(screen.getByTestId('unplaced-issues')).getByRole('link', { name: 'C(1)' })).toHaveAttribute('href', '#issue-23');
    expect(within(matrix).getAllByRole('columnheader').map((h) => h.textContent)).toEqual([
      '緊急度高',
      '緊急度低',
    ]);
  });

  it('shows the computed health of an issue beside the owner\'s word, and of each milestone not done or late', async () => {
    const { fetch } = bureauServer(() => policy());
    renderApp('/bureaus/5?fiscal_year=2025', fetch);

    const card = await screen.findByRole('article', { name: /A\(1\) 子育て世帯の手続き負担の軽減/ });
    expect(within(card).getByTestId('issue-status')).toHaveTextContent('―');
    expect(within(card).getByTestId('issue-health')).toHaveTextContent('遅延');
    const healths = within(card).getAllByTestId('milestone-health').map((h) => h.textContent);
    // Milestone 31 is late (its 期限超過 says so) and 33 is done: only 32 carries a word of its own.
    expect(healths).toEqual(['評価: 注意']);
  });

  it('shows the quarter plan, progress and KPIs of an issue with the change signed', async () => {
    const { fetch } = bureauServer(() => policy());
    renderApp('/bureaus/5?fiscal_year=2025', fetch);

    const card = await screen.findByRole('article', { name: /A\(1\) 子育て世帯の手続き負担の軽減/ });
    const grid = within(card).getByRole('table', { name: 'A(1)「子育て世帯の手続き負担の軽減」の四半期ごとの計画' });
    expect(within(grid).getAllByRole('columnheader').map((h) => h.textContent)).toEqual([
      '取組項目',
      '第1四半期（4～6月）',
      '第2四半期（7～9月）',
      '第3四半期（10～12月）',
      '第4四半期（1～3月）',
    ]);
    const room = within(grid).getByRole('row', { name: /^子ども受付ルーム/ });
    const cells = within(room).getAllByRole('cell');
    expect(cells[0]).toHaveTextContent('利用者アンケートの実施');
    expect(cells[0]).toHaveTextContent('予定');
    expect(cells[0]).toHaveTextContent('期限超過');
    expect(cells[2]).toHaveTextContent('予約制の試行');
    const overall = within(grid).getByRole('row', { name: /^（全体）/ });
    const lastQuarter = within(overall).getAllByRole('cell')[3];
    expect(lastQuarter).toHaveTextContent('効果検証 完了');
    expect(lastQuarter).toHaveTextContent('完了日: 令和8年3月10日');

    expect(within(card).getByText('令和7年12月時点')).toBeInTheDocument();
    const kpis = within(card).getByRole('table', { name: /A\(1\)の成果指標/ });
    const kpiRow = within(kpis).getByRole('row', { name: /子ども受付ルームの利用件数/ });
    expect(within(kpiRow).getAllByRole('cell').map((c) => c.textContent)).toEqual([
      '1,000 件令和5年11月30日',
      '1,057 件令和6年11月30日',
      '+5.7%',
      '1,200 件令和8年3月31日',
      '遅延目指す方向: 増やす（基準値と目標値から）',
    ]);
    expect(within(kpiRow).getByRole('link', { name: '子ども受付ルームの利用件数' })).toHaveAttribute('href', '/kpis/41');
    const chart = within(card).getByRole('img', { name: '子ども受付ルームの利用件数の基準値と実績の棒グラフ' });
    expect(chart).toHaveAccessibleDescription(
      '基準値 1,000件（令和5年11月30日）、実績 1,057件（令和6年11月30日）、目標 1,200件',
    );
  });

  it('marks a milestone done with today’s date and If-Match, then shows it as 完了', async () => {
    let current = policy();
    const puts: { ifMatch: string | null; body: unknown }[] = [];
    const { fetch } = bureauServer(() => current, {
      'PUT /api/v1/milestones/32': async (request) => {
        puts.push({ ifMatch: request.headers.get('If-Match'), body: await request.json() });
        current = withMilestone32({ state: 'done', state_label: '完了', done_on: todayInTokyo(), version: 3 });
        return json(current.issues[0]!.milestones[1]);
      },
    });
    renderApp('/bureaus/5?fiscal_year=2025', fetch);
    const user = userEvent.setup();

    await user.click(await screen.findByRole('button', { name: '「予約制の試行」を完了にする' }));

    await waitFor(() => expect(screen.getByTestId('bureau-announcement')).toHaveTextContent('「予約制の試行」を完了にしました。'));
    expect(puts).toEqual([
      {
        ifMatch: '"2"',
        body: { workstream: '子ども受付ルーム', quarter: 3, title: '予約制の試行', state: 'done', done_on: todayInTokyo() },
      },
    ]);
    await waitFor(() => expect(screen.getByTestId('milestone-32')).toHaveTextContent('完了'));
    expect(screen.queryByRole('button', { name: '「予約制の試行」を完了にする' })).not.toBeInTheDocument();
  });

  it('marks a milestone slipped only with the reason it slipped, then shows the reason', async () => {
    let current = policy();
    const puts: unknown[] = [];
    const { fetch } = bureauServer(() => current, {
      'PUT /api/v1/milestones/32': async (request) => {
        const body = (await request.json()) as { slip_reason: string };
        puts.push(body);
        current = withMilestone32({ state: 'slipped', state_label: '遅延', slip_reason: body.slip_reason, version: 3 });
        return json(current.issues[0]!.milestones[1]);
      },
    });
    renderApp('/bureaus/5?fiscal_year=2025', fetch);
    const user = userEvent.setup();

    await user.click(await screen.findByRole('button', { name: '「予約制の試行」を編集' }));
    const form = await screen.findByRole('form', { name: '「予約制の試行」を編集' });
    await user.selectOptions(within(form).getByLabelText(/状態/), '遅延');
    await user.click(within(form).getByRole('button', { name: '保存する' }));
    expect(await within(form).findByLabelText(/遅延の理由/)).toHaveAttribute('aria-invalid', 'true');
    expect(puts).toEqual([]);

    await user.type(within(form).getByLabelText(/遅延の理由/), '業者の選定が遅れたため');
    await user.click(within(form).getByRole('button', { name: '保存する' }));
    await waitFor(() => expect(puts).toHaveLength(1));
    expect(puts[0]).toMatchObject({ state: 'slipped', done_on: null, slip_reason: '業者の選定が遅れたため' });
    await waitFor(() => expect(screen.getByTestId('milestone-32')).toHaveTextContent('遅延の理由: 業者の選定が遅れたため'));
  });

  it('tells when someone else changed the milestone first (412)', async () => {
    const { fetch } = bureauServer(() => policy(), {
      'PUT /api/v1/milestones/32': () => problem(412, 'precondition_failed', 'Precondition Failed'),
    });
    renderApp('/bureaus/5?fiscal_year=2025', fetch);
    const user = userEvent.setup();

    await user.click(await screen.findByRole('button', { name: '「予約制の試行」を完了にする' }));

    await waitFor(() => expect(screen.getByTestId('bureau-alert')).toHaveTextContent('ほかの人が先に更新しました。'));
  });

  it('shows a viewer the same policy without any editing control', async () => {
    const { fetch } = bureauServer(() => readOnly(policy()), {}, tokenOut('token-3', viewerUser));
    renderApp('/bureaus/5?fiscal_year=2025', fetch);

    await screen.findByRole('table', { name: 'インパクトと緊急度による課題の配置' });
    expect(await screen.findByText('利用者アンケートの実施')).toBeInTheDocument();
    const main = screen.getByRole('main');
    // Besides the year selector, only the read-only exports: no other button, form or edit link.
    expect(within(main).queryAllByRole('button', { name: (name) => !name.endsWith('をエクスポート') })).toEqual([]);
    expect(screen.queryByRole('link', { name: 'この局・区の取組を登録' })).not.toBeInTheDocument();
    expect(within(main).queryByRole('form')).not.toBeInTheDocument();
    expect(within(main).queryAllByRole('textbox')).toEqual([]);
  });

  it('lets an editor create the policy of a year that has none', async () => {
    let current: PolicyOut | null = null;
    const posts: unknown[] = [];
    const { fetch, policyUrls } = bureauServer(() => current, {
      'POST /api/v1/policies': async (request) => {
        posts.push(await request.json());
        current = policy({ issues: [] });
        return json(current, 201);
      },
    });
    renderApp('/bureaus/5?fiscal_year=2025', fetch);
    const user = userEvent.setup();

    expect(await screen.findByText('令和7年度の局区X方針はまだ登録されていません。')).toBeInTheDocument();
    expect(policyUrls.at(-1)?.searchParams.get('bureau_id')).toBe('5');
    await user.click(screen.getByRole('button', { name: '令和7年度の方針を作成' }));
    const form = screen.getByRole('form', { name: '令和7年度の方針を作成' });
    const mission = within(form).getByLabelText('組織の使命');
    expect(mission).toHaveFocus();
    await user.type(mission, '安心して暮らせるまち');
    await user.click(within(form).getByRole('button', { name: '作成する' }));

    await waitFor(() => expect(screen.getByTestId('bureau-announcement')).toHaveTextContent('令和7年度の方針を作成しました。'));
    expect(posts).toEqual([
      {
        bureau_id: 5,
        fiscal_year: 2025,
        mission: '安心して暮らせるまち',
        basic_information: null,
        review_summary: null,
        review_achieved: null,
        review_not_achieved: null,
        direction: null,
      },
    ]);
    expect(await screen.findByTestId('policy-mission')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: '課題を追加' })).toBeInTheDocument();
  });

  it('adds an issue with its ratings to the policy', async () => {
    const posts: unknown[] = [];
    const { fetch } = bureauServer(() => policy({ issues: [] }), {
      'POST /api/v1/policies/11/issues': async (request) => {
        posts.push(await request.json());
        return json(policy().issues[0], 201);
      },
    });
    renderApp('/bureaus/5?fiscal_year=2025', fetch);
    const user = userEvent.setup();

    await user.click(await screen.findByRole('button', { name: '課題を追加' }));
    const form = screen.getByRole('form', { name: '課題を追加' });
    await user.selectOptions(within(form).getByLabelText(/^領域/), 'B: 変革の実行段階にある課題・実行段階へ繋げていく課題');
    await user.type(within(form).getByLabelText(/^番号/), '2');
    await user.type(within(form).getByLabelText(/^課題名/), '職員の働き方改革');
    await user.selectOptions(within(form).getByLabelText('インパクト'), '低');
    await user.selectOptions(within(form).getByLabelText('緊急度'), '高');
    await user.click(within(form).getByRole('button', { name: '追加する' }));

    await waitFor(() => expect(posts).toHaveLength(1));
    expect(posts[0]).toEqual({
      area: 'B',
      number: 2,
      policy_field: null,
      impact: 'low',
      urgency: 'high',
      title: '職員の働き方改革',
      content: null,
      background: null,
      target_outcome: null,
      actions: null,
      status: null,
    });
  });
});
