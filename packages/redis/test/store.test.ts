/**
 * The store's semantics against a real redis-server, once per client library and major: first use
 * through an atomic SET NX with an expiry, TTLs within the bounds core gives, values round-tripped in a
 * versioned envelope, keys under the prefix and nothing token-like in the keyspace.
 */
import { createHash, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RedisServer, startRedisServer } from "../../../test/support/redis-server.js";
import { type RedisStore, redisStore } from "../src/index.js";
import { CLIENT_KINDS, type ConnectedClient, connectClient } from "./clients.js";

function hashKey(kind: "dpop" | "introspection", input: string): string {
  return `${kind}:${createHash("sha256").update(input).digest("base64url")}`;
}

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(async () => {
  await redis?.stop();
});

describe.each(CLIENT_KINDS)("redisStore with $name", (kind) => {
  let connected: ConnectedClient;
  let other: ConnectedClient;
  let store: RedisStore;
  let prefix: string;

  beforeAll(async () => {
    connected = await connectClient(kind, redis.url);
    other = await connectClient(kind, redis.url);
    prefix = `test-${kind.name.replace(/\W+/g, "-")}:`;
    store = redisStore(connected.client, { prefix });
  });
  afterAll(async () => {
    await connected?.close();
    await other?.close();
  });

  const pttl = async (key: string) => Number(await connected.command(["PTTL", prefix + key]));

  it("accepts a key once, then refuses it until it expires", async () => {
    const key = hashKey("dpop", randomUUID());
    expect(await store.add(key, Date.now() + 60_000)).toBe(true);
    expect(await store.add(key, Date.now() + 60_000)).toBe(false);
    expect(await store.add(hashKey("dpop", randomUUID()), Date.now() + 60_000)).toBe(true);
    expect(await connected.command(["GET", prefix + key])).toBe("1");
  });

  it("lets exactly one of many concurrent adds of one key through, across two clients (two instances)", async () => {
    const key = hashKey("dpop", randomUUID());
    const second = redisStore(other.client, { prefix });
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? store : second).add(key, Date.now() + 60_000)),
    );
    expect(answers.filter((answer) => answer)).toHaveLength(1);
  });

  it("stores a replay key with PX no shorter than the window and never longer", async () => {
    const key = hashKey("dpop", randomUUID());
    const before = Date.now();
    await store.add(key, before + 30_000);
    const ttl = await pttl(key);
    const elapsed = Date.now() - before;
    expect(ttl).toBeLessThanOrEqual(30_000);
    // Kept at least until the end of the window: what is left of it is no more than what Redis keeps.
    expect(ttl).toBeGreaterThanOrEqual(30_000 - elapsed - 1);
  });

  it("forgets a replay key once its window has passed", async () => {
    const key = hashKey("dpop", randomUUID());
    expect(await store.add(key, Date.now() + 50)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(await store.add(key, Date.now() + 50)).toBe(true);
  });

  it("stores a key whose window has already passed for one millisecond rather than never expiring", async () => {
    const key = hashKey("dpop", randomUUID());
    expect(await store.add(key, Date.now() - 10_000)).toBe(true);
    expect(await pttl(key)).toBeLessThanOrEqual(1);
  });

  it("round-trips an introspection answer through JSON unchanged", async () => {
    const key = hashKey("introspection", randomUUID());
    const value = {
      v: 1,
      active: true,
      sub: "user-7",
      scope: "orders:read orders:write",
      exp: 1_900_000_000,
      aud: ["https://api.example.com", "orders"],
      cnf: { jkt: "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I" },
      nested: { deep: [1, 2.5, null, false, "ünïcödé ✓"] },
    };
    await store.set(key, value, 60_000);
    expect(await store.get(key)).toStrictEqual(value);
  });

  it("answers undefined for a key it has not stored", async () => {
    expect(await store.get(hashKey("introspection", randomUUID()))).toBeUndefined();
  });

  it("sets PX from the TTL core gives, rounded down, never beyond it", async () => {
    const key = hashKey("introspection", randomUUID());
    await store.set(key, { v: 1, active: true }, 4_999.9);
    const ttl = await pttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(4_999);
  });

  it("stores nothing for a TTL under one millisecond (an answer that is already stale)", async () => {
    for (const ttl of [0, 0.5, -1_000]) {
      const key = hashKey("introspection", randomUUID());
      await store.set(key, { v: 1, active: true }, ttl);
      expect(await connected.command(["EXISTS", prefix + key])).toBe(0);
    }
  });

  it("drops a cached answer when its TTL ends", async () => {
    const key = hashKey("introspection", randomUUID());
    await store.set(key, { v: 1, active: false }, 50);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(await store.get(key)).toBeUndefined();
  });

  it("keeps values in a versioned envelope and treats another version or garbage as a miss", async () => {
    const key = hashKey("introspection", randomUUID());
    await store.set(key, { v: 1, active: true }, 60_000);
    expect(JSON.parse(String(await connected.command(["GET", prefix + key])))).toStrictEqual({
      rg: 1,
      value: { v: 1, active: true },
    });
    for (const raw of [
      JSON.stringify({ rg: 2, value: { v: 1, active: true } }),
      JSON.stringify({ v: 1, active: true }),
      "not json",
      "[1]",
      "null",
    ]) {
      await connected.command(["SET", prefix + key, raw, "PX", "60000"]);
      expect(await store.get(key)).toBeUndefined();
    }
  });

  it("keeps stores with different prefixes apart", async () => {
    const key = hashKey("dpop", randomUUID());
    const neighbour = redisStore(connected.client, { prefix: `${prefix}other-api:` });
    expect(await store.add(key, Date.now() + 60_000)).toBe(true);
    expect(await neighbour.add(key, Date.now() + 60_000)).toBe(true);
    await store.set(key, { v: 1, who: "first" }, 60_000);
    expect(await neighbour.get(key)).toBeUndefined();
  });

  it("leaves nothing token-like in the keyspace: only prefixed hashes, '1' and the cached answer", async () => {
    const scoped = `${prefix}scan-${randomUUID()}:`;
    const scanned = redisStore(connected.client, { prefix: scoped });
    const token = `eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ1c2VyLTcifQ.${randomUUID().replaceAll("-", "")}`;
    const jti = randomUUID();
    await scanned.add(hashKey("dpop", `jkt ${jti}`), Date.now() + 60_000);
    await scanned.set(hashKey("introspection", token), { v: 1, active: true, sub: "user-7" }, 60_000);

    const keys = (await connected.command(["KEYS", `${scoped}*`])) as string[];
    expect(keys).toHaveLength(2);
    for (const key of keys) {
      expect(key).toMatch(/^[^:]+:scan-[0-9a-f-]+:(dpop|introspection):[A-Za-z0-9_-]{43}$/);
      const value = String(await connected.command(["GET", key]));
      for (const secret of [token, jti, ...token.split(".")]) {
        expect(key).not.toContain(secret);
        expect(value).not.toContain(secret);
      }
      expect(Number(await connected.command(["PTTL", key]))).toBeGreaterThan(0);
    }
  });
});
