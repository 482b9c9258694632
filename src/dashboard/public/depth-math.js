// Depth-chart arithmetic, kept apart from the page so it can be tested: the book's cumulative depth and a
// constant-product pool's depth at each price.
//
// A Uniswap-V2-style pool with reserves X (base), Y (quote), k = X·Y and fee f (γ = 1 − f, fee on the
// input) quotes a marginal ask of Y/(γX) and a marginal bid of γY/X. Moving the price to P takes
//   ask side (P ≥ Y/(γX)): X − sqrt(k/(γP)) base out of the pool,
//   bid side (P ≤ γY/X):   sqrt(γk/P) − X base into it,
// which is what the pool "offers" up to P — its depth curve, in the same units as the book's.

/** Base the pool sells to buyers up to price p, or null outside the ask side. */
export function ammAskDepth(baseReserve, quoteReserve, feeBps, p) {
  const g = 1 - feeBps / 10000;
  const k = baseReserve * quoteReserve;
  if (!(p > 0) || p < quoteReserve / (g * baseReserve)) return null;
  return baseReserve - Math.sqrt(k / (g * p));
}

/** Base the pool buys from sellers down to price p, or null outside the bid side. */
export function ammBidDepth(baseReserve, quoteReserve, feeBps, p) {
  const g = 1 - feeBps / 10000;
  const k = baseReserve * quoteReserve;
  if (!(p > 0) || p > (g * quoteReserve) / baseReserve) return null;
  return Math.sqrt((g * k) / p) - baseReserve;
}

/**
 * The x grid and four series for the depth chart. bids/asks: [[price, amount], ...] best first (numbers);
 * amm: {baseReserve, quoteReserve, feeBps} as numbers, or null. The window is centred on the book's mid
 * (else the pool's price) and wide enough for the shown levels, between minSpan and maxSpan of the centre.
 */
export function depthSeries(bids, asks, amm, options = {}) {
  const samples = options.samples ?? 160;
  const minSpan = options.minSpan ?? 0.005;
  const maxSpan = options.maxSpan ?? 0.1;
  const ammPrice = amm === null ? null : amm.quoteReserve / amm.baseReserve;
  const bestBid = bids.length > 0 ? bids[0][0] : null;
  const bestAsk = asks.length > 0 ? asks[0][0] : null;
  const center =
    bestBid !== null && bestAsk !== null ? (bestBid + bestAsk) / 2 : (ammPrice ?? bestBid ?? bestAsk);
  if (center === null || !(center > 0)) return null;
  let half = center * minSpan;
  for (const [p] of [...bids, ...asks]) {
    const d = Math.abs(p - center) * 1.05;
    if (d > half && d <= center * maxSpan) half = d;
  }
  if (ammPrice !== null) half = Math.max(half, Math.min(center * maxSpan, Math.abs(ammPrice - center) * 1.5));
  const lo = Math.max(center - half, center * 1e-6);
  const hi = center + half;

  const xs = new Set();
  for (let i = 0; i <= samples; i++) xs.add(lo + ((hi - lo) * i) / samples);
  for (const [p] of [...bids, ...asks]) if (p >= lo && p <= hi) xs.add(p);
  const x = [...xs].sort((a, b) => a - b);

  // cumulative sums, walked once per side
  const bidDepth = x.map(() => null);
  const askDepth = x.map(() => null);
  if (bestBid !== null) {
    let j = 0;
    let cum = 0;
    for (let i = x.length - 1; i >= 0; i--) {
      if (x[i] > bestBid) continue;
      while (j < bids.length && bids[j][0] >= x[i]) cum += bids[j++][1];
      bidDepth[i] = cum;
    }
  }
  if (bestAsk !== null) {
    let j = 0;
    let cum = 0;
    for (let i = 0; i < x.length; i++) {
      if (x[i] < bestAsk) continue;
      while (j < asks.length && asks[j][0] <= x[i]) cum += asks[j++][1];
      askDepth[i] = cum;
    }
  }
  const ammBid = x.map((p) => (amm === null ? null : ammBidDepth(amm.baseReserve, amm.quoteReserve, amm.feeBps, p)));
  const ammAsk = x.map((p) => (amm === null ? null : ammAskDepth(amm.baseReserve, amm.quoteReserve, amm.feeBps, p)));
  return { x, bidDepth, askDepth, ammBid, ammAsk, center, lo, hi };
}
