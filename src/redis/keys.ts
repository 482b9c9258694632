/**
 * Key names of the Redis backend. Every key of one market shares the hash tag `{PAIR}`; the
 * exchange-wide keys (balances, accounts, clientOrderId index, counters, order index, exchange event
 * stream) share the tag `{acct}`. With `singleSlot` every key uses one tag instead, which makes the
 * scripts legal on Redis Cluster (one shard holds the whole exchange); see docs/redis.md.
 */

export interface Keyspace {
  /** prepended to every key, e.g. `hooats:`; must not contain `{` or `}` */
  readonly prefix: string;
  readonly singleSlot: boolean;
}

/** The exchange-wide keys, in the order every script receives them as KEYS[1..6]. */
export interface AccountKeys {
  readonly balances: string;
  readonly accounts: string;
  readonly clientOrderIds: string;
  readonly counters: string;
  readonly orderIndex: string;
  readonly events: string;
  readonly list: readonly string[];
}

/** One market's keys, in the order the scripts receive them (8 per market). */
export interface MarketKeys {
  /** the market's key prefix; the per-user open-order sets are `${base}uo:${userId}` */
  readonly base: string;
  readonly market: string;
  readonly bids: string;
  readonly asks: string;
  readonly bidLevels: string;
  readonly askLevels: string;
  readonly levelTotals: string;
  readonly orders: string;
  readonly events: string;
  readonly list: readonly string[];
}

export function checkPrefix(prefix: string): void {
  if (/[{}]/.test(prefix)) throw new Error(`Redis key prefix must not contain braces: ${prefix}`);
}

export function accountKeys(ks: Keyspace): AccountKeys {
  const base = ks.singleSlot ? `${ks.prefix}{hooats}:acct:` : `${ks.prefix}{acct}:`;
  const keys = {
    balances: `${base}bal`,
    accounts: `${base}acct`,
    clientOrderIds: `${base}cid`,
    counters: `${base}ctr`,
    orderIndex: `${base}oidx`,
    events: `${base}events`,
  };
  return { ...keys, list: [keys.balances, keys.accounts, keys.clientOrderIds, keys.counters, keys.orderIndex, keys.events] };
}

export function marketKeys(ks: Keyspace, pair: string): MarketKeys {
  const base = ks.singleSlot ? `${ks.prefix}{hooats}:${pair}:` : `${ks.prefix}{${pair}}:`;
  // the scripts find `base` by dropping the market hash key's last character: it must be `m`
  const keys = {
    market: `${base}m`,
    bids: `${base}bids`,
    asks: `${base}asks`,
    bidLevels: `${base}bl`,
    askLevels: `${base}al`,
    levelTotals: `${base}lt`,
    orders: `${base}o`,
    events: `${base}events`,
  };
  return {
    base,
    ...keys,
    list: [keys.market, keys.bids, keys.asks, keys.bidLevels, keys.askLevels, keys.levelTotals, keys.orders, keys.events],
  };
}

/** An order's key in the order hash and the book's sorted sets: its id zero-padded (ids sort as time). */
export function orderKey(id: number): string {
  return String(id).padStart(16, '0');
}
