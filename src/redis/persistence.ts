/**
 * The durability the Redis mode needs. Redis keeps the exchange's state in memory; only AOF makes an
 * acknowledged command survive a Redis crash: `appendonly yes` with `appendfsync always` (nothing
 * acknowledged is lost) or `everysec` (up to about one second of acknowledged commands can be lost on
 * a power failure; a Redis process crash alone loses nothing). RDB snapshots alone lose everything
 * since the last snapshot. See docs/redis.md.
 */
import type { Redis } from 'ioredis';

export interface PersistenceReport {
  readonly appendonly: string | null;
  readonly appendfsync: string | null;
  /** what an operator should know; empty when AOF is on with everysec or always */
  readonly warnings: string[];
}

/** Judges the settings (pure; the values as CONFIG GET returns them, null when unreadable). */
export function judgePersistence(appendonly: string | null, appendfsync: string | null): PersistenceReport {
  const warnings: string[] = [];
  if (appendonly === null) {
    warnings.push('could not read the Redis persistence settings (CONFIG GET refused): make sure AOF is on (appendonly yes, appendfsync everysec or always)');
  } else if (appendonly !== 'yes') {
    warnings.push('Redis AOF is off (appendonly no): a Redis restart loses every order, trade and balance since the last RDB snapshot; set appendonly yes');
  } else if (appendfsync === 'no') {
    warnings.push('Redis appendfsync is no: the OS decides when the AOF reaches the disk (tens of seconds may be lost); use everysec or always');
  }
  return { appendonly, appendfsync, warnings };
}

/** Reads appendonly / appendfsync from the server and judges them. Never throws. */
export async function checkPersistence(redis: Redis): Promise<PersistenceReport> {
  try {
    const [, appendonly] = (await redis.config('GET', 'appendonly')) as string[];
    const [, appendfsync] = (await redis.config('GET', 'appendfsync')) as string[];
    return judgePersistence(appendonly ?? null, appendfsync ?? null);
  } catch {
    return judgePersistence(null, null);
  }
}
