/**
 * A market's price and amount grids as the load generator needs them: integer ticks and lots in, exact
 * decimal strings out (the strings the API accepts). Reading a price off the server (a mid, an AMM price)
 * goes through a float only to pick where random orders go; every price sent is an exact tick multiple.
 */

export interface MarketInfo {
  readonly pair: string;
  readonly base: string;
  readonly quote: string;
  readonly tickSize: string;
  readonly lotSize: string;
  readonly minNotional: string;
  readonly amm: { readonly feeBps: number } | null;
}

/** One grid step as an integer at a decimal scale: "0.05" → units 5n at 2 decimals. */
export class DecimalGrid {
  readonly decimals: number;
  private readonly stepUnits: bigint;
  readonly step: number;

  constructor(step: string) {
    if (!/^\d+(\.\d+)?$/.test(step)) throw new RangeError(`not a plain decimal: ${step}`);
    const [whole, frac = ''] = step.split('.');
    this.decimals = frac.length;
    this.stepUnits = BigInt(whole + frac);
    if (this.stepUnits <= 0n) throw new RangeError(`grid step must be positive: ${step}`);
    this.step = Number(step);
  }

  /** n steps as the API's decimal string */
  format(n: number | bigint): string {
    const units = BigInt(n) * this.stepUnits;
    const negative = units < 0n;
    const digits = (negative ? -units : units).toString().padStart(this.decimals + 1, '0');
    const text = this.decimals === 0 ? digits : `${digits.slice(0, -this.decimals)}.${digits.slice(-this.decimals)}`;
    return negative ? `-${text}` : text;
  }

  /** the nearest whole number of steps to a decimal string or number (for choosing, never for money) */
  nearest(value: string | number): number {
    return Math.round(Number(value) / this.step);
  }

  /** the smallest whole number of steps at or above value */
  ceil(value: string | number): number {
    return Math.ceil(Number(value) / this.step - 1e-9);
  }
}

export class MarketGrid {
  readonly price: DecimalGrid;
  readonly amount: DecimalGrid;

  constructor(readonly info: MarketInfo) {
    this.price = new DecimalGrid(info.tickSize);
    this.amount = new DecimalGrid(info.lotSize);
  }
}
