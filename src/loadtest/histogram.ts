/**
 * An HDR-style latency histogram: values are integer microseconds, counted in log-linear buckets so that
 * memory is fixed (a few thousand counters) however many values are recorded, and every percentile it
 * reports is within a stated relative precision of the exact one.
 *
 * Layout with P precision bits (S = 2^P sub-buckets): values below S each have their own bucket (exact);
 * above, each power-of-two range [2^m, 2^(m+1)) is cut into S equal buckets of width 2^(m-P). A bucket's
 * width is therefore at most 2^-P of any value in it, and a percentile is reported as the highest value
 * of its bucket: reported ≥ exact and reported − exact ≤ exact × 2^-P (plus the 1 µs of rounding a
 * fractional latency up to whole microseconds). P = 8 gives 0.39 %.
 */

export const DEFAULT_PRECISION_BITS = 8;
/** values above this (about 71 minutes in µs) are clamped to it and counted in `clamped` */
export const MAX_TRACKABLE_US = 2 ** 32 - 1;

export interface HistogramSummary {
  readonly count: number;
  /** milliseconds; null when nothing was recorded */
  readonly min: number | null;
  readonly mean: number | null;
  readonly p50: number | null;
  readonly p90: number | null;
  readonly p99: number | null;
  readonly p999: number | null;
  readonly max: number | null;
}

export interface HistogramBucket {
  /** bucket bounds in milliseconds, [lowMs, highMs) */
  readonly lowMs: number;
  readonly highMs: number;
  readonly count: number;
}

export class LatencyHistogram {
  readonly precisionBits: number;
  private readonly subBuckets: number;
  private readonly counts: Float64Array;
  private total = 0;
  private sumUs = 0;
  private minUs = Infinity;
  private maxUs = -Infinity;
  /** values that were above MAX_TRACKABLE_US */
  clamped = 0;

  constructor(precisionBits = DEFAULT_PRECISION_BITS) {
    if (!Number.isInteger(precisionBits) || precisionBits < 1 || precisionBits > 16) {
      throw new RangeError('precisionBits must be an integer in 1..16');
    }
    this.precisionBits = precisionBits;
    this.subBuckets = 2 ** precisionBits;
    // S exact buckets, then S per power of two from 2^P up to 2^31
    this.counts = new Float64Array(this.subBuckets * (32 - precisionBits + 1));
  }

  /** The relative precision guaranteed for every reported percentile. */
  get relativePrecision(): number {
    return 2 ** -this.precisionBits;
  }

  get count(): number {
    return this.total;
  }

  /** Records a latency in milliseconds (rounded up to whole microseconds; negatives count as 0). */
  recordMs(ms: number, times = 1): void {
    this.recordUs(Math.ceil(Math.max(0, ms) * 1000 - 1e-9), times);
  }

  recordUs(us: number, times = 1): void {
    let v = Math.max(0, Math.ceil(us));
    if (v > MAX_TRACKABLE_US) {
      v = MAX_TRACKABLE_US;
      this.clamped += times;
    }
    this.counts[this.indexOf(v)] += times;
    this.total += times;
    this.sumUs += v * times;
    if (v < this.minUs) this.minUs = v;
    if (v > this.maxUs) this.maxUs = v;
  }

  /** Adds every count of `other` (same precision) into this histogram. */
  add(other: LatencyHistogram): void {
    if (other.precisionBits !== this.precisionBits) throw new RangeError('cannot add histograms of different precision');
    for (let i = 0; i < this.counts.length; i++) this.counts[i] += other.counts[i];
    this.total += other.total;
    this.sumUs += other.sumUs;
    this.clamped += other.clamped;
    if (other.minUs < this.minUs) this.minUs = other.minUs;
    if (other.maxUs > this.maxUs) this.maxUs = other.maxUs;
  }

  private indexOf(v: number): number {
    const S = this.subBuckets;
    if (v < S) return v;
    const m = 31 - Math.clz32(v); // floor(log2 v), v < 2^32
    const shift = m - this.precisionBits;
    return (shift + 1) * S + (Math.floor(v / 2 ** shift) - S);
  }

  /** [low, high) in µs of bucket i */
  private boundsOf(i: number): [number, number] {
    const S = this.subBuckets;
    if (i < S) return [i, i + 1];
    const shift = Math.floor(i / S) - 1;
    const low = (S + (i % S)) * 2 ** shift;
    return [low, low + 2 ** shift];
  }

  /**
   * The value at quantile q (0 < q ≤ 1) in milliseconds, nearest-rank: the smallest recorded value with
   * at least ceil(q × count) values at or below it, reported as its bucket's highest value (capped at the
   * exact maximum). Null when empty.
   */
  valueAtQuantile(q: number): number | null {
    if (this.total === 0) return null;
    const rank = Math.max(1, Math.ceil(Math.min(1, Math.max(0, q)) * this.total - 1e-9));
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i];
      if (seen >= rank) {
        const [, high] = this.boundsOf(i);
        return Math.min(high - 1, this.maxUs) / 1000;
      }
    }
    return this.maxUs / 1000;
  }

  summary(): HistogramSummary {
    const empty = this.total === 0;
    return {
      count: this.total,
      min: empty ? null : this.minUs / 1000,
      mean: empty ? null : this.sumUs / this.total / 1000,
      p50: this.valueAtQuantile(0.5),
      p90: this.valueAtQuantile(0.9),
      p99: this.valueAtQuantile(0.99),
      p999: this.valueAtQuantile(0.999),
      max: empty ? null : this.maxUs / 1000,
    };
  }

  /** The non-empty buckets, lowest first (for charts and the JSON result). */
  buckets(): HistogramBucket[] {
    const out: HistogramBucket[] = [];
    for (let i = 0; i < this.counts.length; i++) {
      if (this.counts[i] === 0) continue;
      const [low, high] = this.boundsOf(i);
      out.push({ lowMs: low / 1000, highMs: high / 1000, count: this.counts[i] });
    }
    return out;
  }
}
