/**
 * One way to talk to every supported Redis client. node-redis (4, 5, 6) and ioredis (5, 6) disagree on
 * how options of `SET` are spelled: node-redis 4 silently ignores node-redis 5's `{ condition: "NX" }`
 * and answers OK to a plain SET that never expires, which would make every DPoP proof look new. Their
 * generic command calls agree, so this module sends every command as raw words (`SET k v PX ms NX`)
 * through node-redis `sendCommand([...])` or ioredis `call(...)`, and reads readiness from node-redis
 * `isReady` or ioredis `status`.
 *
 * It also keeps a dropped connection from ending the process: node-redis re-emits socket errors as
 * `error` events, and an EventEmitter with no `error` listener throws them.
 */

/** The part of a node-redis 4/5/6 client (`createClient()` from "redis") that the store uses. */
export interface NodeRedisClientLike {
  /** True once connected and after every reconnection; false while connecting or reconnecting. */
  readonly isReady: boolean;
  sendCommand(args: string[]): Promise<unknown>;
  listenerCount?(eventName: "error"): number;
  on?(eventName: "error", listener: (error: unknown) => void): unknown;
}

/** The part of an ioredis 5/6 client (`new Redis()`, also `new Cluster()`) that the store uses. */
export interface IORedisClientLike {
  /** "ready" when commands are answered; "connecting", "reconnecting", "end"… otherwise. */
  readonly status: string;
  call(command: string, ...args: string[]): Promise<unknown>;
  listenerCount?(eventName: "error"): number;
  on?(eventName: "error", listener: (error: unknown) => void): unknown;
}

/** A connected client of either library. */
export type RedisClientLike = NodeRedisClientLike | IORedisClientLike;

/** What the command runner needs from a client, whichever library it comes from. */
export interface ClientAdapter {
  readonly library: "node-redis" | "ioredis";
  isReady(): boolean;
  /** Sends one command as raw words; the promise settles with the client's raw reply. */
  send(args: readonly string[]): Promise<unknown>;
}

function fail(message: string): never {
  throw new TypeError(`@resource-guard/redis: ${message}`);
}

function isFunction(value: unknown): value is (...args: never[]) => unknown {
  return typeof value === "function";
}

/** The node-redis objects whose `sendCommand` takes other arguments than a client's. */
function isNodeRedisClusterOrSentinel(client: Record<string, unknown>): boolean {
  return (
    isFunction(client.getSlotMaster) || isFunction(client.getMasterNode) || isFunction(client.getSentinelNode)
  );
}

/**
 * Wraps `client` after checking it is one the store can drive. Throws a TypeError that says what to
 * pass instead.
 */
export function adaptClient(client: unknown): ClientAdapter {
  if (client === null || typeof client !== "object") {
    fail(
      "redisStore(client, options) needs a node-redis client (createClient() from redis 4, 5 or 6) or an ioredis client",
    );
  }
  const candidate = client as Record<string, unknown>;
  let adapter: ClientAdapter;
  if (isFunction(candidate.call) && typeof candidate.status === "string") {
    const io = client as IORedisClientLike;
    adapter = {
      library: "ioredis",
      isReady: () => io.status === "ready",
      send: (args) => io.call(args[0] as string, ...args.slice(1)),
    };
  } else if (isFunction(candidate.sendCommand) && typeof candidate.isReady === "boolean") {
    if (isNodeRedisClusterOrSentinel(candidate)) {
      fail(
        "node-redis cluster and sentinel objects are not supported; pass a client from createClient(), or an ioredis client",
      );
    }
    const nodeRedis = client as NodeRedisClientLike;
    adapter = {
      library: "node-redis",
      isReady: () => nodeRedis.isReady,
      send: (args) => nodeRedis.sendCommand(args as string[]),
    };
  } else {
    fail(
      "the client is neither a node-redis client (no sendCommand/isReady) nor an ioredis client (no call/status); node-redis legacyMode clients are not supported",
    );
  }
  keepProcessAlive(client as RedisClientLike);
  return adapter;
}

/** Does nothing: the store learns of failures from the commands themselves. */
function ignoreConnectionError(): void {}

/**
 * Adds an `error` listener when the client has none, so that a dropped connection is not thrown as an
 * unhandled `error` event (node-redis) or printed as one (ioredis). A listener of the application's own,
 * added before or after, is left alone and still called.
 */
function keepProcessAlive(client: RedisClientLike): void {
  if (!isFunction(client.on) || !isFunction(client.listenerCount)) return;
  if (client.listenerCount("error") === 0) client.on("error", ignoreConnectionError);
}
