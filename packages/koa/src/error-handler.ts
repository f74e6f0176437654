/**
 * errorHandler(): an outer Koa middleware that answers resource-guard's errors as JSON
 * (`{ error, error_description }`) with their status and every header they carry (the RFC 6750 §3
 * `WWW-Authenticate` challenge, `Retry-After` on a 503), and rethrows every other error. Koa's own
 * handling (`ctx.onerror`) would answer plain text and first remove every header already set, CORS
 * ones included; answering here keeps them.
 */
import { toErrorResponse } from "@resource-guard/core";

/** The context as this middleware sees it; Koa 2 and 3 contexts fit it. */
export interface ErrorContext {
  status: number;
  body: unknown;
  set(headers: Record<string, string>): void;
}

/** A Koa middleware (structural, so it fits Koa 2 and 3). */
export type ErrorMiddleware = (ctx: ErrorContext, next: () => Promise<unknown>) => Promise<void>;

/**
 * Answers resource-guard's errors as JSON with their status and headers; other errors are rethrown
 * to the middleware around it (or Koa's own handling). Mount it before `bearerAuth` and the routes.
 * @example
 * app.use(errorHandler());
 * app.use(bearerAuth(options));
 * app.use(router.routes());
 */
export function errorHandler(): ErrorMiddleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      const answer = toErrorResponse(err);
      if (answer === undefined) throw err;
      ctx.status = answer.status;
      ctx.set({ ...answer.headers });
      ctx.body = answer.body;
    }
  };
}
