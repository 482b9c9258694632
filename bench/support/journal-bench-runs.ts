/**
 * The measured runs of bench/journal.bench.ts, each meant to execute in its own worker thread (see
 * journal-bench-worker.ts): V8 keeps type feedback per isolate, so an engine that has run the stream's
 * command objects and the sequencer's (other shapes) in one isolate is slower than either alone would be,
 * and neither production (the sequencer only) nor bench:engine (the stream only) ever mixes them.
 */
import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from '../../src/engine/commands.js';
import { Engine } from '../../src/engine/engine.js';
import type { EngineEvent } from '../../src/engine/events.js';
import { Sequencer, stampCommand } from '../../src/sequencer/sequencer.js';
import { BENCH_MARKET, generateStream, type ExchangeStream } from './exchange-stream.js';

export const markets = [BENCH_MARKET];

export interface Timing {
  wall: number;
  /** user + system CPU seconds of the whole process (the other workers are idle meanwhile) */
  cpu: number;
}

export interface JournaledRun extends Timing {
  fsyncs: number;
  flushes: number;
  bytes: number;
  snapshots: number;
}

export interface OpenRun extends Timing {
  replayed: number;
  snapshotSeq: number;
}

/** Starts a stopwatch of wall and process CPU seconds. */
export function stopwatch(): () => Timing {
  const wall = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  return () => {
    const used = process.cpuUsage(cpu);
    return { wall: Number(process.hrtime.bigint() - wall) / 1e9, cpu: (used.user + used.system) / 1e6 };
  };
}

export function collect(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with node --expose-gc');
  gc();
}

export const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'hooats-journal-bench-'));
}

export function dirBytes(dir: string): number {
  let total = 0;
  for (const name of readdirSync(dir)) total += statSync(join(dir, name)).size;
  return total;
}

/** bench/engine.bench.ts's stream: `commands` measured commands after `prefill` resting orders. */
export function exchangeStream(commands: number, prefill: number): ExchangeStream {
  return generateStream({
    seed: 20261126,
    users: 1000,
    prefill,
    commands,
    levels: 500,
    limitShare: 0.6,
    marketShare: 0.1,
    iocShare: 0.1,
  });
}

/**
 * The stream's commands rebuilt as the sequencer builds them (stampCommand: one object shape per command
 * type, absent fields undefined), so that the engine can be timed alone on what it runs under the sequencer.
 */
export function stamped(stream: ExchangeStream): ExchangeStream {
  const stamp = <T extends Command>(c: T): T => stampCommand(c, c.time) as T;
  return { pair: stream.pair, deposits: stream.deposits.map(stamp), prefill: stream.prefill.map(stamp), commands: stream.commands.map(stamp) };
}

/** As bench/engine.bench.ts runHooats: a funded, prefilled engine, then the timed commands. */
export function runEngine(stream: ExchangeStream): Timing {
  const engine = new Engine(markets);
  const out: EngineEvent[] = [];
  for (const c of stream.deposits) engine.execute(c, out);
  for (const c of stream.prefill) engine.execute(c, out);
  out.length = 0;
  collect();
  const commands = stream.commands;
  const stop = stopwatch();
  for (let i = 0; i < commands.length; i++) {
    engine.execute(commands[i], out);
    out.length = 0;
  }
  return stop();
}

/** Untimed set-up through a sequencer: all of `commands`, letting I/O run every `chunk`, then durable. */
export async function feed(seqr: Sequencer, commands: readonly Command[], chunk = 1_000): Promise<void> {
  for (let i = 0; i < commands.length; i++) {
    seqr.execute(commands[i]);
    if (i % chunk === chunk - 1) await nextTurn();
  }
  await seqr.whenDurable(seqr.lastSeq);
}

export interface SequencerRunOptions {
  chunk: number;
  inFlight: number;
  snapshotEvery: number;
  /** subscribe an onDurable listener (a market-data feed), which makes the sequencer hold events until durable */
  listen: boolean;
}

/**
 * The same commands through a Sequencer with batched fsync in a temp dir; deposits and prefill untimed.
 * Clients are a window of chunks: before a chunk goes in, the chunk `inFlight` chunks back must be durable.
 * The clock stops once every command is durable.
 */
export async function runSequencer(stream: ExchangeStream, o: SequencerRunOptions, dir: string): Promise<JournaledRun> {
  let snapshots = 0;
  const log = { info: (_o: object, msg: string) => void (msg === 'snapshot written' && snapshots++), warn() {}, error() {} };
  const seqr = await Sequencer.open({ markets, dataDir: dir, fsyncMode: 'batched', snapshotEvery: o.snapshotEvery, log });
  let published = 0;
  if (o.listen) seqr.onDurable((_seq, events) => void (published += events.length));
  await feed(seqr, stream.deposits, o.chunk);
  await feed(seqr, stream.prefill, o.chunk);
  collect();
  const before = { ...seqr.journalStats };
  snapshots = 0;
  const commands = stream.commands;
  const chunkEnds: number[] = [];
  const stop = stopwatch();
  for (let from = 0; from < commands.length; from += o.chunk) {
    const waitFor = chunkEnds.length - o.inFlight;
    if (waitFor >= 0) await seqr.whenDurable(chunkEnds[waitFor]);
    const to = Math.min(from + o.chunk, commands.length);
    for (let i = from; i < to; i++) seqr.execute(commands[i]);
    chunkEnds.push(seqr.lastSeq);
    await nextTurn();
  }
  await seqr.whenDurable(seqr.lastSeq);
  const timing = stop();
  if (o.listen && published === 0) throw new Error('the listener heard nothing');
  const after = seqr.journalStats;
  await seqr.close();
  return {
    ...timing,
    fsyncs: after.fileSyncs - before.fileSyncs,
    flushes: after.flushes - before.flushes,
    bytes: after.bytesWritten - before.bytesWritten,
    snapshots,
  };
}

/** Times Sequencer.open on `dir` (recovery: snapshot + replay). The sequencer is left open: the caller's worker ends. */
export async function timeOpen(dir: string): Promise<OpenRun> {
  collect();
  const stop = stopwatch();
  const seqr = await Sequencer.open({ markets, dataDir: dir });
  return { ...stop(), replayed: seqr.recovery.replayed, snapshotSeq: seqr.recovery.snapshotSeq };
}
