/**
 * Reading the event streams. Each command with events is one entry
 * `n <command number> <kind> <command> r <reply>`: kind `O` placeOrder (command = its order
 * descriptor, wire.ts), `X` cancelOrder or cancelByClientOrderId (command = the order key found and the
 * time, the same for both), `Y` cancelAll, `D` deposit, `W` withdraw, `L` liquidity; the
 * reply is the script's compact reply, exactly what the caller got. `decodeStreamEntry` gives back the
 * engine's events, equal (deepStrictEqual) to those `RedisEngine.execute` returned for that command.
 */
import type { EngineEvent } from '../engine/events.js';
import type { MarketCatalogue } from '../engine/market.js';
import { tailEvents } from './command-args.js';
import { decodeCancels, decodePlace } from './reply.js';
import { parseOrderText, parseTime, Reader } from './wire.js';

export interface StreamEntry {
  /** the exchange-wide command number: merging the streams by `n` gives the total order */
  readonly n: number;
  readonly events: EngineEvent[];
  /** the command's time (orders and cancels; null for funding and liquidity, whose events need none) */
  readonly time: number | null;
}

/** The time at the end of a cancel's command field ("<order key or userId> <time>"; a time has no space). */
function trailingTime(command: string | Buffer): number {
  const text = String(command);
  return parseTime(text.slice(text.lastIndexOf(' ') + 1));
}

const toBuffer = (v: string | Buffer): Buffer => (typeof v === 'string' ? Buffer.from(v, 'utf8') : v);

/**
 * Decodes one stream entry's fields (as XRANGE / XREAD give them, strings or Buffers) with the
 * markets the engine was opened with (the same catalogue: market and asset indexes).
 */
export function decodeStreamEntry(fields: ReadonlyArray<string | Buffer>, catalogue: MarketCatalogue): StreamEntry {
  if (fields.length !== 6 || String(fields[0]) !== 'n' || String(fields[4]) !== 'r') {
    throw new Error(`not a hooats stream entry: ${fields.map(String).join(' ').slice(0, 200)}`);
  }
  const n = Number(String(fields[1]));
  const kind = String(fields[2]);
  const reply = toBuffer(fields[5]);
  switch (kind) {
    case 'O': {
      const taker = parseOrderText(toBuffer(fields[3]), false);
      return { n, events: decodePlace(catalogue, catalogue.markets[taker.marketIndex], taker, new Reader(reply)).events, time: taker.createdAt };
    }
    case 'X':
    case 'Y': {
      const events: EngineEvent[] = [];
      decodeCancels(catalogue, new Reader(reply), events);
      return { n, events, time: trailingTime(fields[3]) };
    }
    case 'D':
    case 'W':
    case 'L':
      return { n, events: tailEvents(catalogue, reply), time: null };
    default:
      throw new Error(`unknown hooats stream entry kind ${kind}`);
  }
}
