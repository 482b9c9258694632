/**
 * Redis could not be reached. The API maps it to 503 UNAVAILABLE (`code`, `statusCode`). `outcome`
 * says what is known about the command: `not_applied` when it never left this process (the client was
 * not connected: no offline queue, so nothing waits to be replayed later), `unknown` when the
 * connection failed while the script was in flight: the script is atomic, so it ran entirely or not
 * at all, and nothing resends it automatically (a resend could apply it twice).
 */
export class RedisUnavailableError extends Error {
  readonly code = 'UNAVAILABLE' as const;
  readonly statusCode = 503;

  constructor(
    message: string,
    readonly outcome: 'not_applied' | 'unknown',
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'RedisUnavailableError';
  }
}

/** A reply error is Redis answering (a script error is a bug, not unavailability). */
export function isReplyError(err: unknown): boolean {
  return err instanceof Error && err.name === 'ReplyError';
}

/** ioredis refuses a command at once when it is not connected and the offline queue is off. */
export function neverSent(err: unknown): boolean {
  return err instanceof Error && /enableOfflineQueue|Connection is closed/.test(err.message);
}
