// Every decision the SPA makes about who may see or do what, in one place. The server decides
// (and answers 403 otherwise); these only choose which links, buttons and forms to offer. Where a
// record already carries the server's answer (`can_edit`, `can_act`, `can_delete`) that answer is
// used; the rest read the signed-in person's role and scopes, as the server's rules do. When every
// DTO carries `permissions` flags, the role-based functions below become reads of those flags and
// no screen changes.
import type { components } from './api/schema';
import type { Role, UserOut } from './api';

/** Who is asking: the signed-in person (the session answer or GET /me), or nobody yet. */
export type Principal = (Pick<UserOut, 'role' | 'scopes'> & { id?: number | null | undefined }) | null | undefined;

type Schemas = components['schemas'];
/** Any record on which the server has already decided whether the caller may edit it. */
interface Editable {
  can_edit: boolean;
}
/** What the proposal decisions read: which sections the caller may act on, and who wrote it. */
interface ProposalFacts {
  assignments: readonly Pick<Schemas['AssignmentOut'], 'can_act'>[];
  created_by_user_id?: number | null | undefined;
}

function roleOf(principal: Principal): Role | undefined {
  return principal?.role;
}

function hasRole(principal: Principal, ...roles: readonly Role[]): boolean {
  const role = roleOf(principal);
  return role !== undefined && roles.includes(role);
}

// --- the whole city -------------------------------------------------------------------------

/** Administrators (市政変革推進室) act on every bureau and section; nobody else has a city-wide scope. */
export function hasCityWideScope(principal: Principal): boolean {
  return hasRole(principal, 'admin');
}

/** Adding and renaming bureaus and sections (組織). */
export function mayManageOrganization(principal: Principal): boolean {
  return hasRole(principal, 'admin');
}

/** Watching the job queue, retrying failed jobs and cancelling queued ones (ジョブ). */
export function mayManageJobs(principal: Principal): boolean {
  return hasRole(principal, 'admin');
}

/** Reading the compliance view of reporting rounds (回答状況): the office and its analysts. */
export function mayReadRoundCompliance(principal: Principal): boolean {
  return hasRole(principal, 'admin', 'viewer');
}

/** Nudging (督促) the owners of a round's requests: the office. */
export function mayNudgeRounds(principal: Principal): boolean {
  return hasRole(principal, 'admin');
}

/** Reading the e-mail Platina sent or recorded (送信済みメール). */
export function mayReadSentMail(principal: Principal): boolean {
  return hasRole(principal, 'admin');
}

/** Registering webhook endpoints for other systems, with their secrets (Webhook 送信先). */
export function mayManageWebhooks(principal: Principal): boolean {
  return hasRole(principal, 'admin');
}

/** Reading CSV or Excel files into the register (データの取り込み). */
export function mayImport(principal: Principal): boolean {
  return hasRole(principal, 'admin', 'editor');
}

// --- proposals (課題提案) -----------------------------------------------------------------------

export function mayCreateProposal(principal: Principal): boolean {
  return hasRole(principal, 'admin', 'editor', 'proposer');
}

/**
 * What "mine" means on the proposal list for this person: the proposals of their sections
 * (editors), the ones they wrote (proposers), or nothing to narrow to (everyone else).
 */
export function ownProposalsScope(principal: Principal): 'sections' | 'written' | null {
  if (hasRole(principal, 'editor')) return 'sections';
  if (hasRole(principal, 'proposer')) return 'written';
  return null;
}

/** An editor is responsible for a proposal when the server lets them act on one of its sections. */
function isResponsibleEditor(principal: Principal, proposal: ProposalFacts): boolean {
  return hasRole(principal, 'editor') && proposal.assignments.some((assignment) => mayMoveStage(assignment));
}

/** Editing a proposal's texts: administrators, a responsible editor, or the person who wrote it. */
export function mayEditProposal(principal: Principal, proposal: ProposalFacts): boolean {
  if (!principal) return false;
  if (hasRole(principal, 'admin') || isResponsibleEditor(principal, proposal)) return true;
  return proposal.created_by_user_id != null && principal.id != null && proposal.created_by_user_id === principal.id;
}

