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
