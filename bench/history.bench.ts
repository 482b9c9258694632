/**
 * npm run bench:history — what the history store costs.
 *  a) rows/s written into SQLite and PostgreSQL: the events of the exchange-like stream of bench:engine
 *     (with an AMM pool), in batches as the writer makes them (orders, order events, fills, trades,
 *     candles, progress: one transaction per batch);
 *  b) commands/s through the Sequencer with the history writer off and on (SQLite, PostgreSQL), same
 *     process, alternating rounds, clients modelled as in bench:journal (chunks of CHUNK commands, up to
 *     IN_FLIGHT chunks waiting for durability). "off" has no listener at all; "listener" has one that only
 *     counts events (as a market-data feed would, it keeps events alive until durable). For "on", the
 *     lag left when the last command is durable and the time the writer then needs to finish are shown.
 * PostgreSQL is DATABASE_URL or postgres://postgres@127.0.0.1:5432/test, in a fresh schema dropped
 * afterwards; skipped with a message when it does not answer. Prints medians; the last line is JSON.
 * BENCH_CLIENT_IDS=1 gives every order a clientOrderId (see CLIENT_IDS).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from '../src/engine/commands.js';
import { Engine } from '../src/engine/engine.js';
import type { EngineEvent } from '../src/engine/events.js';
import { buildCatalogue, type MarketConfig } from '../src/engine/market.js';
import { HistoryWriter } from '../src/history/history-writer.js';
import { PgHistoryStore } from '../src/history/pg-store.js';
import { buildBatch, pairAssets, type DurableEntry } from '../src/history/rows.js';
import { SqliteWorkerHistoryStore } from '../src/history/sqlite-worker-store.js';
import type { HistoryBatch, HistoryStore } from '../src/history/types.js';
import { Sequencer } from '../src/sequencer/sequencer.js';
import { databaseUrl, dropSchema, freshSchemaName, postgresUnavailable } from '../test/history/pg-support.js';
import { BENCH_MARKET, generateStream, type ExchangeStream } from './support/exchange-stream.js';
import { median } from './support/stats.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const COMMANDS = Number(process.env.BENCH_COMMANDS ?? 300_000);
const PREFILL = Number(process.env.BENCH_PREFILL ?? 20_000);
const ROW_COMMANDS = Number(process.env.BENCH_ROW_COMMANDS ?? 200_000);
const BATCH = Number(process.env.BENCH_BATCH ?? 2_000);
const CHUNK = Number(process.env.BENCH_CHUNK ?? 1_000);
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 4);
/** the writer's queue limit in commands (its default unless set): past it, it catches up from the journal */
const QUEUE = process.env.BENCH_QUEUE === undefined ? undefined : Number(process.env.BENCH_QUEUE);
/**
 * BENCH_CLIENT_IDS=1: every order carries a clientOrderId of its own, as a bot labelling each order
 * does; the order rows then also go into the partial index orders_by_client_id.
 */
const CLIENT_IDS = process.env.BENCH_CLIENT_IDS === '1';

const MARKET: MarketConfig = { ...BENCH_MARKET, amm: { baseReserve: '20000', quoteReserve: '20000000', feeBps: 2 } };
const catalogue = buildCatalogue([MARKET]);
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const seconds = (from: bigint): number => Number(process.hrtime.bigint() - from) / 1e9;
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

interface Target {
  readonly name: 'sqlite' | 'postgres';
  open(dir: string): Promise<{ store: HistoryStore; dispose(): Promise<void> }>;
}

const sqlite: Target = {
  name: 'sqlite',
  async open(dir) {
    // as the exchange runs it: writes in a worker thread
    const store = await SqliteWorkerHistoryStore.open({ dataDir: dir });
    return { store, dispose: () => store.close() };
  },
};

function postgres(url: string): Target {
  return {
    name: 'postgres',
    async open() {
      const schema = freshSchemaName('hooats_history_bench');
      const store = await PgHistoryStore.open({ connectionString: url, schema });
      return {
        store,
        async dispose() {
          await store.close();
          await dropSchema(url, schema);
        },
      };
    },
  };
}

