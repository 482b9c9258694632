/**
 * A WebSocket client's copy of one market's book, rebuilt from `book` messages the way a user of the
 * API would: the snapshot, then diffs whose `seq` must rise by exactly 1 (a jump is counted in `gaps`),
 * each level given with its new absolute amount ("0" = gone).
 */
export class BookReplica {
  seq = -1;
  gaps = 0;
  readonly bids = new Map<string, string>();
  readonly asks = new Map<string, string>();

  apply(m: any): void {
    if (m.snapshot) {
      this.bids.clear();
      this.asks.clear();
    } else if (m.seq !== this.seq + 1) {
      this.gaps++;
    }
    this.seq = m.seq;
    for (const [side, levels] of [[this.bids, m.bids], [this.asks, m.asks]] as const) {
      for (const [price, amount] of levels) {
        if (Number(amount) === 0) side.delete(price);
        else side.set(price, amount);
      }
    }
  }

  /** [price, amount] best first, as GET /api/orderbook lists them */
  levels(side: 'bids' | 'asks'): string[][] {
    const dir = side === 'bids' ? -1 : 1;
    return [...this[side]].sort((a, b) => dir * (Number(a[0]) - Number(b[0])));
  }
}
