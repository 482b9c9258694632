/**
 * A small JSON-over-HTTP client on node:http with a keep-alive agent of a fixed number of connections
 * (fetch's pool cannot be sized without another dependency). Every request goes to the one base URL it
 * was made with.
 */
import { Agent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

export interface JsonReply {
  readonly status: number;
  /** parsed JSON, or the text when it was not JSON */
  readonly body: any;
}

export class HttpError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

export class HttpClient {
  private readonly base: URL;
  private readonly agent: Agent;
  private readonly request: typeof httpRequest;

  constructor(baseUrl: string, connections: number, private readonly timeoutMs: number) {
    this.base = new URL(baseUrl);
    const https = this.base.protocol === 'https:';
    const options = { keepAlive: true, maxSockets: connections, maxFreeSockets: connections, scheduling: 'fifo' as const };
    this.agent = https ? new HttpsAgent(options) : new Agent(options);
    this.request = https ? (httpsRequest as unknown as typeof httpRequest) : httpRequest;
  }

  /** Resolves with any HTTP status; rejects (HttpError) only when no answer came: network, timeout. */
  send(method: string, path: string, token: string | null, body?: unknown): Promise<JsonReply> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string | number> = { accept: 'application/json' };
    if (token !== null) headers.authorization = `Bearer ${token}`;
    if (payload !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = Buffer.byteLength(payload);
    }
    return new Promise((resolve, reject) => {
      const req = this.request(
        {
          protocol: this.base.protocol,
          hostname: this.base.hostname,
          port: this.base.port,
          path: this.base.pathname.replace(/\/$/, '') + path,
          method,
          headers,
          agent: this.agent,
        },
        (res: IncomingMessage) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = text;
            try {
              parsed = JSON.parse(text);
            } catch {
              // not JSON: keep the text
            }
            resolve({ status: res.statusCode ?? 0, body: parsed });
          });
          res.on('error', (err: NodeJS.ErrnoException) => reject(new HttpError(err.message, `NETWORK_${err.code ?? 'ERROR'}`)));
        },
      );
      req.setTimeout(this.timeoutMs, () => req.destroy(new HttpError(`no answer within ${this.timeoutMs} ms`, 'TIMEOUT')));
      req.on('error', (err: NodeJS.ErrnoException) =>
        reject(err instanceof HttpError ? err : new HttpError(err.message, `NETWORK_${err.code ?? 'ERROR'}`)),
      );
      req.end(payload);
    });
  }

  /** send, expecting 2xx: anything else throws with the server's error code and message */
  async json(method: string, path: string, token: string | null, body?: unknown): Promise<any> {
    const reply = await this.send(method, path, token, body);
    if (reply.status >= 200 && reply.status < 300) return reply.body;
    const error = reply.body?.error;
    const what = typeof error?.code === 'string' ? `${error.code}: ${error.message}` : `HTTP ${reply.status}`;
    throw new HttpError(`${method} ${path} → ${what}`, typeof error?.code === 'string' ? error.code : `HTTP_${reply.status}`);
  }

  close(): void {
    this.agent.destroy();
  }
}

/** The catalogue code of an error answer, or HTTP_<status> when the body has none. */
export function errorCode(reply: JsonReply): string {
  const code = reply.body?.error?.code;
  return typeof code === 'string' ? code : `HTTP_${reply.status}`;
}
