/**
 * How a core failure leaves a Hono app: as an `HTTPException` whose response is already complete,
 * so Hono's default error handler (and `app.onError` handlers that return `err.getResponse()`) send
 * the status, every header core attached (`WWW-Authenticate` per RFC 6750 §3, `Retry-After` per
 * RFC 9110 §10.2.3 on a 503, `DPoP-Nonce`) and a small JSON body naming the RFC 6750 error code.
 * The core error stays reachable as `err.cause` (with its `code`, `headers` and non-exposed `reason`).
 */
import { toErrorResponse } from "@resource-guard/core";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/**
 * Turns a core failure into the HTTPException to throw, with core's own answer (`toErrorResponse`,
 * the body the Express, Koa and Fastify error handlers send: the RFC 6750 code, `unauthorized` without
 * one, `temporarily_unavailable` for a 503). Anything else, core's 500s included (a setup mistake,
 * not a verdict on the token), is returned unchanged so Hono answers it as the 500 it is.
 * @example
 * try { await verifier.authenticate(c.req.raw) } catch (err) { throw toHTTPException(err) }
 */
export function toHTTPException(err: unknown): unknown {
  const answer = toErrorResponse(err);
  if (answer === undefined) return err;
  const headers = new Headers(answer.headers);
  headers.set("content-type", "application/json");
  // Core's messages are fixed texts from its tables: they never echo a token or an internal error.
  const status = answer.status as ContentfulStatusCode;
  return new HTTPException(status, {
    res: new Response(JSON.stringify(answer.body), { status, headers }),
    message: answer.body.error_description,
    cause: err,
  });
}
