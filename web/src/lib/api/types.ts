import type { components, paths } from './schema';

type JsonOf<T> = T extends { content: { 'application/json': infer B } } ? B : never;

/** The body of a successful sign-in or refresh. */
export type TokenOut = JsonOf<paths['/api/v1/auth/login']['post']['responses'][200]>;
/** The person a sign-in or refresh answers with. */
export type UserOut = TokenOut['user'];
/** The caller as GET /api/v1/me describes it (a person or an internal system). */
export type MeOut = JsonOf<paths['/api/v1/me']['get']['responses'][200]>;
export type Role = UserOut['role'];
export type LoginIn = components['schemas']['LoginIn'];
/** Every stable error code the server documents. */
export type ErrorCode = components['schemas']['Problem']['code'];

/** A bureau, ward office, office or committee (`/api/v1/bureaus`). */
export type BureauOut = components['schemas']['BureauOut'];
export type BureauIn = components['schemas']['BureauIn'];
export type BureauPatchIn = components['schemas']['BureauPatchIn'];
export type BureauKind = components['schemas']['BureauKindDto'];
/** A section (課) with the name in force on `as_of` and every name it has had. */
export type SectionOut = components['schemas']['SectionOut'];
export type SectionNameOut = components['schemas']['SectionNameOut'];
export type SectionIn = components['schemas']['SectionIn'];
export type SectionRenameIn = components['schemas']['SectionRenameIn'];

// Records and vocabularies more than one screen shows.
export type PeriodOut = components['schemas']['PeriodOut'];
export type ProposalOut = components['schemas']['ProposalOut'];
export type ProjectTeamOut = components['schemas']['ProjectTeamOut'];
export type ReformOut = components['schemas']['ReformOut'];
export type LinkOut = components['schemas']['LinkOut'];
export type ImplementationStatus = components['schemas']['ImplementationStatusDto'];
export type Decision = components['schemas']['DecisionDto'];
export type ReformStatus = components['schemas']['ReformStatusDto'];
export type IssueStatus = components['schemas']['IssueStatusDto'];
export type ReformClassification = components['schemas']['ReformClassificationDto'];
export type EffectKind = components['schemas']['EffectKindDto'];
