/**
 * Coalesces the commands a process has in flight into one FCALL of `hooats_batch` (lib/50-batch.lua):
 * the commands handed over in one turn of the event loop (up to `maxBatch`) go out together once its
 * I/O callbacks have run (setImmediate: the requests that arrived together, not only the commands of
 * one callback), in the order they came, and each still runs as its own atomic command inside Redis. This
 * is pipelining one level down: one call, one reply and one script start for many commands instead of
 * one each, which is most of what a simple command costs the client (about half of an order's client
 * CPU, measured; Redis's own cost per order hardly changes). A lone command goes out as its own FCALL.
 */
import type { ScriptName } from './command-args.js';
import { FUNCTIONS } from './scripts.js';

/** Sends one function call: (function name, keys, args) → its reply. */
export type FunctionCall = (fn: string, keys: readonly string[], args: ReadonlyArray<string | number>) => Promise<unknown>;

interface Queued {
  readonly script: ScriptName;
  readonly keys: readonly string[];
  readonly args: ReadonlyArray<string | number>;
  readonly resolve: (reply: Buffer) => void;
  readonly reject: (err: unknown) => void;
}

/** A command of a batch that failed inside Redis with a script error (a bug, like a ReplyError). */
export class BatchedScriptError extends Error {
  constructor(message: string) {
    super(message);
    // the engine and the API treat it exactly as a script error of a single FCALL
    this.name = 'ReplyError';
  }
}

/** What the batcher sent: FCALLs and the commands they carried (commands / calls = the batching). */
export interface BatchCounters {
  calls: number;
  commands: number;
}

/** Throws unless `maxBatch` is a whole number of commands ≥ 1. */
export function checkMaxBatch(maxBatch: number): void {
  if (!Number.isSafeInteger(maxBatch) || maxBatch < 1) throw new RangeError(`maxBatch must be an integer ≥ 1, not ${maxBatch}`);
}

export class CommandBatcher {
  readonly counters: BatchCounters = { calls: 0, commands: 0 };
  private queue: Queued[] = [];
  private scheduled = false;
  /** every key a command may name, in the order the batch passes them as KEYS (index + 1 in Lua) */
  private readonly keyIndex: ReadonlyMap<string, number>;

  /**
   * @param allKeys every key any command uses (the batch declares them all)
   * @param call sends one FCALL (the engine's, with its reload and unavailability handling)
   * @param maxBatch most commands per call; 1 sends each command alone
   */
  constructor(
    private readonly allKeys: readonly string[],
    private readonly call: FunctionCall,
    private readonly maxBatch: number,
  ) {
    checkMaxBatch(maxBatch);
    this.keyIndex = new Map(allKeys.map((k, i) => [k, i + 1]));
  }

  /** Runs one command's script; its reply (a Buffer), or the error of its call. */
  submit(script: ScriptName, keys: readonly string[], args: ReadonlyArray<string | number>): Promise<Buffer> {
    if (this.maxBatch <= 1) {
      this.counters.calls++;
      this.counters.commands++;
      return this.call(FUNCTIONS[script], keys, args) as Promise<Buffer>;
    }
    return new Promise<Buffer>((resolve, reject) => {
      this.queue.push({ script, keys, args, resolve, reject });
      if (this.queue.length >= this.maxBatch) this.flush();
      else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(this.onTick);
      }
    });
  }

  private readonly onTick = (): void => {
    this.scheduled = false;
    this.flush();
  };

  private flush(): void {
    const batch = this.queue;
    if (batch.length === 0) return;
    this.queue = [];
    this.counters.calls++;
    this.counters.commands += batch.length;
    if (batch.length === 1) {
      const only = batch[0];
      (this.call(FUNCTIONS[only.script], only.keys, only.args) as Promise<Buffer>).then(only.resolve, only.reject);
      return;
    }
    let args: Array<string | number>;
    try {
      args = this.batchArgs(batch);
    } catch (err) {
      // a bug, but the callers' promises carry it: flush runs from setImmediate, where a throw is fatal
      for (const c of batch) c.reject(err);
      return;
    }
    this.call(FUNCTIONS.batch, this.allKeys, args).then(
      (replies) => settle(batch, replies),
      (err: unknown) => {
        for (const c of batch) c.reject(err);
      },
    );
  }

  /** `<count>` then per command `<script> <key count> <key indexes...> <arg count> <args...>` */
  private batchArgs(batch: readonly Queued[]): Array<string | number> {
    const args: Array<string | number> = [batch.length];
    for (const c of batch) {
      args.push(c.script, c.keys.length);
      for (const k of c.keys) {
        const i = this.keyIndex.get(k);
        if (i === undefined) throw new Error(`key ${k} is not one the batch declares`);
        args.push(i);
      }
      args.push(c.args.length);
      for (const a of c.args) args.push(a);
    }
    return args;
  }
}

const QUESTION_MARK = 0x3f;

function settle(batch: readonly Queued[], replies: unknown): void {
  if (!Array.isArray(replies) || replies.length !== batch.length) {
    const err = new BatchedScriptError(`hooats_batch answered ${Array.isArray(replies) ? replies.length : typeof replies} replies for ${batch.length} commands`);
    for (const c of batch) c.reject(err);
    return;
  }
  for (let i = 0; i < batch.length; i++) {
    const reply = replies[i] as Buffer;
    if (reply.length > 0 && reply[0] === QUESTION_MARK) batch[i].reject(new BatchedScriptError(reply.subarray(1).toString()));
    else batch[i].resolve(reply);
  }
}
