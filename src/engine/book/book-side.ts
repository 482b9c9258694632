import { BUY, type SideCode } from './order.js';
import { PriceLevel } from './price-level.js';

/**
 * The price levels of one side of a book. Levels sit in an array sorted so that the best price is the
 * LAST element (highest bid, lowest ask): best-price access and removing an emptied best level are O(1);
 * a new level is found by binary search (O(log n)) and inserted with one memmove, which for the
 * hundreds to tens of thousands of levels of a real book is faster than a tree's pointer chasing.
 * A Map from price to level gives O(1) access to an existing level.
 */
export class BookSide {
  readonly levels: PriceLevel[] = [];
  readonly byPrice = new Map<number, PriceLevel>();

  constructor(readonly side: SideCode) {}

  best(): PriceLevel | null {
    const n = this.levels.length;
    return n === 0 ? null : this.levels[n - 1];
  }

  /** True when `a` is a strictly better price than `b` on this side. */
  isBetter(a: number, b: number): boolean {
    return this.side === BUY ? a > b : a < b;
  }

  levelFor(price: number): PriceLevel {
    let level = this.byPrice.get(price);
    if (level !== undefined) return level;
    level = new PriceLevel(this.side, price);
    this.byPrice.set(price, level);
    const levels = this.levels;
    // position after every level that is better than or equal to... i.e. keep worst first, best last
    let lo = 0;
    let hi = levels.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.isBetter(price, levels[mid].price)) lo = mid + 1;
      else hi = mid;
    }
    if (lo === levels.length) levels.push(level);
    else levels.splice(lo, 0, level);
    return level;
  }

  removeLevel(level: PriceLevel): void {
    this.byPrice.delete(level.price);
    const levels = this.levels;
    const last = levels.length - 1;
    if (levels[last] === level) {
      levels.pop();
      return;
    }
    let lo = 0;
    let hi = last;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.isBetter(level.price, levels[mid].price)) lo = mid + 1;
      else hi = mid;
    }
    levels.splice(lo, 1);
  }

  /** Aggregated [price, lots] from best to worst, at most `depth` levels. */
  depth(depth: number): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    for (let i = this.levels.length - 1; i >= 0 && out.length < depth; i--) {
      const level = this.levels[i];
      out.push([level.price, level.total]);
    }
    return out;
  }
}
