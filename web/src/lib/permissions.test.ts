import { describe, expect, it } from 'vitest';
import {
  hasCityWideScope,
  mayAddTarget,
  mayAssignSection,
  mayCreateDigitalSystem,
  mayCreateProposal,
  mayCreateReform,
  mayDeleteLink,
  mayEditProposal,
  mayEditReform,
  mayImport,
  mayManageOrganization,
  mayRecordConsultation,
  mayWritePolicyOf,
  ownProposalsScope,
  type Principal,
} from './permissions';

const none = { bureau_ids: [], section_ids: [] };
const admin: Principal = { id: 1, role: 'admin', scopes: none };
const editor: Principal = { id: 2, role: 'editor', scopes: { bureau_ids: [5], section_ids: [51] } };
const proposer: Principal = { id: 3, role: 'proposer', scopes: none };
const viewer: Principal = { id: 4, role: 'viewer', scopes: none };

describe('who may do what, as the SPA offers it', () => {
  it('lets administrators manage the organisation, add targets and assign sections, and nobody else', () => {
    for (const decide of [mayManageOrganization, mayAddTarget, mayAssignSection, hasCityWideScope]) {
      expect([admin, editor, proposer, viewer, null].map(decide)).toEqual([true, false, false, false, false]);
    }
  });

  it('lets administrators and editors import and register reforms and systems', () => {
    for (const decide of [mayImport, mayCreateReform, mayCreateDigitalSystem]) {
      expect([admin, editor, proposer, viewer, undefined].map(decide)).toEqual([true, true, false, false, false]);
    }
  });

  it('lets everyone but viewers propose, and narrows “mine” by sections for editors and by author for proposers', () => {
    expect([admin, editor, proposer, viewer].map(mayCreateProposal)).toEqual([true, true, true, false]);
    expect([admin, editor, proposer, viewer].map(ownProposalsScope)).toEqual([null, 'sections', 'written', null]);
  });

  it('lets a proposal be edited by an administrator, an editor who can act on a section of it, or its author', () => {
    const acting = { assignments: [{ can_act: true }], created_by_user_id: 9 };
    const notActing = { assignments: [{ can_act: false }], created_by_user_id: 3 };
    expect(mayEditProposal(admin, notActing)).toBe(true);
    expect(mayEditProposal(editor, acting)).toBe(true);
    expect(mayEditProposal(editor, notActing)).toBe(false);
    expect(mayEditProposal(proposer, notActing)).toBe(true);
    expect(mayEditProposal(proposer, acting)).toBe(false);
    expect(mayEditProposal(viewer, acting)).toBe(false);
    expect(mayEditProposal({ role: 'proposer', scopes: none }, { assignments: [], created_by_user_id: null })).toBe(false);
    expect(mayRecordConsultation(editor, acting)).toBe(true);
    expect(mayRecordConsultation(proposer, notActing)).toBe(false);
  });

  it('lets an editor write the policy of a bureau in their scope only', () => {
    expect(mayWritePolicyOf(editor, 5, [])).toBe(true);
    expect(mayWritePolicyOf(editor, 7, [51, 52])).toBe(true);
    expect(mayWritePolicyOf(editor, 7, [71])).toBe(false);
    expect(mayWritePolicyOf(admin, 7, [])).toBe(true);
    expect(mayWritePolicyOf(viewer, 5, [51])).toBe(false);
  });

  it('takes the server’s answer where the record carries one', () => {
    expect(mayEditReform({ can_edit: true })).toBe(true);
    expect(mayEditReform({ can_edit: false })).toBe(false);
    expect(mayDeleteLink(true, { can_delete: false })).toBe(false);
    expect(mayDeleteLink(false, { can_delete: true })).toBe(false);
    expect(mayDeleteLink(true, { can_delete: true })).toBe(true);
  });
});
