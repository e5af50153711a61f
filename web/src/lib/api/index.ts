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
} from './types';
