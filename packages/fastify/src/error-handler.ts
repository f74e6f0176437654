/**
 * errorHandler(): a function for `app.setErrorHandler` that answers resource-guard's errors as JSON
 * (`{ error, error_description }`) with their status and every header they carry (the RFC 6750 §3
 * `WWW-Authenticate` challenge, `Retry-After` on a 503). Fastify's default body is
 * `{ statusCode, error, message, code }`; this one is the OAuth shape, alike in every adapter.
 *
 * Other errors go to `fallback` when one is given; otherwise they are rethrown, which Fastify hands
 * to the next error handler up (the parent context's, or its default one).
 */
import { toErrorResponse } from "@resource-guard/core";
import type { FastifyReply, FastifyRequest } from "fastify";

/** A Fastify error handler, as `setErrorHandler` takes it. */
export type ErrorHandler = (error: Error, request: FastifyRequest, reply: FastifyReply) => unknown;

/**
 * Returns an error handler for `app.setErrorHandler`.
 * @example
 * app.setErrorHandler(errorHandler());                      // other errors: Fastify's default handler
 * app.setErrorHandler(errorHandler((error, request, reply) => reply.send(myBody(error))));
 */
export function errorHandler(fallback?: ErrorHandler): ErrorHandler {
  if (fallback !== undefined && typeof fallback !== "function") {
    throw new TypeError("resource-guard: errorHandler(fallback) needs a function (or nothing)");
  }
  return function handleError(this: unknown, error, request, reply) {
    const answer = toErrorResponse(error);
    if (answer === undefined) {
      if (fallback) return fallback.call(this, error, request, reply);
      throw error;
    }
    return reply.code(answer.status).headers(answer.headers).send(answer.body);
  };
}
