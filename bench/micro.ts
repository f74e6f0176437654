/**
 * The micro bench (a child process of bench/main.ts): verifications per second for each verifier,
 * algorithm and token mix, on one pinned core, with no HTTP in the way.
 *
 * - "hot": one token repeated, through one instance (what a token cache is for);
 * - "distinct": tokens never seen before by the instance. One instance per verifier walks a pool of
 *   pre-minted tokens from start to end across all rounds, never seeing one twice, so a cache can only
 *   miss, and fills and evicts as it would in production (resource-guard's holds 10,000 tokens).
 *
 * Rounds are interleaved (A B C … A B C …) so drift on a shared machine hits every verifier alike; the
 * first round is a discarded JIT warm-up; the figure kept is the median. Within a round the verifiers
 * of one algorithm and mix run back to back, and ratios are medians of per-round ratios (stats.ts). Every verifier must accept the
 * valid token and reject a tampered one before it is timed, or the run aborts.
 */
import { writeFileSync } from "node:fs";
import { outPathOf } from "./args.js";
import { AUDIENCE, BENCH_ALGS, type BenchAlg, mintTokens, startBenchIdp, tamper } from "./fixtures.js";
import { pinSelf } from "./machine.js";
import { type BenchContext, MICRO_VERIFIERS, type MicroVerifier, type VerifyFn } from "./micro-verifiers.js";
import { median } from "./stats.js";

export type MicroMode = "hot" | "distinct";

export interface MicroResult {
  verifier: string;
  label: string;
  alg: BenchAlg;
  mode: MicroMode;
  /** Verifications per second of process CPU time, one entry per kept round. */
  rounds: number[];
  /** Verifications per wall-clock second, one entry per kept round. */
  wallRounds: number[];
  /**
   * Median of `rounds`: the reported figure. CPU time, not wall time, because on a shared machine a
   * pinned process still loses wall time to neighbours, and a server's throughput is bound by CPU.
   */
  median: number;
  wallMedian: number;
  /** Why there is no figure (unsupported algorithm, library failed to load). */
  skipped?: string;
  /** The distinct pool ran out during a round (that round was shorter; the pool should be larger). */
  exhausted?: boolean;
}

export interface MicroReport {
  pinned: boolean;
  rounds: number;
  sliceMs: number;
  distinctPool: Record<string, number>;
  results: MicroResult[];
}

interface Combo {
  verifier: MicroVerifier;
  alg: BenchAlg;
  mode: MicroMode;
  result: MicroResult;
  /** The instance, built and checked once. */
  instance?: VerifyFn;
  cursor: number;
}

const quick = process.argv.includes("--quick");
const outPath = outPathOf("micro");
const ROUNDS = quick ? 3 : 41;
const SLICE_MS = quick ? 60 : 30;
/** Distinct tokens per algorithm: more than the fastest verifier gets through in all rounds. */
const POOL: Record<BenchAlg, number> = quick
  ? { RS256: 14_000, ES256: 5_000, EdDSA: 4_000 }
  : { RS256: 64_000, ES256: 22_000, EdDSA: 16_000 };
const BATCH = 25;

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === "function";
}

async function call(fn: VerifyFn, token: string): Promise<void> {
  const result = fn(token);
  if (isThenable(result)) await result;
}

async function rejects(fn: VerifyFn, token: string): Promise<boolean> {
  try {
    await call(fn, token);
    return false;
  } catch {
    return true;
  }
}

/** Accepts the valid token and rejects the tampered one, or throws (the run aborts). */
async function assertCorrect(label: string, alg: string, fn: VerifyFn, valid: string): Promise<void> {
  try {
    await call(fn, valid);
  } catch (err) {
    throw new Error(`${label} ${alg}: rejected a valid token (${(err as Error).message})`);
  }
  if (!(await rejects(fn, tamper(valid)))) throw new Error(`${label} ${alg}: accepted a tampered token`);
}

/** Runs `next()` tokens through `fn` for about SLICE_MS; returns [ops per wall second, ops per CPU second]. */
async function timeSlice(fn: VerifyFn, next: () => string | undefined): Promise<[number, number]> {
  let count = 0;
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  let elapsedNs = 0n;
  const limitNs = BigInt(SLICE_MS) * 1_000_000n;
  outer: while (elapsedNs < limitNs) {
    for (let i = 0; i < BATCH; i++) {
      const token = next();
      if (token === undefined) break outer;
      const result = fn(token);
      if (isThenable(result)) await result;
      count++;
    }
    elapsedNs = process.hrtime.bigint() - t0;
  }
  elapsedNs = process.hrtime.bigint() - t0;
  const cpu = process.cpuUsage(cpu0);
  const cpuSec = (cpu.user + cpu.system) / 1e6;
  return [count / (Number(elapsedNs) / 1e9), count / cpuSec];
}

