/**
 * buildApp(deps, config): the HTTP + WebSocket API as a fastify instance, not yet listening (src/main.ts
 * is the process that listens). Wires the sequencer's durable events to the book mirror, the WebSocket
 * fan-out and the stats, and the routes to the order history (a HistoryService the caller started);
 * maps every error to the catalogue shape.
 */
import type { Socket } from 'node:net';
import { Ajv } from 'ajv';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type onResponseHookHandler } from 'fastify';
import { pino } from 'pino';
import type { AppConfig } from '../config/config.js';
import { registerDashboard } from '../dashboard/register.js';
import type { Sequencer } from '../sequencer/sequencer.js';
import { errorBody, toApiError } from './api-error.js';
import { ApiStats } from './api-stats.js';
import { Authenticator } from './auth.js';
import type { Backend } from './backend.js';
import { BookMirror } from './book-mirror.js';
import type { AppContext } from './context.js';
import { DurableFeed } from './durable-feed.js';
import { JournalBackend } from './journal-backend.js';
import type { HistoryService } from './history-service.js';
import { publicLimit } from './http-guards.js';
import { Markets } from './markets.js';
import { OpenApiBuilder } from './openapi.js';
import { OrderEntry } from './order-entry.js';
import { PrometheusMetrics } from './prometheus.js';
import { RateLimiter } from './rate-limit.js';
import { adminRoutes } from './routes/admin.js';
import { opsRoutes } from './routes/ops.js';
import { publicRoutes } from './routes/public.js';
import { tradingRoutes } from './routes/trading.js';
import { WsHub } from './ws/ws-hub.js';

export interface AppDeps {
  /**
   * The store: a sequencer (opened, recovered, not yet used: the book mirror starts from its current
   * state), wrapped in a JournalBackend, or any Backend (RedisBackend). Exactly one of the two.
   */
  readonly sequencer?: Sequencer;
  readonly backend?: Backend;
  /**
   * The order and trade history, started on the same sequencer (HistoryService.start) and closed by the
   * caller after sequencer.close(). Without it, history reads (closed orders, fills, trades, candles,
   * ticker) answer 503.
   */
  readonly history?: HistoryService | null;
  readonly logger?: FastifyBaseLogger;
  readonly now?: () => number;
  /** default process metrics in /metrics (off in tests that build many apps) */
  readonly processMetrics?: boolean;
}

// Bodies are never coerced ("true" is not a boolean, "5" not an integer); query strings and path
// parameters are text by nature, so they are coerced to the schema's types.
const bodyAjv = new Ajv({ coerceTypes: false, removeAdditional: false, useDefaults: true, allErrors: false, strict: false });
const textAjv = new Ajv({ coerceTypes: true, removeAdditional: false, useDefaults: true, allErrors: false, strict: false });

