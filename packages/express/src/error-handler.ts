/**
 * errorHandler(): an Express error middleware that answers resource-guard's errors as JSON
 * (`{ error, error_description }`) with their status and every header they carry (the RFC 6750 §3
 * `WWW-Authenticate` challenge, `Retry-After` on a 503), and passes every other error on with
 * `next(err)`. Express's default handler would answer an HTML page (a stack trace outside
 * production) and log every 401; this answers the way API clients expect and logs nothing.
 *
 * Structural types, like the rest of the adapter, so it fits `@types/express` 4 and 5.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { toErrorResponse } from "@resource-guard/core";

/** An Express error middleware (four parameters, which is how Express tells it apart). */
export type ErrorMiddleware = (
  err: unknown,
  req: IncomingMessage,
  res: ServerResponse,
  next: (err?: unknown) => void,
) => void;

/**
 * Answers resource-guard's errors as JSON with their status and headers; other errors go on to the
 * next error handler. Mount it after your routes and before your own error handler.
 * @example
 * app.use(bearerAuth(options));
 * app.get("/orders", requireScopes("orders:read"), handler);
 * app.use(errorHandler());
 */
export function errorHandler(): ErrorMiddleware {
  return (err, _req, res, next) => {
    const answer = toErrorResponse(err);
    if (answer === undefined || res.headersSent) {
      next(err);
      return;
    }
    const body = JSON.stringify(answer.body);
    res.statusCode = answer.status;
    for (const [name, value] of Object.entries(answer.headers)) res.setHeader(name, value);
    res.setHeader("Content-Type", "application/json; charset=utf-8");
    res.setHeader("Content-Length", Buffer.byteLength(body));
    res.end(body);
  };
}
