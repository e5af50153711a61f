import { describe, expect, it } from 'vitest';
import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter, Route, Routes } from 'react-router';
import { adminUser, viewerUser } from '../../test/http';
import type { Principal } from '../../lib/permissions';
import { PrimaryNav } from './PrimaryNav';

function renderNav(path: string, principal: Principal = adminUser) {
  render(
    <MemoryRouter initialEntries={[path]}>
      <PrimaryNav principal={principal} />
      <Routes>
        <Route path="*" element={<p>page</p>} />
      </Routes>
    </MemoryRouter>,
  );
  return screen.getByRole('navigation', { name: 'メインメニュー' });
}

describe('the grouped primary navigation', () => {
  it('puts the screens under ホーム and six groups, Home marked as the current page', () => {
    const nav = renderNav('/');
    const top = within(nav).getAllByRole('listitem').filter((item) => item.parentElement?.classList.contains('primary-nav__list'));
    expect(top.map((item) => item.firstElementChild?.textContent?.replace(/[▲▼]/g, ''))).toEqual(['ホーム', '提案', '報告', '局区の取組', '台帳', '照会', '管理']);
    expect(within(nav).getByRole('link', { name: 'ホーム' })).toHaveAttribute('aria-current', 'page');
  });

  it('offers a viewer 管理 without データの取り込み', async () => {
    const user = userEvent.setup();
    const nav = renderNav('/', viewerUser);
    await user.click(within(nav).getByRole('button', { name: '管理' }));
    expect(within(nav).getByRole('link', { name: '組織' })).toBeVisible();
    expect(within(nav).queryByRole('link', { name: 'データの取り込み' })).not.toBeInTheDocument();
  });

  it('opens a group by keyboard, closes it with Escape and returns focus to its button', async () => {
    const user = userEvent.setup();
    const nav = renderNav('/');
    const admin = within(nav).getByRole('button', { name: '管理' });
    expect(admin).toHaveAttribute('aria-expanded', 'false');
    expect(within(nav).queryByRole('link', { name: 'データの取り込み' })).not.toBeInTheDocument();

    admin.focus();
    await user.keyboard('{Enter}');
    expect(admin).toHaveAttribute('aria-expanded', 'true');
    const menu = document.getElementById(admin.getAttribute('aria-controls') ?? '');
    expect(menu).not.toBeNull();
    expect(within(menu as HTMLElement).getByRole('link', { name: 'データの取り込み' })).toHaveAttribute('href', '/imports');

    await user.tab();
    expect(within(menu as HTMLElement).getByRole('link', { name: '組織' })).toHaveFocus();
    await user.keyboard('{Escape}');
    expect(admin).toHaveAttribute('aria-expanded', 'false');
    expect(admin).toHaveFocus();
  });

  it('opens one group at a time', async () => {
    const user = userEvent.setup();
    const nav = renderNav('/');
    await user.click(within(nav).getByRole('button', { name: '台帳' }));
    await user.click(within(nav).getByRole('button', { name: '報告' }));
    expect(within(nav).getByRole('button', { name: '台帳' })).toHaveAttribute('aria-expanded', 'false');
    expect(within(nav).getByRole('link', { name: 'プラチナレポート' })).toBeVisible();
    expect(within(nav).queryByRole('link', { name: 'システム台帳' })).not.toBeInTheDocument();
  });

  it('marks the group of the page shown and lists its screens with the current one', () => {
    const nav = renderNav('/proposals/12', viewerUser);
    expect(screen.getByTestId('nav-current-group')).toHaveTextContent('提案（現在の場所）');
    const screens = within(nav).getByRole('list', { name: '提案の画面' });
    expect(within(screens).getByRole('link', { name: '課題提案' })).toHaveAttribute('aria-current', 'page');
    expect(within(screens).getByRole('link', { name: '進捗状況' })).toBeInTheDocument();
    expect(within(nav).queryByRole('button', { name: '提案' })).not.toBeInTheDocument();
  });

  it('closes the open group when a link in it is followed', async () => {
    const user = userEvent.setup();
    const nav = renderNav('/');
    await user.click(within(nav).getByRole('button', { name: '局区の取組' }));
    await user.click(within(nav).getByRole('link', { name: '自主改革' }));
    expect(screen.getByTestId('nav-current-group')).toHaveTextContent('局区の取組');
    expect(within(nav).getAllByRole('link', { name: '自主改革' })).toHaveLength(1);
  });
});
