/**
 * onRequest hooks: authentication + scope + per-user rate limit for private routes, per-IP rate limit
 * for public ones. Written callback-style so a cached token is admitted synchronously, without a
 * promise per request; failures go to the error handler as ApiErrors.
 */
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { ApiError } from './api-error.js';
import { bearerToken, type Principal, type Scope } from './auth.js';
import type { AppContext } from './context.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

type Hook = (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => void;

function admit(ctx: AppContext, request: FastifyRequest, principal: Principal, scope: Scope, done: HookHandlerDoneFunction): void {
  if (!principal.scopes.has(scope)) return done(new ApiError('FORBIDDEN', `token lacks the "${scope}" scope`));
  if (ctx.limiter !== null) {
    const wait = ctx.limiter.take(principal.userId);
    if (wait > 0) return done(new ApiError('RATE_LIMITED', undefined, wait));
  }
  request.principal = principal;
  done();
}

function refuseClosing(reply: FastifyReply, done: HookHandlerDoneFunction): void {
  reply.header('Connection', 'close');
  done(new ApiError('UNAVAILABLE', 'server is shutting down'));
}

export function guard(ctx: AppContext, scope: Scope): Hook {
  return (request, reply, done) => {
    if (ctx.lifecycle.closing) return refuseClosing(reply, done);
    const token = bearerToken(request.headers.authorization);
    if (token === null) return done(new ApiError('UNAUTHORIZED', 'Authorization: Bearer <JWT> is required'));
    const cached = ctx.auth.cached(token);
    if (cached !== null) return admit(ctx, request, cached, scope, done);
    ctx.auth.verify(token).then(
      (principal) => admit(ctx, request, principal, scope, done),
      (err: unknown) => done(err as Error),
    );
  };
}

export function publicLimit(ctx: AppContext): Hook {
  return (request, reply, done) => {
    if (ctx.lifecycle.closing) return refuseClosing(reply, done);
    if (ctx.limiter !== null) {
      const wait = ctx.limiter.take('ip:' + request.ip);
      if (wait > 0) return done(new ApiError('RATE_LIMITED', undefined, wait));
    }
    done();
  };
}

/** The authenticated caller (routes with a guard always have one). */
export function principalOf(request: FastifyRequest): Principal {
  const p = request.principal;
  if (p === null) throw new ApiError('UNAUTHORIZED');
  return p;
}