/** Recording a consultation (協議): administrators and a responsible editor. */
export function mayRecordConsultation(principal: Principal, proposal: ProposalFacts): boolean {
  return hasRole(principal, 'admin') || isResponsibleEditor(principal, proposal);
}

/** Assigning a proposal to another section. */
export function mayAssignSection(principal: Principal): boolean {
  return hasRole(principal, 'admin');
}

/** Moving one section's stage (the server's `can_act`). */
export function mayMoveStage(assignment: Pick<Schemas['AssignmentOut'], 'can_act'>): boolean {
  return assignment.can_act;
}

// --- reforms (自主改革), the ledger (システム台帳) and targets --------------------------------------

export function mayCreateReform(principal: Principal): boolean {
  return hasRole(principal, 'admin', 'editor');
}

export function mayEditReform(reform: Editable): boolean {
  return reform.can_edit;
}

export function mayCreateDigitalSystem(principal: Principal): boolean {
  return hasRole(principal, 'admin', 'editor');
}

export function mayEditDigitalSystem(system: Editable): boolean {
  return system.can_edit;
}

export function mayAddTarget(principal: Principal): boolean {
  return hasRole(principal, 'admin');
}

/** Recording a measurement of a city-wide target. */
export function mayEditTarget(target: Editable): boolean {
  return target.can_edit;
}

// --- bureau policies (局区X方針), their issues, milestones and KPIs --------------------------------

/**
 * Writing a bureau's policy when it has none yet (no record to carry a flag): administrators, and
 * editors whose scope covers the bureau or one of its sections.
 */
export function mayWritePolicyOf(principal: Principal, bureauId: number, sectionIdsOfBureau: readonly number[]): boolean {
  if (hasRole(principal, 'admin')) return true;
  if (!principal || !hasRole(principal, 'editor')) return false;
  return (
    principal.scopes.bureau_ids.includes(bureauId) ||
    principal.scopes.section_ids.some((sectionId) => sectionIdsOfBureau.includes(sectionId))
  );
}

export function mayEditPolicy(policy: Editable): boolean {
  return policy.can_edit;
}

/** Editing an issue and adding its milestones, notes and KPIs. */
export function mayEditIssue(issue: Editable): boolean {
  return issue.can_edit;
}

export function mayEditMilestone(milestone: Editable): boolean {
  return milestone.can_edit;
}

export function mayEditKpi(kpi: Editable): boolean {
  return kpi.can_edit;
}

// --- links between records ----------------------------------------------------------------------

/** Adding links to a record is editing it. */
export function mayLinkFrom(record: Editable): boolean {
  return record.can_edit;
}

/** Removing one link: the caller may edit the record shown and the server allows this link. */
export function mayDeleteLink(mayEditRecord: boolean, link: Pick<Schemas['LinkOut'], 'can_delete'>): boolean {
  return mayEditRecord && link.can_delete;
}

// --- reporting rounds (照会) ------------------------------------------------------------------

/** Reading rounds and their requests: everyone but proposers. */
export function mayReadRounds(principal: Principal): boolean {
  return hasRole(principal, 'admin', 'editor', 'viewer');
}

/** Drafting rounds (照会) with no round yet to carry the server's `can_manage`: administrators. */
export function mayManageRounds(principal: Principal): boolean {
  return hasRole(principal, 'admin');
}

/** Editing, opening, closing and reopening a round, returning and accepting its answers. */
export function mayManageRound(round: { can_manage: boolean }): boolean {
  return round.can_manage;
}

/** Answering a request's items and submitting it (the server's `can_answer`). */
export function mayAnswerRequest(request: { can_answer: boolean }): boolean {
  return request.can_answer;
}

/** The inbox of requests to answer: the owners' editors (others have none to answer). */
export function mayAnswerRounds(principal: Principal): boolean {
  return hasRole(principal, 'editor', 'admin');
}
