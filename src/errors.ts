/**
 * The one error catalogue: every rejection the system can return, its HTTP status and default message.
 * The engine returns codes from here as values; the API maps them to HTTP. A test checks that the API
 * docs list every code.
 */
export const ERRORS = {
  UNAUTHORIZED: { status: 401, message: 'Missing or invalid bearer token' },
  FORBIDDEN: { status: 403, message: 'Token lacks the scope this endpoint needs' },
  NOT_FOUND: { status: 404, message: 'Not found' },
  VALIDATION_ERROR: { status: 400, message: 'Request is not valid' },
  UNKNOWN_PAIR: { status: 400, message: 'Unknown trading pair' },
  INVALID_PRICE: { status: 400, message: 'Price is not valid for this market' },
  INVALID_AMOUNT: { status: 400, message: 'Amount is not valid for this market' },
  INSUFFICIENT_BALANCE: { status: 422, message: 'Insufficient available balance' },
  DUPLICATE_CLIENT_ORDER_ID: { status: 409, message: 'An open order already uses this clientOrderId' },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'Request body is too large' },
  RATE_LIMITED: { status: 429, message: 'Too many requests' },
  UNAVAILABLE: { status: 503, message: 'Service temporarily unavailable' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERRORS;

export interface Rejection {
  readonly ok: false;
  readonly code: ErrorCode;
  readonly message: string;
}

export function reject(code: ErrorCode, message: string = ERRORS[code].message): Rejection {
  return { ok: false, code, message };
}
