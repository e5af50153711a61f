import { describe, expect, it } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { fakeFetch, json, problem, tokenOut, type Handler } from '../../test/http';
import { renderApp } from '../../test/renderApp';
import type { ProposalOut } from './api';
import { assignment, editorUser, organizationRoutes, proposal, team2025 } from '../../test/fixtures/proposals';

/** Two sections: the editor's own (総務企画課, can act) and another one it may only read. */
function twoSections(): ProposalOut {
  return proposal({
    stage: 2,
    assignments: [
      assignment({ id: 21, stage: 1, stage_label: '①所管課に提示', allowed_next: [2, 4], can_act: true }),
      assignment({
        id: 22,
        section_id: 12,
        section_name: '市民課',
        stage: 2,
        stage_label: '②PTと所管課で協議',
        allowed_next: [1, 3, 4],
        can_act: false,
      }),
    ],
  });
}

function detailServer(user = tokenOut('token-3', editorUser), extra: Record<string, Handler> = {}, body = twoSections) {
  return fakeFetch({
    'POST /api/v1/auth/refresh': () => json(user),
    'GET /api/v1/project-teams': () => json([team2025]),
    ...organizationRoutes,
    'GET /api/v1/proposals/7': () => json(body(), 200, { ETag: '"3"' }),
    'GET /api/v1/proposals/7/history': () =>
      json([
        {
          kind: 'stage',
          date: '2025-10-01',
          recorded_at: '2025-10-01T01:00:00Z',
          actor: '北九 太郎',
          assignment_id: 21,
          section_name: '総務企画課',
          stage: 1,
          stage_label: '①所管課に提示',
          decision: null,
          text: null,
        },
      ]),
    'GET /api/v1/proposals/7/consultations': () => json([]),
    ...extra,
  });
}

