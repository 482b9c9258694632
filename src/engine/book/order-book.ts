import type { LevelChange } from '../events.js';
import { BookSide } from './book-side.js';
import { BUY, SELL, type Order } from './order.js';
import type { PriceLevel } from './price-level.js';

/**
 * One market's limit order book: two sides, the per-market book sequence, and the levels changed by
 * the current command (so one book diff per command carries each changed level once).
 */
export class OrderBook {
  readonly bids = new BookSide(BUY);
  readonly asks = new BookSide(SELL);
  /** rises by exactly 1 with every book diff */
  seq = 0;
  private touched: Array<PriceLevel | null> = [];
  private touchedCount = 0;

  sideOf(side: number): BookSide {
    return side === BUY ? this.bids : this.asks;
  }

  add(order: Order, stamp: number): void {
    const level = this.sideOf(order.side).levelFor(order.price);
    level.append(order);
    this.touch(level, stamp);
  }

  remove(order: Order, stamp: number): void {
    const level = order.level!;
    level.remove(order);
    this.touch(level, stamp);
    if (level.count === 0) this.sideOf(level.side).removeLevel(level);
  }

  /** A resting order traded `lots`; drops it from the book when nothing remains. */
  reduce(order: Order, lots: number, stamp: number): void {
    const level = order.level!;
    order.remaining -= lots;
    level.total -= lots;
    this.touch(level, stamp);
    if (order.remaining === 0) {
      level.remove(order);
      if (level.count === 0) this.sideOf(level.side).removeLevel(level);
    }
  }

  touch(level: PriceLevel, stamp: number): void {
    if (level.touchedStamp !== stamp) {
      level.touchedStamp = stamp;
      this.touched[this.touchedCount++] = level;
    }
  }

  /** Forgets the changed levels (replay builds no diffs); true when there were any. */
  discardChanges(): boolean {
    const n = this.touchedCount;
    for (let i = 0; i < n; i++) this.touched[i] = null;
    this.touchedCount = 0;
    return n > 0;
  }

  /**
   * The levels changed since the last call, as absolute totals, or null when nothing changed. A side
   * without changes gets the shared empty list (diffs are read, never changed, by their consumers).
   */
  takeChanges(): { bids: readonly LevelChange[]; asks: readonly LevelChange[] } | null {
    const touched = this.touched;
    const n = this.touchedCount;
    if (n === 0) return null;
    let bids: LevelChange[] | null = null;
    let asks: LevelChange[] | null = null;
    for (let i = 0; i < n; i++) {
      const level = touched[i]!;
      const change: LevelChange = [level.price, level.total];
      if (level.side === BUY) (bids ??= []).push(change);
      else (asks ??= []).push(change);
      touched[i] = null;
    }
    this.touchedCount = 0;
    return { bids: bids ?? NO_CHANGES, asks: asks ?? NO_CHANGES };
  }
}

const NO_CHANGES: readonly LevelChange[] = Object.freeze([]);
