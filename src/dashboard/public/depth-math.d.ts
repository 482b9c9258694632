export declare function ammAskDepth(baseReserve: number, quoteReserve: number, feeBps: number, p: number): number | null;
export declare function ammBidDepth(baseReserve: number, quoteReserve: number, feeBps: number, p: number): number | null;
export interface DepthSeries {
  x: number[];
  bidDepth: Array<number | null>;
  askDepth: Array<number | null>;
  ammBid: Array<number | null>;
  ammAsk: Array<number | null>;
  center: number;
  lo: number;
  hi: number;
}
export declare function depthSeries(
  bids: ReadonlyArray<readonly [number, number, ...unknown[]]>,
  asks: ReadonlyArray<readonly [number, number, ...unknown[]]>,
  amm: { baseReserve: number; quoteReserve: number; feeBps: number } | null,
  options?: { samples?: number; minSpan?: number; maxSpan?: number },
): DepthSeries | null;
