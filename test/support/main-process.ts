/** The real server process (src/main.ts) for tests that signal or kill it. */
import { spawn, type ChildProcess } from 'node:child_process';

export interface MainProcess {
  readonly child: ChildProcess;
  readonly url: string;
  readonly exited: Promise<number | null>;
  stderr(): string;
  stdout(): string;
}

/** Starts `node --import tsx src/main.ts` on a free port; resolves once it prints where it listens. */
export function startMain(env: Record<string, string>): Promise<MainProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { ...process.env, PORT: '0', HOOATS_LOG_LEVEL: process.env.DBG ? 'debug' : 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += d;
      if (process.env.DBG) process.stderr.write(d);
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve({ child, url: m[1], exited, stderr: () => err, stdout: () => out });
    });
    exited.then((code) => reject(new Error(`main exited ${code}: ${err}`)));
  });
}

export interface ApiReply {
  readonly status: number;
  readonly body: any;
}

export async function api(url: string, method: string, path: string, token: string, body?: unknown): Promise<ApiReply> {
  const res = await fetch(url + path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}
