/** A fixed-capacity buffer keeping the newest `capacity` items; push is O(1), no shifting. */
export class Ring<T> {
  private readonly items: T[] = [];
  private next = 0;

  constructor(readonly capacity: number) {}

  push(item: T): void {
    if (this.items.length < this.capacity) this.items.push(item);
    else this.items[this.next] = item;
    this.next = (this.next + 1) % this.capacity;
  }

  get size(): number {
    return this.items.length;
  }

  /** Newest first, at most `limit` items that pass `keep`. */
  newest(limit: number, keep: (item: T) => boolean = () => true): T[] {
    const out: T[] = [];
    const n = this.items.length;
    for (let i = 1; i <= n && out.length < limit; i++) {
      const item = this.items[(this.next - i + n * 2) % n];
      if (keep(item)) out.push(item);
    }
    return out;
  }
}
