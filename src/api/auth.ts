/**
 * Bearer-token authentication: JWT HS256 checked with jose (only HS256 is accepted, so "alg": "none" and
 * every other algorithm are refused; `sub` and `exp` are required). Verifying costs tens of microseconds
 * and is asynchronous (WebCrypto HMAC), so a verified token is cached, keyed by its signature and
 * checked against the whole token, until its exp; the cache is bounded.
 */
import { FEES_ACCOUNT } from '../engine/accounts.js';
import { isIdText } from '../engine/command-fields.js';
import { jwtVerify, SignJWT } from 'jose';
import { ApiError } from './api-error.js';

export type Scope = 'trade' | 'admin';

export interface Principal {
  readonly userId: string;
  readonly scopes: ReadonlySet<string>;
  /** ms since epoch */
  readonly expiresAt: number;
}

interface CacheEntry {
  readonly token: string;
  readonly principal: Principal;
}

const MAX_TOKEN_LENGTH = 8192;
const MAX_USER_ID_LENGTH = 128;

export class Authenticator {
  private readonly key: Uint8Array;
  private readonly cache = new Map<string, CacheEntry>();

  constructor(
    secret: string,
    private readonly maxCached = 10_000,
    private readonly now: () => number = Date.now,
  ) {
    this.key = new TextEncoder().encode(secret);
  }

  /** The principal of a token already verified and not yet expired, without any async work. */
  cached(token: string): Principal | null {
    const entry = this.cache.get(signatureOf(token));
    if (entry === undefined || entry.token !== token) return null;
    if (entry.principal.expiresAt <= this.now()) {
      this.cache.delete(signatureOf(token));
      return null;
    }
    return entry.principal;
  }

  /** Verifies a token; rejects with ApiError UNAUTHORIZED. */
  async verify(token: string): Promise<Principal> {
    const hit = this.cached(token);
    if (hit !== null) return hit;
    if (token.length > MAX_TOKEN_LENGTH) throw new ApiError('UNAUTHORIZED', 'token is too long');
    let payload;
    try {
      ({ payload } = await jwtVerify(token, this.key, {
        algorithms: ['HS256'],
        requiredClaims: ['sub', 'exp'],
        currentDate: new Date(this.now()),
      }));
    } catch (err) {
      const reason = (err as { code?: string }).code === 'ERR_JWT_EXPIRED' ? 'token has expired' : 'token is not valid';
      throw new ApiError('UNAUTHORIZED', reason);
    }
    const sub = payload.sub;
    if (!isIdText(sub) || sub.length > MAX_USER_ID_LENGTH) {
      throw new ApiError('UNAUTHORIZED', 'token sub must be a user id');
    }
    const scope = typeof payload.scope === 'string' ? payload.scope : '';
    const scopes = new Set(scope.split(' ').filter((s) => s.length > 0));
    // the account that collects fees is the venue's: no token trades with it (operators move it via admin)
    if (sub === FEES_ACCOUNT) scopes.delete('trade');
    const principal: Principal = Object.freeze({
      userId: sub,
      scopes,
      expiresAt: (payload.exp as number) * 1000,
    });
    this.remember(token, principal);
    return principal;
  }

  private remember(token: string, principal: Principal): void {
    if (this.cache.size >= this.maxCached) {
      // a Map iterates in insertion order: drop the oldest entry
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
    this.cache.set(signatureOf(token), { token, principal });
  }
}

function signatureOf(token: string): string {
  return token.slice(token.lastIndexOf('.') + 1);
}

/** "Bearer <token>" → token, or null. */
export function bearerToken(header: string | undefined): string | null {
  if (header === undefined || header.length < 8) return null;
  if (header.charCodeAt(6) !== 32 || header.slice(0, 6).toLowerCase() !== 'bearer') return null;
  const token = header.slice(7).trim();
  return token.length === 0 ? null : token;
}

export function requireScope(principal: Principal, scope: Scope): void {
  if (!principal.scopes.has(scope)) throw new ApiError('FORBIDDEN', `token lacks the "${scope}" scope`);
}

/** Signs a token (dev tooling, tests, benchmarks). */
export async function signToken(secret: string, userId: string, scopes: readonly Scope[], ttlSeconds = 86_400): Promise<string> {
  return new SignJWT({ scope: scopes.join(' ') })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(userId)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
    .sign(new TextEncoder().encode(secret));
}
