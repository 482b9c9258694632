/**
 * Worker thread of bench/journal.bench.ts. workerData says what it measures:
 *  - { kind: 'engine' | 'sequencer', commands, prefill, stamped | run }: builds the stream once (for
 *    'engine' with stamped: true, in the sequencer's object shapes), posts 'ready', then answers every
 *    'run' message with one measurement (Timing or JournaledRun);
 *  - { kind: 'open', dir }: times one Sequencer.open of `dir` in this fresh isolate, as a restarted
 *    process would run it, posts the OpenRun and ends.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { rmSync } from 'node:fs';
import { exchangeStream, runEngine, runSequencer, stamped, tempDir, timeOpen, type SequencerRunOptions } from './journal-bench-runs.js';

type Job =
  | { kind: 'engine'; commands: number; prefill: number; stamped: boolean }
  | { kind: 'sequencer'; commands: number; prefill: number; run: SequencerRunOptions }
  | { kind: 'open'; dir: string };

const job = workerData as Job;
const port = parentPort!;

if (job.kind === 'open') {
  port.postMessage(await timeOpen(job.dir));
  process.exit(0); // the sequencer opened for timing holds the journal directory; nothing to flush
} else {
  const generated = exchangeStream(job.commands, job.prefill);
  const stream = job.kind === 'engine' && job.stamped ? stamped(generated) : generated;
  port.on('message', async (message: string) => {
    if (message === 'stop') {
      port.close();
      return;
    }
    if (job.kind === 'engine') {
      port.postMessage(runEngine(stream));
      return;
    }
    const dir = tempDir();
    try {
      port.postMessage(await runSequencer(stream, job.run, dir));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  port.postMessage('ready');
}
