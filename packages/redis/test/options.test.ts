/**
 * redisStore's argument checks: a mistake is a TypeError at start-up that says what to pass, never a
 * failure on the first request. Real (unconnected) clients; nothing here talks to Redis.
 */
import { Redis as IORedis } from "ioredis";
import { createClient, createCluster } from "redis";
import { afterAll, describe, expect, it } from "vitest";
import { type RedisClientLike, redisStore } from "../src/index.js";

const nodeRedis = createClient({ url: "redis://127.0.0.1:1" });
const ioredis = new IORedis({ lazyConnect: true, port: 1 });
afterAll(() => {
  ioredis.disconnect();
});

describe("redisStore options", () => {
  it("requires a prefix: printable ASCII without spaces, 1 to 128 characters", () => {
    const message =
      '@resource-guard/redis: "prefix" is required: 1 to 128 printable ASCII characters without spaces, naming this API, e.g. "orders-api:"';
    for (const prefix of [undefined, "", "has space:", "tab\t", "é:", "x".repeat(129), 42]) {
      expect(() => redisStore(nodeRedis, { prefix } as never)).toThrow(new TypeError(message));
    }
    expect(() => redisStore(nodeRedis, undefined as never)).toThrow(
      new TypeError(
        '@resource-guard/redis: redisStore(client, options) needs options with a "prefix", e.g. { prefix: "orders-api:" }',
      ),
    );
    expect(redisStore(nodeRedis, { prefix: "x".repeat(128) }).prefix).toBe("x".repeat(128));
    expect(redisStore(ioredis, { prefix: "orders-api:" }).prefix).toBe("orders-api:");
  });

  it("refuses an unknown option by name", () => {
    expect(() => redisStore(nodeRedis, { prefix: "a:", timeout: 5 } as never)).toThrow(
      new TypeError(
        '@resource-guard/redis: unknown option "timeout"; known options are: prefix, timeoutMs, maxInFlight',
      ),
    );
  });

  it("bounds timeoutMs and maxInFlight to whole numbers in range", () => {
    for (const timeoutMs of [0, -1, 1.5, 60_001, Number.NaN, "200"]) {
      expect(() => redisStore(nodeRedis, { prefix: "a:", timeoutMs } as never)).toThrow(
        new TypeError(
          `@resource-guard/redis: "timeoutMs" must be a whole number from 1 to 60000, got ${String(timeoutMs)}`,
        ),
      );
    }
    for (const maxInFlight of [0, 2.5, 1_000_001]) {
      expect(() => redisStore(nodeRedis, { prefix: "a:", maxInFlight })).toThrow(
        new TypeError(
          `@resource-guard/redis: "maxInFlight" must be a whole number from 1 to 1000000, got ${maxInFlight}`,
        ),
      );
    }
    expect(() => redisStore(nodeRedis, { prefix: "a:", timeoutMs: 60_000, maxInFlight: 1 })).not.toThrow();
  });

  it("refuses what is not a node-redis or ioredis client", () => {
    for (const client of [undefined, null, "redis://127.0.0.1:6379", {}, { get() {}, set() {} }]) {
      expect(() => redisStore(client as never, { prefix: "a:" })).toThrow(TypeError);
    }
    expect(() => redisStore({ sendCommand() {} } as never, { prefix: "a:" })).toThrow(
      new TypeError(
        "@resource-guard/redis: the client is neither a node-redis client (no sendCommand/isReady) nor an ioredis client (no call/status); node-redis legacyMode clients are not supported",
      ),
    );
  });

  it("refuses a node-redis cluster, whose sendCommand takes other arguments", () => {
    const cluster = createCluster({ rootNodes: [{ url: "redis://127.0.0.1:1" }] });
    expect(() => redisStore(cluster as unknown as RedisClientLike, { prefix: "a:" })).toThrow(
      new TypeError(
        "@resource-guard/redis: node-redis cluster and sentinel objects are not supported; pass a client from createClient(), or an ioredis client",
      ),
    );
  });

  it("refuses keys and times core never passes, before anything is sent", async () => {
    const store = redisStore(nodeRedis, { prefix: "a:" });
    const keyError = new TypeError("@resource-guard/redis: a key must be a string of 1 to 256 characters");
    await expect(store.add("", Date.now())).rejects.toThrow(keyError);
    await expect(store.add("k".repeat(257), Date.now())).rejects.toThrow(keyError);
    await expect(store.get(42 as never)).rejects.toThrow(keyError);
    await expect(store.add("dpop:k", Number.NaN)).rejects.toThrow(
      new TypeError('@resource-guard/redis: "expiresAtMs" must be a finite number of milliseconds'),
    );
    await expect(store.set("introspection:k", {}, Number.POSITIVE_INFINITY)).rejects.toThrow(
      new TypeError('@resource-guard/redis: "ttlMs" must be a finite number of milliseconds'),
    );
  });
});
