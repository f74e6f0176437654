/**
 * Checks the options of redisStore once, when it is created, with TypeErrors that say what to fix;
 * the store's methods then only do their work.
 *
 * `prefix` is required rather than defaulted: two APIs sharing one Redis under one default prefix
 * would share introspection answers, and an identity provider may answer each client's introspection
 * differently (RFC 7662 §2.2 lets it tailor the response to the caller). Naming the namespace costs one
 * line and makes the sharing a decision.
 */

export interface RedisStoreOptions {
  /**
   * Prepended to every key, e.g. `"orders-api:"`. Printable ASCII without spaces, 1 to 128
   * characters. Instances that must share state use the same prefix; other applications use another.
   */
  prefix: string;
  /** A command without a reply after this many milliseconds has failed (503). Default 200. */
  timeoutMs?: number;
  /**
   * At most this many commands may wait for a reply at once; beyond it requests fail at once (503)
   * instead of queueing behind a paused Redis. Default 1000.
   */
  maxInFlight?: number;
}

export interface ResolvedStoreOptions {
  readonly prefix: string;
  readonly timeoutMs: number;
  readonly maxInFlight: number;
}

const STORE_OPTION_NAMES = new Set(["prefix", "timeoutMs", "maxInFlight"]);
const PREFIX_PATTERN = /^[\x21-\x7e]{1,128}$/;

function fail(message: string): never {
  throw new TypeError(`@resource-guard/redis: ${message}`);
}

function integer(value: unknown, name: string, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    fail(`"${name}" must be a whole number from ${min} to ${max}, got ${String(value)}`);
  }
  return value;
}

export function resolveStoreOptions(options: unknown): ResolvedStoreOptions {
  if (options === null || typeof options !== "object") {
    fail('redisStore(client, options) needs options with a "prefix", e.g. { prefix: "orders-api:" }');
  }
  for (const name of Object.keys(options)) {
    if (!STORE_OPTION_NAMES.has(name)) {
      fail(`unknown option "${name}"; known options are: ${[...STORE_OPTION_NAMES].join(", ")}`);
    }
  }
  const { prefix, timeoutMs, maxInFlight } = options as Record<string, unknown>;
  if (typeof prefix !== "string" || !PREFIX_PATTERN.test(prefix)) {
    fail(
      '"prefix" is required: 1 to 128 printable ASCII characters without spaces, naming this API, e.g. "orders-api:"',
    );
  }
  return Object.freeze({
    prefix,
    timeoutMs: integer(timeoutMs, "timeoutMs", 200, 1, 60_000),
    maxInFlight: integer(maxInFlight, "maxInFlight", 1000, 1, 1_000_000),
  });
}