function clientError(err: NodeJS.ErrnoException, socket: Socket): void {
  if (!socket.writable) return void socket.destroy();
  const tooLarge = err.code === 'HPE_HEADER_OVERFLOW';
  const body = JSON.stringify(
    tooLarge ? errorBody('PAYLOAD_TOO_LARGE', 'request headers are too large') : errorBody('VALIDATION_ERROR', 'malformed HTTP request'),
  );
  socket.end(
    `HTTP/1.1 ${tooLarge ? '413 Payload Too Large' : '400 Bad Request'}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

function hookList<T>(hooks: T | T[] | undefined): T[] {
  return hooks === undefined ? [] : Array.isArray(hooks) ? hooks : [hooks];
}

/** A route's onResponse hook: latency into the stats and the histogram, label fixed per route. */
function measure(ctx: AppContext, label: string): onResponseHookHandler {
  const stateChange = label.startsWith('POST') || label.startsWith('DELETE');
  return (request, reply, done) => {
    // a keep-alive connection would keep server.close() waiting; once its request is answered, end it
    if (ctx.lifecycle.closing) request.raw.socket.end();
    const ms = reply.elapsedTime;
    // the performance figures are about state changes; reads are in the Prometheus histogram only
    if (stateChange) ctx.stats.latency(ms);
    ctx.prom.observe(label, ms / 1000);
    done();
  };
}

export function buildApp(deps: AppDeps, config: AppConfig): FastifyInstance {
  const backend = deps.backend ?? (deps.sequencer === undefined ? null : new JournalBackend(deps.sequencer));
  if (backend === null) throw new Error('buildApp needs a sequencer or a backend');
  const now = deps.now ?? Date.now;
  const logger = deps.logger ?? pino({ level: config.logLevel });
  const app = Fastify({
    loggerInstance: logger,
    // a log line per request would cost more than the request itself; errors are logged below
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.bodyLimitBytes,
    keepAliveTimeout: 65_000,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    requestIdHeader: false,
    // fastify's own 503 body is not in the catalogue shape: the guards answer UNAVAILABLE instead
    return503OnClosing: false,
    clientErrorHandler: clientError,
    // what the router refuses before any route runs (a path that does not decode, a parameter over
    // maxParamLength) bypasses the error handler: answer it in the catalogue shape too
    frameworkErrors: (err, _request, reply) => {
      const { error } = toApiError(err);
      stats.rejection(error.code);
      // the declared type is generic over a route's reply types; there is no route here
      (reply as unknown as FastifyReply).code(error.statusCode).send(errorBody(error.code, error.message));
    },
  });
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? bodyAjv : textAjv).compile(schema));
  app.decorateRequest('principal', null);

  const markets = new Markets(backend.catalogue);
  const stats = new ApiStats(now);
  const feed = new DurableFeed(backend.events, (err, seq) => app.log.error({ err, seq }, 'a durable-event consumer failed'));
  if (backend instanceof JournalBackend) backend.attach(feed);
  const history = deps.history ?? null;
  const mirror = new BookMirror(backend.initialBooks());
  feed.add((_seq, events) => {
    for (const e of events) {
      if (e.type === 'book') mirror.apply(e);
      else if (e.type === 'trade') stats.trade(e.venue);
    }
  });
  const ctx: AppContext = {
    config,
    backend,
    markets,
    history,
    mirror,
    feed,
    entry: new OrderEntry(backend, markets, stats),
    auth: new Authenticator(config.jwtSecret),
    limiter: config.rateLimit === null ? null : new RateLimiter(config.rateLimit, now),
    stats,
    prom: new PrometheusMetrics(stats, backend, history, deps.processMetrics ?? false),
    log: app.log,
    now,
    lifecycle: { closing: false },
  };

  const openapi = new OpenApiBuilder({
    title: 'HOOATS API',
    version: '2',
    description: 'Hybrid order-book + AMM exchange. See docs/API.md for conventions, errors and the WebSocket protocol.',
  });
  app.addHook('onRoute', (route) => {
    openapi.onRoute(route);
    route.onResponse = [...hookList(route.onResponse), measure(ctx, `${String(route.method)} ${route.url}`)];
  });

  app.setErrorHandler((err, request, reply) => {
    const { error, internal } = toApiError(err);
    if (internal) request.log.error({ err }, 'request failed');
    stats.rejection(error.code);
    if (error.retryAfter !== null) reply.header('Retry-After', String(error.retryAfter));
    reply.code(error.statusCode).send(errorBody(error.code, error.message));
  });
  app.setNotFoundHandler((request, reply) => {
    stats.rejection('NOT_FOUND');
    reply.code(404).send(errorBody('NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0].slice(0, 100)}`));
  });
  publicRoutes(app, ctx);
  tradingRoutes(app, ctx);
  adminRoutes(app, ctx);
  opsRoutes(app, ctx, openapi);
  registerDashboard(app, { onRequest: publicLimit(ctx) });

  const hub = new WsHub(ctx, app.server);
  app.addHook('preClose', async () => {
    ctx.lifecycle.closing = true;
    await hub.close();
  });
  app.addHook('onClose', async () => {
    feed.close();
    ctx.prom.close();
  });
  return app;
}
