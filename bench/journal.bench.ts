/**
 * npm run bench:journal — what durability costs. In one process, on the exchange-like stream of
 * bench:engine:
 *  a) commands/s through the engine alone vs through the Sequencer (binary journal, batched fsync, on the
 *     real disk under os.tmpdir(), periodic snapshots at the sequencer's default), alternating rounds.
 *     Clients are modelled as a window of chunks in flight: before a chunk goes in, the chunk IN_FLIGHT
 *     chunks back must be durable; the clock stops once every command is durable. Also with an onDurable
 *     listener (a market-data feed), which makes the sequencer hold each command's events until durable.
 *  b) replay: commands/s of Sequencer.open replaying a journal of > 1M commands, no snapshot;
 *  c) restart with 1M resting orders: Sequencer.open from the snapshot written by close.
 * a) also times the engine alone on the stream rebuilt in the sequencer's command shapes (stampCommand:
 * one shape per type), which the engine runs faster than bench:engine's mixed shapes: against that, the
 * ratio is the sequencer's own cost. Each variant of a) runs in its own worker thread, and each open of b) and c) in a fresh one (as a
 * restarted process would): V8's type feedback is per isolate, and mixing the stream's command objects
 * with the sequencer's in one engine slowed the journaled runs by a fifth, which neither production nor
 * bench:engine ever does. Wall-clock figures decide; CPU time (user + system of the process) is printed
 * beside them because the machine is shared and wall time swings with other people's load. Medians of
 * alternating rounds; the last line is one JSON object. Run with node --expose-gc.
 */
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Command } from '../src/engine/commands.js';
import { Engine } from '../src/engine/engine.js';
import type { EngineEvent } from '../src/engine/events.js';
import { readJournal } from '../src/durability/journal-reader.js';
import { decodeCommand } from '../src/sequencer/command-codec.js';
import { DEFAULT_SNAPSHOT_EVERY, Sequencer } from '../src/sequencer/sequencer.js';
import { BENCH_PAIR } from './support/exchange-stream.js';
import {
  collect,
  dirBytes,
  exchangeStream,
  feed,
  markets,
  nextTurn,
  stopwatch,
  tempDir,
  type JournaledRun,
  type OpenRun,
  type SequencerRunOptions,
  type Timing,
} from './support/journal-bench-runs.js';
import { median } from './support/stats.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const COMMANDS = Number(process.env.BENCH_COMMANDS ?? 1_000_000);
const PREFILL = Number(process.env.BENCH_PREFILL ?? 100_000);
const RESTING = Number(process.env.BENCH_RESTING ?? 1_000_000);
const REPLAY_RECORDS = Number(process.env.BENCH_REPLAY_RECORDS ?? 1_000_000);
/** commands a client submits at once, and how many such chunks may wait for durability at a time */
const CHUNK = Number(process.env.BENCH_CHUNK ?? 1_000);
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 4);
const SNAPSHOT_EVERY = Number(process.env.BENCH_SNAPSHOT_EVERY ?? DEFAULT_SNAPSHOT_EVERY);

