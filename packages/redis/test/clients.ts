/**
 * Every client library and major the package declares in its peer range, connected the way an
 * application connects it, so each test runs once per client: node-redis 4, 5 and 6 (`createClient`)
 * and ioredis 5 and 6 (`new Redis`). The devDependencies alias the older majors (`redis4`, `ioredis5`).
 */
import { Redis as IORedis6 } from "ioredis";
import { Redis as IORedis5 } from "ioredis5";
import { createClient as createClient6 } from "redis";
import { createClient as createClient4 } from "redis4";
import { createClient as createClient5 } from "redis5";
import type { RedisClientLike } from "../src/index.js";

export interface ConnectedClient {
  readonly client: RedisClientLike;
  /** Raw command for test set-up and inspection, bypassing the store. */
  command(args: string[]): Promise<unknown>;
  /** True when the client has an `error` listener. */
  errorListeners(): number;
  /** Closes the connection at once, whatever state Redis is in. */
  close(): Promise<void>;
}

export interface ClientKind {
  readonly name: string;
  readonly library: "node-redis" | "ioredis";
  /** A client that has not connected (and will not until told). */
  create(url: string): ConnectedClient & { connect(): Promise<void> };
}

function nodeRedis(name: string, createClient: (options: { url: string }) => unknown): ClientKind {
  return {
    name,
    library: "node-redis",
    create(url) {
      // No error listener here: the store must add one, or a dropped connection would crash the run.
      const client = createClient({ url }) as {
        isReady: boolean;
        isOpen: boolean;
        connect(): Promise<unknown>;
        sendCommand(args: string[]): Promise<unknown>;
        listenerCount(event: string): number;
        disconnect?: () => Promise<void>;
        destroy?: () => void;
      };
      return {
        client: client as RedisClientLike,
        command: (args) => client.sendCommand(args),
        errorListeners: () => client.listenerCount("error"),
        async connect() {
          await client.connect();
        },
        async close() {
          if (!client.isOpen) return;
          if (typeof client.destroy === "function") client.destroy();
          else await client.disconnect?.();
        },
      };
    },
  };
}

function ioredis(name: string, createClient: (url: string) => IORedis5 | IORedis6): ClientKind {
  return {
    name,
    library: "ioredis",
    create(url) {
      const client = createClient(url);
      return {
        client: client as RedisClientLike,
        command: (args) => client.call(args[0] as string, ...args.slice(1)),
        errorListeners: () => client.listenerCount("error"),
        async connect() {
          await client.connect();
        },
        async close() {
          client.disconnect();
        },
      };
    },
  };
}

export const CLIENT_KINDS: readonly ClientKind[] = [
  nodeRedis("node-redis 4", createClient4),
  nodeRedis("node-redis 5", createClient5),
  nodeRedis("node-redis 6", createClient6),
  ioredis("ioredis 5", (url) => new IORedis5(url, { lazyConnect: true })),
  ioredis("ioredis 6", (url) => new IORedis6(url, { lazyConnect: true })),
];

/** Creates and connects a client of `kind` to `url`. */
export async function connectClient(kind: ClientKind, url: string): Promise<ConnectedClient> {
  const connected = kind.create(url);
  await connected.connect();
  return connected;
}

/** Polls `attempt` until it resolves, at most `limit` times `intervalMs` apart; rethrows the last error. */
export async function eventually<T>(attempt: () => Promise<T>, limit = 150, intervalMs = 100): Promise<T> {
  let lastError: unknown;
  for (let i = 0; i < limit; i++) {
    try {
      return await attempt();
    } catch (error) {
      lastError = error;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }
  throw lastError;
}
