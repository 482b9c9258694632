/**
 * kill -9 in the middle of trading loses nothing that was acknowledged. A real server process takes
 * orders from several concurrent HTTP clients, is killed with SIGKILL mid-stream, and restarts on the
 * same data dir. The journal is replayed independently into a fresh engine to see every event, then:
 * every acknowledged order exists with at least the fills it was acknowledged with, acknowledged
 * cancels stay cancelled, the restarted server's balances equal the replay's, every asset is conserved
 * exactly (fees and the AMM pool included), no balance is negative and the book is not crossed.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { signToken } from '../src/api/auth.js';
import { readJournal } from '../src/durability/journal-reader.js';
import { Engine } from '../src/engine/engine.js';
import type { EngineEvent } from '../src/engine/events.js';
import type { MarketConfig } from '../src/engine/market.js';
import { parseUnits } from '../src/engine/money/decimal.js';
import { decodeCommand } from '../src/sequencer/command-codec.js';
import { makeRng, seedFromEnv } from './support/prng.js';
import { api, startMain } from './support/main-process.js';

const SECRET = 'crash-test-secret-crash-test-secret-0123';
const MARKET: MarketConfig = {
  pair: 'IDX-USDC', base: 'IDX', quote: 'USDC', tickSize: '0.01', lotSize: '0.001', minNotional: '0',
  makerFeeBps: 5, takerFeeBps: 12, amm: { baseReserve: '5000', quoteReserve: '5000', feeBps: 30 },
};
const USERS = Array.from({ length: 8 }, (_, i) => `trader${i}`);
const DEPOSIT = { USDC: '100000', IDX: '50000' };
const seed = seedFromEnv(Date.now() % 1_000_000);

interface Acked {
  userId: string;
  filled: number;
  fills: Array<{ tradeId: number; amount: number }>;
}

describe('crash recovery of a real server process', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'hooats-crash-'));
  const marketsFile = join(dataDir, 'markets.json');
  writeFileSync(marketsFile, JSON.stringify({ markets: [MARKET] }));
  after(() => rmSync(dataDir, { recursive: true, force: true }));
  const env = {
    HOOATS_JWT_SECRET: SECRET,
    HOOATS_DATA_DIR: join(dataDir, 'data'),
    HOOATS_MARKETS: marketsFile,
    HOOATS_FSYNC: 'batched',
    HOOATS_RATE_LIMIT_PER_SEC: '0',
    // keep the whole journal, so the test can replay it from the first command
    HOOATS_SNAPSHOT_EVERY: '100000000',
    // history in SQLite inside this test's data dir, not in a shared database left by other runs
    DATABASE_URL: '',
  };

  it('loses nothing acknowledged on SIGKILL', async () => {
    console.log(`crash-recovery seed=${seed} (HOOATS_SEED to repeat)`);
    const admin = await signToken(SECRET, 'ops', ['admin']);
    const tokens = new Map(await Promise.all(USERS.map(async (u) => [u, await signToken(SECRET, u, ['trade'])] as const)));
    const server = await startMain(env);
    for (const userId of USERS) {
      for (const [asset, amount] of Object.entries(DEPOSIT)) {
        const r = await api(server.url, 'POST', '/api/admin/deposits', admin, { userId, asset, amount });
        assert.equal(r.status, 200, JSON.stringify(r.body));
      }
    }

    const acked = new Map<string, Acked>();
    const ackedCancels = new Set<string>();
    let killed = false;
    const client = async (userId: string, rand: () => number): Promise<void> => {
      const token = tokens.get(userId)!;
      const mine: string[] = [];
      while (!killed) {
        const r = rand();
        let reply;
        try {
          if (r < 0.2 && mine.length > 0) {
            const id = mine.splice(Math.floor(rand() * mine.length), 1)[0];
            reply = await api(server.url, 'DELETE', `/api/trading/v2/orders/${id}`, token);
            if (reply.status === 200) ackedCancels.add(id);
            continue;
          }
          const side = rand() < 0.5 ? 'buy' : 'sell';
          const body =
            r < 0.35
              ? { pair: MARKET.pair, side, type: 'market', amount: (1 + Math.floor(rand() * 3000)) / 1000 }
              : {
                  pair: MARKET.pair, side, type: 'limit', timeInForce: r < 0.45 ? 'IOC' : 'GTC',
                  price: ((side === 'buy' ? 97 : 95) + Math.floor(rand() * 9)) / 100,
                  amount: String((1 + Math.floor(rand() * 5000)) / 1000),
                };
          reply = await api(server.url, 'POST', '/api/trading/v2/orders', token, body);
        } catch {
          return; // the server is gone
        }
        if (reply.status !== 201) continue;
        const { order, fills } = reply.body;
        acked.set(order.id, {
          userId,
          filled: lotsOf(order.filled),
          fills: fills.map((f: { tradeId: string; amount: string }) => ({ tradeId: Number(f.tradeId), amount: lotsOf(f.amount) })),
        });
        if (order.status === 'open' || order.status === 'partially_filled') mine.push(order.id);
      }
    };
    const rng = makeRng(seed);
    const clients = USERS.map((u) => client(u, makeRng(rng.int(2 ** 31)).next));
    // kill once enough traffic is acknowledged, with requests still in flight
    const started = Date.now();
    while (acked.size < 600 && Date.now() - started < 20_000) await new Promise((r) => setTimeout(r, 20));
    killed = true;
    server.child.kill('SIGKILL');
    await server.exited;
    await Promise.all(clients);
    assert.ok(acked.size >= 100, `only ${acked.size} orders were acknowledged before the kill`);

    // replay the journal on its own, seeing every event
    const replay = new Engine([MARKET]);
    const accepted = new Map<number, string>();
    const filled = new Map<number, number>();
    const trades = new Map<number, number>();
    const events: EngineEvent[] = [];
    readJournal({
      dir: join(env.HOOATS_DATA_DIR, 'journal'),
      onRecord(_seq, payload) {
        const result = replay.execute(decodeCommand(payload), events);
        assert.ok(result.ok, 'every journaled command replays');
        for (const e of events) {
          if (e.type === 'orderAccepted') accepted.set(e.order.id, e.order.userId);
          if (e.type === 'orderUpdated') filled.set(e.order.id, e.order.filled);
          if (e.type === 'trade') trades.set(e.id, e.amount);
        }
        events.length = 0;
      },
    });

    console.log(`acknowledged ${acked.size} orders and ${ackedCancels.size} cancels before SIGKILL; the journal holds ${accepted.size} orders`);
    for (const [id, ack] of acked) {
      assert.equal(accepted.get(Number(id)), ack.userId, `acknowledged order ${id} is in the journal`);
      assert.ok((filled.get(Number(id)) ?? 0) >= ack.filled, `order ${id} keeps at least its acknowledged fills`);
      for (const fill of ack.fills) assert.equal(trades.get(fill.tradeId), fill.amount, `trade ${fill.tradeId} of order ${id}`);
    }
    for (const id of ackedCancels) assert.equal(replay.openOrder(Number(id)), null, `cancelled order ${id} stays cancelled`);

    const restarted = await startMain(env);
    try {
      const book = (await api(restarted.url, 'GET', `/api/orderbook/${MARKET.pair}`, admin)).body;
      if (book.bids.length > 0 && book.asks.length > 0) {
        assert.ok(Number(book.bids[0][0]) < Number(book.asks[0][0]), 'book not crossed');
      }
      const totals: Record<string, number> = { USDC: 0, IDX: 0 };
      for (const userId of [...USERS, 'fees']) {
        const { balances } = (await api(restarted.url, 'GET', `/api/admin/balances/${userId}`, admin)).body;
        const expected = replay.balances(userId);
        for (const asset of ['USDC', 'IDX']) {
          const decimals = asset === 'USDC' ? 5 : 3;
          const available = parseUnits(balances[asset].available, decimals)!;
          const locked = parseUnits(balances[asset].locked, decimals)!;
          assert.ok(available >= 0 && locked >= 0, `${userId} ${asset} not negative`);
          assert.deepEqual({ available, locked }, expected[asset], `${userId} ${asset} equals the replay`);
          totals[asset] += available + locked;
        }
      }
      const pool = replay.depth(MARKET.pair)!.pool!;
      const users = USERS.length;
      assert.equal(totals.IDX + pool.baseReserve, users * 50_000_000 + 5_000_000, 'IDX conserved');
      assert.equal(totals.USDC + pool.quoteReserve, users * 10_000_000_000 + 500_000_000, 'USDC conserved');
    } finally {
      restarted.child.kill('SIGTERM');
      await restarted.exited;
    }
  });
});

function lotsOf(amount: string): number {
  return parseUnits(amount, 3)!;
}
