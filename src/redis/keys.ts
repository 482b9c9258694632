/**
 * Key names of the Redis backend. Every key of one market (book, levels, its event stream) shares the
 * hash tag `{PAIR}`; the exchange-wide keys (the state hash, the orders, the clientOrderId index, the
 * users' open-order sets, the exchange event stream) share the tag `{acct}`. With `singleSlot` every
 * key uses one tag instead, which makes the scripts legal on Redis Cluster (one shard holds the whole
 * exchange); see docs/redis.md.
 */

export interface Keyspace {
  /** prepended to every key, e.g. `hooats:`; must not contain `{` or `}` */
  readonly prefix: string;
  readonly singleSlot: boolean;
}

/** The exchange-wide keys. The scripts get `state` as KEYS[1] and find the others from its name. */
export interface AccountKeys {
  readonly base: string;
  /** every scalar: counters, supply, book sequences, pools, accounts, balances (see docs/redis.md) */
  readonly state: string;
  /** open orders: order key → record */
  readonly orders: string;
  readonly clientOrderIds: string;
  readonly events: string;
}

/** One market's keys. The scripts get `market` and find the others from its name. */
export interface MarketKeys {
  /** the market's key prefix */
  readonly base: string;
  /** the market's descriptor and pair (written at init) */
  readonly market: string;
  readonly bids: string;
  readonly asks: string;
  readonly bidLevels: string;
  readonly askLevels: string;
  readonly levelTotals: string;
  readonly events: string;
}

export function checkPrefix(prefix: string): void {
  if (/[{}]/.test(prefix)) throw new Error(`Redis key prefix must not contain braces: ${prefix}`);
}

export function accountKeys(ks: Keyspace): AccountKeys {
  const base = ks.singleSlot ? `${ks.prefix}{hooats}:acct:` : `${ks.prefix}{acct}:`;
  // the scripts find `base` by dropping the state key's last character: it must be `s`
  return { base, state: `${base}s`, orders: `${base}o`, clientOrderIds: `${base}cid`, events: `${base}events` };
}

/** A user's open orders (all markets): a sorted set scored by order id. */
export function userOrdersKey(account: AccountKeys, userId: string): string {
  return `${account.base}u:${userId}`;
}

export function marketKeys(ks: Keyspace, pair: string): MarketKeys {
  const base = ks.singleSlot ? `${ks.prefix}{hooats}:${pair}:` : `${ks.prefix}{${pair}}:`;
  // the scripts find `base` by dropping the market hash key's last character: it must be `m`
  return {
    base,
    market: `${base}m`,
    bids: `${base}bids`,
    asks: `${base}asks`,
    bidLevels: `${base}bl`,
    askLevels: `${base}al`,
    levelTotals: `${base}lt`,
    events: `${base}events`,
  };
}

/** An order's key in the order hash and the book's sorted sets: its id zero-padded (ids sort as time). */
export function orderKey(id: number): string {
  return String(id).padStart(16, '0');
}
