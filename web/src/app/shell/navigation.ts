import type { ParseKeys } from 'i18next';
import type { Role } from '../../lib/api';

/**
 * Entries of the primary navigation. Screens added later (課題提案, 自主改革, 局区X方針,
 * システム台帳, ダッシュボード) get an entry here and a route in src/app/router.tsx.
 */
export interface NavItem {
  id: string;
  labelKey: ParseKeys;
  /** Client route, or a server page when `external` is set. */
  to: string;
  /** Served by the server, not by the SPA router (full page load). */
  external?: boolean;
  /** Match the route exactly (for `/`). */
  end?: boolean;
  /** Shown only to these roles (the server refuses the others anyway); absent: everyone. */
  roles?: readonly Role[];
}

export const primaryNav: readonly NavItem[] = [
  { id: 'home', labelKey: 'shell.home', to: '/', end: true },
  { id: 'organization', labelKey: 'shell.organization', to: '/organization' },
  { id: 'proposals', labelKey: 'shell.proposals', to: '/proposals' },
  { id: 'progress', labelKey: 'shell.progress', to: '/reports/proposal-progress' },
  { id: 'project-teams', labelKey: 'shell.projectTeams', to: '/project-teams' },
  { id: 'annual-report', labelKey: 'reports.navLabel', to: '/reports/annual' },
  { id: 'reforms', labelKey: 'shell.reforms', to: '/reforms' },
  { id: 'ledger', labelKey: 'shell.ledger', to: '/digital-systems' },
  { id: 'milestones', labelKey: 'milestones.title', to: '/milestones' },
  { id: 'imports', labelKey: 'imports.navLabel', to: '/imports', roles: ['admin', 'editor'] },
  { id: 'api-docs', labelKey: 'shell.apiDocs', to: '/api/docs', external: true },
];

/** The entries a person with `role` is offered. */
export function navItemsFor(role: Role | undefined): readonly NavItem[] {
  return primaryNav.filter((item) => !item.roles || (role !== undefined && item.roles.includes(role)));
}
