/**
 * redisStore(): one object that is both of core's shared stores, so that every instance of an API
 * behind a load balancer sees the same state.
 *
 * - DPoP replay store (RFC 9449 §11.1): `add(key, expiresAtMs)` is one atomic `SET key 1 PX ms NX`.
 *   Redis stores the key only when it is absent and answers null otherwise, so two instances racing on
 *   the same proof cannot both see it as new (a GET followed by a SET could). The expiry is rounded
 *   up: a key may outlive its window by a millisecond, never the other way round.
 * - Introspection cache (RFC 7662 §4): `get`/`set` keep core's answer as JSON in a versioned envelope
 *   with `PX` rounded down from the TTL core gives (core bounds it by the token's `exp`), so a cached
 *   answer never outlives the token.
 *
 * Keys are the caller's (core passes hashes, never a token or a `jti`) behind the store's prefix.
 * Every command is time-limited and fails fast while the client is not ready (command-runner.ts); a
 * failure is thrown as StoreUnavailableError, which core answers with 503 and Retry-After.
 */
import { adaptClient, type RedisClientLike } from "./client-adapter.js";
import { createCommandRunner, unavailable } from "./command-runner.js";
import { unwrapValue, wrapValue } from "./envelope.js";
import { type RedisStoreOptions, resolveStoreOptions } from "./resolve-store-options.js";

/** A DPoP replay store and an introspection cache in one, backed by Redis. */
export interface RedisStore {
  /** The prefix every key is stored under. */
  readonly prefix: string;
  /**
   * Stores `key` until `expiresAtMs` (epoch milliseconds) unless it is already there. Resolves true
   * when it was new, false when it was already stored (a replay).
   */
  add(key: string, expiresAtMs: number): Promise<boolean>;
  /** The value stored under `key`, or undefined when there is none (or it is in another format). */
  get(key: string): Promise<unknown>;
  /** Stores `value` under `key` for at most `ttlMs` milliseconds; nothing is stored when ttlMs < 1. */
  set(key: string, value: unknown, ttlMs: number): Promise<void>;
}

/** Longest key accepted from the caller: core's keys are a short name and a base64url SHA-256. */
const MAX_KEY_LENGTH = 256;

function checkKey(key: unknown): string {
  if (typeof key !== "string" || key.length === 0 || key.length > MAX_KEY_LENGTH) {
    throw new TypeError(`@resource-guard/redis: a key must be a string of 1 to ${MAX_KEY_LENGTH} characters`);
  }
  return key;
}

function checkTime(value: unknown, name: string): number {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new TypeError(`@resource-guard/redis: "${name}" must be a finite number of milliseconds`);
  }
  return value;
}

function replyText(reply: unknown): string | null | undefined {
  if (reply === null || typeof reply === "string") return reply;
  if (reply instanceof Uint8Array) return Buffer.from(reply).toString("utf8");
  return undefined;
}

/**
 * Builds the store over a connected client. Connect before serving (node-redis:
 * `await client.connect()`; ioredis: wait for `ready`): until the client is ready every call fails
 * with 503.
 *
 * @example
 * import { createClient } from "redis";
 * import { redisStore } from "@resource-guard/redis";
 *
 * const client = createClient({ url: process.env.REDIS_URL });
 * await client.connect();
 * const store = redisStore(client, { prefix: "orders-api:" });
 * createVerifier({ issuer, audience, dpop: { replayStore: store }, introspection: { ...settings, cache: store } });
 */
export function redisStore(client: RedisClientLike, options: RedisStoreOptions): RedisStore {
  const { prefix, timeoutMs, maxInFlight } = resolveStoreOptions(options);
  const run = createCommandRunner(adaptClient(client), timeoutMs, maxInFlight);

  return Object.freeze({
    prefix,

    async add(key: string, expiresAtMs: number): Promise<boolean> {
      const name = prefix + checkKey(key);
      const ms = Math.max(1, Math.ceil(checkTime(expiresAtMs, "expiresAtMs") - Date.now()));
      // RFC 9449 §11.1: the check and the write are one atomic command.
      const reply = replyText(await run(["SET", name, "1", "PX", String(ms), "NX"]));
      if (reply === null) return false;
      if (reply === "OK") return true;
      // Anything else means the command was not understood as a conditional SET: refuse, never accept.
      throw unavailable("redis_unexpected_reply");
    },

    async get(key: string): Promise<unknown> {
      const reply = await run(["GET", prefix + checkKey(key)]);
      const text = replyText(reply);
      if (text === null) return undefined;
      if (text === undefined) throw unavailable("redis_unexpected_reply");
      return unwrapValue(text);
    },

    async set(key: string, value: unknown, ttlMs: number): Promise<void> {
      const name = prefix + checkKey(key);
      const ms = Math.floor(checkTime(ttlMs, "ttlMs"));
      if (!(ms >= 1)) return;
      const reply = replyText(await run(["SET", name, wrapValue(value), "PX", String(ms)]));
      if (reply !== "OK") throw unavailable("redis_unexpected_reply");
    },
  });
}
