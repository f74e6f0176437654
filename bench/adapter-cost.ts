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
import { outPathOf } from "./args.js";
import { AUDIENCE, mintTokens, startBenchIdp } from "./fixtures.js";
import type { AppSettings, Framework } from "./http-apps.js";
import { buildSides, call, closeSides, FRAMEWORKS, ORDERS, type Side } from "./in-memory-sides.js";
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
const outPath = outPathOf("adapter-cost");
// Many short rounds: a VM's speed drifts over seconds, so the sides are compared 50 requests at a
// time, and the 95 % interval of the median of 396 such differences (66 of each of the six orders)
// is what a target is judged on.
const ROUNDS = quick ? 60 : 396;
const PER_SLICE = quick ? 30 : 50;
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
    const sides = await buildSides(framework, settings);
    const [, floor, ours] = sides;
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
      await closeSides(sides);
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
