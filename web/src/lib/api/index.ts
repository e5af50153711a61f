export { createApiClient, dataOf, type ApiClient } from './client';
export { ApiProvider, useApi } from './context';
export {
  ApiProblem,
  isApiProblem,
  fieldErrorMessage,
  pointerToField,
  problemFromResponse,
  type FieldProblem,
} from './problem';
export type {
  TokenOut,
  UserOut,
  MeOut,
  Role,
  LoginIn,
  ErrorCode,
  BureauOut,
  BureauIn,
  BureauPatchIn,
  BureauKind,
  SectionOut,
  SectionNameOut,
  SectionIn,
  SectionRenameIn,
  PeriodOut,
  ProposalOut,
  ProjectTeamOut,
  ReformOut,
  LinkOut,
  ImplementationStatus,
  Decision,
  ReformStatus,
  IssueStatus,
  ReformClassification,
  EffectKind,
} from './types';

/** The `If-Match` value for a record read at `version` (the server's ETag is `"<version>"`). */
export function ifMatch(version: number): string {
  return `"${version}"`;
}
