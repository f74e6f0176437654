/**
 * The bench orchestrator behind `pnpm bench` (bench/run.mjs starts it through tsx). It runs the micro
 * bench and the memory bench as child processes, runs the HTTP bench from here, then writes
 * bench/results.md, bench/results.svg and the raw JSON in bench/.raw/.
 *
 * Flags: `--quick` (a smoke run of a minute or two, written to bench/.raw/quick/ only), `--only=micro,http,memory,dpop` (run some phases; the
 * others are read back from bench/.raw/; `--only=report` runs none and only re-renders the outputs;
 * missing phases come from a previous run's raw files), `--configs=koa,koa-rg`
 * (HTTP: only these servers; for investigating one comparison).
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { renderChart } from "./chart.js";
import type { DPoPReport } from "./dpop.js";
import { AUDIENCE, mintTokens, startBenchIdp } from "./fixtures.js";
import { type HttpPlan, type HttpResult, runHttpBench } from "./http.js";
import { canPin, describeMachine, pinSelf } from "./machine.js";
import type { MemoryReport } from "./memory.js";
import type { MicroReport } from "./micro.js";
import { type RunSummary, renderResults } from "./report.js";
import { checkTargets } from "./targets.js";

const quick = process.argv.includes("--quick");
// A quick run never overwrites the committed results: its raw files and outputs stay in .raw/quick/.
const RAW = quick ? "bench/.raw/quick" : "bench/.raw";
const OUT = quick ? RAW : "bench";
const onlyArg = process.argv.find((a) => a.startsWith("--only="));
const configsArg = process.argv.find((a) => a.startsWith("--configs="));
const phases = new Set(onlyArg ? onlyArg.slice(7).split(",") : ["micro", "memory", "http", "dpop"]);
const log = (line: string) => process.stderr.write(`${line}\n`);

async function child(script: string, nodeFlags: string[] = []): Promise<void> {
  const out = `${RAW}/${script}.json`;
  const args = [
    ...nodeFlags,
    "--import",
    "tsx",
    `bench/${script}.ts`,
    "--out",
    out,
    ...(quick ? ["--quick"] : []),
  ];
  const proc = spawn(process.execPath, args, { stdio: ["ignore", "inherit", "inherit"] });
  const [code] = await once(proc, "exit");
  if (code !== 0) throw new Error(`bench/${script}.ts failed (exit ${code})`);
}

function readRaw<T>(name: string): T | undefined {
  const path = `${RAW}/${name}.json`;
  return existsSync(path) ? (JSON.parse(readFileSync(path, "utf8")) as T) : undefined;
}

async function http(): Promise<{ plan: HttpPlan; results: HttpResult[] }> {
  const plan: HttpPlan = {
    rounds: quick ? 1 : 5,
    durationSec: quick ? 1 : 2,
    warmupSec: quick ? 1 : 2,
    distinctPerRound: quick ? 2_000 : 6_000,
    connections: 16,
    pinned: canPin(),
    ...(configsArg ? { only: configsArg.slice(10).split(",") } : {}),
  };
  const idp = await startBenchIdp();
  try {
    log("http: minting tokens");
    const tokens = {
      hot: (await mintTokens(idp, "RS256", 1, "http-hot"))[0]!,
      rotating: await mintTokens(idp, "RS256", 1_000, "http-rot"),
      distinct: await mintTokens(idp, "RS256", plan.rounds * plan.distinctPerRound, "http-distinct"),
    };
    // Minting used every core; from here this process is the load generator and keeps to core 1.
    if (plan.pinned) pinSelf(1);
    const settings = { issuer: idp.issuer, audience: AUDIENCE, jwksUri: idp.jwksUri };
    const results = await runHttpBench(settings, tokens, plan, log);
    return { plan, results };
  } finally {
    await idp.close();
  }
}

async function main(): Promise<void> {
  const started = performance.now();
  mkdirSync(RAW, { recursive: true });
  const machine =
    (phases.has("report") ? readRaw<RunSummary>("summary")?.machine : undefined) ?? describeMachine();
  if (!machine.taskset)
    log("bench: taskset unavailable (or one core): nothing will be pinned; results.md says so");

  if (phases.has("micro")) {
    log("bench: micro");
    await child("micro");
  }
  if (phases.has("memory")) {
    log("bench: memory");
    await child("memory", ["--expose-gc"]);
  }
  if (phases.has("dpop")) {
    log("bench: dpop");
    await child("dpop", ["--expose-gc"]);
  }
  if (phases.has("http")) {
    log("bench: http");
    writeFileSync(`${RAW}/http.json`, JSON.stringify(await http(), null, 2));
  }

  const micro = readRaw<MicroReport>("micro");
  const memory = readRaw<MemoryReport>("memory");
  const httpRun = readRaw<{ plan: HttpPlan; results: HttpResult[] }>("http");
  const dpop = readRaw<DPoPReport>("dpop");
  const summary: RunSummary = {
    machine,
    quick,
    // `--only=report` runs nothing and re-renders from bench/.raw/; it keeps the measured run's time.
    seconds: phases.has("report")
      ? (readRaw<RunSummary>("summary")?.seconds ?? 0)
      : (performance.now() - started) / 1000,
    ...(micro ? { micro } : {}),
    ...(httpRun ? { http: httpRun } : {}),
    ...(memory ? { memory } : {}),
    ...(dpop ? { dpop } : {}),
    targets: checkTargets(micro?.results ?? [], httpRun?.results ?? [], memory, dpop),
  };
  writeFileSync(`${RAW}/summary.json`, JSON.stringify(summary, null, 2));
  writeFileSync(`${OUT}/results.md`, renderResults(summary));
  const caption = `${machine.cpuModel}, Node ${machine.node}, ${machine.date.slice(0, 10)}${quick ? " (quick run)" : ""}. Source: bench/results.md`;
  writeFileSync(`${OUT}/results.svg`, renderChart(micro?.results ?? [], httpRun?.results ?? [], caption));
  log(`bench: wrote ${OUT}/results.md and ${OUT}/results.svg in ${Math.round(summary.seconds)} s`);
  for (const t of summary.targets)
    log(`  ${t.met === undefined ? "?  " : t.met ? "ok " : "NO "} ${t.target}: ${t.measured}`);
}

main().then(
  () => process.exit(0),
  (err) => {
    log(`bench failed: ${(err as Error).stack ?? err}`);
    process.exit(1);
  },
);
