/**
 * The adapter-cost bench (a child process of bench/main.ts, issue 18): what resource-guard adds to a
 * request its cache answers, per framework, in server CPU, measured precisely enough to judge a
 * 1 µs target. Over sockets (bench/http.ts) a request costs 15–300 µs on a shared VM and two runs of
 * the same server differ by more than the target; here the kernel, the sockets and the load
 * generator are left out, which costs both sides alike.
 *
 * Each framework's bare server and its resource-guard server (the builders of bench/http-apps.ts:
 * the route as users write it, scope check and error handler included) are built in this process,
 * and their own request listeners are driven with light-my-request (in-memory requests and responses
 * through the real framework code). Next to them stands the floor (bench/floor-apps.ts): the same
 * framework with a hand-written Map lookup in its cheapest shape, which is what "at the cost of a Map
 * lookup" costs there. The three take turns in short slices (50 requests, 396 rounds, every order in
 * turn), and the figures are medians of the paired differences of each round, so drift in the host's
 * speed cancels out. Every response must be a 200 or the run aborts.
 */
import { writeFileSync } from "node:fs";
import type { RequestListener, Server } from "node:http";
import { inject } from "light-my-request";
import { AUDIENCE, mintTokens, startBenchIdp } from "./fixtures.js";
import { buildFloor } from "./floor-apps.js";
import { APP_CONFIGS, type AppSettings, type Framework } from "./http-apps.js";
import { pinSelf } from "./machine.js";
import { median } from "./stats.js";

export type CostMode = "hot" | "rotating";

export interface AdapterCostResult {
  framework: Framework;
  mode: CostMode;
  /** Server CPU µs per request of the bare framework, median of slices. */
  bareUs: number;
  /** The same with resource-guard. */
  oursUs: number;
  /** The same with the floor: a hand-written Map lookup in the framework (bench/floor-apps.ts). */
  floorUs: number;
  /** Paired differences (ours − bare) of each kept round, µs per request. */
  differences: number[];
  /** Median of `differences`: the reported figure. */
  overUs: number;
  /** Paired differences (floor − bare) of the same rounds. */
  floorDifferences: number[];
  /** Paired differences (ours − floor) of the same rounds. */
  overFloorDifferences: number[];
}

export interface AdapterCostReport {
  pinned: boolean;
  rounds: number;
  requestsPerSlice: number;
  results: AdapterCostResult[];
}

const quick = process.argv.includes("--quick");
const outPath = process.argv[process.argv.indexOf("--out") + 1] ?? "bench/.raw/adapter-cost.json";
// Many short rounds: a VM's speed drifts over seconds, so the sides are compared 50 requests at a
// time, and the 95 % interval of the median of 396 such differences (66 of each of the six orders)
// is what a target is judged on.
const ROUNDS = quick ? 60 : 396;
const PER_SLICE = quick ? 30 : 50;
// The six orders of bare (0), floor (1) and ours (2).
const ORDERS = [
  [0, 1, 2],
  [2, 1, 0],
  [1, 0, 2],
  [2, 0, 1],
  [0, 2, 1],
  [1, 2, 0],
] as const;
const FRAMEWORKS: readonly Framework[] = [
  "express",
  "koa",
  "fastify",
  "hono",
  "nestjs-express",
  "nestjs-fastify",
];

interface Side {
  listener: RequestListener;
  server: Server;
}

async function build(id: string, settings: AppSettings): Promise<Side> {
  const config = APP_CONFIGS.find((c) => c.id === id);
  if (!config) throw new Error(`no server ${id}`);
  return sideOf(id, await config.build(settings));
}

function sideOf(id: string, server: Server): Side {
  const [listener] = server.listeners("request") as RequestListener[];
  if (!listener) throw new Error(`${id}: no request listener`);
  return { listener, server };
}

/**
 * Each token's `Authorization` header as bytes: every request gets a new flat string made from them,
 * as Node's HTTP parser gives every request. (A template string would be a rope that only the side
 * that reads the header pays to flatten, and one string reused would carry its hash from the last
 * request into a Map lookup.) Making it costs every side alike.
 */
const headerBytes = new Map<string, Buffer>();

async function call(side: Side, token: string): Promise<void> {
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

/** CPU µs per request over `PER_SLICE` requests, the tokens taken in turn from `tokens`. */
async function slice(side: Side, tokens: readonly string[], start: number): Promise<number> {
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < PER_SLICE; i++) await call(side, tokens[(start + i) % tokens.length] as string);
  const cpu = process.cpuUsage(cpu0);
  return (cpu.user + cpu.system) / PER_SLICE;
}

async function main(): Promise<void> {
  const idp = await startBenchIdp();
  const [hot] = await mintTokens(idp, "RS256", 1, "cost-hot");
  const rotating = await mintTokens(idp, "RS256", 1_000, "cost-rot");
  const pinned = pinSelf(0);
  const settings: AppSettings = { issuer: idp.issuer, audience: AUDIENCE, jwksUri: idp.jwksUri };
  const results: AdapterCostResult[] = [];
  for (const framework of FRAMEWORKS) {
    const bare = await build(framework, settings);
    const ours = await build(`${framework}-rg`, settings);
    const floor = sideOf(`${framework}-floor`, await buildFloor(framework, settings));
    const sides = [bare, floor, ours];
    try {
      for (const [mode, tokens] of [
        ["hot", [hot as string]],
        ["rotating", rotating],
      ] as const) {
        // Warm-up: every token seen twice by each cache (ours admits on the second sight), and every
        // side's code compiled.
        for (let pass = 0; pass < 3; pass++)
          for (const token of tokens) {
            await call(ours, token);
            await call(floor, token);
          }
        for (let pass = 0; pass < 3; pass++) for (const side of sides) await slice(side, tokens, 0);
        const cpu = sides.map((): number[] => []);
        for (let round = 0; round < ROUNDS; round++) {
          // Every order of the three in turn, so a trend within a round favours none of them.
          const order = ORDERS[round % ORDERS.length] as readonly number[];
          for (const index of order)
            (cpu[index] as number[])[round] = await slice(sides[index] as Side, tokens, round * PER_SLICE);
        }
        const [bareRounds, floorRounds, oursRounds] = cpu as [number[], number[], number[]];
        const minus = (a: number[], b: number[]) => a.map((value, i) => value - (b[i] as number));
        const differences = minus(oursRounds, bareRounds);
        results.push({
          framework,
          mode,
          bareUs: median(bareRounds),
          oursUs: median(oursRounds),
          floorUs: median(floorRounds),
          differences,
          overUs: median(differences),
          floorDifferences: minus(floorRounds, bareRounds),
          overFloorDifferences: minus(oursRounds, floorRounds),
        });
        process.stderr.write(
          `adapter-cost: ${framework} ${mode} +${median(differences).toFixed(2)} µs (floor +${median(minus(floorRounds, bareRounds)).toFixed(2)})\n`,
        );
      }
    } finally {
      for (const side of sides) side.server.closeAllConnections?.();
      await Promise.all(sides.map((side) => new Promise((done) => side.server.close(done))));
    }
  }
  await idp.close();
  const report: AdapterCostReport = { pinned, rounds: ROUNDS, requestsPerSlice: PER_SLICE, results };
  writeFileSync(outPath, JSON.stringify(report, null, 2));
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`adapter-cost bench aborted: ${(err as Error).stack ?? err}\n`);
    process.exit(1);
  },
);
