/**
 * The replay-store bench (`pnpm bench`, phase "replay-store"): DPoP requests against two otherwise identical servers
 * (bench/replay-store-server.ts), one with core's in-memory replay store and one with redisStore on a
 * redis-server started here on loopback, in the same run, at the same concurrency, in interleaved
 * rounds. Every request carries a proof never sent before, so every request reaches the replay store
 * (a replay-store write per request is the point of the comparison); the access token is one, cached.
 *
 * Goal (issue 14): the Redis store keeps ≥ 0.8× the memory store's requests/s; the p99 latency it adds
 * is reported. Proofs are signed before each timed round, so signing is not measured. Redis is not
 * pinned (it is a third process on a two-core machine; the load generator has core 1, the server core 0).
 *
 * Without redis-server the phase records why it was skipped and measures nothing.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import autocannon from "autocannon";
import { createDPoPClient, type DPoPClient } from "../examples/fleet/src/dpop-client.js";
import { findRedisServer, startRedisServer } from "../test/support/redis-server.js";
import { AUDIENCE, keyFor, startBenchIdp } from "./fixtures.js";
import type { ServerMessage, ServerStats } from "./http-server.js";
import type { ReplayStoreServerSettings } from "./replay-store-server.js";
import { median } from "./stats.js";

export type ReplayStoreKind = "memory" | "redis";
export const STORE_KINDS: readonly ReplayStoreKind[] = ["memory", "redis"];

export interface ReplayStoreRound {
  rps: number;
  p99Ms: number;
  cpuUsPerReq: number;
  non2xx: number;
  errors: number;
}

export interface ReplayStoreResult {
  store: ReplayStoreKind;
  rounds: ReplayStoreRound[];
  rps: number;
  p99Ms: number;
  cpuUsPerReq: number;
}

export interface ReplayStorePlan {
  rounds: number;
  requestsPerRound: number;
  connections: number;
  pinned: boolean;
}

export interface ReplayStoreReport {
  plan: ReplayStorePlan;
  /** Why nothing was measured. */
  skipped?: string;
  results: ReplayStoreResult[];
}

interface Running {
  child: ChildProcess;
  port: number;
  pending: ((stats: ServerStats) => void)[];
}

async function startServer(
  kind: ReplayStoreKind,
  settings: ReplayStoreServerSettings,
  pinned: boolean,
): Promise<Running> {
  const args = ["--import", "tsx", "bench/replay-store-server.ts", kind, JSON.stringify(settings)];
  const stdio: ["ignore", "inherit", "inherit", "ipc"] = ["ignore", "inherit", "inherit", "ipc"];
  const child = pinned
    ? spawn("taskset", ["-c", "0", process.execPath, ...args], { stdio })
    : spawn(process.execPath, args, { stdio });
  const running: Running = { child, port: 0, pending: [] };
  running.port = await new Promise<number>((resolve, reject) => {
    child.on("message", (message: ServerMessage) => {
      if (message.type === "ready") resolve(message.port);
      else if (message.type === "failed") reject(new Error(message.message));
      else if (message.type === "stats") running.pending.shift()?.(message);
    });
    child.once("exit", (code) => reject(new Error(`replay-store server exited with ${code}`)));
  });
  return running;
}

function stats(server: Running): Promise<ServerStats> {
  return new Promise((resolve) => {
    server.pending.push(resolve);
    server.child.send({ type: "stats" });
  });
}

async function stopServer(server: Running): Promise<void> {
  if (server.child.exitCode !== null) return;
  const exited = once(server.child, "exit");
  server.child.send({ type: "exit" });
  const timer = setTimeout(() => server.child.kill("SIGKILL"), 3000);
  await exited;
  clearTimeout(timer);
}

async function proofs(client: DPoPClient, url: string, token: string, count: number): Promise<string[]> {
  const out: string[] = [];
  for (let start = 0; start < count; start += 256) {
    const batch = Math.min(256, count - start);
    out.push(...(await Promise.all(Array.from({ length: batch }, () => client.proof("GET", url, token)))));
  }
  return out;
}

