/** Operations: health, Prometheus metrics, performance figures, the OpenAPI document. */
import type { FastifyInstance } from 'fastify';
import { durableRead, type AppContext } from '../context.js';
import type { OpenApiBuilder } from '../openapi.js';

const tags = ['operations'];

function historyHealth(ctx: AppContext) {
  const h = ctx.history;
  if (h === null) return { state: 'disabled', lag: null, persistedSeq: null };
  const st = h.status();
  return {
    state: st.state,
    store: h.kind,
    lag: st.lag,
    persistedSeq: st.persistedSeq,
    durableSeq: st.durableSeq,
    queuedCommands: st.queuedCommands,
    overflows: st.overflows,
    consecutiveFailures: st.consecutiveFailures,
    // the store held more commands than this exchange at start: it belongs to another data dir
    storeAhead: st.storeAhead,
  };
}

export function opsRoutes(app: FastifyInstance, ctx: AppContext, openapi: OpenApiBuilder): void {
  const started = ctx.now();

  app.get('/api/health', {
    schema: {
      tags,
      summary: 'Health: 200 with status "ok", 503 with status "unavailable" when the store (journal, or Redis) cannot take commands (the history never makes it 503)',
    },
    handler: async (_request, reply) => {
      const { healthy, detail } = await ctx.backend.health();
      reply.code(healthy ? 200 : 503);
      const openOrders = healthy ? await durableRead(ctx, (state) => state.openOrderCount()).catch(() => null) : null;
      return {
        status: healthy ? 'ok' : 'unavailable',
        store: ctx.backend.kind,
        ...(ctx.backend.kind === 'journal' ? { journal: { ...(detail.journal as object), fsyncMode: ctx.config.fsyncMode } } : {}),
        ...Object.fromEntries(Object.entries(detail).filter(([k]) => k !== 'journal')),
        // informational: trading does not need the history, so its state never makes the health 503
        history: historyHealth(ctx),
        markets: ctx.markets.catalogue.markets.length,
        openOrders,
        wsClients: ctx.stats.wsClients,
        uptimeSeconds: Math.round((ctx.now() - started) / 1000),
      };
    },
  });

  app.get('/metrics', {
    schema: { tags, summary: 'Prometheus text format' },
    handler: async (_request, reply) => {
      reply.type('text/plain; version=0.0.4; charset=utf-8');
      return ctx.prom.text();
    },
  });

  app.get('/api/performance/metrics', {
    schema: { tags, summary: 'Measured orders/s (current = last 5 s, peak = best second) and server-side latency' },
    handler: async () => {
      const stats = ctx.stats;
      const rates = stats.rates();
      const latency = stats.latencyPercentiles();
      const counters = ctx.backend.counters();
      return {
        ordersPerSecond: { current: rates.current, peak: rates.peak },
        latencyMs: { p50: latency.p50, p99: latency.p99, samples: latency.samples, scope: 'order entry, cancel, admin (HTTP and WebSocket)' },
        counts: {
          orders: stats.ordersTotal,
          ordersRejected: stats.ordersRejected,
          trades: stats.tradesTotal,
          requests: stats.requests,
          openOrders: await durableRead(ctx, (state) => state.openOrderCount()),
          journalFlushes: counters.journalFlushes ?? 0,
          journalFsyncs: counters.journalFsyncs ?? 0,
          wsClients: stats.wsClients,
        },
        time: ctx.now(),
      };
    },
  });

  app.get('/api/docs/openapi.json', {
    schema: { tags, summary: 'This OpenAPI document' },
    handler: async () => openapi.document(),
  });
}
