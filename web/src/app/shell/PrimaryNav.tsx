// The header's navigation: ホーム, then one disclosure button per group that opens the group's
// screens. The group of the page shown is marked and its screens stand in a second row, so the
// current place is visible without opening anything. Keyboard: Tab reaches each button, Enter or
// Space opens it, Escape closes it and returns to the button; leaving the menu closes it.
import { useId, useRef, useState, type FocusEvent, type KeyboardEvent, type ReactNode } from 'react';
import { NavLink, useLocation } from 'react-router';
import { useTranslation } from 'react-i18next';
import type { Principal } from '../../lib/permissions';
import { groupOf, navGroupsFor, navItemsFor, type NavGroup, type NavItem } from './navigation';

/** Something shown after an entry's name (a count), by the entry's id. */
export type NavBadges = Readonly<Partial<Record<string, ReactNode>>>;

function ItemLink({ item, badges }: { item: NavItem; badges?: NavBadges | undefined }) {
  const { t } = useTranslation();
  if (item.external) {
    return (
      <a className="primary-nav__link" href={item.to}>
        {t(item.labelKey)}
      </a>
    );
  }
  return (
    <NavLink className="primary-nav__link" to={item.to} end={item.end ?? false}>
      {t(item.labelKey)}
      {badges?.[item.id]}
    </NavLink>
  );
}

export function PrimaryNav({ principal, badges }: { principal: Principal; badges?: NavBadges }) {
  const { t } = useTranslation();
  const ids = useId();
  const { pathname } = useLocation();
  const current = groupOf(pathname);
  const [open, setOpen] = useState<NavGroup | null>(null);
  const [openedAt, setOpenedAt] = useState(pathname);
  const buttons = useRef(new Map<NavGroup, HTMLButtonElement>());
  // A link followed: the menu closes (adjusted while rendering, not in an effect).
  if (openedAt !== pathname) {
    setOpenedAt(pathname);
    setOpen(null);
  }
  const openGroup = open !== null && open !== current ? open : null;

  function closeAndReturn(group: NavGroup) {
    setOpen(null);
    buttons.current.get(group)?.focus();
  }

  function onKeyDown(event: KeyboardEvent) {
    if (event.key === 'Escape' && openGroup) {
      event.preventDefault();
      closeAndReturn(openGroup);
    }
  }

  function onBlur(event: FocusEvent<HTMLElement>) {
    if (!event.currentTarget.contains(event.relatedTarget as Node | null)) setOpen(null);
  }

  const home = navItemsFor(principal).filter((item) => !item.group);
  const groups = navGroupsFor(principal);
  const currentItems = groups.find((entry) => entry.group === current)?.items ?? [];

  return (
    <nav className="primary-nav" aria-label={t('shell.primaryNav')} onKeyDown={onKeyDown} onBlur={onBlur}>
      <ul className="primary-nav__list">
        {home.map((item) => (
          <li key={item.id}>
            <ItemLink item={item} badges={badges} />
          </li>
        ))}
        {groups.map(({ group, items }) => {
          const label = t(`shell.groups.${group}`);
          if (group === current) {
            return (
              <li key={group}>
                <span className="primary-nav__group primary-nav__group--current" data-testid="nav-current-group">
                  {label}
                  <span className="visually-hidden">{t('shell.currentGroup')}</span>
                </span>
              </li>
            );
          }
          const menuId = `${ids}-${group}`;
          const expanded = openGroup === group;
          return (
            <li key={group} className="primary-nav__item">
              <button
                ref={(element) => {
                  if (element) buttons.current.set(group, element);
                  else buttons.current.delete(group);
                }}
                type="button"
                className="primary-nav__group"
                aria-expanded={expanded}
                aria-controls={menuId}
                onClick={() => setOpen(expanded ? null : group)}
              >
                {label}
                <span aria-hidden="true" className="primary-nav__chevron">
                  {expanded ? '▲' : '▼'}
                </span>
              </button>
              <ul id={menuId} className="primary-nav__menu" hidden={!expanded}>
                {items.map((item) => (
                  <li key={item.id}>
                    <ItemLink item={item} badges={badges} />
                  </li>
                ))}
              </ul>
            </li>
          );
        })}
      </ul>
      {currentItems.length > 0 && current && (
        <ul className="primary-nav__sub" aria-label={t('shell.groupScreens', { group: t(`shell.groups.${current}`) })}>
          {currentItems.map((item) => (
            <li key={item.id}>
              <ItemLink item={item} badges={badges} />
            </li>
          ))}
        </ul>
      )}
    </nav>
  );
}
