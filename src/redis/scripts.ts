/**
 * The Lua scripts, one file per command under lua/, registered with ioredis `defineCommand`: ioredis
 * sends EVALSHA and, on NOSCRIPT (a restarted or flushed server), the full script once, then EVALSHA
 * again. Command scripts get the shared library (lua/lib/*.lua, in name order) in front of them.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';

/** ["result JSON", "events JSON"] */
export type ScriptReply = [string, string];
type Args = Array<string | number>;

/** The commands `registerScripts` adds to a client; keys first, then arguments. */
export interface HooatsScripts {
  hooatsPlaceOrder(...keysAndArgs: Args): Promise<ScriptReply>;
  hooatsCancelOrder(numberOfKeys: number, ...keysAndArgs: Args): Promise<ScriptReply>;
  hooatsCancelAll(numberOfKeys: number, ...keysAndArgs: Args): Promise<ScriptReply>;
  hooatsDeposit(...keysAndArgs: Args): Promise<ScriptReply>;
  hooatsWithdraw(...keysAndArgs: Args): Promise<ScriptReply>;
  hooatsChangeLiquidity(...keysAndArgs: Args): Promise<ScriptReply>;
  hooatsInit(numberOfKeys: number, ...keysAndArgs: Args): Promise<'created' | 'exists'>;
  hooatsReadDepth(...keysAndArgs: Args): Promise<[string | null, string | null, string | null, string | null, string | null, string[], string[]]>;
  hooatsNoopHset(...keysAndArgs: Args): Promise<number>;
}

export type ScriptedRedis = Redis & HooatsScripts;

/** Where the .lua files are: beside this module in src/, or back in src/ when running from dist/. */
function luaDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, 'lua'), join(here, '..', '..', 'src', 'redis', 'lua')];
  const found = candidates.find((dir) => existsSync(join(dir, 'place_order.lua')));
  if (found === undefined) throw new Error(`Lua scripts not found in ${candidates.join(' or ')}`);
  return found;
}

let cache: Map<string, string> | null = null;

/** The full source of every script by file name (without .lua), library included where it belongs. */
export function scriptSources(): Map<string, string> {
  if (cache !== null) return cache;
  const dir = luaDir();
  const libDir = join(dir, 'lib');
  const lib = readdirSync(libDir)
    .filter((f) => f.endsWith('.lua'))
    .sort()
    .map((f) => `-- ${f}\n${readFileSync(join(libDir, f), 'utf8')}`)
    .join('\n');
  const standalone = new Set(['init', 'read_depth', 'noop_hset']);
  const out = new Map<string, string>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.lua')).sort()) {
    const name = file.slice(0, -4);
    const body = readFileSync(join(dir, file), 'utf8');
    // a `do ... end` block would limit locals' scope; the chunk is one function, so keep it flat
    out.set(name, standalone.has(name) ? body : `${lib}\n-- ${file}\n${body}`);
  }
  cache = out;
  return out;
}

/** [ioredis command name, script file, number of keys (null: given per call)] */
const COMMANDS: ReadonlyArray<[keyof HooatsScripts, string, number | null]> = [
  ['hooatsPlaceOrder', 'place_order', 14],
  ['hooatsCancelOrder', 'cancel_order', null],
  ['hooatsCancelAll', 'cancel_all', null],
  ['hooatsDeposit', 'deposit', 6],
  ['hooatsWithdraw', 'withdraw', 6],
  ['hooatsChangeLiquidity', 'change_liquidity', 14],
  ['hooatsInit', 'init', null],
  ['hooatsReadDepth', 'read_depth', 4],
  ['hooatsNoopHset', 'noop_hset', 1],
];

/** Adds the HOOATS scripts to a client (idempotent per client). */
export function registerScripts(redis: Redis): ScriptedRedis {
  const client = redis as ScriptedRedis;
  if (typeof (client as Partial<HooatsScripts>).hooatsPlaceOrder === 'function') return client;
  const sources = scriptSources();
  for (const [name, file, keys] of COMMANDS) {
    const lua = sources.get(file);
    if (lua === undefined) throw new Error(`missing Lua script ${file}.lua`);
    const readOnly = file === 'read_depth';
    if (keys === null) redis.defineCommand(name, { lua, readOnly });
    else redis.defineCommand(name, { lua, numberOfKeys: keys, readOnly });
  }
  return client;
}