/** The stream's events as (seq, events), as the sequencer would publish them. */
function durableEntries(stream: ExchangeStream, count: number): DurableEntry[] {
  const engine = new Engine(catalogue);
  const entries: DurableEntry[] = [];
  const all = [...stream.deposits, ...stream.prefill, ...stream.commands].slice(0, count);
  for (const c of all) {
    const events: EngineEvent[] = [];
    if (engine.execute(c, events).ok) entries.push({ seq: entries.length + 1, events });
  }
  return entries;
}

function rowsOf(b: HistoryBatch): number {
  return b.orders.length + b.orderEvents.length + b.fills.length + b.trades.length;
}

async function measureRows(target: Target, batches: HistoryBatch[]): Promise<{ rowsPerSecond: number; commandsPerSecond: number; rows: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'hooats-history-bench-'));
  const { store, dispose } = await target.open(dir);
  try {
    const rows = batches.reduce((n, b) => n + rowsOf(b), 0);
    const commands = batches[batches.length - 1].lastSeq;
    const start = process.hrtime.bigint();
    for (const b of batches) await store.write(b);
    const s = seconds(start);
    return { rowsPerSecond: rows / s, commandsPerSecond: commands / s, rows };
  } finally {
    await dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

interface SequencerRun {
  commandsPerSecond: number;
  /** writer on: lag (commands) when the last command was durable, then seconds until it was persisted */
  lagAtEnd?: number;
  drainSeconds?: number;
  overflows?: number;
}

async function feed(seqr: Sequencer, commands: readonly Command[]): Promise<void> {
  for (let i = 0; i < commands.length; i++) {
    seqr.execute(commands[i]);
    if (i % CHUNK === CHUNK - 1) await nextTurn();
  }
  await seqr.whenDurable(seqr.lastSeq);
}

async function runSequencer(stream: ExchangeStream, mode: 'off' | 'listener' | Target): Promise<SequencerRun> {
  const dir = mkdtempSync(join(tmpdir(), 'hooats-history-bench-'));
  const seqr = await Sequencer.open({ markets: catalogue, dataDir: dir, fsyncMode: 'batched' });
  let writer: HistoryWriter | null = null;
  let opened: { store: HistoryStore; dispose(): Promise<void> } | null = null;
  let heard = 0;
  try {
    if (mode === 'listener') seqr.onDurable((_s, events) => void (heard += events.length));
    else if (mode !== 'off') {
      opened = await mode.open(join(dir, 'history'));
      writer = new HistoryWriter({
        store: opened.store,
        markets: catalogue,
        dataDir: dir,
        durableSeq: () => seqr.durableSeq,
        ...(QUEUE === undefined ? {} : { maxQueuedCommands: QUEUE, maxQueuedEvents: QUEUE * 10 }),
      });
      seqr.onDurable(writer.listener);
      writer.start();
    }
    await feed(seqr, stream.deposits);
    await feed(seqr, stream.prefill);
    if (writer !== null) await writer.whenPersisted(seqr.durableSeq);
    const first = seqr.lastSeq;
    const commands = stream.commands;
    const chunkEnds: number[] = [];
    const start = process.hrtime.bigint();
    for (let from = 0; from < commands.length; from += CHUNK) {
      const waitFor = chunkEnds.length - IN_FLIGHT;
      if (waitFor >= 0) await seqr.whenDurable(chunkEnds[waitFor]);
      const to = Math.min(from + CHUNK, commands.length);
      for (let i = from; i < to; i++) seqr.execute(commands[i]);
      chunkEnds.push(seqr.lastSeq);
      await nextTurn();
    }
    await seqr.whenDurable(seqr.lastSeq);
    const elapsed = seconds(start);
    const run: SequencerRun = { commandsPerSecond: (seqr.lastSeq - first) / elapsed };
    if (mode === 'listener' && heard === 0) throw new Error('the listener heard nothing');
    if (writer !== null) {
      run.lagAtEnd = writer.lag;
      const drainStart = process.hrtime.bigint();
      await writer.whenPersisted(seqr.durableSeq);
      run.drainSeconds = seconds(drainStart);
      run.overflows = writer.status().overflows;
    }
    return run;
  } finally {
    await writer?.close();
    await seqr.close();
    await opened?.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const url = databaseUrl();
  const pgDown = await postgresUnavailable(url);
  const targets: Target[] = [sqlite];
  if (pgDown === null) targets.push(postgres(url));
  else console.log(`PostgreSQL skipped: ${pgDown}`);

  const generated = generateStream({
    seed: 20261126,
    users: 1000,
    prefill: PREFILL,
    commands: Math.max(COMMANDS, ROW_COMMANDS),
    levels: 500,
    limitShare: 0.6,
    marketShare: 0.15,
    iocShare: 0.2,
  });
  let labels = 0;
  const label = <C extends Command>(c: C): C => (c.type === 'placeOrder' ? { ...c, clientOrderId: `o${labels++}` } : c);
  const stream: ExchangeStream = CLIENT_IDS
    ? { ...generated, prefill: generated.prefill.map(label), commands: generated.commands.map(label) }
    : generated;
  if (CLIENT_IDS) console.log('every order with a clientOrderId of its own (BENCH_CLIENT_IDS=1)');

  // a) rows/s
  const entries = durableEntries(stream, ROW_COMMANDS);
  const assets = pairAssets(catalogue);
  const batches: HistoryBatch[] = [];
  for (let i = 0; i < entries.length; i += BATCH) batches.push(buildBatch(entries.slice(i, i + BATCH), assets));
  const trades = batches.reduce((n, b) => n + b.trades.length, 0);
  const amm = batches.reduce((n, b) => n + b.trades.filter((t) => t.venue === 'amm').length, 0);
  console.log(`rows: ${fmt(entries.length)} commands → ${fmt(batches.reduce((n, b) => n + rowsOf(b), 0))} rows (${fmt(trades)} trades, ${fmt(amm)} via AMM), batches of ${BATCH} commands`);
  const rowResults: Record<string, { rowsPerSecond: number; commandsPerSecond: number }> = {};
  for (const t of targets) {
    const samples = [];
    for (let r = 0; r < ROUNDS; r++) samples.push(await measureRows(t, batches));
    rowResults[t.name] = {
      rowsPerSecond: median(samples.map((s) => s.rowsPerSecond)),
      commandsPerSecond: median(samples.map((s) => s.commandsPerSecond)),
    };
    console.log(`  ${t.name.padEnd(8)} ${fmt(rowResults[t.name].rowsPerSecond)} rows/s  (${fmt(rowResults[t.name].commandsPerSecond)} commands/s)`);
  }

  // b) sequencer throughput, writer off vs on
  const timed = { ...stream, commands: stream.commands.slice(0, COMMANDS) };
  const modes: ('off' | 'listener' | Target)[] = ['off', 'listener', ...targets];
  const name = (m: 'off' | 'listener' | Target): string => (typeof m === 'string' ? m : `on:${m.name}`);
  const runs = new Map<string, SequencerRun[]>();
  for (let r = 0; r < ROUNDS; r++) {
    for (const m of modes) {
      const run = await runSequencer(timed, m);
      runs.set(name(m), [...(runs.get(name(m)) ?? []), run]);
    }
  }
  console.log(`sequencer: ${fmt(COMMANDS)} commands, fsync batched, chunks of ${CHUNK}, ${IN_FLIGHT} in flight, median of ${ROUNDS}`);
  const off = median(runs.get('off')!.map((r) => r.commandsPerSecond));
  const seqResults: Record<string, object> = {};
  for (const [key, list] of runs) {
    const cps = median(list.map((r) => r.commandsPerSecond));
    const extra =
      list[0].lagAtEnd === undefined
        ? ''
        : `  lag at end ${fmt(median(list.map((r) => r.lagAtEnd!)))}, drained in ${median(list.map((r) => r.drainSeconds!)).toFixed(2)} s, overflows ${list.map((r) => r.overflows).join('/')}`;
    console.log(`  ${key.padEnd(12)} ${fmt(cps)} commands/s  ${(cps / off).toFixed(2)}× off${extra}`);
    seqResults[key] = {
      commandsPerSecond: Math.round(cps),
      ratioToOff: Number((cps / off).toFixed(3)),
      ...(list[0].lagAtEnd === undefined
        ? {}
        : { lagAtEnd: median(list.map((r) => r.lagAtEnd!)), drainSeconds: Number(median(list.map((r) => r.drainSeconds!)).toFixed(3)) }),
    };
  }
  console.log(JSON.stringify({ rows: rowResults, sequencer: seqResults, postgres: pgDown === null ? 'ran' : `skipped: ${pgDown}` }));
}

await main();
