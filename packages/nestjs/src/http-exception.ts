/**
 * How a core failure leaves a Nest app. Nest's exception filters send the status and body of an
 * `HttpException` but never the headers of a thrown error, and a filter of this module would be
 * bypassed by an app's own global filter. So every header core attached (`WWW-Authenticate`, RFC 6750
 * §3; `Retry-After`, RFC 9110 §10.2.3; `DPoP-Nonce`) is set on the platform response first (Express
 * `res.header`, Fastify `reply.header`), and then an `HttpException` is thrown with the status and a
 * small JSON body: whichever filter answers, the headers go out. The core error is its `cause`.
 */

import { HttpException } from "@nestjs/common";
import { toErrorResponse } from "@resource-guard/core";

/** Express's `res` and Fastify's `reply` both have `header(name, value)`; a bare Node response has setHeader. */
export interface PlatformResponse {
  header?(name: string, value: string): unknown;
  setHeader?(name: string, value: string): unknown;
}

/** Sets `headers` on the platform response. */
export function setHeaders(response: PlatformResponse, headers: Readonly<Record<string, string>>): void {
  for (const [name, value] of Object.entries(headers)) {
    if (typeof response.header === "function") response.header(name, value);
    else response.setHeader?.(name, value);
  }
}

/**
 * Puts a core failure's headers on `response` and returns the HttpException to throw, with core's own
 * answer as its body (`toErrorResponse`: the body the Express, Koa and Fastify error handlers send).
 * Anything else, core's 500s included (a setup mistake, not a verdict on the token), is returned
 * unchanged, for Nest to answer as the 500 it is.
 */
export function toHttpException(err: unknown, response: PlatformResponse): unknown {
  const answer = toErrorResponse(err);
  if (answer === undefined) return err;
  setHeaders(response, answer.headers);
  // Core's messages are fixed texts from its tables: they never echo a token or an internal error.
  return new HttpException(answer.body, answer.status, { cause: err });
}
