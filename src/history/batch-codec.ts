/**
 * A history batch as columns, to hand it to a worker thread cheaply: every number goes into one
 * Float64Array and every string into a per-batch dictionary referenced from one Int32Array, so posting
 * a batch moves two buffers (transferred, not copied) and a short list of distinct strings, instead of
 * structured-cloning thousands of objects on the exchange's thread. Nulls: NaN for numbers, -1 for
 * strings. Every engine value is a safe integer, so a double holds it exactly.
 */
import type { FillRecord, HistoryBatch, OrderEventRecord, OrderRecord, TradeRecord } from './types.js';

/** n: number, n?: number or null, s: string, s?: string or null, b: boolean */
type Kind = 'n' | 'n?' | 's' | 's?' | 'b';
type Columns<T> = readonly (readonly [keyof T & string, Kind])[];

const ORDER_EVENT: Columns<OrderEventRecord> = [
  ['orderId', 'n'], ['seq', 'n'], ['index', 'n'], ['kind', 's'], ['status', 's'], ['amount', 'n'], ['filled', 'n'],
  ['cancelReason', 's?'], ['time', 'n?'],
];
const ORDER: Columns<OrderRecord> = [
  ['id', 'n'], ['clientOrderId', 's?'], ['userId', 's'], ['pair', 's'], ['side', 's'], ['type', 's'], ['price', 'n'],
  ['amount', 'n'], ['filled', 'n'], ['status', 's'], ['cancelReason', 's?'], ['timeInForce', 's'], ['postOnly', 'b'],
  ['quoteAmount', 'n?'], ['createdAt', 'n'], ['updatedSeq', 'n'], ['updatedIndex', 'n'], ['updatedAt', 'n?'],
];
const FILL: Columns<FillRecord> = [
  ['id', 'n'], ['tradeId', 'n'], ['orderId', 'n'], ['userId', 's'], ['pair', 's'], ['side', 's'], ['liquidity', 's'],
  ['venue', 's'], ['price', 'n'], ['amount', 'n'], ['quote', 'n'], ['fee', 'n'], ['feeAsset', 's'], ['time', 'n'], ['seq', 'n'],
];
const TRADE: Columns<TradeRecord> = [
  ['id', 'n'], ['pair', 's'], ['price', 'n'], ['amount', 'n'], ['quote', 'n'], ['takerSide', 's'], ['venue', 's'],
  ['takerOrderId', 'n'], ['takerUserId', 's'], ['makerOrderId', 'n?'], ['makerUserId', 's?'], ['takerFee', 'n'],
  ['makerFee', 'n'], ['time', 'n'], ['seq', 'n'],
];
const TABLES = [ORDER_EVENT, ORDER, FILL, TRADE] as const;

function width(cols: Columns<never>): { numbers: number; strings: number } {
  let numbers = 0;
  for (const [, kind] of cols) if (kind === 'n' || kind === 'n?' || kind === 'b') numbers++;
  return { numbers, strings: cols.length - numbers };
}

export interface EncodedBatch {
  readonly lastSeq: number;
  /** rows of orderEvents, orders, fills, trades */
  readonly counts: readonly [number, number, number, number];
  readonly numbers: Float64Array;
  readonly codes: Int32Array;
  readonly dictionary: string[];
}

export function encodeBatch(batch: HistoryBatch): EncodedBatch {
  const tables = [batch.orderEvents, batch.orders, batch.fills, batch.trades] as readonly (readonly object[])[];
  let numberCount = 0;
  let codeCount = 0;
  for (let t = 0; t < 4; t++) {
    const w = width(TABLES[t] as Columns<never>);
    numberCount += w.numbers * tables[t].length;
    codeCount += w.strings * tables[t].length;
  }
  const numbers = new Float64Array(numberCount);
  const codes = new Int32Array(codeCount);
  const dictionary: string[] = [];
  const index = new Map<string, number>();
  let n = 0;
  let c = 0;
  for (let t = 0; t < 4; t++) {
    const cols = TABLES[t] as Columns<Record<string, unknown>>;
    for (const row of tables[t] as readonly Record<string, unknown>[]) {
      for (let k = 0; k < cols.length; k++) {
        const [key, kind] = cols[k];
        const v = row[key];
        if (kind === 's' || kind === 's?') {
          if (v === null) codes[c++] = -1;
          else {
            let code = index.get(v as string);
            if (code === undefined) {
              code = dictionary.length;
              dictionary.push(v as string);
              index.set(v as string, code);
            }
            codes[c++] = code;
          }
        } else if (kind === 'b') numbers[n++] = v === true ? 1 : 0;
        else numbers[n++] = v === null ? NaN : (v as number);
      }
    }
  }
  return { lastSeq: batch.lastSeq, counts: [tables[0].length, tables[1].length, tables[2].length, tables[3].length], numbers, codes, dictionary };
}

export function decodeBatch(e: EncodedBatch): HistoryBatch {
  let n = 0;
  let c = 0;
  const out: object[][] = [];
  for (let t = 0; t < 4; t++) {
    const cols = TABLES[t] as Columns<Record<string, unknown>>;
    const rows: object[] = new Array(e.counts[t]);
    for (let r = 0; r < e.counts[t]; r++) {
      const row: Record<string, unknown> = {};
      for (let k = 0; k < cols.length; k++) {
        const [key, kind] = cols[k];
        if (kind === 's' || kind === 's?') {
          const code = e.codes[c++];
          row[key] = code < 0 ? null : e.dictionary[code];
        } else {
          const v = e.numbers[n++];
          row[key] = kind === 'b' ? v === 1 : Number.isNaN(v) ? null : v;
        }
      }
      rows[r] = row;
    }
    out.push(rows);
  }
  return {
    lastSeq: e.lastSeq,
    orderEvents: out[0] as OrderEventRecord[],
    orders: out[1] as OrderRecord[],
    fills: out[2] as FillRecord[],
    trades: out[3] as TradeRecord[],
  };
}
