// The primary navigation: a few groups the way staff think of their work, each with its screens.
// A new screen is one entry here (and a route in src/app/router.tsx); a group shows only when the
// person is offered at least one of its entries, so 照会 appears with its first screen.
import type { ParseKeys } from 'i18next';
import type { Role } from '../../lib/api';
import {
  mayAnswerRounds,
  mayImport,
  mayManageJobs,
  mayManageWebhooks,
  mayReadRoundCompliance,
  mayReadRounds,
  mayReadSentMail,
  type Principal,
} from '../../lib/permissions';

/** In the order they stand in the header: the proposals, then the reports made from them. */
export const NAV_GROUPS = ['proposals', 'reports', 'departments', 'registers', 'inquiries', 'admin'] as const;
export type NavGroup = (typeof NAV_GROUPS)[number];

export interface NavItem {
  id: string;
  labelKey: ParseKeys;
  /** Client route, or a server page when `external` is set. */
  to: string;
  /** Served by the server, not by the SPA router (full page load). */
  external?: boolean;
  /** Match the route exactly (for `/`). */
  end?: boolean;
  /** The group it is listed in; absent for ホーム, which stands on its own. */
  group?: NavGroup;
  /** Other paths that belong to this entry's place (a record's page under its list). */
  also?: readonly string[];
  /** Offered only when this says so (the server refuses the others anyway); absent: everyone. */
  offeredTo?: (principal: Principal) => boolean;
}

export const primaryNav: readonly NavItem[] = [
  { id: 'home', labelKey: 'shell.home', to: '/', end: true },
  { id: 'proposals', labelKey: 'shell.proposals', to: '/proposals', group: 'proposals' },
  { id: 'progress', labelKey: 'shell.progress', to: '/reports/proposal-progress', group: 'proposals' },
  { id: 'project-teams', labelKey: 'shell.projectTeams', to: '/project-teams', group: 'proposals' },
  { id: 'annual-report', labelKey: 'reports.navLabel', to: '/reports/annual', group: 'reports' },
  { id: 'reforms', labelKey: 'shell.reforms', to: '/reforms', group: 'departments', also: ['/bureaus', '/policy-issues', '/kpis'] },
  { id: 'milestones', labelKey: 'milestones.title', to: '/milestones', group: 'departments' },
  { id: 'ledger', labelKey: 'shell.ledger', to: '/digital-systems', group: 'registers' },
  { id: 'inbox', labelKey: 'inbox.navLabel', to: '/inbox', group: 'inquiries', offeredTo: mayAnswerRounds },
  { id: 'rounds', labelKey: 'rounds.navLabel', to: '/rounds', group: 'inquiries', offeredTo: mayReadRounds },
  {
    id: 'round-compliance',
    labelKey: 'compliance.navLabel',
    to: '/rounds/compliance',
    group: 'inquiries',
    offeredTo: mayReadRoundCompliance,
  },
  { id: 'organization', labelKey: 'shell.organization', to: '/organization', group: 'admin' },
  { id: 'imports', labelKey: 'imports.navLabel', to: '/imports', group: 'admin', offeredTo: mayImport },
  { id: 'jobs', labelKey: 'jobs.navLabel', to: '/admin/jobs', group: 'admin', offeredTo: mayManageJobs },
  { id: 'sent-mail', labelKey: 'sentMail.navLabel', to: '/admin/sent-mail', group: 'admin', offeredTo: mayReadSentMail },
  { id: 'webhooks', labelKey: 'webhooks.navLabel', to: '/admin/webhooks', group: 'admin', offeredTo: mayManageWebhooks },
];

const NO_SCOPES = { bureau_ids: [], section_ids: [] };

function principalOf(who: Principal | Role): Principal {
  return typeof who === 'string' ? { role: who, scopes: NO_SCOPES } : who;
}

/** The entries a person is offered, in the order the header shows them. */
export function navItemsFor(who: Principal | Role): readonly NavItem[] {
  const principal = principalOf(who);
  const offered = primaryNav.filter((item) => !item.offeredTo || item.offeredTo(principal));
  const rank = (item: NavItem) => (item.group ? NAV_GROUPS.indexOf(item.group) + 1 : 0);
  return [...offered].sort((a, b) => rank(a) - rank(b));
}

/** The groups a person is offered, each with its entries; empty groups are left out. */
export function navGroupsFor(who: Principal | Role): { group: NavGroup; items: NavItem[] }[] {
  const items = navItemsFor(who);
  return NAV_GROUPS.map((group) => ({ group, items: items.filter((item) => item.group === group) })).filter(
    (entry) => entry.items.length > 0,
  );
}

function isUnder(pathname: string, base: string): boolean {
  return pathname === base || pathname.startsWith(`${base}/`);
}

/** The group the page at `pathname` belongs to (none for ホーム and pages outside the menu). */
export function groupOf(pathname: string): NavGroup | undefined {
  const item = primaryNav.find(
    (entry) => entry.group && !entry.external && [entry.to, ...(entry.also ?? [])].some((base) => isUnder(pathname, base)),
  );
  return item?.group;
}
