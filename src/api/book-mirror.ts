/**
 * A copy of each market's aggregated book as of the last DURABLE command, kept from the durable `book`
 * events. The engine applies a command before it is on disk, so a WebSocket snapshot taken from the live
 * engine could show levels (and a seq) that the diffs sent after it would repeat or that a crash could
 * take back. Snapshots come from here instead: snapshot seq N is followed by exactly the diffs N+1, N+2...
 */
import type { BookDepth } from '../engine/engine.js';
import type { BookEvent, LevelChange } from '../engine/events.js';

interface MirroredBook {
  seq: number;
  /** ticks → lots */
  readonly bids: Map<number, number>;
  readonly asks: Map<number, number>;
}

export interface MirrorSnapshot {
  readonly seq: number;
  /** [ticks, lots], best first */
  readonly bids: Array<[number, number]>;
  readonly asks: Array<[number, number]>;
}

function fill(levels: Map<number, number>, from: ReadonlyArray<readonly [number, number]>): void {
  for (const [price, lots] of from) levels.set(price, lots);
}

function applyChanges(levels: Map<number, number>, changes: readonly LevelChange[]): void {
  for (const [price, lots] of changes) {
    if (lots === 0) levels.delete(price);
    else levels.set(price, lots);
  }
}

export class BookMirror {
  private readonly books = new Map<string, MirroredBook>();

  /** Starts from the engine's books; call before any command runs, when engine state = durable state. */
  constructor(depths: Iterable<BookDepth>) {
    for (const d of depths) {
      const book: MirroredBook = { seq: d.seq, bids: new Map(), asks: new Map() };
      fill(book.bids, d.bids);
      fill(book.asks, d.asks);
      this.books.set(d.pair, book);
    }
  }

  /** Applies a durable book event; false when it was already included (seq not after the mirror's). */
  apply(e: BookEvent): boolean {
    const book = this.books.get(e.pair);
    if (book === undefined || e.seq <= book.seq) return false;
    applyChanges(book.bids, e.bids);
    applyChanges(book.asks, e.asks);
    book.seq = e.seq;
    return true;
  }

  snapshot(pair: string): MirrorSnapshot | null {
    const book = this.books.get(pair);
    if (book === undefined) return null;
    return {
      seq: book.seq,
      bids: [...book.bids].sort((a, b) => b[0] - a[0]),
      asks: [...book.asks].sort((a, b) => a[0] - b[0]),
    };
  }
}
