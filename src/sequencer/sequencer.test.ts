/**
 * The sequencer against a real directory: recovery gives back exactly the live state (after a clean
 * close, after a crash, from snapshots or from the whole journal), the journal's damage rules, what is
 * journaled and when it is published, disk failure, and injected time.
 *
 * Random runs print their seed; HOOATS_SEED=<int> replays one.
 */
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultJournalIo, type JournalIo } from '../durability/journal-io.js';
import { JournalCorruptError, listSegments, readJournal } from '../durability/journal-reader.js';
import { JournalUnavailableError } from '../durability/journal-writer.js';
import { RECORD_HEADER_BYTES, SEGMENT_HEADER_BYTES } from '../durability/record-format.js';
import { SNAPSHOT_HEADER_BYTES } from '../durability/snapshot-store.js';
import type { Command } from '../engine/commands.js';
import type { CommandResult, EngineEvent } from '../engine/events.js';
import type { MarketConfig } from '../engine/market.js';
import { decodeCommand } from './command-codec.js';
import { Sequencer, type CommandInput, type Executed, type SequencerLog, type SequencerOptions } from './sequencer.js';

// --- fixtures ---

const MARKETS: readonly MarketConfig[] = [
  { pair: 'BTC-USD', base: 'BTC', quote: 'USD', tickSize: '0.5', lotSize: '0.001', minNotional: '0', makerFeeBps: 2, takerFeeBps: 7, amm: null },
  { pair: 'ETH-USD', base: 'ETH', quote: 'USD', tickSize: '0.01', lotSize: '0.01', minNotional: '1', makerFeeBps: 1, takerFeeBps: 4, amm: null },
  { pair: 'ETH-BTC', base: 'ETH', quote: 'BTC', tickSize: '0.00001', lotSize: '0.01', minNotional: '0.001', makerFeeBps: 3, takerFeeBps: 9, amm: null },
];
/** [pair, starting mid in ticks, largest order in lots] */
const BOOKS: ReadonlyArray<[string, number, number]> = [
  ['BTC-USD', 120_000, 400],
  ['ETH-USD', 300_000, 500],
  ['ETH-BTC', 5_000, 500],
];
/** [asset, typical deposit in atoms] (USD 4 decimals, BTC 7, ETH 2) */
const ASSETS: ReadonlyArray<[string, number]> = [
  ['USD', 2_000_000_000],
  ['BTC', 50_000_000],
  ['ETH', 10_000],
];

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'hooats-seq-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function seedFromEnv(): number {
  return process.env.HOOATS_SEED !== undefined ? Number(process.env.HOOATS_SEED) : Date.now() % 2 ** 31;
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A deterministic clock: every call moves 1 to 3 ms on. */
function clock(start = 1_700_000_000_000): () => number {
  let t = start;
  return () => (t += 1 + (t % 3));
}

