// The order book of one pair as the WebSocket sends it: a snapshot, then diffs whose seq rises by exactly
// one, each level with its new absolute amount ("0" = gone). Prices and amounts stay the server's strings;
// numbers are derived for charts only.

export class BookState {
  constructor() {
    this.reset();
  }

  reset() {
    /** @type {Map<string, string>} price → amount */
    this.bids = new Map();
    this.asks = new Map();
    this.seq = null;
    this.updates = 0;
  }

  /** Applies a {"type":"book"} message; returns false when a diff does not follow (resubscribe then). */
  apply(msg) {
    if (msg.snapshot) {
      this.bids = new Map(msg.bids);
      this.asks = new Map(msg.asks);
      this.seq = msg.seq;
      this.updates++;
      return true;
    }
    if (this.seq === null || msg.seq !== this.seq + 1) return false;
    for (const [price, amount] of msg.bids) setLevel(this.bids, price, amount);
    for (const [price, amount] of msg.asks) setLevel(this.asks, price, amount);
    this.seq = msg.seq;
    this.updates++;
    return true;
  }

  /** [[price, amount], ...] as numbers, best first */
  levels(side) {
    const map = side === 'bids' ? this.bids : this.asks;
    const out = [...map].map(([p, a]) => [Number(p), Number(a), p, a]);
    out.sort((x, y) => (side === 'bids' ? y[0] - x[0] : x[0] - y[0]));
    return out;
  }
}

function setLevel(map, price, amount) {
  if (Number(amount) === 0) map.delete(price);
  else map.set(price, amount);
}