async function main(): Promise<void> {
  const idp = await startBenchIdp();
  const ctxs = new Map<BenchAlg, BenchContext>();
  const hot = new Map<BenchAlg, string>();
  const pool = new Map<BenchAlg, string[]>();
  const warm = new Map<BenchAlg, string[]>();
  for (const alg of BENCH_ALGS) {
    ctxs.set(alg, { issuer: idp.issuer, audience: AUDIENCE, jwksUri: idp.jwksUri, alg });
    hot.set(alg, (await mintTokens(idp, alg, 1, "hot"))[0]!);
    pool.set(alg, await mintTokens(idp, alg, POOL[alg], "pool"));
    warm.set(alg, await mintTokens(idp, alg, 64, "warm"));
  }
  // Minting used every core; timing uses one.
  const pinned = pinSelf(0);
  process.stderr.write(`micro: tokens minted; ${pinned ? "pinned to core 0" : "not pinned"}\n`);

  // Ordered algorithm, mix, verifier: within a round, every verifier of one algorithm and mix is timed
  // in adjacent slices, so the ratios to the limit are taken at nearly the same moment of the machine.
  const combos: Combo[] = [];
  for (const alg of BENCH_ALGS) {
    for (const mode of ["hot", "distinct"] as const) {
      for (const verifier of MICRO_VERIFIERS) {
        const result: MicroResult = {
          verifier: verifier.id,
          label: verifier.label,
          alg,
          mode,
          rounds: [],
          wallRounds: [],
          median: Number.NaN,
          wallMedian: Number.NaN,
        };
        combos.push({ verifier, alg, mode, result, cursor: 0 });
      }
    }
  }

  // Build, check and warm every combo once; a library that cannot load is skipped, a wrong answer aborts.
  for (const combo of combos) {
    const { verifier, alg, result } = combo;
    if (verifier.unsupported?.includes(alg)) {
      result.skipped = `${alg} not supported`;
      continue;
    }
    let fn: VerifyFn;
    try {
      fn = await verifier.create(ctxs.get(alg)!);
      await call(fn, warm.get(alg)![0]!);
    } catch (err) {
      if (verifier.id.startsWith("resource-guard")) {
        result.skipped = `unavailable: ${(err as Error).message.slice(0, 160)}`;
        if (combo.mode === "hot")
          process.stderr.write(`micro: ${verifier.label} ${alg} skipped: ${result.skipped}\n`);
        continue;
      }
      throw err;
    }
    await assertCorrect(verifier.label, alg, fn, hot.get(alg)!);
    combo.instance = fn;
  }

  const active = combos.filter((c) => c.result.skipped === undefined);
  for (let round = 0; round <= ROUNDS; round++) {
    for (const combo of active) {
      const { alg } = combo;
      const fn = combo.instance!;
      let next: () => string | undefined;
      if (combo.mode === "hot") {
        const token = hot.get(alg)!;
        next = () => token;
      } else {
        const tokens = pool.get(alg)!;
        next = () => {
          if (combo.cursor >= tokens.length) {
            combo.result.exhausted = true;
            return undefined;
          }
          return tokens[combo.cursor++]!;
        };
      }
      const [wall, cpu] = await timeSlice(fn, next);
      if (round > 0) {
        combo.result.rounds.push(cpu);
        combo.result.wallRounds.push(wall);
      }
    }
    process.stderr.write(`micro: round ${round}/${ROUNDS} done\n`);
  }
  for (const { result } of active) {
    result.median = median(result.rounds);
    result.wallMedian = median(result.wallRounds);
  }
  await idp.close();
  const report: MicroReport = {
    pinned,
    rounds: ROUNDS,
    sliceMs: SLICE_MS,
    distinctPool: POOL,
    results: combos.map((c) => c.result),
  };
  writeFileSync(outPath, JSON.stringify(report, null, 2));
}

main().catch((err) => {
  process.stderr.write(`micro bench aborted: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
