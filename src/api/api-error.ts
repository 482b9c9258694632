/**
 * Errors at the API edge, always a code of the one catalogue (src/errors.ts) with its status. Every
 * error a client can see — ours, the engine's, fastify's own (bad JSON, body limit, unknown route, schema
 * failures) — is turned into the body {"error": {code, message}} by toApiError.
 */
import { ERRORS, type ErrorCode } from '../errors.js';

export class ApiError extends Error {
  readonly statusCode: number;

  constructor(
    readonly code: ErrorCode,
    message: string = ERRORS[code].message,
    /** seconds, for RATE_LIMITED */
    readonly retryAfter: number | null = null,
  ) {
    super(message);
    this.statusCode = ERRORS[code].status;
  }
}

export interface ErrorBody {
  readonly error: { readonly code: ErrorCode; readonly message: string };
}

export function errorBody(code: ErrorCode, message: string = ERRORS[code].message): ErrorBody {
  return { error: { code, message } };
}

interface FastifyLikeError {
  code?: unknown;
  statusCode?: unknown;
  message?: unknown;
  validation?: unknown;
  validationContext?: unknown;
}

/** fastify's own error codes a client can cause, with what we answer. */
const FASTIFY_CODES: Readonly<Record<string, [ErrorCode, string]>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: ['PAYLOAD_TOO_LARGE', ERRORS.PAYLOAD_TOO_LARGE.message],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: ['VALIDATION_ERROR', 'Content-Type must be application/json'],
  FST_ERR_CTP_EMPTY_JSON_BODY: ['VALIDATION_ERROR', 'Body is empty but Content-Type is application/json'],
  FST_ERR_CTP_INVALID_JSON_BODY: ['VALIDATION_ERROR', 'Body is not valid JSON'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: ['VALIDATION_ERROR', 'Content-Length does not match the body'],
  FST_ERR_CTP_INVALID_TYPE: ['VALIDATION_ERROR', 'Content-Type is not valid'],
  FST_ERR_BAD_URL: ['VALIDATION_ERROR', 'URL is not valid'],
  FST_ERR_MAX_PARAM_LENGTH: ['VALIDATION_ERROR', 'a path parameter is too long'],
  FST_ERR_ASYNC_CONSTRAINT: ['VALIDATION_ERROR', 'Request is not valid'],
};

/**
 * Maps anything thrown while handling a request to a catalogue error. `internal` is true for errors no
 * client input should cause (bugs): those are logged with their stack and answered without it.
 */
export function toApiError(err: unknown): { error: ApiError; internal: boolean } {
  if (err instanceof ApiError) return { error: err, internal: false };
  const e = (typeof err === 'object' && err !== null ? err : {}) as FastifyLikeError;
  if (e.validation !== undefined) {
    const message = typeof e.message === 'string' ? e.message : ERRORS.VALIDATION_ERROR.message;
    return { error: new ApiError('VALIDATION_ERROR', message), internal: false };
  }
  if (typeof e.code === 'string' && FASTIFY_CODES[e.code] !== undefined) {
    const [code, message] = FASTIFY_CODES[e.code];
    return { error: new ApiError(code, message), internal: false };
  }
  // JSON.parse errors and secure-json-parse's prototype-poisoning refusals
  if (err instanceof SyntaxError) return { error: new ApiError('VALIDATION_ERROR', 'Body is not valid JSON'), internal: false };
  const status = typeof e.statusCode === 'number' ? e.statusCode : 500;
  if (status === 404) return { error: new ApiError('NOT_FOUND'), internal: false };
  if (status === 413) return { error: new ApiError('PAYLOAD_TOO_LARGE'), internal: false };
  if (status >= 400 && status < 500) {
    const message = typeof e.message === 'string' && e.message.length < 200 ? e.message : ERRORS.VALIDATION_ERROR.message;
    return { error: new ApiError('VALIDATION_ERROR', message), internal: false };
  }
  // The catalogue has no code for a bug; UNAVAILABLE (503) is the closest honest answer for a client.
  return { error: new ApiError('UNAVAILABLE', 'internal error; the request may be retried'), internal: true };
}