interface LogEntry {
  level: 'info' | 'warn' | 'error';
  obj: object;
  msg: string;
}
function captureLog(): SequencerLog & { entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  return {
    entries,
    info: (obj, msg) => entries.push({ level: 'info', obj, msg }),
    warn: (obj, msg) => entries.push({ level: 'warn', obj, msg }),
    error: (obj, msg) => entries.push({ level: 'error', obj, msg }),
  };
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Waits (up to 10 s) until `condition` holds: file system calls finish on the thread pool, in their own time. */
async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/**
 * Waits until everything appended is durable and no snapshot is being written, so that copying the
 * directory gives a point-in-time image, as a crash would leave it. (The test reads the private
 * in-flight snapshot promise: there is no reason to make it public.)
 */
async function settle(seqr: Sequencer): Promise<void> {
  await seqr.whenDurable(seqr.lastSeq);
  for (;;) {
    const inFlight = (seqr as unknown as { snapshotting: Promise<void> | null }).snapshotting;
    if (inFlight === null) return;
    await inFlight;
  }
}

/** What a crash right now would leave on disk: a copy of the data directory (the original stays open). */
async function crashCopy(seqr: Sequencer, dataDir: string): Promise<string> {
  await settle(seqr);
  const copy = tempDir();
  cpSync(dataDir, copy, { recursive: true });
  return copy;
}

function open(dataDir: string, extra: Partial<SequencerOptions> = {}): Promise<Sequencer> {
  return Sequencer.open({ markets: MARKETS, dataDir, now: clock(), ...extra });
}

function snapshotFiles(dataDir: string): string[] {
  try {
    return readdirSync(join(dataDir, 'snapshots')).filter((n) => n.endsWith('.snap')).sort();
  } catch {
    return [];
  }
}

function journaledCommands(dataDir: string): Command[] {
  const commands: Command[] = [];
  readJournal({ dir: join(dataDir, 'journal'), onRecord: (_seq, payload) => commands.push(decodeCommand(payload)) });
  return commands;
}

/** Offsets of the records of a segment file. */
function recordOffsets(path: string): number[] {
  const data = readFileSync(path);
  const offsets: number[] = [];
  for (let offset = SEGMENT_HEADER_BYTES; offset < data.length; offset += RECORD_HEADER_BYTES + data.readUInt32LE(offset)) {
    offsets.push(offset);
  }
  return offsets;
}

// --- a random exchange: every command kind, with rejections mixed in ---

const USERS = [
  ...Array.from({ length: 36 }, (_, i) => `user${i}`),
  'Zoë',
  '用户-7',
  '🚀 moon',
  'e\u0301clair',
];

/**
 * Generates commands from a seed and learns order ids from the results, so that most cancels name
 * an order that rested (some since filled), some name another user's order, some no order at all.
 */
class RandomExchange {
  private readonly rand: () => number;
  private readonly mids: number[];
  private readonly open: Array<{ id: number; userId: string }> = [];
  private started = 0;

  constructor(seed: number) {
    this.rand = mulberry32(seed);
    this.mids = BOOKS.map(([, mid]) => mid);
  }

  private int(n: number): number {
    return Math.floor(this.rand() * n);
  }

  private pick<T>(list: readonly T[]): T {
    return list[this.int(list.length)];
  }

  next(): CommandInput {
    // every user is funded in every asset first
    if (this.started < USERS.length * ASSETS.length) {
      const i = this.started++;
      const [asset, typical] = ASSETS[i % ASSETS.length];
      const userId = USERS[Math.floor(i / ASSETS.length)];
      // a few users get little, so that they run out and get refused
      const amount = userId.endsWith('7') ? Math.floor(typical / 50) : typical + this.int(typical);
      return { type: 'deposit', userId, asset, amount };
    }
    const book = this.int(BOOKS.length);
    const [pair, , maxLots] = BOOKS[book];
    this.mids[book] = Math.max(100, this.mids[book] + this.int(5) - 2);
    const mid = this.mids[book];
    const userId = this.pick(USERS);
    const side = this.rand() < 0.5 ? ('buy' as const) : ('sell' as const);
    const r = this.rand();
    if (r < 0.05) {
      const [asset, typical] = this.pick(ASSETS);
      const roll = this.rand();
      if (roll < 0.05) return { type: 'deposit', userId, asset: 'DOGE', amount: 10 };
      if (roll < 0.1) return { type: 'deposit', userId, asset, amount: this.rand() < 0.5 ? 0 : -5 };
      return { type: 'deposit', userId, asset, amount: 1 + this.int(typical) };
    }
    if (r < 0.09) {
      const [asset, typical] = this.pick(ASSETS);
      // often more than is available: refused
      return { type: 'withdraw', userId, asset, amount: 1 + this.int(typical * 2) };
    }
    if (r < 0.58) {
      const roll = this.rand();
      const timeInForce = roll < 0.12 ? ('IOC' as const) : roll < 0.18 ? ('FOK' as const) : ('GTC' as const);
      const crossing = timeInForce !== 'GTC' || this.rand() < 0.15;
      const offset = crossing ? -this.int(25) : 1 + this.int(60);
      const cmd: { -readonly [K in keyof Extract<CommandInput, { type: 'placeOrder' }>]?: unknown } = {
        type: 'placeOrder',
        userId,
        pair,
        side,
        orderType: 'limit',
        price: side === 'buy' ? mid - offset : mid + offset,
        amount: 1 + this.int(maxLots),
      };
      if (timeInForce !== 'GTC' || this.rand() < 0.3) cmd.timeInForce = timeInForce;
      if (timeInForce === 'GTC' && this.rand() < 0.1) cmd.postOnly = true;
      else if (this.rand() < 0.05) cmd.postOnly = false;
      if (this.rand() < 0.1) cmd.clientOrderId = `c${this.int(40)}`; // repeats: duplicates get refused
      if (this.rand() < 0.05) cmd.maxSlippageBps = this.int(30);
      if (this.rand() < 0.2) cmd.selfTradePrevention = this.pick(['cancel_maker', 'cancel_taker', 'cancel_both'] as const);
      return cmd as CommandInput;
    }
    if (r < 0.68) {
      const fok = this.rand() < 0.15;
      if (side === 'buy' && !fok && this.rand() < 0.3) {
        return { type: 'placeOrder', userId, pair, side, orderType: 'market', quoteAmount: 1 + this.int(mid * maxLots) };
      }
      const cmd: CommandInput = { type: 'placeOrder', userId, pair, side, orderType: 'market', amount: 1 + this.int(maxLots * 2) };
      if (fok) return { ...cmd, timeInForce: 'FOK' };
      if (this.rand() < 0.1) return { ...cmd, maxSlippageBps: this.int(20) };
      return cmd;
    }
    if (r < 0.9) {
      const roll = this.rand();
      if (roll < 0.85 && this.open.length > 0) {
        const k = this.int(this.open.length);
        const { id, userId: owner } = this.open[k];
        this.open[k] = this.open[this.open.length - 1];
        this.open.pop();
        return { type: 'cancelOrder', userId: owner, orderId: id };
      }
      if (roll < 0.95 && this.open.length > 0) return { type: 'cancelOrder', userId, orderId: this.pick(this.open).id };
      return { type: 'cancelOrder', userId, orderId: 1 + this.int(1_000_000) };
    }
    if (r < 0.915) return { type: 'cancelAll', userId, pair: this.rand() < 0.5 ? null : pair };
    // plainly invalid requests
    switch (this.int(6)) {
      case 0:
        return { type: 'placeOrder', userId, pair: 'DOGE-USD', side, orderType: 'limit', price: 5, amount: 1 };
      case 1:
        return { type: 'placeOrder', userId, pair, side, orderType: 'limit', price: 0, amount: 1 };
      case 2:
        return { type: 'placeOrder', userId, pair, side, orderType: 'limit', price: mid + 0.5, amount: 1 };
      case 3:
        return { type: 'placeOrder', userId, pair, side, orderType: 'market', price: mid, amount: 1 };
      case 4:
        return { type: 'placeOrder', userId, pair, side, orderType: 'limit', price: mid, amount: 1, timeInForce: 'IOC', postOnly: true };
      default:
        return { type: 'cancelAll', userId, pair: 'NOPE-USD' };
    }
  }

  observe(executed: Executed): void {
    const result = executed.result;
    if (result.ok && 'fills' in result && (result.order.status === 'open' || result.order.status === 'partially_filled')) {
      this.open.push({ id: result.order.id, userId: result.order.userId });
    }
  }
}

interface RunStats {
  accepted: Record<string, number>;
  rejected: Record<string, number>;
  statuses: Record<string, number>;
}

/** Drives `count` generated commands through the sequencer, letting I/O run now and then. */
async function drive(seqr: Sequencer, exchange: RandomExchange, count: number, stats?: RunStats): Promise<void> {
  for (let i = 0; i < count; i++) {
    const input = exchange.next();
    const executed = seqr.execute(input);
    exchange.observe(executed);
    if (stats !== undefined) record(stats, input, executed.result);
    if (i % 250 === 249) await tick();
    if (i % 2000 === 1999) await seqr.whenDurable(seqr.lastSeq);
  }
}

function record(stats: RunStats, input: CommandInput, result: CommandResult): void {
  const bump = (map: Record<string, number>, key: string) => (map[key] = (map[key] ?? 0) + 1);
  if (!result.ok) {
    bump(stats.rejected, result.code);
    return;
  }
  const kind = input.type === 'placeOrder' ? `${input.orderType}/${input.timeInForce ?? '-'}${input.postOnly ? '/postOnly' : ''}` : input.type;
  bump(stats.accepted, kind);
  if ('order' in result) bump(stats.statuses, `${result.order.status}${result.order.cancelReason ? `:${result.order.cancelReason}` : ''}`);
}

// --- tests ---

test('replay equals live: a long random run recovers the same state after a crash and after a clean close', async (t) => {
  const seed = seedFromEnv();
  t.diagnostic(`HOOATS_SEED=${seed}`);
  console.log(`sequencer replay-equals-live seed: HOOATS_SEED=${seed}`);
  const dir = tempDir();
  const live = await open(dir, { snapshotEvery: 997 });
  const stats: RunStats = { accepted: {}, rejected: {}, statuses: {} };
  await drive(live, new RandomExchange(seed), 34_000, stats);
  const liveHash = live.engine.stateHash();
  const lastSeq = live.lastSeq;
  t.diagnostic(`journaled ${lastSeq} of 34000; accepted ${JSON.stringify(stats.accepted)}`);
  assert.ok(lastSeq >= 20_000, `at least 20,000 commands journaled (${lastSeq})`);
  t.diagnostic(`rejected ${JSON.stringify(stats.rejected)}; order outcomes ${JSON.stringify(stats.statuses)}`);

  // the run really mixes every kind of command and outcome
  for (const kind of ['deposit', 'withdraw', 'cancelOrder', 'cancelAll', 'limit/-', 'limit/GTC', 'limit/IOC', 'limit/FOK', 'limit/-/postOnly', 'market/-', 'market/FOK']) {
    assert.ok((stats.accepted[kind] ?? 0) > 0, `no accepted ${kind}`);
  }
  for (const code of ['INSUFFICIENT_BALANCE', 'NOT_FOUND', 'UNKNOWN_PAIR', 'INVALID_PRICE', 'INVALID_AMOUNT', 'VALIDATION_ERROR', 'DUPLICATE_CLIENT_ORDER_ID']) {
    assert.ok((stats.rejected[code] ?? 0) > 0, `no ${code} rejection`);
  }
  for (const outcome of ['filled', 'open', 'partially_filled', 'cancelled:ioc_remainder', 'cancelled:fok_not_fillable', 'cancelled:post_only_would_take', 'cancelled:user']) {
    assert.ok((stats.statuses[outcome] ?? 0) > 0, `no order ended ${outcome}`);
  }

  // crash: the process stops after the last command is durable, without close (no final snapshot)
  const crashed = await crashCopy(live, dir);
  const afterCrash = await open(crashed);
  assert.equal(afterCrash.recovery.lastSeq, lastSeq);
  assert.ok(afterCrash.recovery.snapshotSeq > 0, 'a periodic snapshot was used');
  assert.equal(afterCrash.recovery.replayed, lastSeq - afterCrash.recovery.snapshotSeq);
  assert.equal(afterCrash.engine.stateHash(), liveHash, 'state after crash recovery');
  await afterCrash.close();

  // clean close: the final snapshot holds everything, nothing to replay
  await live.close();
  const afterClose = await open(dir);
  assert.deepEqual(
    { snapshotSeq: afterClose.recovery.snapshotSeq, replayed: afterClose.recovery.replayed, lastSeq: afterClose.recovery.lastSeq },
    { snapshotSeq: lastSeq, replayed: 0, lastSeq },
  );
  assert.equal(afterClose.engine.stateHash(), liveHash, 'state after a clean restart');
  // and the recovered sequencer goes on where the old one stopped
  const next = afterClose.execute({ type: 'deposit', userId: 'user1', asset: 'USD', amount: 1 });
  assert.equal(next.seq, lastSeq + 1);
  await afterClose.close();
});

test('snapshot + replay equals a full replay of the same commands', async (t) => {
  const seed = seedFromEnv();
  t.diagnostic(`HOOATS_SEED=${seed}`);
  console.log(`sequencer snapshot-vs-full-replay seed: HOOATS_SEED=${seed}`);
  const fullDir = tempDir();
  const snapDir = tempDir();
  const full = await open(fullDir, { snapshotEvery: Number.MAX_SAFE_INTEGER });
  const snapped = await open(snapDir, { snapshotEvery: 300 });
  const exchange = new RandomExchange(seed);
  for (let i = 0; i < 8_000; i++) {
    const input = exchange.next();
    const a = full.execute(input);
    const b = snapped.execute(input);
    assert.deepEqual(b, a, `command ${i}`);
    exchange.observe(a);
    if (i % 500 === 499) await Promise.all([full.whenDurable(full.lastSeq), snapped.whenDurable(snapped.lastSeq)]);
  }
  // a few more after the last snapshot settled, so that recovery must replay some
  await settle(snapped);
  for (let i = 0; i < 50; i++) {
    const input = exchange.next();
    exchange.observe(full.execute(input));
    snapped.execute(input);
  }
  const liveHash = full.engine.stateHash();
  assert.equal(snapped.engine.stateHash(), liveHash);
  assert.equal(snapped.lastSeq, full.lastSeq);

  const fromJournal = await open(await crashCopy(full, fullDir));
  const fromSnapshot = await open(await crashCopy(snapped, snapDir));
  assert.equal(fromJournal.recovery.snapshotSeq, 0);
  assert.equal(fromJournal.recovery.replayed, full.lastSeq);
  t.diagnostic(`snapshot at ${fromSnapshot.recovery.snapshotSeq} of ${full.lastSeq}`);
  assert.ok(fromSnapshot.recovery.snapshotSeq > 300, `a later snapshot was used (${fromSnapshot.recovery.snapshotSeq})`);
  assert.ok(fromSnapshot.recovery.replayed > 0);
  assert.equal(fromSnapshot.recovery.replayed, full.lastSeq - fromSnapshot.recovery.snapshotSeq);
  assert.equal(fromJournal.engine.stateHash(), liveHash, 'full replay');
  assert.equal(fromSnapshot.engine.stateHash(), liveHash, 'snapshot + replay');
  for (const s of [fromJournal, fromSnapshot, full, snapped]) await s.close();
});

test('old segments and snapshots are pruned, recovery still works, and a damaged newest snapshot falls back to the older one', async (t) => {
  const seed = seedFromEnv();
  t.diagnostic(`HOOATS_SEED=${seed}`);
  const dir = tempDir();
  const exchange = new RandomExchange(seed);
  let liveHash = '';
  let lastSeq = 0;
  // every start opens a new segment, so five sessions leave five segments unless pruned
  for (let session = 0; session < 5; session++) {
    const s = await open(dir, { snapshotEvery: 400 });
    assert.equal(s.recovery.lastSeq, lastSeq);
    if (session > 0) assert.equal(s.engine.stateHash(), liveHash, `state at the start of session ${session}`);
    await drive(s, exchange, 1_500);
    liveHash = s.engine.stateHash();
    lastSeq = s.lastSeq;
    await s.close();
  }
  const snapshots = snapshotFiles(dir);
  assert.equal(snapshots.length, 2, `two snapshots kept: ${snapshots.join(', ')}`);
  const [older, newest] = snapshots.map((name) => Number(/\d+/.exec(name)![0]));
  assert.equal(newest, lastSeq, 'close wrote the newest snapshot');
  const segments = listSegments(join(dir, 'journal'));
  assert.ok(segments.length < 5, `segments pruned: ${segments.map((s) => s.name).join(', ')}`);
  assert.ok(segments[0].firstSeq > 1, 'the first segment is gone');
  assert.ok(segments[0].firstSeq <= older + 1, 'the journal after the older snapshot is kept');
  assert.deepEqual(readdirSync(join(dir, 'snapshots')).filter((n) => n.endsWith('.tmp')), []);

  const reopened = await open(dir);
  assert.equal(reopened.recovery.snapshotSeq, newest);
  assert.equal(reopened.engine.stateHash(), liveHash);
  await reopened.close();

  // flip one payload byte of the newest snapshot: its checksum fails, the older one and the journal serve
  const newestPath = join(dir, 'snapshots', snapshots[1]);
  const bytes = readFileSync(newestPath);
  bytes[SNAPSHOT_HEADER_BYTES + Math.floor((bytes.length - SNAPSHOT_HEADER_BYTES) / 2)] ^= 0x40;
  writeFileSync(newestPath, bytes);
  const log = captureLog();
  const fallback = await open(dir, { log });
  assert.equal(fallback.recovery.snapshotSeq, older);
  assert.equal(fallback.recovery.replayed, newest - older);
  assert.equal(fallback.engine.stateHash(), liveHash);
  assert.ok(
    log.entries.some((e) => e.level === 'warn' && JSON.stringify(e.obj).includes(snapshots[1])),
    'the skipped snapshot is logged',
  );
  await fallback.close();
});

test('pruning keeps the segments that the older kept snapshot needs', async () => {
  // A ends with a snapshot; B crashes without one; C closes with one. Kept: A's and C's snapshots. The
  // journal after A's snapshot (B's segment) must survive, or a damaged C snapshot could not fall back.
  const exchange = new RandomExchange(23);
  const dir = tempDir();
  const a = await open(dir, { snapshotEvery: 400 });
  await drive(a, exchange, 1_200);
  await a.close();
  const snapshotA = a.lastSeq;
  const b = await open(dir, { snapshotEvery: Number.MAX_SAFE_INTEGER });
  await drive(b, exchange, 300);
  const crashed = await crashCopy(b, dir);
  await b.close();
  const c = await open(crashed, { snapshotEvery: Number.MAX_SAFE_INTEGER });
  assert.equal(c.recovery.snapshotSeq, snapshotA);
  await drive(c, exchange, 300);
  const hash = c.engine.stateHash();
  await c.close();

  const snapshots = snapshotFiles(crashed);
  assert.deepEqual(snapshots.map((name) => Number(/\d+/.exec(name)![0])), [snapshotA, c.lastSeq]);
  const segments = listSegments(join(crashed, 'journal'));
  assert.equal(segments[0].firstSeq, snapshotA + 1, "A's segment went, B's stayed");
  const newestPath = join(crashed, 'snapshots', snapshots[1]);
  const bytes = readFileSync(newestPath);
  bytes[bytes.length - 1] ^= 0xff;
  writeFileSync(newestPath, bytes);
  const fallback = await open(crashed);
  assert.equal(fallback.recovery.snapshotSeq, snapshotA);
  assert.equal(fallback.engine.stateHash(), hash);
  await fallback.close();
});

test('torn tail: a last segment cut mid-record is truncated, logged, and the state is the one after the last whole record', async () => {
  const dir = tempDir();
  const exchange = new RandomExchange(7);
  const live = await open(dir, { snapshotEvery: Number.MAX_SAFE_INTEGER });
  await drive(live, exchange, 600);
  const hashBeforeLast = live.engine.stateHash();
  const seqBeforeLast = live.lastSeq;
  let last: Executed;
  do {
    last = live.execute(exchange.next());
    exchange.observe(last);
  } while (last.seq === null);
  assert.equal(last.seq, seqBeforeLast + 1);
  const crashed = await crashCopy(live, dir);
  await live.close();

  const segments = listSegments(join(crashed, 'journal'));
  assert.equal(segments.length, 1);
  const segment = segments[0].path;
  const offsets = recordOffsets(segment);
  const lastOffset = offsets[offsets.length - 1];
  const size = statSync(segment).size;
  const cutAt = lastOffset + Math.floor((size - lastOffset) / 2); // inside the last record
  truncateSync(segment, cutAt);

  const log = captureLog();
  const recovered = await open(crashed, { log });
  assert.deepEqual(recovered.recovery.truncated, {
    file: segment,
    offset: lastOffset,
    bytesDropped: cutAt - lastOffset,
    reason: 'record extends past the end of the file',
  });
  assert.equal(recovered.recovery.lastSeq, seqBeforeLast);
  assert.equal(statSync(segment).size, lastOffset, 'the file was cut back to the last whole record');
  assert.equal(recovered.engine.stateHash(), hashBeforeLast);
  assert.ok(log.entries.some((e) => e.level === 'warn' && (e.obj as { file?: string }).file === segment), 'the cut is logged');

  // the lost command's sequence number is given again, and the journal continues cleanly
  const again = recovered.execute({ type: 'deposit', userId: 'user3', asset: 'BTC', amount: 5 });
  assert.equal(again.seq, seqBeforeLast + 1);
  const hash = recovered.engine.stateHash();
  const copy = await crashCopy(recovered, crashed);
  await recovered.close();
  const reopened = await open(copy);
  assert.equal(reopened.recovery.truncated, null);
  assert.equal(reopened.engine.stateHash(), hash);
  await reopened.close();
});

test('a corrupt record in the middle of the journal stops recovery with an error naming the file and offset', async () => {
  const dir = tempDir();
  const live = await open(dir, { snapshotEvery: Number.MAX_SAFE_INTEGER });
  await drive(live, new RandomExchange(11), 500);
  const crashed = await crashCopy(live, dir);
  await live.close();

  const segment = listSegments(join(crashed, 'journal'))[0].path;
  const offsets = recordOffsets(segment);
  const victim = offsets[Math.floor(offsets.length / 2)];
  const bytes = readFileSync(segment);
  bytes[victim + RECORD_HEADER_BYTES + 3] ^= 0x01; // one bit of the payload
  writeFileSync(segment, bytes);

  await assert.rejects(open(crashed), (err: unknown) => {
    assert.ok(err instanceof JournalCorruptError, String(err));
    assert.equal(err.file, segment);
    assert.equal(err.offset, victim);
    assert.ok(err.message.includes(segment) && err.message.includes(`offset ${victim}`), err.message);
    return true;
  });
  // nothing was cut: the operator decides
  assert.equal(statSync(segment).size, bytes.length);
});

/** Blocks every fdatasync until released, so a test decides when the journal becomes durable. */
function gatedSync(): { io: Partial<JournalIo>; release(): void; waiting(): number } {
  let held: Array<() => void> = [];
  let open = false;
  return {
    io: {
      sync: async (fd) => {
        if (!open) await new Promise<void>((resolve) => held.push(resolve));
        return defaultJournalIo.sync(fd);
      },
    },
    release() {
      open = true;
      const waiting = held;
      held = [];
      for (const resume of waiting) resume();
    },
    waiting: () => held.length,
  };
}

test('rejected commands are not journaled and are acked after the last journaled one; onDurable publishes in order, only once durable', async () => {
  const dir = tempDir();
  const gate = gatedSync();
  const log = captureLog();
  const seqr = await open(dir, { fsyncMode: 'always', journalIo: gate.io, log });
  const published: Array<{ seq: number; events: readonly EngineEvent[]; durableSeq: number }> = [];
  seqr.onDurable((seq, events) => published.push({ seq, events, durableSeq: seqr.durableSeq }));
  const stopFaulty = seqr.onDurable(() => {
    throw new Error('a consumer bug');
  });

  const first = seqr.execute({ type: 'withdraw', userId: 'alice', asset: 'USD', amount: 1 });
  assert.equal(first.seq, null);
  assert.equal(first.result.ok, false);
  assert.equal(first.ackAfter, 0, 'nothing journaled yet');

  const executed: Executed[] = [first];
  const run = (input: CommandInput): Executed => {
    const e = seqr.execute(input);
    executed.push(e);
    return e;
  };
  assert.equal(run({ type: 'deposit', userId: 'alice', asset: 'USD', amount: 10_000_000 }).seq, 1);
  assert.equal(run({ type: 'deposit', userId: 'bob', asset: 'BTC', amount: 10_000_000 }).seq, 2);
  const refused = run({ type: 'withdraw', userId: 'alice', asset: 'USD', amount: 99_000_000 });
  assert.deepEqual({ seq: refused.seq, code: refused.result.ok ? null : refused.result.code, ackAfter: refused.ackAfter }, { seq: null, code: 'INSUFFICIENT_BALANCE', ackAfter: 2 });
  assert.deepEqual(refused.events, []);
  const bid = run({ type: 'placeOrder', userId: 'alice', pair: 'BTC-USD', side: 'buy', orderType: 'limit', price: 100, amount: 3 });
  assert.equal(bid.seq, 3);
  const bidId = bid.result.ok && 'order' in bid.result ? bid.result.order.id : -1;
  const unencodable = run({ type: 'deposit', userId: 'mallory\ud800', asset: 'USD', amount: 1 });
  assert.equal(unencodable.result.ok ? null : unencodable.result.code, 'VALIDATION_ERROR');
  assert.equal(unencodable.ackAfter, 3);
  assert.deepEqual(seqr.engine.userIds().filter((u) => u.startsWith('mallory')), [], 'an unencodable command changed nothing');

  // the first flush is stuck in fsync: commands pile up behind it, nothing is published
  await until(() => gate.waiting() > 0, 'a flush waits in fsync');
  run({ type: 'placeOrder', userId: 'bob', pair: 'BTC-USD', side: 'sell', orderType: 'limit', price: 100, amount: 1 });
  assert.equal(run({ type: 'cancelOrder', userId: 'bob', orderId: bidId }).seq, null, "alice's order: not found for bob");
  assert.equal(run({ type: 'cancelOrder', userId: 'alice', orderId: bidId }).seq, 5);
  run({ type: 'cancelAll', userId: 'alice', pair: null });
  for (let i = 0; i < 5; i++) await tick();
  assert.equal(seqr.durableSeq, 0);
  assert.equal(published.length, 0, 'nothing is published before it is durable');

  gate.release();
  await seqr.whenDurable(seqr.lastSeq);
  await tick();
  const accepted = executed.filter((e) => e.seq !== null);
  assert.deepEqual(
    published.map((p) => p.seq),
    accepted.map((e) => e.seq),
    'every journaled command is published once, in sequence order',
  );
  for (const p of published) assert.ok(p.durableSeq >= p.seq, `seq ${p.seq} published when durable up to ${p.durableSeq}`);
  published.forEach((p, i) => assert.deepEqual(p.events, accepted[i].events));
  assert.ok(log.entries.some((e) => e.level === 'error' && e.msg === 'onDurable listener threw'));
  stopFaulty();

  // rejected commands answer after everything journaled before them
  for (const e of executed) {
    if (e.seq === null) assert.ok(e.ackAfter <= seqr.durableSeq);
    else assert.equal(e.ackAfter, e.seq);
  }
  const lastSeq = seqr.lastSeq;
  await seqr.close();
  const journaled = journaledCommands(dir);
  assert.equal(journaled.length, lastSeq);
  assert.deepEqual(
    journaled.map((c) => c.type),
    ['deposit', 'deposit', 'placeOrder', 'placeOrder', 'cancelOrder', 'cancelAll'],
    'only accepted commands are in the journal',
  );
});

test('a listener that subscribes mid-run gets every command executed after it subscribed, in order', async () => {
  const dir = tempDir();
  const seqr = await open(dir);
  seqr.execute({ type: 'deposit', userId: 'early', asset: 'USD', amount: 1 });
  const seen: number[] = [];
  const stop = seqr.onDurable((seq) => seen.push(seq));
  const expected: number[] = [];
  for (let i = 0; i < 50; i++) {
    expected.push(seqr.execute({ type: 'deposit', userId: `u${i % 7}`, asset: 'BTC', amount: 1 + i }).seq!);
    if (i % 10 === 9) await tick();
  }
  await seqr.whenDurable(seqr.lastSeq);
  await tick();
  assert.deepEqual(seen.filter((seq) => seq >= expected[0]), expected);
  assert.deepEqual(seen, [...seen].sort((a, b) => a - b));
  stop();
  seqr.execute({ type: 'deposit', userId: 'late', asset: 'USD', amount: 1 });
  await seqr.whenDurable(seqr.lastSeq);
  await tick();
  assert.equal(seen[seen.length - 1], expected[expected.length - 1], 'nothing after unsubscribing');
  await seqr.close();
});

test('a snapshot is never written ahead of the durable journal', async () => {
  const dir = tempDir();
  const gate = gatedSync();
  const seqr = await open(dir, { fsyncMode: 'batched', journalIo: gate.io, snapshotEvery: 5 });
  for (let i = 0; i < 8; i++) seqr.execute({ type: 'deposit', userId: `u${i}`, asset: 'ETH', amount: 100 });
  // long enough for a snapshot file to be written, were it not waiting for the journal
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.ok(gate.waiting() > 0);
  assert.deepEqual(snapshotFiles(dir), [], 'no snapshot while its commands are not durable');
  gate.release();
  await settle(seqr);
  const files = snapshotFiles(dir);
  assert.equal(files.length, 1);
  assert.ok(Number(/\d+/.exec(files[0])![0]) <= seqr.durableSeq);
  await seqr.close();
});

test('disk trouble: the in-flight whenDurable rejects, the sequencer turns unhealthy and refuses commands, reads still work', async () => {
  const dir = tempDir();
  let syncs = 0;
  const log = captureLog();
  const failing: Partial<JournalIo> = {
    sync: async (fd) => {
      if (++syncs >= 2) throw Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' });
      return defaultJournalIo.sync(fd);
    },
  };
  const seqr = await open(dir, { journalIo: failing, log });
  const published: number[] = [];
  seqr.onDurable((seq) => published.push(seq));
  seqr.execute({ type: 'deposit', userId: 'alice', asset: 'USD', amount: 50_000_000 });
  await seqr.whenDurable(1);
  assert.equal(seqr.healthy, true);

  const order = seqr.execute({ type: 'placeOrder', userId: 'alice', pair: 'BTC-USD', side: 'buy', orderType: 'limit', price: 1_000, amount: 7 });
  assert.equal(order.seq, 2);
  await assert.rejects(seqr.whenDurable(order.ackAfter), JournalUnavailableError);
  assert.equal(seqr.healthy, false);
  assert.equal(seqr.durableSeq, 1);

  const hash = seqr.engine.stateHash();
  for (const input of [
    { type: 'deposit', userId: 'alice', asset: 'USD', amount: 1 },
    { type: 'cancelOrder', userId: 'alice', orderId: 1 },
    { type: 'withdraw', userId: 'bob', asset: 'USD', amount: 1 },
  ] as CommandInput[]) {
    const refused = seqr.execute(input);
    assert.equal(refused.seq, null);
    assert.equal(refused.result.ok ? null : refused.result.code, 'UNAVAILABLE');
    assert.deepEqual(refused.events, []);
  }
  assert.equal(seqr.engine.stateHash(), hash, 'refused commands changed nothing');
  assert.equal(seqr.lastSeq, 2);
  // reads still work (they show what was applied in memory, durable or not)
  assert.equal(seqr.engine.openOrders('alice').length, 1);
  assert.deepEqual(seqr.engine.balances('alice').USD, { available: 50_000_000 - 7 * 1_000 * 5, locked: 7 * 1_000 * 5 });
  assert.deepEqual(seqr.engine.depth('BTC-USD')?.bids, [[1_000, 7]]);

  await tick();
  assert.deepEqual(published, [1], 'what became durable before the failure is published; nothing after');
  assert.ok(log.entries.some((e) => e.level === 'error'), 'the failure is logged');
  await assert.rejects(seqr.close(), JournalUnavailableError);

  // a restart recovers from disk: the failed batch was written but never acknowledged, so it may replay
  const restarted = await open(dir);
  assert.ok(restarted.recovery.lastSeq === 1 || restarted.recovery.lastSeq === 2);
  if (restarted.recovery.lastSeq === 2) assert.equal(restarted.engine.stateHash(), hash);
  assert.equal(restarted.healthy, true);
  assert.equal(restarted.execute({ type: 'deposit', userId: 'bob', asset: 'BTC', amount: 1 }).seq, restarted.recovery.lastSeq + 1);
  await restarted.close();
});

test('disk trouble at the first write: nothing becomes durable and a restart starts empty', async () => {
  const dir = tempDir();
  const seqr = await open(dir, {
    journalIo: { write: async () => Promise.reject(Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' })) },
  });
  const executed = seqr.execute({ type: 'deposit', userId: 'alice', asset: 'USD', amount: 5 });
  await assert.rejects(seqr.whenDurable(executed.ackAfter), /ENOSPC/);
  assert.equal(seqr.healthy, false);
  assert.equal(seqr.execute({ type: 'deposit', userId: 'alice', asset: 'USD', amount: 5 }).result.ok, false);
  await assert.rejects(seqr.close(), JournalUnavailableError);
  const restarted = await open(dir);
  assert.equal(restarted.recovery.lastSeq, 0);
  assert.deepEqual(restarted.engine.userIds().filter((u) => u === 'alice'), []);
  await restarted.close();
});

test('time is stamped by the injected clock and replay uses the journaled time', async () => {
  const dir = tempDir();
  let now = 1_000;
  const live = await open(dir, { now: () => now, snapshotEvery: Number.MAX_SAFE_INTEGER });
  live.execute({ type: 'deposit', userId: 'maker', asset: 'BTC', amount: 100_000_000 });
  live.execute({ type: 'deposit', userId: 'taker', asset: 'USD', amount: 100_000_000 });
  now = 2_000;
  const resting = live.execute({ type: 'placeOrder', userId: 'maker', pair: 'BTC-USD', side: 'sell', orderType: 'limit', price: 500, amount: 10 });
  assert.ok(resting.result.ok && 'order' in resting.result);
  const orderId = resting.result.order.id;
  assert.equal(resting.result.order.createdAt, 2_000);
  now = 3_000;
  const taking = live.execute({ type: 'placeOrder', userId: 'taker', pair: 'BTC-USD', side: 'buy', orderType: 'limit', price: 500, amount: 4 });
  const trade = taking.events.find((e) => e.type === 'trade');
  assert.equal(trade?.type === 'trade' ? trade.time : null, 3_000);
  await live.whenDurable(live.lastSeq);
  assert.deepEqual(journaledCommands(dir).map((c) => c.time), [1_000, 1_000, 2_000, 3_000]);
  const liveHash = live.engine.stateHash();

  // replay from the journal, with a clock that says something else entirely
  const crashed = await crashCopy(live, dir);
  const replayed = await open(crashed, { now: () => 99 });
  assert.equal(replayed.recovery.replayed, 4);
  assert.equal(replayed.engine.openOrder(orderId)?.createdAt, 2_000);
  assert.equal(replayed.engine.stateHash(), liveHash);
  const later = replayed.execute({ type: 'placeOrder', userId: 'maker', pair: 'BTC-USD', side: 'sell', orderType: 'limit', price: 600, amount: 1 });
  assert.equal(later.result.ok && 'order' in later.result ? later.result.order.createdAt : null, 99);
  await replayed.close();

  // and from a snapshot
  await live.close();
  const restored = await open(dir, { now: () => 77 });
  assert.equal(restored.recovery.replayed, 0);
  assert.equal(restored.engine.openOrder(orderId)?.createdAt, 2_000);
  assert.equal(restored.engine.stateHash(), liveHash);
  await restored.close();
});
