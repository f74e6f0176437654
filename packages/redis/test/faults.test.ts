/**
 * What a fleet meets when Redis fails, made real on a redis-server of each test's own, once per client
 * library and major: a client that has not connected, Redis paused (SIGSTOP) then resumed, Redis
 * killed mid-run then restarted, error replies, and a backlog of unanswered commands. Every failure
 * must be core's 503 StoreUnavailableError with Retry-After, arrive within the command timeout rather
 * than hang, never accept a replay, and give way to normal service by itself once Redis is back.
 */
import { createHash, randomUUID } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type RedisServer, startRedisServer } from "../../../test/support/redis-server.js";
import { type RedisStore, redisStore } from "../src/index.js";
import { CLIENT_KINDS, type ConnectedClient, connectClient, eventually } from "./clients.js";

const TIMEOUT_MS = 200;
const newKey = () => `dpop:${createHash("sha256").update(randomUUID()).digest("base64url")}`;
const later = () => Date.now() + 60_000;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Settles `promise`, failing the test if it takes longer than `limitMs` (a hang, not a fault answer). */
async function within<T>(promise: Promise<T>, limitMs = 5_000): Promise<PromiseSettledResult<T>> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${limitMs} ms: the store hung`)), limitMs);
  });
  try {
    return await Promise.race([
      promise.then(
        (value): PromiseSettledResult<T> => ({ status: "fulfilled", value }),
        (reason: unknown): PromiseSettledResult<T> => ({ status: "rejected", reason }),
      ),
      hang,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Asserts that `settled` is the 503 a store failure must be, for `reasons`. */
function expectUnavailable(settled: PromiseSettledResult<unknown>, reasons: readonly string[]): void {
  expect(settled.status).toBe("rejected");
  const error = (settled as PromiseRejectedResult).reason as {
    name: string;
    status: number;
    expose: boolean;
    code: unknown;
    headers: Record<string, string>;
    message: string;
    reason: string;
  };
  expect(error.name).toBe("StoreUnavailableError");
  expect(error.status).toBe(503);
  expect(error.expose).toBe(false);
  expect(error.code).toBeUndefined();
  expect(error.headers).toStrictEqual({ "Retry-After": "2" });
  expect(error.message).toBe("A required store is unavailable; try again later");
  expect(reasons).toContain(error.reason);
}

describe.each(CLIENT_KINDS)("redisStore faults with $name", (kind) => {
  let redis: RedisServer;
  let connected: ConnectedClient;
  let store: RedisStore;

  beforeEach(async () => {
    redis = await startRedisServer();
    connected = await connectClient(kind, redis.url);
    store = redisStore(connected.client, { prefix: "faults:", timeoutMs: TIMEOUT_MS });
  });
  afterEach(async () => {
    await connected?.close();
    await redis?.stop();
  });

  it("fails at once with 503 while the client has not connected yet", async () => {
    const idle = kind.create(redis.url);
    try {
      const early = redisStore(idle.client, { prefix: "faults:", timeoutMs: 60_000 });
      expectUnavailable(await within(early.add(newKey(), later()), 1_000), ["redis_not_ready"]);
      expectUnavailable(await within(early.get(newKey()), 1_000), ["redis_not_ready"]);
      expectUnavailable(await within(early.set(newKey(), { v: 1 }, 1_000), 1_000), ["redis_not_ready"]);
      await idle.connect();
      expect(await early.add(newKey(), later())).toBe(true);
    } finally {
      await idle.close();
    }
  });

  it("adds an error listener when the client has none, so a dropped connection cannot crash the process", () => {
    expect(connected.errorListeners()).toBe(1);
    redisStore(connected.client, { prefix: "again:" });
    expect(connected.errorListeners()).toBe(1);
  });

  it("answers 503 within the timeout while Redis is paused, refuses afterwards the proof it could not check, and recovers", async () => {
    const accepted = newKey();
    expect(await store.add(accepted, later())).toBe(true);
    const unchecked = newKey();

    redis.pause();
    try {
      expectUnavailable(await within(store.add(unchecked, later())), ["redis_timeout"]);
      expectUnavailable(await within(store.add(accepted, later())), ["redis_timeout"]);
      expectUnavailable(await within(store.get(newKey())), ["redis_timeout"]);
      expectUnavailable(await within(store.set(newKey(), { v: 1 }, 60_000)), ["redis_timeout"]);
    } finally {
      redis.resume();
    }

    // The same store object serves again: nothing was rebuilt or reconnected by hand.
    expect(await eventually(() => store.add(newKey(), later()))).toBe(true);
    // The SET NX sent during the pause ran on resume: a retry with the same proof is a replay.
    expect(await store.add(unchecked, later())).toBe(false);
    expect(await store.add(accepted, later())).toBe(false);
  });

  it("refuses at once, without queueing, once maxInFlight commands wait behind a paused Redis", async () => {
    const bounded = redisStore(connected.client, {
      prefix: "faults:",
      timeoutMs: TIMEOUT_MS,
      maxInFlight: 3,
    });
    redis.pause();
    try {
      const waiting = [bounded.add(newKey(), later()), bounded.add(newKey(), later()), bounded.get(newKey())];
      expectUnavailable(await within(bounded.add(newKey(), later()), 1_000), ["redis_backlog"]);
      for (const settled of await Promise.allSettled(waiting)) expectUnavailable(settled, ["redis_timeout"]);
      // Timed out, but still unanswered: the slots stay taken until Redis answers.
      expectUnavailable(await within(bounded.get(newKey()), 1_000), ["redis_backlog"]);
    } finally {
      redis.resume();
    }
    expect(await eventually(() => bounded.add(newKey(), later()))).toBe(true);
  });

  it("answers 503 while Redis is killed mid-run, never accepts a replay, and resumes by itself after a restart", async () => {
    const outcomes: string[] = [];
    let running = true;
    // One simulated request after another: a fresh proof, then the same proof replayed.
    const traffic = (async () => {
      for (let i = 0; running && i < 3_000; i++) {
        const key = newKey();
        const first = await within(store.add(key, later()));
        const replay = await within(store.add(key, later()));
        for (const [settled, label] of [
          [first, "new"],
          [replay, "replay"],
        ] as const) {
          if (settled.status === "fulfilled") outcomes.push(`${label}:${settled.value}`);
          else {
            expectUnavailable(settled, ["redis_not_ready", "redis_error", "redis_timeout"]);
            outcomes.push(`${label}:503`);
          }
        }
        await pause(10);
      }
    })();

    await eventually(async () => {
      if (!outcomes.includes("new:true")) throw new Error("no request served yet");
    });
    await redis.kill();
    await eventually(async () => {
      if (!outcomes.includes("new:503")) throw new Error("no request failed yet");
    });
    const failuresBeforeRestart = outcomes.length;
    await redis.restart();
    await eventually(async () => {
      if (!outcomes.slice(failuresBeforeRestart).includes("new:true")) throw new Error("not recovered yet");
    });
    running = false;
    await traffic;

    expect(outcomes).not.toContain("replay:true");
    expect(new Set(outcomes)).toStrictEqual(new Set(["new:true", "replay:false", "new:503", "replay:503"]));
    // Served again after the restart, by the same store and client.
    expect(await store.add(newKey(), later())).toBe(true);
  }, 60_000);

  it("answers 503 when Redis replies with an error (out of memory, wrong type)", async () => {
    const key = newKey();
    await connected.command(["RPUSH", `faults:${key}`, "x"]);
    expectUnavailable(await within(store.get(key)), ["redis_error"]);

    await connected.command(["CONFIG", "SET", "maxmemory-policy", "noeviction"]);
    await connected.command(["CONFIG", "SET", "maxmemory", "1"]);
    try {
      expectUnavailable(await within(store.add(newKey(), later())), ["redis_error"]);
      expectUnavailable(await within(store.set(newKey(), { v: 1 }, 60_000)), ["redis_error"]);
    } finally {
      await connected.command(["CONFIG", "SET", "maxmemory", "0"]);
    }
    expect(await store.add(newKey(), later())).toBe(true);
  });
});
