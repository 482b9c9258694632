/**
 * A subscriber that rebuilds the book from the snapshot and the diffs must end with exactly the book
 * GET /api/orderbook shows, after a burst of random orders from several users — including a subscriber
 * that joins in the middle of the burst (its snapshot must line up with the diffs that follow it).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { makeRng } from '../support/prng.js';
import { call, eventually, fund, startServer, WsClient, type Server } from './helpers.js';
import { BookReplica } from '../support/book-replica.js';

const P = 'IDX-USDC';
const USERS = 5;
const ORDERS_PER_USER = 150;

function replicate(client: WsClient): BookReplica {
  const replica = new BookReplica();
  for (const m of client.messages) if (m.type === 'book') replica.apply(m);
  client.ws.on('message', (data) => {
    const m = JSON.parse(data.toString());
    if (m.type === 'book') replica.apply(m);
  });
  return replica;
}

describe('book channel: snapshot + diffs', () => {
  let s: Server;
  before(async () => {
    s = await startServer();
    for (let u = 0; u < USERS; u++) await fund(s, `r${u}`, { USDC: '1000000', IDX: '10000' });
  });
  after(() => s.close());

  it('rebuilds the same book as GET /api/orderbook after a random burst', async () => {
    const seed = Number(process.env.TEST_SEED ?? Date.now() % 1_000_000);
    console.log(`ws-book seed=${seed} (rerun with TEST_SEED=${seed})`);
    const early = await WsClient.open(s.wsUrl);
    await early.request({ op: 'subscribe', reqId: 's', channels: [`book:${P}`] });
    const earlyBook = replicate(early);
    let late: WsClient | null = null;
    let lateBook: BookReplica | null = null;

    const trader = async (u: number) => {
      const rng = makeRng(seed * 31 + u);
      const token = await s.token(`r${u}`);
      const open: string[] = [];
      for (let i = 0; i < ORDERS_PER_USER; i++) {
        if (u === 0 && i === ORDERS_PER_USER / 2) {
          late = await WsClient.open(s.wsUrl);
          late.send({ op: 'subscribe', reqId: 's', channels: [`book:${P}`] });
          await late.next((m) => m.type === 'book' && m.snapshot === true);
          lateBook = replicate(late);
        }
        const roll = rng.next();
        if (roll < 0.1 && open.length > 0) {
          const id = open.splice(rng.int(open.length), 1)[0];
          await call(s, 'DELETE', `/api/trading/v2/orders/${id}`, token);
          continue;
        }
        const side = rng.chance(0.5) ? 'buy' : 'sell';
        const price = (100 + (rng.range(-20, 20) + (side === 'buy' ? -3 : 3)) / 100).toFixed(2);
        const amount = (rng.range(1, 3000) / 1000).toFixed(3);
        const body =
          roll < 0.15
            ? { pair: P, side, type: 'market', amount }
            : { pair: P, side, type: 'limit', price, amount, timeInForce: roll < 0.25 ? 'IOC' : 'GTC' };
        if (roll > 0.95) {
          await call(s, 'POST', '/api/trading/v2/batch', token, { orders: [body, { ...body, amount: '0.001' }] });
          continue;
        }
        const r = await call(s, 'POST', '/api/trading/v2/orders', token, body);
        assert.equal(r.status, 201, JSON.stringify(r.body));
        if (r.body.order.status === 'open' || r.body.order.status === 'partially_filled') open.push(r.body.order.id);
      }
    };
    await Promise.all(Array.from({ length: USERS }, (_, u) => trader(u)));

    const book = await call(s, 'GET', `/api/orderbook/${P}?depth=5000`);
    assert.ok(book.body.sequence > 100, `book changed ${book.body.sequence} times`);
    for (const replica of [earlyBook, lateBook!]) {
      await eventually(() => replica.seq === book.body.sequence);
      assert.equal(replica.gaps, 0, 'diff seqs rise by exactly 1 after the snapshot');
      assert.deepEqual(replica.levels('bids'), book.body.bids);
      assert.deepEqual(replica.levels('asks'), book.body.asks);
    }
    assert.ok(book.body.bids.length > 0 && book.body.asks.length > 0);
    assert.ok(Number(book.body.bids[0][0]) < Number(book.body.asks[0][0]), 'book not crossed');
    early.close();
    late!.close();
  });
});
