/**
 * The adapter-instructions bench (issue 18): the comparison of bench/adapter-cost.ts (bare framework,
 * the floor of a hand-written Map lookup, resource-guard; a cached token, the route as users write it)
 * counted in machine instructions per request instead of CPU time. Time on a shared VM moves by more
 * than a microsecond between runs of the same code, and most of what a cached token costs in a server
 * is waiting on cold memory, which differs from machine to machine; the instructions a request runs
 * depend on little but the Node build and the CPU's instruction set, and Valgrind counts them
 * exactly. So this is the figure that says how much work each side does, where the CPU-time figures
 * cannot resolve it.
 *
 * It runs in two processes. This one (started by bench/main.ts) mints the tokens and serves the keys;
 * it then starts itself under `valgrind --tool=callgrind` (`--inner`), where the three servers are
 * built and driven with light-my-request, as in adapter-cost. Around each block of requests the inner
 * process has callgrind zero its counters and dump them (`callgrind_control`), so a block's count is
 * its own. Node runs with `--predictable` (no background threads: compilation and GC stay on the main
 * thread, where they are counted) after a warm-up that compiles every side's code; each round also
 * counts an empty block, and the median of those (what the counting itself costs) is subtracted. A
 * minor GC runs before every block and the young generation is large enough that none is due inside
 * one: allocation is counted, collecting it is not. What still lands in some blocks (a major GC, a
 * compilation) is kept out by taking each side's lower quartile (`typical`). Needs Valgrind; without
 * it the phase records why it was skipped.
 */