/** On Node 20 a worker does not inherit tsx's module hooks: it registers them before loading its entry. */
function startWorker(workerData: object): Worker {
  const tsx = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./support/journal-bench-worker.ts', import.meta.url).href;
  const boot = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(entry)}); })`;
  return new Worker(boot, { eval: true, workerData });
}
const perSec = (count: number, seconds: number): number => Math.round(count / seconds);
const micros = (seconds: number, count: number): string => ((seconds / count) * 1e6).toFixed(2);

/** A worker that measures on request; `measure()` resolves with its next answer. */
class Measurer<T> {
  private readonly worker: Worker;
  private readonly ready: Promise<void>;

  constructor(workerData: object) {
    this.worker = startWorker(workerData);
    this.ready = this.next().then(() => undefined);
  }

  private next(): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      this.worker.once('error', onError);
      this.worker.once('message', (message) => {
        this.worker.off('error', onError);
        resolve(message);
      });
    });
  }

  async measure(): Promise<T> {
    await this.ready;
    const answer = this.next();
    this.worker.postMessage('run');
    return (await answer) as T;
  }

  async stop(): Promise<void> {
    await this.ready;
    this.worker.postMessage('stop');
    await new Promise((resolve) => this.worker.once('exit', resolve));
  }
}

/** Sequencer.open of `dir` in a fresh worker. */
function openInFreshWorker(dir: string): Promise<OpenRun> {
  return new Promise((resolve, reject) => {
    const worker = startWorker({ kind: 'open', dir });
    worker.once('message', resolve);
    worker.once('error', reject);
  });
}

/** a) engine alone vs through the sequencer, without and with an onDurable listener. */
async function measureThroughput(): Promise<{ journaledPerSec: number; unjournaledPerSec: number; ratio: number; journaledWithListenerPerSec: number }> {
  console.log(
    `stream: ${COMMANDS} commands over ${PREFILL} resting orders (as bench:engine); journal under ${tmpdir()}, ` +
      `fsync batched, chunks of ${CHUNK} with ${IN_FLIGHT} in flight, snapshotEvery ${SNAPSHOT_EVERY}; ${ROUNDS} alternating rounds`,
  );
  const run: Omit<SequencerRunOptions, 'listen'> = { chunk: CHUNK, inFlight: IN_FLIGHT, snapshotEvery: SNAPSHOT_EVERY };
  const engineWorker = new Measurer<Timing>({ kind: 'engine', commands: COMMANDS, prefill: PREFILL, stamped: false });
  const stampedWorker = new Measurer<Timing>({ kind: 'engine', commands: COMMANDS, prefill: PREFILL, stamped: true });
  const journalWorker = new Measurer<JournaledRun>({ kind: 'sequencer', commands: COMMANDS, prefill: PREFILL, run: { ...run, listen: false } });
  const listenWorker = new Measurer<JournaledRun>({ kind: 'sequencer', commands: COMMANDS, prefill: PREFILL, run: { ...run, listen: true } });
  const plain: Timing[] = [];
  const plainStamped: Timing[] = [];
  const journaled: JournaledRun[] = [];
  const listened: JournaledRun[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const engine = await engineWorker.measure();
    const engineStamped = await stampedWorker.measure();
    const seq = await journalWorker.measure();
    const withListener = await listenWorker.measure();
    plain.push(engine);
    plainStamped.push(engineStamped);
    journaled.push(seq);
    listened.push(withListener);
    console.log(
      `round ${round}: engine alone ${perSec(COMMANDS, engine.wall)} cmd/s (${micros(engine.cpu, COMMANDS)} µs CPU/cmd), ` +
        `on the sequencer's command shapes ${perSec(COMMANDS, engineStamped.wall)} cmd/s (${micros(engineStamped.cpu, COMMANDS)} µs CPU/cmd); ` +
        `journaled ${perSec(COMMANDS, seq.wall)} cmd/s (${micros(seq.cpu, COMMANDS)} µs CPU/cmd; ${seq.fsyncs} fsyncs, ` +
        `${(seq.bytes / 1e6).toFixed(1)} MB, ${seq.snapshots} snapshots); with an onDurable listener ` +
        `${perSec(COMMANDS, withListener.wall)} cmd/s (${micros(withListener.cpu, COMMANDS)} µs CPU/cmd)`,
    );
  }
  await Promise.all([engineWorker.stop(), stampedWorker.stop(), journalWorker.stop(), listenWorker.stop()]);
  const unjournaledPerSec = Math.round(median(plain.map((t) => COMMANDS / t.wall)));
  const journaledPerSec = Math.round(median(journaled.map((t) => COMMANDS / t.wall)));
  const journaledWithListenerPerSec = Math.round(median(listened.map((t) => COMMANDS / t.wall)));
  const stampedPerSec = Math.round(median(plainStamped.map((t) => COMMANDS / t.wall)));
  const ratio = journaledPerSec / unjournaledPerSec;
  const cpuRatio = median(plain.map((t) => t.cpu)) / median(journaled.map((t) => t.cpu));
  const fsyncs = median(journaled.map((r) => r.fsyncs));
  const bytes = median(journaled.map((r) => r.bytes));
  console.log(
    `median: engine alone ${unjournaledPerSec} cmd/s, journaled ${journaledPerSec} cmd/s, ratio ${ratio.toFixed(2)} ` +
      `(by CPU time ${cpuRatio.toFixed(2)}); against the engine alone on the sequencer's command shapes ` +
      `(${stampedPerSec} cmd/s) ${(journaledPerSec / stampedPerSec).toFixed(2)}; with a listener ${journaledWithListenerPerSec} cmd/s, ratio ` +
      `${(journaledWithListenerPerSec / unjournaledPerSec).toFixed(2)}; ${fsyncs} fsyncs (${Math.round(COMMANDS / fsyncs)} commands each), ` +
      `${(bytes / 1e6).toFixed(1)} MB written (${(bytes / COMMANDS).toFixed(1)} bytes/command)`,
  );
  return { journaledPerSec, unjournaledPerSec, ratio, journaledWithListenerPerSec };
}

