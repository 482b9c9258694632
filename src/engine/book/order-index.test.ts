import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Account } from '../accounts.js';
import { BUY, Order } from './order.js';
import { OrderIndex } from './order-index.js';

const account = new Account('u', 2);
const order = (id: number): Order => new Order(id, account, 0, BUY, 100, 1, 1, false, null, 0);

describe('OrderIndex', () => {
  it('finds, replaces and forgets orders by id across pages, like a Map', () => {
    const index = new OrderIndex();
    const reference = new Map<number, Order>();
    const ids = [1, 2, 4095, 4096, 4097, 9_000_000, 2 ** 40 + 3, 12_288];
    for (const id of ids) {
      const o = order(id);
      index.set(id, o);
      reference.set(id, o);
    }
    index.set(2, reference.get(2)!); // setting again does not count twice
    assert.equal(index.size, ids.length);
    for (const id of ids) assert.equal(index.get(id), reference.get(id));
    assert.equal(index.get(3), undefined);
    assert.equal(index.get(123_456_789), undefined);
    for (const id of [1.5, 4096.25, -4095, NaN, Infinity, 2 ** 40 + 3.5]) assert.equal(index.get(id), undefined, `id ${id}`);
    index.delete(4096);
    index.delete(4096);
    index.delete(77);
    reference.delete(4096);
    assert.equal(index.size, reference.size);
    const listed = new Map([...index]);
    assert.deepEqual([...listed.keys()].sort((a, b) => a - b), [...reference.keys()].sort((a, b) => a - b));
  });

  it('frees a page when its last order goes', () => {
    const index = new OrderIndex();
    for (let id = 8192; id < 8192 + 4096; id++) index.set(id, order(id));
    for (let id = 8192; id < 8192 + 4096; id++) index.delete(id);
    assert.equal(index.size, 0);
    assert.equal((index as unknown as { pages: Map<number, unknown> }).pages.size, 0);
  });
});