describe('the proposal detail', () => {
  it('shows each section’s stepper and offers the allowed moves only where the user can act', async () => {
    const { fetch } = detailServer();
    renderApp('/proposals/7', fetch);

    expect(await screen.findByRole('heading', { level: 1, name: '区役所の窓口が混雑して待ち時間が長い' })).toBeInTheDocument();

    const own = screen.getByRole('article', { name: /総務企画課/ });
    const ownSteps = within(own).getByRole('list', { name: '総務企画課の段階' });
    expect(within(ownSteps).getAllByRole('listitem')[0]).toHaveAttribute('aria-current', 'step');
    expect(within(ownSteps).getAllByRole('listitem')[0]).toHaveTextContent('①所管課に提示（現在の段階）');
    const move = within(own).getByRole('form', { name: '総務企画課の段階を変更' });
    expect(within(move).getAllByRole('radio').map((r) => r.nextSibling?.textContent)).toEqual([
      '②PTと所管課で協議',
      '④既に所管課で対応済',
    ]);

    const other = screen.getByRole('article', { name: /市民課/ });
    const otherSteps = within(other).getByRole('list', { name: '市民課の段階' });
    expect(within(otherSteps).getAllByRole('listitem')[1]).toHaveAttribute('aria-current', 'step');
    expect(within(otherSteps).getAllByRole('listitem')[0]).toHaveTextContent('（済）');
    expect(within(other).queryByRole('form')).not.toBeInTheDocument();
    expect(within(other).queryByRole('radio')).not.toBeInTheDocument();

    // Editors of a responsible section may edit and record consultations, but not add sections.
    expect(screen.getByRole('button', { name: '編集' })).toBeInTheDocument();
    expect(screen.getByRole('form', { name: '協議を記録' })).toBeInTheDocument();
    expect(screen.queryByRole('form', { name: '担当課を追加' })).not.toBeInTheDocument();
    expect(await screen.findByTestId('proposal-history')).toHaveTextContent('段階の変更 ・ 総務企画課');
  });

  it('asks for the decision at ③ and sends the move with its date', async () => {
    const bodies: unknown[] = [];
    let current = proposal({ assignments: [assignment({ stage: 2, allowed_next: [3, 4], can_act: true })] });
    const { fetch } = detailServer(
      undefined,
      {
        'POST /api/v1/proposals/7/assignments/21/transitions': async (request) => {
          bodies.push(await request.json());
          current = proposal({
            stage: 3,
            assignments: [assignment({ stage: 3, decision: 'continue', allowed_next: [4] })],
          });
          return json(current, 201);
        },
      },
      () => current,
    );
    renderApp('/proposals/7', fetch);
    const user = userEvent.setup();

    const form = await screen.findByRole('form', { name: '総務企画課の段階を変更' });
    expect(within(form).queryByRole('group', { name: /判断/ })).not.toBeInTheDocument();
    await user.click(within(form).getByRole('radio', { name: '③継続／終了の判断' }));
    await user.click(within(form).getByRole('radio', { name: '検討継続' }));
    const date = within(form).getByLabelText(/^変更した日/);
    await user.clear(date);
    await user.type(date, '2025-11-20');
    await user.click(within(form).getByRole('button', { name: '段階を変更する' }));

    await waitFor(() =>
      expect(screen.getByTestId('proposal-announcement')).toHaveTextContent(
        '総務企画課の段階を「③継続／終了の判断」に変更しました。',
      ),
    );
    expect(bodies[0]).toEqual({ to_stage: 3, effective_on: '2025-11-20', decision: 'continue', note: null });
    expect(screen.getByText('判断: 検討継続')).toBeInTheDocument();
  });

  it('explains a refused move (409) with the stages still possible, and a 403', async () => {
    let current = twoSections();
    let answer: () => Response = () =>
      problem(409, 'conflict', 'Conflict', { allowed_stages: [4] });
    const { fetch } = detailServer(
      undefined,
      {
        'POST /api/v1/proposals/7/assignments/21/transitions': () => {
          // Someone else moved it first: only ④ is left.
          current = proposal({ assignments: [assignment({ stage: 2, allowed_next: [4], can_act: true })] });
          return answer();
        },
      },
      () => current,
    );
    renderApp('/proposals/7', fetch);
    const user = userEvent.setup();

    const form = await screen.findByRole('form', { name: '総務企画課の段階を変更' });
    await user.click(within(form).getByRole('radio', { name: '②PTと所管課で協議' }));
    await user.click(within(form).getByRole('button', { name: '段階を変更する' }));

    await waitFor(() =>
      expect(within(form).getByRole('alert')).toHaveTextContent(
        'この段階には変更できません。最新の状態を読み込みました。変更できる段階: ④既に所管課で対応済',
      ),
    );
    await waitFor(() => expect(within(form).getAllByRole('radio')).toHaveLength(1));

    answer = () => problem(403, 'forbidden', 'Forbidden');
    await user.click(within(form).getByRole('radio', { name: '④既に所管課で対応済' }));
    await user.click(within(form).getByRole('button', { name: '段階を変更する' }));
    await waitFor(() =>
      expect(within(form).getByRole('alert')).toHaveTextContent('この課の段階を変更する権限がありません。'),
    );
  });

  it('tells the user when someone else saved first (412) and reloads the proposal', async () => {
    let version = 3;
    const { fetch, calls } = detailServer(
      undefined,
      {
        'PUT /api/v1/proposals/7': (request) => {
          expect(request.headers.get('If-Match')).toBe('"3"');
          version = 4;
          return problem(412, 'precondition_failed', 'Precondition failed');
        },
      },
      () => ({ ...twoSections(), version, title: version === 4 ? '区役所窓口サービスの向上' : twoSections().title }),
    );
    renderApp('/proposals/7', fetch);
    const user = userEvent.setup();

    await user.click(await screen.findByRole('button', { name: '編集' }));
    const form = screen.getByRole('form', { name: '課題提案を編集' });
    await user.click(within(form).getByRole('button', { name: '保存する' }));

    await waitFor(() =>
      expect(within(form).getByRole('alert')).toHaveTextContent('ほかの人がこの課題提案を先に更新しました。'),
    );
    await waitFor(() => expect(within(form).getByLabelText(/^課題名/)).toHaveValue('区役所窓口サービスの向上'));
    expect(calls.filter((c) => c.method === 'GET' && c.path === '/api/v1/proposals/7').length).toBeGreaterThan(1);
  });

  it('follows and unfollows the proposal', async () => {
    let following = false;
    const answer = () =>
      json({ record_kind: 'proposal', record_id: 7, link: '/proposals/7', following, by_default: false });
    const { fetch, calls } = detailServer(undefined, {
      'GET /api/v1/me/subscriptions/proposal/7': answer,
      'PUT /api/v1/me/subscriptions/proposal/7': () => {
        following = true;
        return answer();
      },
      'DELETE /api/v1/me/subscriptions/proposal/7': () => {
        following = false;
        return answer();
      },
    });
    renderApp('/proposals/7', fetch);
    const follow = await screen.findByRole('button', { name: 'フォローする' });
    expect(follow).toHaveAttribute('aria-pressed', 'false');
    await userEvent.click(follow);
    const unfollow = await screen.findByRole('button', { name: 'フォローをやめる' });
    expect(unfollow).toHaveAttribute('aria-pressed', 'true');
    expect(screen.getByText(/フォロー中/)).toBeInTheDocument();
    await userEvent.click(unfollow);
    expect(await screen.findByRole('button', { name: 'フォローする' })).toBeInTheDocument();
    expect(calls.filter((c) => c.path === '/api/v1/me/subscriptions/proposal/7').map((c) => c.method)).toEqual([
      'GET',
      'PUT',
      'DELETE',
    ]);
  });
});