/**
 * A journal of every command of the stream and no snapshot. The sequencer is abandoned once all is
 * durable, as by a crash: close would snapshot, and prune the segments that snapshot covers.
 */
async function buildJournal(commands: number): Promise<{ dir: string; records: number }> {
  const stream = exchangeStream(commands, PREFILL);
  const dir = tempDir();
  const seqr = await Sequencer.open({ markets, dataDir: dir, fsyncMode: 'none', snapshotEvery: Number.MAX_SAFE_INTEGER });
  await feed(seqr, stream.deposits);
  await feed(seqr, stream.prefill);
  await feed(seqr, stream.commands);
  return { dir, records: seqr.lastSeq };
}

/** Replay in parts: reading + checking alone, + decoding, and the engine alone on the decoded commands. */
function replayParts(dir: string): { read: Timing; readDecode: Timing; engine: Timing } {
  const journalDir = join(dir, 'journal');
  let stop = stopwatch();
  readJournal({ dir: journalDir, onRecord: () => undefined });
  const read = stop();
  collect();
  let sink = 0;
  stop = stopwatch();
  readJournal({ dir: journalDir, onRecord: (_seq, payload) => void (sink += decodeCommand(payload).time) });
  const readDecode = stop();
  if (sink === 0) throw new Error('nothing decoded');
  const decoded: Command[] = [];
  readJournal({ dir: journalDir, onRecord: (_seq, payload) => decoded.push(decodeCommand(payload)) });
  collect();
  const engine = new Engine(markets);
  stop = stopwatch();
  // as replay runs it: no events built
  for (let i = 0; i < decoded.length; i++) engine.execute(decoded[i], null);
  return { read, readDecode, engine: stop() };
}

/**
 * b) replay speed, on the same kind of stream made long enough that the journal holds at least
 * REPLAY_RECORDS records (cancels of orders filled meanwhile are refused, so not journaled).
 */
async function measureReplay(): Promise<number> {
  const journal = await buildJournal(Math.ceil(REPLAY_RECORDS * 1.05));
  if (journal.records < REPLAY_RECORDS) throw new Error(`the replay journal holds only ${journal.records} records`);
  const replays: Timing[] = [];
  for (let round = 1; round <= 3; round++) {
    const opened = await openInFreshWorker(journal.dir);
    if (opened.replayed !== journal.records || opened.snapshotSeq !== 0) throw new Error('replay did not start from the journal');
    replays.push(opened);
    console.log(
      `replay round ${round}: ${opened.replayed} records in ${(opened.wall * 1000).toFixed(0)} ms, ` +
        `${perSec(opened.replayed, opened.wall)} cmd/s (${micros(opened.cpu, opened.replayed)} µs CPU/cmd)`,
    );
  }
  const replayPerSec = Math.round(median(replays.map((t) => journal.records / t.wall)));
  collect();
  const parts = replayParts(journal.dir);
  console.log(
    `replay median ${replayPerSec} cmd/s of ${journal.records} records (${(dirBytes(join(journal.dir, 'journal')) / 1e6).toFixed(1)} MB); ` +
      `parts: read+check ${perSec(journal.records, parts.read.wall)} rec/s, read+check+decode ` +
      `${perSec(journal.records, parts.readDecode.wall)} rec/s, engine alone on the decoded commands ` +
      `${perSec(journal.records, parts.engine.wall)} cmd/s (${micros(parts.engine.cpu, journal.records)} µs CPU/cmd)`,
  );
  rmSync(journal.dir, { recursive: true, force: true });
  return replayPerSec;
}

