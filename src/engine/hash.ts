/**
 * A deterministic 128-bit non-cryptographic hash of a string (four interleaved 32-bit multiply-xor
 * lanes), as 32 hex digits. Pure TypeScript so the engine needs no `node:crypto`; used to compare
 * states, not to resist attackers.
 */
export function hashString(text: string): string {
  let h1 = 0x9e3779b1 | 0;
  let h2 = 0x85ebca77 | 0;
  let h3 = 0xc2b2ae3d | 0;
  let h4 = 0x27d4eb2f | 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
    h3 = Math.imul(h3 ^ c, 0x27d4eb2d);
    h4 = Math.imul(h4 ^ c, 0x165667b1);
    h1 = (h1 << 13) | (h1 >>> 19);
    h3 = (h3 << 17) | (h3 >>> 15);
  }
  const mix = (h: number, seed: number): number => {
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) ^ seed;
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    return (h ^ (h >>> 16)) >>> 0;
  };
  const a = mix(h1 ^ h3, h2);
  const b = mix(h2 ^ h4, h1);
  const c = mix(h3 ^ a, h4);
  const d = mix(h4 ^ b, h3);
  return [a, b, c, d].map((x) => x.toString(16).padStart(8, '0')).join('');
}
