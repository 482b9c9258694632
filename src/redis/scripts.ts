/**
 * The Lua code, packaged as ONE Redis 7 function library, `hooats`, loaded once per server with
 * FUNCTION LOAD REPLACE and called with FCALL: one command = one atomic function call.
 *
 * The library is lua/lib/*.lua (in name order) followed by one function per command file (lua/*.lua).
 * Everything the library defines (about 70 functions and its constant tables) is built once, when
 * Redis loads the library, instead of on every call as with EVALSHA. The per-command state (the
 * caches of balances, orders, levels, counters, the events) lives in library-level locals that
 * `begin(keys, args)` resets at the start of every call, so no state crosses from one call to the next.
 *
 * Versioning: `hooats_version` returns the SHA-1 of the library's code. At open and on every
 * (re)connection the engine compares it with its own and loads the library (REPLACE) when it differs
 * or is missing. If a call meets "Function not found" (FUNCTION FLUSH, a restart without persistence
 * of functions, a failover to a replica without them), that call was NOT applied: the engine reloads
 * the library and never resends a command behind commands sent after it (see redis-engine.ts).
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';


/** A script's compact reply (reply.ts reads it). */
export type ScriptReply = Buffer;

export const LIBRARY_NAME = 'hooats';

/** Script file (without .lua) → registered function name. */
export const FUNCTIONS = {
  place_order: 'hooats_place_order',
  cancel_order: 'hooats_cancel_order',
  cancel_all: 'hooats_cancel_all',
  deposit: 'hooats_deposit',
  withdraw: 'hooats_withdraw',
  change_liquidity: 'hooats_change_liquidity',
  init: 'hooats_init',
  read_depth: 'hooats_read_depth',
  noop_hset: 'hooats_noop_hset',
  batch: 'hooats_batch',
} as const;

/** Functions with no file of their own: `batch` runs several commands (lib/50-batch.lua). */
const GENERATED = new Set(['batch']);
/** Files that do not use the library (no begin(), own KEYS/ARGV). */
const STANDALONE = new Set(['init', 'read_depth', 'noop_hset']);
/** Functions that only read (FCALL_RO is allowed on them, and on replicas). */
const READ_ONLY = new Set(['read_depth']);

/** Where the .lua files are: beside this module in src/, or back in src/ when running from dist/. */
function luaDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, 'lua'), join(here, '..', '..', 'src', 'redis', 'lua')];
  const found = candidates.find((dir) => existsSync(join(dir, 'place_order.lua')));
  if (found === undefined) throw new Error(`Lua scripts not found in ${candidates.join(' or ')}`);
  return found;
}

export interface LibrarySource {
  /** the FUNCTION LOAD payload (starts with the `#!lua name=hooats` shebang) */
  readonly code: string;
  /** SHA-1 of the code without its version function; what `hooats_version` returns */
  readonly version: string;
}

let cache: LibrarySource | null = null;

/** The library's source and version (read from lua/ once per process). */
export function librarySource(): LibrarySource {
  if (cache !== null) return cache;
  const dir = luaDir();
  const libDir = join(dir, 'lib');
  const lib = readdirSync(libDir)
    .filter((f) => f.endsWith('.lua'))
    .sort()
    .map((f) => `-- ${f}\n${readFileSync(join(libDir, f), 'utf8')}`)
    .join('\n');
  // Redis 7.0 loads a library in an environment without string/math/table/cjson, so the library is
  // built by setup() at the first call of any of its functions (then kept in the Lua VM for good).
  const parts: string[] = [`#!lua name=${LIBRARY_NAME}`, 'local LIB = nil', 'local function setup()', 'local KEYS, ARGV = {}, {}', lib];
  const registrations: string[] = [];
  const exported: string[] = [];
  const known = new Map<string, string>(Object.entries(FUNCTIONS).filter(([name]) => !GENERATED.has(name)));
  const batched: string[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.lua')).sort()) {
    const name = file.slice(0, -4);
    const fn = known.get(name);
    if (fn === undefined) throw new Error(`lua/${file} has no registered function name`);
    const body = readFileSync(join(dir, file), 'utf8');
    const head = STANDALONE.has(name) ? `local function cmd_${name}(KEYS, ARGV)` : `local function cmd_${name}(keys, args)\nbegin(keys, args)`;
    parts.push(`-- ${file}\n${head}\n${body}\nend`);
    exported.push(`${name} = cmd_${name}`);
    if (!STANDALONE.has(name)) batched.push(`${name} = cmd_${name}`);
    const flags = READ_ONLY.has(name) ? `, flags = { 'no-writes' }` : '';
    registrations.push(
      `redis.register_function{ function_name = '${fn}', callback = function(keys, args)\n  if LIB == nil then LIB = setup() end\n  return LIB.${name}(keys, args)\nend${flags} }`,
    );
    known.delete(name);
  }
  if (known.size > 0) throw new Error(`missing Lua scripts: ${[...known.keys()].join(', ')}`);
  parts.push(`local BATCHED = { ${batched.join(', ')} }`);
  exported.push('batch = function(keys, args) return runBatch(keys, args, BATCHED) end');
  registrations.push(
    `redis.register_function{ function_name = '${FUNCTIONS.batch}', callback = function(keys, args)\n  if LIB == nil then LIB = setup() end\n  return LIB.batch(keys, args)\nend }`,
  );
  parts.push(`return { ${exported.join(', ')} }\nend`, ...registrations);
  const body = parts.join('\n');
  const version = createHash('sha1').update(body).digest('hex');
  const code = `${body}\nredis.register_function{ function_name = 'hooats_version', callback = function() return '${version}' end, flags = { 'no-writes' } }\n`;
  cache = { code, version };
  return cache;
}

/** True for the reply Redis gives to FCALL of a function it does not have. */
export function isMissingFunction(err: unknown): boolean {
  return err instanceof Error && err.name === 'ReplyError' && /Function not found/i.test(err.message);
}

/** The version of the library the server has, or null when it has none. */
export async function serverLibraryVersion(redis: Redis): Promise<string | null> {
  try {
    return String(await redis.fcall('hooats_version', 0));
  } catch (err) {
    if (isMissingFunction(err)) return null;
    throw err;
  }
}

/** Loads the library unless the server already has this version. Returns whether it loaded it. */
export async function ensureLibrary(redis: Redis): Promise<boolean> {
  const { code, version } = librarySource();
  if ((await serverLibraryVersion(redis)) === version) return false;
  await redis.function('LOAD', 'REPLACE', code);
  return true;
}
