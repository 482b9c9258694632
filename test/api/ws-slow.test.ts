/**
 * A client that stops reading must be disconnected once the server's unsent data for it passes the
 * limit, instead of the server buffering without bound. The client here pauses its socket and asks for
 * many full-book snapshots; the kernel buffers fill, then the server's own buffer passes the limit.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Socket } from 'node:net';
import { call, eventually, fund, startServer, WsClient, type Server } from './helpers.js';

const P = 'IDX-USDC';

describe('slow WebSocket consumers', () => {
  let s: Server;
  before(async () => {
    s = await startServer({ env: { HOOATS_WS_MAX_BUFFERED: '65536' } });
    await fund(s, 'maker', { USDC: '100000000' });
    const token = await s.token('maker');
    // a deep book makes every snapshot large (thousands of levels)
    for (let b = 0; b < 4; b++) {
      const orders = Array.from({ length: 1000 }, (_, i) => ({
        pair: P, side: 'buy', type: 'limit', price: ((b * 1000 + i + 1) / 100).toFixed(2), amount: '1',
      }));
      const r = await call(s, 'POST', '/api/trading/v2/batch', token, { orders });
      assert.equal(r.status, 200);
    }
  });
  after(() => s.close());

  const slowClosed = async () => {
    const text = (await call(s, 'GET', '/metrics')).body as string;
    return Number(/hooats_ws_slow_consumers_closed_total (\d+)/.exec(text)?.[1] ?? 0);
  };

  it('closes a socket whose send buffer passes the limit with 1008 and a reason; others are unaffected', async () => {
    const healthy = await WsClient.open(s.wsUrl);
    await healthy.request({ op: 'subscribe', reqId: 'h', channels: [`book:${P}`] });
    const slow = await WsClient.open(s.wsUrl);
    const socket = (slow.ws as unknown as { _socket: Socket })._socket;
    socket.pause();
    for (let i = 0; i < 300; i++) slow.send({ op: 'subscribe', reqId: i, channels: [`book:${P}`] });
    await eventually(async () => (await slowClosed()) >= 1, 10_000);
    socket.resume();
    await eventually(() => slow.closeInfo !== null, 10_000);
    console.log(`slow consumer closed with ${slow.closeInfo!.code} ${slow.closeInfo!.reason}`);
    // 1008 when the client read up to the close frame in time, 1006 if the server had to cut it off
    assert.ok([1008, 1006].includes(slow.closeInfo!.code), `close code ${slow.closeInfo!.code}`);
    if (slow.closeInfo!.code === 1008) assert.match(slow.closeInfo!.reason, /slow consumer/);
    const pong = await healthy.request({ op: 'ping', reqId: 'still-here' });
    assert.equal(pong.type, 'pong');
    const health = await call(s, 'GET', '/api/health');
    assert.equal(health.body.wsClients, 1);
    healthy.close();
  });
});
