/**
 * configReader(): reads a request's route config (`config` of the route options) cheaply.
 *
 * `request.routeOptions` builds an object of a dozen fields on every read (about 1 µs of a request on a
 * slow machine) to hand back the route's config, which Fastify 4 and 5 keep on the request's route
 * context, under a symbol they describe as "fastify.context". A reader looks the symbol up on its
 * first request (every copy of Fastify has its own, so each plugin registration makes its own reader)
 * and keeps it only if it holds the very object routeOptions gives; otherwise (another Fastify) every
 * read goes through routeOptions.
 */
import type { FastifyRequest } from "fastify";

export type ConfigReader<C> = (request: FastifyRequest) => C | undefined;

/** The config through Fastify's public API: routeOptions (Fastify 5, 4.10+), or context before. */
function publicConfigOf<C>(request: FastifyRequest): C | undefined {
  const legacy = request as unknown as { context?: { config?: C } };
  return (request.routeOptions?.config as C | undefined) ?? legacy.context?.config;
}

function readerFor<C>(request: FastifyRequest): ConfigReader<C> {
  const expected = publicConfigOf<C>(request);
  if (expected === undefined) return publicConfigOf;
  for (const key of Object.getOwnPropertySymbols(request)) {
    if (key.description !== "fastify.context") continue;
    const read = (r: FastifyRequest) =>
      (r as unknown as Record<symbol, { config?: C } | undefined>)[key]?.config;
    if (read(request) === expected) return read;
  }
  return publicConfigOf;
}

/** A reader of route configs, which settles how to read them on its first request. */
export function configReader<C>(): ConfigReader<C> {
  let read: ConfigReader<C> | undefined;
  return (request) => {
    read ??= readerFor<C>(request);
    return read(request);
  };
}
