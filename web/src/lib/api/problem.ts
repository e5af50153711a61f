import type { TFunction } from 'i18next';
import { i18n } from '../i18n';
import { ja } from '../i18n/ja';
import type { ErrorCode } from './types';

// Compile-time guard: every code the server documents has a translated message.
// When the OpenAPI document gains a code, `npm run build` fails here until ja.ts/en.ts know it.
const everyCodeTranslated: Record<ErrorCode, string> = ja.problem;
void everyCodeTranslated;

/** One invalid field of a request, as listed in a problem's `errors`. */
export interface FieldProblem {
  /** JSON pointer into the request body, e.g. `/email`. */
  pointer: string;
  code: string;
  message: string;
}

/** The RFC 9457 body the server sends for every error. */
export interface ProblemBody {
  type?: string;
  title?: string;
  status?: number;
  detail?: string | null;
  code?: string;
  request_id?: string;
  errors?: FieldProblem[] | null;
  retry_after_seconds?: number | null;
}

/** Codes the client itself produces when there is no problem body to read. */
export const CLIENT_CODES = {
  network: 'network_error',
  unexpected: 'unexpected_response',
} as const;

/**
 * A failed API call. `code` is the server's stable code (or one of CLIENT_CODES);
 * `message` is already translated into the language in use when the error was made.
 */
export class ApiProblem extends Error {
  override readonly name = 'ApiProblem';
  readonly status: number;
  readonly code: string;
  readonly title: string;
  readonly detail: string | undefined;
  readonly requestId: string | undefined;
  readonly fieldErrors: FieldProblem[];
  readonly retryAfterSeconds: number | undefined;

  constructor(init: {
    status: number;
    code: string;
    title?: string | undefined;
    detail?: string | undefined;
    requestId?: string | undefined;
    fieldErrors?: FieldProblem[] | undefined;
    retryAfterSeconds?: number | undefined;
    cause?: unknown;
  }) {
    const title = init.title ?? '';
    super(translateProblem(i18n.t.bind(i18n) as TFunction, init.code, title, init.status), {
      cause: init.cause,
    });
    this.status = init.status;
    this.code = init.code;
    this.title = title;
    this.detail = init.detail;
    this.requestId = init.requestId;
    this.fieldErrors = init.fieldErrors ?? [];
    this.retryAfterSeconds = init.retryAfterSeconds;
  }

  /** The message in the language of `t` (use this in components so it follows language switches). */
  localizedMessage(t: TFunction): string {
    return translateProblem(t, this.code, this.title, this.status);
  }

  /** Field errors keyed by the top-level field name of their pointer (`/email` → `email`). */
  fieldErrorsByName(): Record<string, FieldProblem> {
    const out: Record<string, FieldProblem> = {};
    for (const fieldError of this.fieldErrors) {
      const name = pointerToField(fieldError.pointer);
      if (name && !(name in out)) out[name] = fieldError;
    }
    return out;
  }
}

export function isApiProblem(value: unknown): value is ApiProblem {
  return value instanceof ApiProblem;
}

/** `/email` → `email`, `/items/0/name` → `items`; JSON pointer escapes `~1` and `~0` are decoded. */
export function pointerToField(pointer: string): string | undefined {
  const first = pointer.split('/')[1];
  if (!first) return undefined;
  return first.replace(/~1/g, '/').replace(/~0/g, '~');
}

function translateProblem(t: TFunction, code: string, title: string, status: number): string {
  const fallback = title || t('problem.unexpected_response', { status });
  return t(`problem.${code}` as 'problem.internal_error', { defaultValue: fallback, status });
}

/**
 * Translates a field error by its code, falling back to the server's message. The server writes
 * field messages in English with the exact limits, so English readers get them verbatim.
 */
export function fieldErrorMessage(t: TFunction, fieldError: FieldProblem): string {
  if (i18n.resolvedLanguage === 'en' && fieldError.message) return fieldError.message;
  return t(`fieldError.${fieldError.code}` as 'fieldError.required', {
    defaultValue: fieldError.message,
  });
}

/** Seconds from a `Retry-After` header: delta-seconds or an HTTP date. */
export function parseRetryAfter(header: string | null, now: number = Date.now()): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - now) / 1000));
}

const STATUS_CODES: Record<number, string> = {
  400: 'malformed_json',
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  413: 'payload_too_large',
  414: 'uri_too_long',
  415: 'unsupported_media_type',
  422: 'validation_failed',
  429: 'too_many_requests',
  500: 'internal_error',
  503: 'service_unavailable',
};

function asObject(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function asFieldProblems(value: unknown): FieldProblem[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((item) => {
    const entry = asObject(item);
    if (!entry || typeof entry.pointer !== 'string') return [];
    return [
      {
        pointer: entry.pointer,
        code: typeof entry.code === 'string' ? entry.code : 'invalid',
        message: typeof entry.message === 'string' ? entry.message : '',
      },
    ];
  });
}

/**
 * Reads a failed response into an ApiProblem. Never throws: bodies that are not
 * problem+json (a proxy's HTML page, an empty body) become a status-based problem.
 */
export async function problemFromResponse(response: Response): Promise<ApiProblem> {
  let text = '';
  try {
    text = await response.text();
  } catch {
    // Body unreadable (aborted); fall through with the status only.
  }
  let body: Record<string, unknown> | undefined;
  if (text) {
    try {
      body = asObject(JSON.parse(text));
    } catch {
      body = undefined;
    }
  }
  const headerSeconds = parseRetryAfter(response.headers.get('Retry-After'));
  const bodySeconds =
    typeof body?.retry_after_seconds === 'number' ? body.retry_after_seconds : undefined;
  const code =
    typeof body?.code === 'string' && body.code
      ? body.code
      : (STATUS_CODES[response.status] ?? CLIENT_CODES.unexpected);
  return new ApiProblem({
    status: typeof body?.status === 'number' ? body.status : response.status,
    code,
    title: typeof body?.title === 'string' ? body.title : undefined,
    detail: typeof body?.detail === 'string' ? body.detail : undefined,
    requestId:
      typeof body?.request_id === 'string'
        ? body.request_id
        : (response.headers.get('X-Request-Id') ?? undefined),
    fieldErrors: asFieldProblems(body?.errors),
    retryAfterSeconds: bodySeconds ?? headerSeconds,
  });
}
