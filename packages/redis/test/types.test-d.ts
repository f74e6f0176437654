/**
 * Type tests: redisStore takes the client of every library and major in the peer range without a
 * cast, and what it returns fits core's two store interfaces (written out here as the brief fixes
 * them: a replay store `add`, an introspection cache `get`/`set`).
 */
import type { ReplayStore as CoreReplayStore, VerifierOptions } from "@resource-guard/core";
import { type RedisStore, redisStore } from "@resource-guard/redis";
import { Redis as IORedis6, Cluster as IORedisCluster6 } from "ioredis";
import { Redis as IORedis5 } from "ioredis5";
import { createClient as createClient6 } from "redis";
import { createClient as createClient4 } from "redis4";
import { createClient as createClient5 } from "redis5";
import { describe, expectTypeOf, it } from "vitest";

interface ReplayStore {
  add(key: string, expiresAtMs: number): boolean | Promise<boolean>;
}
interface IntrospectionCache {
  get(key: string): unknown | Promise<unknown>;
  set(key: string, value: unknown, ttlMs: number): void | Promise<void>;
}

describe("redisStore types", () => {
  it("accepts node-redis 4, 5 and 6 clients and ioredis 5 and 6 clients as they come", () => {
    expectTypeOf(redisStore(createClient4(), { prefix: "a:" })).toEqualTypeOf<RedisStore>();
    expectTypeOf(redisStore(createClient5(), { prefix: "a:" })).toEqualTypeOf<RedisStore>();
    expectTypeOf(redisStore(createClient6(), { prefix: "a:" })).toEqualTypeOf<RedisStore>();
    expectTypeOf(redisStore(new IORedis5(), { prefix: "a:" })).toEqualTypeOf<RedisStore>();
    expectTypeOf(redisStore(new IORedis6(), { prefix: "a:" })).toEqualTypeOf<RedisStore>();
    expectTypeOf(redisStore(new IORedisCluster6([]), { prefix: "a:" })).toEqualTypeOf<RedisStore>();
  });

  it("requires a prefix and checks the other options' types", () => {
    // @ts-expect-error: prefix is required
    redisStore(createClient6(), {});
    // @ts-expect-error: timeoutMs is a number of milliseconds
    redisStore(createClient6(), { prefix: "a:", timeoutMs: "200" });
    // @ts-expect-error: not a Redis client
    redisStore({}, { prefix: "a:" });
  });

  it("is both a DPoP replay store and an introspection cache", () => {
    expectTypeOf<RedisStore>().toExtend<ReplayStore>();
    expectTypeOf<RedisStore>().toExtend<IntrospectionCache>();
  });

  it("fits core's own ReplayStore type and dpop.replayStore option", () => {
    expectTypeOf<RedisStore>().toExtend<CoreReplayStore>();
    const store = redisStore(createClient6(), { prefix: "a:" });
    const options: VerifierOptions = {
      issuer: "https://idp.example.com",
      audience: "api",
      dpop: { replayStore: store },
    };
    expectTypeOf(options.dpop?.replayStore).toEqualTypeOf<CoreReplayStore | undefined>();
  });
});
