/**
 * A redis-server of a test's own, for what the shared test server must not be put through (a kill,
 * a password, persistence settings). Tests using it skip, saying why, where redis-server is missing.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { Redis } from 'ioredis';

/** Why a test that starts its own Redis is skipped, or false when redis-server is installed. */
export function ownServerSkip(what: string): string | false {
  if (spawnSync('redis-server', ['--version']).status === 0) return false;
  const reason = `redis-server is not installed here: cannot start ${what} for this test`;
  console.log(`# SKIP ${reason}`);
  return reason;
}

/** A TCP port free a moment ago on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as AddressInfo;
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

/**
 * Starts `redis-server --port <port> --bind 127.0.0.1 --save '' <args>` and resolves once `url`
 * answers PING (after any AOF is loaded: Redis answers LOADING until then).
 */
export async function startOwnServer(port: number, url: string, args: readonly string[]): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', ...args], { stdio: 'ignore' });
  for (let attempt = 0; ; attempt++) {
    const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => {});
    try {
      await probe.connect();
      await probe.ping();
      return child;
    } catch (err) {
      if (attempt > 100) {
        child.kill('SIGKILL');
        throw err;
      }
      await new Promise((r) => setTimeout(r, 100));
    } finally {
      probe.disconnect();
    }
  }
}
