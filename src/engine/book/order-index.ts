import type { Order } from './order.js';

const PAGE_BITS = 12;
const PAGE_SIZE = 1 << PAGE_BITS;
const PAGE_MASK = PAGE_SIZE - 1;

interface Page {
  readonly slots: Array<Order | undefined>;
  live: number;
}

/**
 * Open orders by id. Ids are handed out in sequence and most orders die young, so the live ones sit in
 * a narrow window of ids: dense pages of 4,096 slots (freed when empty) keep that window compact in
 * memory, where one Map over every open order scatters its entries across a large hash table.
 */
export class OrderIndex {
  private readonly pages = new Map<number, Page>();
  /**
   * The last page freed, all slots empty, reused by the next new page: with a book that keeps emptying
   * (an order rests and is taken at once) a page would otherwise be allocated and filled per order.
   */
  private spare: Page | null = null;
  private count = 0;

  get size(): number {
    return this.count;
  }

  get(id: number): Order | undefined {
    // `&` truncates: without this a cancel of order 1.5 would find order 1
    if (!Number.isInteger(id)) return undefined;
    const page = this.pages.get(Math.floor(id / PAGE_SIZE));
    return page === undefined ? undefined : page.slots[id & PAGE_MASK];
  }

  set(id: number, order: Order): void {
    const key = Math.floor(id / PAGE_SIZE);
    let page = this.pages.get(key);
    if (page === undefined) {
      page = this.spare ?? { slots: new Array<Order | undefined>(PAGE_SIZE).fill(undefined), live: 0 };
      this.spare = null;
      this.pages.set(key, page);
    }
    const slot = id & PAGE_MASK;
    if (page.slots[slot] === undefined) {
      page.live++;
      this.count++;
    }
    page.slots[slot] = order;
  }

  delete(id: number): void {
    const key = Math.floor(id / PAGE_SIZE);
    const page = this.pages.get(key);
    if (page === undefined) return;
    const slot = id & PAGE_MASK;
    if (page.slots[slot] === undefined) return;
    page.slots[slot] = undefined;
    this.count--;
    if (--page.live === 0) {
      this.pages.delete(key);
      this.spare = page;
    }
  }

  *[Symbol.iterator](): IterableIterator<[number, Order]> {
    for (const [key, page] of this.pages) {
      for (let i = 0; i < PAGE_SIZE; i++) {
        const order = page.slots[i];
        if (order !== undefined) yield [key * PAGE_SIZE + i, order];
      }
    }
  }
}
