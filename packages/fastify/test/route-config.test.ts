/**
 * configReader() on request-shaped objects: it reads the config from the route context Fastify keeps
 * under its "fastify.context" symbol only when that holds what routeOptions gives, and otherwise
 * keeps reading routeOptions (or the context of Fastify 4 before 4.10). Real Fastify 4 and 5 requests
 * go through it in every other test of this package.
 */
import type { FastifyRequest } from "fastify";
import { describe, expect, it } from "vitest";
import { configReader } from "../src/route-config.js";

const CONTEXT = Symbol("fastify.context");

/** A request whose routeOptions getter counts its reads, as Fastify builds a new object per read. */
function request(config: object, context: unknown) {
  const counter = { reads: 0 };
  const req = {
    [CONTEXT]: context,
    get routeOptions() {
      counter.reads++;
      return { config };
    },
  };
  return { req: req as unknown as FastifyRequest, counter };
}

describe("configReader", () => {
  it("reads the route context's config once it proved to be routeOptions' own", () => {
    const read = configReader<object>();
    const config = { auth: false };
    const first = request(config, { config });
    expect(read(first.req)).toBe(config);
    const other = { scopes: ["a"] };
    const second = request({ unrelated: true }, { config: other });
    expect(read(second.req)).toBe(other);
    expect(second.counter.reads).toBe(0);
  });

  it("keeps reading routeOptions when the symbol holds something else", () => {
    const read = configReader<object>();
    const config = { auth: false };
    const first = request(config, { config: { auth: true } });
    expect(read(first.req)).toBe(config);
    const next = { scopes: ["a"] };
    const second = request(next, { config: { auth: true } });
    expect(read(second.req)).toBe(next);
    expect(second.counter.reads).toBe(1);
  });

  it("reads the context of a Fastify without routeOptions", () => {
    const read = configReader<object>();
    const config = { auth: false };
    expect(read({ context: { config } } as unknown as FastifyRequest)).toBe(config);
  });
});