/** RESTING non-crossing limit orders from 10,000 users (every tenth with a clientOrderId), then close. */
async function buildRestingState(): Promise<{ dir: string; close: Timing; snapshotBytes: number }> {
  const dir = tempDir();
  const seqr = await Sequencer.open({ markets, dataDir: dir, fsyncMode: 'none', snapshotEvery: Number.MAX_SAFE_INTEGER });
  const users = 10_000;
  for (let u = 0; u < users; u++) {
    seqr.execute({ type: 'deposit', userId: `m${u}`, asset: 'USD', amount: 100_000_000_000 });
    seqr.execute({ type: 'deposit', userId: `m${u}`, asset: 'BENCH', amount: 100_000_000_000 });
  }
  for (let i = 0; i < RESTING; i++) {
    const buy = (i & 1) === 0;
    const offset = 1 + (i % 2000);
    const r = seqr.execute({
      type: 'placeOrder',
      userId: `m${i % users}`,
      pair: BENCH_PAIR,
      side: buy ? 'buy' : 'sell',
      orderType: 'limit',
      price: buy ? 100_000 - offset : 100_000 + offset,
      amount: 1 + (i % 100),
      clientOrderId: i % 10 === 0 ? `cid-${i}` : undefined,
    });
    if (!r.result.ok) throw new Error(`resting order ${i} refused: ${r.result.code}`);
    if (i % 10_000 === 9_999) await nextTurn();
  }
  if (seqr.engine.openOrderCount() !== RESTING) throw new Error('not every order rested');
  await seqr.whenDurable(seqr.lastSeq);
  const stop = stopwatch();
  await seqr.close();
  return { dir, close: stop(), snapshotBytes: dirBytes(join(dir, 'snapshots')) };
}

/** c) restart with RESTING resting orders, from the snapshot close wrote. */
async function measureRestart(): Promise<{ restartMs1M: number; snapshotBytes1M: number }> {
  const resting = await buildRestingState();
  const restarts: Timing[] = [];
  for (let round = 1; round <= 3; round++) {
    const opened = await openInFreshWorker(resting.dir);
    if (opened.replayed !== 0 || opened.snapshotSeq === 0) throw new Error('restart did not come from the snapshot');
    restarts.push(opened);
    console.log(`restart round ${round}: ${(opened.wall * 1000).toFixed(0)} ms (${(opened.cpu * 1000).toFixed(0)} ms CPU)`);
  }
  const restartMs1M = Math.round(median(restarts.map((t) => t.wall * 1000)));
  console.log(
    `restart with ${RESTING} resting orders: median ${restartMs1M} ms; snapshot ${(resting.snapshotBytes / 1e6).toFixed(1)} MB, ` +
      `written by close in ${(resting.close.wall * 1000).toFixed(0)} ms`,
  );
  rmSync(resting.dir, { recursive: true, force: true });
  return { restartMs1M, snapshotBytes1M: resting.snapshotBytes };
}

const throughput = await measureThroughput();
collect();
const replayPerSec = await measureReplay();
collect();
const restart = await measureRestart();
console.log(
  JSON.stringify({
    journaledPerSec: throughput.journaledPerSec,
    unjournaledPerSec: throughput.unjournaledPerSec,
    ratio: Number(throughput.ratio.toFixed(3)),
    journaledWithListenerPerSec: throughput.journaledWithListenerPerSec,
    replayPerSec,
    restartMs1M: restart.restartMs1M,
    snapshotBytes1M: restart.snapshotBytes1M,
  }),
);