import { execFile, spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { outPathOf } from "./args.js";
import { AUDIENCE, mintTokens, startBenchIdp } from "./fixtures.js";
import type { AppSettings, Framework } from "./http-apps.js";
import { buildSides, call, closeSides, FRAMEWORKS, ORDERS, type Side } from "./in-memory-sides.js";
import { median } from "./stats.js";

export type InstructionMode = "hot" | "rotating";

export interface InstructionResult {
  framework: Framework;
  mode: InstructionMode;
  /**
   * Instructions per request of bare, the floor and resource-guard: each side's lower quartile of
   * its blocks (see `typical`).
   */
  bare: number;
  floor: number;
  ours: number;
  /** Every block's instructions per request, in round order. */
  blocks: { bare: number[]; floor: number[]; ours: number[] };
}

export interface InstructionReport {
  /** Why the phase did not run (no Valgrind), when it did not. */
  skipped?: string;
  /** When the run ended (ISO 8601). */
  date?: string;
  node: string;
  rounds: number;
  requestsPerBlock: number;
  results: InstructionResult[];
}

interface InnerInput {
  settings: AppSettings;
  hot: string;
  rotating: string[];
}

const quick = process.argv.includes("--quick");
const outPath = outPathOf("adapter-instructions");
const innerAt = process.argv.indexOf("--inner");
const ROUNDS = quick ? 4 : 16;
const PER_BLOCK = quick ? 20 : 50;
const WARMUP = quick ? 800 : 2_000;
const frameworks: readonly Framework[] = quick ? ["fastify"] : FRAMEWORKS;

function available(command: string, args: string[]): boolean {
  const probe = spawnSync(command, args, { stdio: "ignore" });
  return probe.error === undefined && probe.status === 0;
}

async function outer(): Promise<void> {
  const report: InstructionReport = {
    date: new Date().toISOString(),
    node: process.version,
    rounds: ROUNDS,
    requestsPerBlock: PER_BLOCK,
    results: [],
  };
  if (!available("valgrind", ["--version"]) || !available("callgrind_control", ["--help"])) {
    report.skipped = "Valgrind (valgrind, callgrind_control) is not installed";
    writeFileSync(outPath, JSON.stringify(report, null, 2));
    process.stderr.write(`adapter-instructions: skipped, ${report.skipped}\n`);
    return;
  }
  const idp = await startBenchIdp();
  const dir = mkdtempSync(join(tmpdir(), "rg-instructions-"));
  try {
    const [hot] = await mintTokens(idp, "RS256", 1, "instr-hot");
    const rotating = await mintTokens(idp, "RS256", 1_000, "instr-rot");
    const input: InnerInput = {
      settings: { issuer: idp.issuer, audience: AUDIENCE, jwksUri: idp.jwksUri },
      hot: hot as string,
      rotating,
    };
    writeFileSync(join(dir, "input.json"), JSON.stringify(input));
    const proc = spawn(
      "valgrind",
      [
        "--quiet",
        "--tool=callgrind",
        `--callgrind-out-file=${join(dir, "out.%p")}`,
        process.execPath,
        "--predictable",
        "--min-semi-space-size=32",
        "--max-semi-space-size=32",
        "--expose-gc",
        "--import",
        "tsx",
        "bench/adapter-instructions.ts",
        "--inner",
        dir,
        "--out",
        outPath,
        ...(quick ? ["--quick"] : []),
      ],
      { stdio: ["ignore", "inherit", "inherit"] },
    );
    const [code] = await once(proc, "exit");
    if (code !== 0) throw new Error(`the run under Valgrind failed (exit ${code})`);
  } finally {
    await idp.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const run = promisify(execFile);

/** Counts what one block of work runs: callgrind zeroes its counters before and dumps them after. */
class Counter {
  private dumps = 0;
  constructor(private readonly dir: string) {}

  async count(work: () => Promise<void>): Promise<number> {
    // Work the engine posted for later (compilation, GC finishing) runs now, not in this block.
    await new Promise((settled) => setTimeout(settled, 10));
    (globalThis as unknown as { gc(options: { type: string }): void }).gc({ type: "minor" });
    await run("callgrind_control", ["--zero", String(process.pid)]);
    await work();
    await run("callgrind_control", ["--dump", String(process.pid)]);
    const file = join(this.dir, `out.${process.pid}.${++this.dumps}`);
    const summary = /^summary: (\d+)$/m.exec(readFileSync(file, "utf8"));
    unlinkSync(file);
    if (!summary) throw new Error(`no instruction count in ${file}`);
    return Number(summary[1]);
  }
}

/**
 * One side's instructions per request: the lower quartile of its blocks. A block's count is the same
 * from round to round to within about 2 %, except when a garbage collection or a compilation job (on
 * the main thread under --predictable) lands in it, which only ever adds, by up to about a million
 * per request; in such a block the figure is not the request's. The lower quartile is a block free
 * of that as long as a quarter of them are, where a median or paired differences of rounds (the
 * block counts have no drift to pair away) would take the additions in.
 */
function typical(blocks: readonly number[]): number {
  const sorted = [...blocks].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 4)] as number;
}

async function requests(side: Side, tokens: readonly string[], start: number, count: number): Promise<void> {
  for (let i = 0; i < count; i++) await call(side, tokens[(start + i) % tokens.length] as string);
}

async function inner(dir: string): Promise<void> {
  const input = JSON.parse(readFileSync(join(dir, "input.json"), "utf8")) as InnerInput;
  const counter = new Counter(dir);
  const results: InstructionResult[] = [];
  for (const framework of frameworks) {
    const sides = await buildSides(framework, input.settings);
    try {
      for (const [mode, tokens] of [
        ["hot", [input.hot]],
        ["rotating", input.rotating],
      ] as const) {
        // Warm-up: every side runs long enough for its code to be compiled (the hot token first, so the
        // rotating tokens find it compiled); the floor caches a token on its first sight and
        // resource-guard on its second, so each sees every rotating token that often.
        const warm = mode === "hot" ? [WARMUP, WARMUP, WARMUP] : [200, tokens.length, 2 * tokens.length];
        for (const [index, side] of sides.entries()) await requests(side, tokens, 0, warm[index] as number);
        const totals: [number[], number[], number[]] = [[], [], []];
        const empties: number[] = [];
        for (let round = 0; round < ROUNDS; round++) {
          empties.push(await counter.count(async () => {}));
          for (const index of ORDERS[round % ORDERS.length] as readonly number[]) {
            const side = sides[index] as Side;
            (totals[index] as number[])[round] = await counter.count(() =>
              requests(side, tokens, round * PER_BLOCK, PER_BLOCK),
            );
          }
        }
        // What counting itself costs (an empty block), taken off every block.
        const counting = median(empties);
        const counts = totals.map((blocks) => blocks.map((total) => (total - counting) / PER_BLOCK));
        const [bare, floor, ours] = counts as [number[], number[], number[]];
        const result: InstructionResult = {
          framework,
          mode,
          bare: typical(bare),
          floor: typical(floor),
          ours: typical(ours),
          blocks: { bare, floor, ours },
        };
        results.push(result);
        process.stderr.write(
          `adapter-instructions: ${framework} ${mode}: bare ${Math.round(result.bare)}, resource-guard ${signed(result.ours - result.bare)}, floor ${signed(result.floor - result.bare)} instructions per request\n`,
        );
      }
    } finally {
      await closeSides(sides);
    }
  }
  const report: InstructionReport = {
    date: new Date().toISOString(),
    node: process.version,
    rounds: ROUNDS,
    requestsPerBlock: PER_BLOCK,
    results,
  };
  writeFileSync(outPath, JSON.stringify(report, null, 2));
}

const signed = (value: number) => `${value >= 0 ? "+" : ""}${Math.round(value)}`;

(innerAt === -1 ? outer() : inner(process.argv[innerAt + 1] as string)).then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`adapter-instructions bench aborted: ${(err as Error).stack ?? err}\n`);
    process.exit(1);
  },
);
