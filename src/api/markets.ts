/**
 * The catalogue as the API edge needs it: per pair, the scales to turn integers (ticks, lots, atoms)
 * into decimal strings and back. All conversion goes through money/decimal.ts; nothing here rounds a
 * client's value — what does not fit the grid is refused.
 */
import type { MarketCatalogue, MarketSpec } from '../engine/market.js';
import { amountToLots, priceToTicks } from '../engine/market.js';
import { formatUnits, parseUnits } from '../engine/money/decimal.js';

export interface MarketScales {
  readonly spec: MarketSpec;
  readonly baseDecimals: number;
  readonly quoteDecimals: number;
  price(ticks: number): string;
  amount(lots: number): string;
  base(atoms: number): string;
  quote(atoms: number): string;
  /** a ratio quote atoms / base atoms as a price, rounded half-up at the quote asset's decimals */
  ratioPrice(quoteAtoms: number, baseAtoms: number): string;
  /** client decimal → integer, or null if malformed, not positive, off the grid or too large */
  parsePrice(value: unknown): number | null;
  parseAmount(value: unknown): number | null;
  parseQuote(value: unknown): number | null;
}

export class Markets {
  private readonly byPair = new Map<string, MarketScales>();
  private readonly assetDecimals = new Map<string, number>();

  constructor(readonly catalogue: MarketCatalogue) {
    for (const asset of catalogue.assets) this.assetDecimals.set(asset.name, asset.decimals);
    for (const spec of catalogue.markets) this.byPair.set(spec.pair, this.scales(spec));
  }

  get(pair: string): MarketScales | undefined {
    return this.byPair.get(pair);
  }

  get pairs(): IterableIterator<string> {
    return this.byPair.keys();
  }

  decimalsOf(asset: string): number | undefined {
    return this.assetDecimals.get(asset);
  }

  /** atoms of an asset → decimal string at the asset's decimals */
  formatAsset(asset: string, atoms: number): string {
    return formatUnits(atoms, this.assetDecimals.get(asset) ?? 0);
  }

  /** decimal of an asset → atoms, or null when unknown asset, malformed, not positive or too fine */
  parseAsset(asset: string, value: unknown): number | null {
    const decimals = this.assetDecimals.get(asset);
    if (decimals === undefined) return null;
    const atoms = parseUnits(value, decimals);
    return atoms === null || atoms <= 0 ? null : atoms;
  }

  private scales(spec: MarketSpec): MarketScales {
    const baseDecimals = this.assetDecimals.get(spec.base)!;
    const quoteDecimals = this.assetDecimals.get(spec.quote)!;
    const { tickUnits, lotUnits, priceDecimals, amountDecimals } = spec;
    const baseScale = 10n ** BigInt(baseDecimals);
    return {
      spec,
      baseDecimals,
      quoteDecimals,
      price: (ticks) => formatUnits(ticks * tickUnits, priceDecimals),
      amount: (lots) => formatUnits(lots * lotUnits, amountDecimals),
      base: (atoms) => formatUnits(atoms, baseDecimals),
      quote: (atoms) => formatUnits(atoms, quoteDecimals),
      ratioPrice(quoteAtoms, baseAtoms) {
        // price × 10^quoteDecimals = quoteAtoms × 10^baseDecimals / baseAtoms; bigint since it passes 2^53
        const b = BigInt(baseAtoms);
        const units = (2n * BigInt(quoteAtoms) * baseScale + b) / (2n * b);
        return formatUnits(Number(units), quoteDecimals);
      },
      parsePrice: (value) => priceToTicks(spec, value),
      parseAmount: (value) => amountToLots(spec, value),
      parseQuote(value) {
        const atoms = parseUnits(value, quoteDecimals);
        return atoms === null || atoms <= 0 ? null : atoms;
      },
    };
  }
}