/** A fresh proof answers 200, the same proof again 401, the token without a proof 401. */
async function check(server: Running, client: DPoPClient, token: string): Promise<string | undefined> {
  const url = `http://127.0.0.1:${server.port}/orders`;
  const [proof] = await proofs(client, url, token, 1);
  const get = async (headers: Record<string, string>) => (await fetch(url, { headers })).status;
  const first = await get({ authorization: `DPoP ${token}`, dpop: proof as string });
  if (first !== 200) return `a fresh proof answered ${first}`;
  const replay = await get({ authorization: `DPoP ${token}`, dpop: proof as string });
  if (replay !== 401) return `a replayed proof answered ${replay}`;
  const bare = await get({ authorization: `DPoP ${token}` });
  return bare === 401 ? undefined : `no proof answered ${bare}`;
}

async function measure(
  server: Running,
  plan: ReplayStorePlan,
  token: string,
  batch: string[],
): Promise<ReplayStoreRound> {
  let i = 0;
  const before = await stats(server);
  const t0 = process.hrtime.bigint();
  const result = await autocannon({
    url: `http://127.0.0.1:${server.port}/orders`,
    connections: plan.connections,
    amount: batch.length,
    requests: [
      {
        method: "GET",
        setupRequest: (request: Record<string, unknown>) => {
          request.headers = { authorization: `DPoP ${token}`, dpop: batch[i++ % batch.length] };
          return request;
        },
      },
    ],
  });
  const after = await stats(server);
  const served = after.served - before.served;
  return {
    rps: served / (Number(BigInt(after.lastNs) - t0) / 1e9),
    p99Ms: result.latency.p99,
    cpuUsPerReq: served > 0 ? (after.cpuUs - before.cpuUs) / served : Number.NaN,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

/** Runs the phase; a missing prerequisite is a `skipped` report with the reason, never a throw. */
export async function runReplayStoreBench(
  plan: ReplayStorePlan,
  log: (line: string) => void,
): Promise<ReplayStoreReport> {
  const skipped = (reason: string): ReplayStoreReport => {
    log(`replay-store: skipped: ${reason}`);
    return { plan, skipped: reason, results: [] };
  };
  try {
    findRedisServer();
  } catch (error) {
    return skipped((error as Error).message);
  }

  const redis = await startRedisServer();
  const idp = await startBenchIdp();
  const servers = new Map<ReplayStoreKind, Running>();
  try {
    const client = await createDPoPClient();
    const token = await idp.sign(
      { aud: AUDIENCE, sub: "dpop-bench", scope: "orders:read", cnf: { jkt: client.jkt } },
      { key: keyFor(idp, "ES256") },
    );
    const settings = { issuer: idp.issuer, audience: AUDIENCE, jwksUri: idp.jwksUri, redisUrl: redis.url };
    for (const kind of STORE_KINDS) {
      const server = await startServer(kind, settings, plan.pinned);
      servers.set(kind, server);
      const failure = await check(server, client, token);
      if (failure) return skipped(`the ${kind} server failed its correctness check: ${failure}`);
    }
    const results = STORE_KINDS.map(
      (store): ReplayStoreResult => ({ store, rounds: [], rps: 0, p99Ms: 0, cpuUsPerReq: 0 }),
    );
    for (let round = -1; round < plan.rounds; round++) {
      // Round -1 warms both servers up and is not kept; then each round alternates which goes first.
      const order = round % 2 === 0 ? results : [...results].reverse();
      for (const result of order) {
        const server = servers.get(result.store) as Running;
        const url = `http://127.0.0.1:${server.port}/orders`;
        const batch = await proofs(client, url, token, round < 0 ? 1_000 : plan.requestsPerRound);
        const measured = await measure(server, plan, token, batch);
        if (round >= 0) result.rounds.push(measured);
      }
      if (round >= 0) log(`replay-store: round ${round + 1}/${plan.rounds} done`);
    }
    for (const result of results) {
      result.rps = median(result.rounds.map((r) => r.rps));
      result.p99Ms = median(result.rounds.map((r) => r.p99Ms));
      result.cpuUsPerReq = median(result.rounds.map((r) => r.cpuUsPerReq));
    }
    return { plan, results };
  } finally {
    await Promise.all([...servers.values()].map(stopServer));
    await idp.close();
    await redis.stop();
  }
}
