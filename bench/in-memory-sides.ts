/**
 * The servers the in-process benches drive (bench/adapter-cost.ts, bench/adapter-instructions.ts): a
 * framework's own request listener, called with light-my-request's in-memory requests and responses, so
 * the real framework code runs without sockets, kernel or load generator.
 */
import type { RequestListener, Server } from "node:http";
import { inject } from "light-my-request";
import { buildFloor } from "./floor-apps.js";
import { APP_CONFIGS, type AppSettings, type Framework } from "./http-apps.js";

/** The frameworks measured in process, in the order they are reported. */
export const FRAMEWORKS: readonly Framework[] = [
  "express",
  "koa",
  "fastify",
  "hono",
  "nestjs-express",
  "nestjs-fastify",
];

/** The six orders of bare (0), floor (1) and resource-guard (2): rounds take them in turn. */
export const ORDERS = [
  [0, 1, 2],
  [2, 1, 0],
  [1, 0, 2],
  [2, 0, 1],
  [0, 2, 1],
  [1, 2, 0],
] as const;

export interface Side {
  listener: RequestListener;
  server: Server;
}

function sideOf(id: string, server: Server): Side {
  const [listener] = server.listeners("request") as RequestListener[];
  if (!listener) throw new Error(`${id}: no request listener`);
  return { listener, server };
}

/** The bare framework, the floor (bench/floor-apps.ts) and resource-guard, in that order. */
export async function buildSides(framework: Framework, settings: AppSettings): Promise<[Side, Side, Side]> {
  const build = async (id: string): Promise<Side> => {
    const config = APP_CONFIGS.find((c) => c.id === id);
    if (!config) throw new Error(`no server ${id}`);
    return sideOf(id, await config.build(settings));
  };
  const bare = await build(framework);
  const ours = await build(`${framework}-rg`);
  const floor = sideOf(`${framework}-floor`, await buildFloor(framework, settings));
  return [bare, floor, ours];
}

export async function closeSides(sides: readonly Side[]): Promise<void> {
  for (const side of sides) side.server.closeAllConnections?.();
  await Promise.all(sides.map((side) => new Promise((done) => side.server.close(done))));
}

/**
 * Each token's `Authorization` header as bytes: every request gets a new flat string made from them,
 * as Node's HTTP parser gives every request. (A template string would be a rope that only the side
 * that reads the header pays to flatten, and one string reused would carry its hash from the last
 * request into a Map lookup.) Making it costs every side alike.
 */
const headerBytes = new Map<string, Buffer>();

/** One `GET /orders` with `token`; anything but a 200 aborts the bench. */
export async function call(side: Side, token: string): Promise<void> {
  let bytes = headerBytes.get(token);
  if (bytes === undefined) {
    bytes = Buffer.from(`Bearer ${token}`, "latin1");
    headerBytes.set(token, bytes);
  }
  const res = await inject(side.listener as never, {
    method: "GET",
    url: "/orders",
    headers: { authorization: bytes.toString("latin1"), host: "127.0.0.1" },
  });
  if (res.statusCode !== 200) throw new Error(`answered ${res.statusCode}: ${res.payload.slice(0, 200)}`);
}
