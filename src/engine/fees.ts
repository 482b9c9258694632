/**
 * Fee on `atoms` at `bps` basis points, rounded up (in the exchange's favour, like the pool rounds in
 * its own). Computed as q·bps + ceil(r·bps / 10⁴) with atoms = q·10⁴ + r, so no intermediate exceeds
 * atoms itself (bps ≤ 10⁴) and everything stays a safe integer. The fee never exceeds `atoms`.
 */
export function feeOf(atoms: number, bps: number): number {
  if (bps === 0 || atoms === 0) return 0;
  const q = Math.floor(atoms / 10_000);
  const r = atoms - q * 10_000;
  return q * bps + Math.ceil((r * bps) / 10_000);
}
