export type Level = [number, number, string, string];
export interface BookMessage {
  snapshot: boolean;
  seq: number;
  bids: Array<[string, string]>;
  asks: Array<[string, string]>;
}
export declare class BookState {
  bids: Map<string, string>;
  asks: Map<string, string>;
  seq: number | null;
  updates: number;
  reset(): void;
  apply(msg: BookMessage): boolean;
  levels(side: 'bids' | 'asks'): Level[];
}
