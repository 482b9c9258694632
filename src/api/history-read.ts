/**
 * Reads of the history store at the API edge. The history trails the durable state by the writer's lag
 * (milliseconds when healthy), so before a query the read waits, up to HOOATS_HISTORY_READ_WAIT_MS, until
 * the store holds every command the client may already have been told about: everything the API has
 * published (replies and WebSocket pushes go out only after that), or the engine state the same answer
 * shows. A fill just confirmed is therefore always in GET fills, an order just filled in GET
 * orders/:id. When the history cannot catch up in time — the store is down (the writer is backing off),
 * stalled, or far behind after a burst — or a query fails, the answer is 503 UNAVAILABLE with
 * Retry-After, never a silently incomplete page. Trading is unaffected either way.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { HistoryWriterState } from '../history/history-writer.js';
import { ApiError } from './api-error.js';
import type { AppContext } from './context.js';
import type { HistoryService } from './history-service.js';

/** writer states in which it is making progress, so waiting for it is worthwhile */
const PROGRESSING: ReadonlySet<HistoryWriterState> = new Set(['starting', 'ok', 'catching_up']);
const POLL_MS = 20;
const RETRY_AFTER_S = 1;
const LOG_EVERY_MS = 10_000;

let lastLogged = 0;

function unavailable(h: HistoryService, why: string): ApiError {
  const s = h.status();
  return new ApiError('UNAVAILABLE', `order history is temporarily unavailable (${why}; ${s.lag} commands behind); retry shortly`, RETRY_AFTER_S);
}

/** The history service, or 503 when this server runs without one. */
export function historyOf(ctx: AppContext): HistoryService {
  if (ctx.history === null) throw new ApiError('UNAVAILABLE', 'this server runs without an order history');
  return ctx.history;
}

/** Resolves once the store holds every command up to `target`; throws UNAVAILABLE when it will not soon. */
async function caughtUp(ctx: AppContext, h: HistoryService, target: number): Promise<void> {
  const w = h.writer;
  if (w.persistedSeq >= target) return;
  const deadline = Date.now() + ctx.config.history.readWaitMs;
  // whenPersisted resolves at once when a write reaches the target; the poll covers the progress read at
  // start (which sets the persisted seq without a write) and notices a writer that stopped progressing
  const reached = w.whenPersisted(target).then(
    () => true,
    () => false,
  );
  for (;;) {
    if (w.persistedSeq >= target) return;
    if (!PROGRESSING.has(w.state)) throw unavailable(h, `history writer ${w.state}`);
    const left = deadline - Date.now();
    if (left <= 0) throw unavailable(h, 'history writer is behind');
    if (await Promise.race([reached, sleep(Math.min(POLL_MS, left), false)])) return;
  }
}

/**
 * Runs `query` against the history once it holds everything up to `target` (default: what the API has
 * published when the request arrived). A failing query (database down) becomes 503 UNAVAILABLE.
 */
export async function historyRead<T>(ctx: AppContext, query: (h: HistoryService) => Promise<T>, target: number = ctx.feed.seq): Promise<T> {
  const h = historyOf(ctx);
  await caughtUp(ctx, h, target);
  try {
    return await query(h);
  } catch (err) {
    if (err instanceof ApiError) throw err;
    h.readFailures++;
    const now = Date.now();
    // one line per outage, not one per request
    if (now - lastLogged >= LOG_EVERY_MS) {
      lastLogged = now;
      ctx.log.warn({ err, readFailures: h.readFailures }, 'history query failed; answering 503');
    }
    throw new ApiError('UNAVAILABLE', 'order history is temporarily unavailable (the history store did not answer); retry shortly', RETRY_AFTER_S);
  }
}
