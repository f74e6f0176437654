/**
 * The bench orchestrator behind `pnpm bench` (bench/run.mjs starts it through tsx). It runs the micro
 * bench and the memory bench as child processes, runs the HTTP bench from here, then writes
 * bench/results.md, bench/results.svg and the raw JSON in bench/.raw/.
 *
 * Flags: `--quick` (a smoke run of a minute or two, written to bench/.raw/quick/ only), `--only=micro,http,memory,dpop,introspection,replay-store,observability,adapter-cost` (run some phases;
 * `adapter-instructions`, under Valgrind, runs only when named; the
 * others are read back from bench/.raw/; `--only=report` runs none and only re-renders the outputs;
 * missing phases come from a previous run's raw files), `--configs=koa,koa-rg`
 * (HTTP: only these servers; for investigating one comparison).
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import type { AdapterCostReport } from "./adapter-cost.js";
import { checkAdapterCostTargets, renderAdapterCostSection } from "./adapter-cost-report.js";
import type { InstructionReport } from "./adapter-instructions.js";
import { renderAdapterInstructionsSection } from "./adapter-instructions-report.js";
import { renderChart } from "./chart.js";
import type { DPoPReport } from "./dpop.js";
import { AUDIENCE, mintTokens, startBenchIdp } from "./fixtures.js";
import { type HttpPlan, type HttpRun, runHttpBench } from "./http.js";
import type { IntrospectionReport } from "./introspection.js";
import { startIntrospectionEndpoint } from "./introspection-endpoint.js";
import { canPin, describeMachine, pinSelf } from "./machine.js";
import type { MemoryReport } from "./memory.js";
import type { MicroReport } from "./micro.js";
import type { ObservabilityReport } from "./observability.js";
import { checkObservabilityTargets, renderObservabilitySection } from "./observability-report.js";
import { type ReplayStoreReport, runReplayStoreBench } from "./replay-store.js";
import { checkReplayStoreTargets, renderReplayStoreSection } from "./replay-store-report.js";
import { type RunSummary, renderResults } from "./report.js";
import { checkTargets } from "./targets.js";

const quick = process.argv.includes("--quick");
// A quick run never overwrites the committed results: its raw files and outputs stay in .raw/quick/.
const RAW = quick ? "bench/.raw/quick" : "bench/.raw";
const OUT = quick ? RAW : "bench";
const onlyArg = process.argv.find((a) => a.startsWith("--only="));
const configsArg = process.argv.find((a) => a.startsWith("--configs="));
const phases = new Set(
  onlyArg
    ? onlyArg.slice(7).split(",")
    : ["micro", "observability", "adapter-cost", "memory", "introspection", "http", "dpop", "replay-store"],
);
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

async function http(): Promise<HttpRun> {
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
  const endpoint = await startIntrospectionEndpoint(idp.issuer);
  try {
    log("http: minting tokens");
    const tokens = {
      hot: (await mintTokens(idp, "RS256", 1, "http-hot"))[0]!,
      rotating: await mintTokens(idp, "RS256", 1_000, "http-rot"),
      distinct: await mintTokens(idp, "RS256", plan.rounds * plan.distinctPerRound, "http-distinct"),
      opaqueHot: endpoint.issue(1)[0]!,
      opaqueRotating: endpoint.issue(1_000),
    };
    // Minting used every core; from here this process is the load generator and keeps to core 1.
    if (plan.pinned) pinSelf(1);
    const settings = {
      issuer: idp.issuer,
      audience: AUDIENCE,
      jwksUri: idp.jwksUri,
      introspectionEndpoint: endpoint.url,
    };
    // Calls while rounds are measured would mean the opaque rows measured introspection, not the
    // cache; every fresh server process introspects its tokens during its own warm-up.
    let mark = 0;
    let measured = 0;
    const results = await runHttpBench(settings, tokens, plan, log, (measuring) => {
      if (measuring) mark = endpoint.calls;
      else measured += endpoint.calls - mark;
    });
    return {
      plan,
      results,
      introspectionCalls: { total: endpoint.calls, beforeMeasuring: endpoint.calls - measured },
    };
  } finally {
    await endpoint.close();
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
  if (phases.has("observability")) {
    log("bench: observability");
    await child("observability");
  }
  if (phases.has("adapter-cost")) {
    log("bench: adapter-cost");
    await child("adapter-cost");
  }
  // Not in the default run (about half an hour under Valgrind): `--only=adapter-instructions`.
  if (phases.has("adapter-instructions")) {
    log("bench: adapter-instructions (under Valgrind)");
    await child("adapter-instructions");
  }
  if (phases.has("memory")) {
    log("bench: memory");
    await child("memory", ["--expose-gc"]);
  }
  if (phases.has("introspection")) {
    log("bench: introspection");
    await child("introspection");
  }
  if (phases.has("dpop")) {
    log("bench: dpop");
    await child("dpop", ["--expose-gc"]);
  }
  if (phases.has("http")) {
    log("bench: http");
    writeFileSync(`${RAW}/http.json`, JSON.stringify(await http(), null, 2));
  }

  if (phases.has("replay-store")) {
    log("bench: replay-store");
    const plan = {
      rounds: quick ? 1 : 5,
      requestsPerRound: quick ? 2_000 : 10_000,
      connections: 16,
      pinned: canPin(),
    };
    if (plan.pinned) pinSelf(1);
    writeFileSync(`${RAW}/replay-store.json`, JSON.stringify(await runReplayStoreBench(plan, log), null, 2));
  }

  const micro = readRaw<MicroReport>("micro");
  const replayStore = readRaw<ReplayStoreReport>("replay-store");
  const observability = readRaw<ObservabilityReport>("observability");
  const adapterCost = readRaw<AdapterCostReport>("adapter-cost");
  const adapterInstructions = readRaw<InstructionReport>("adapter-instructions");
  const memory = readRaw<MemoryReport>("memory");
  const httpRun = readRaw<HttpRun>("http");
  const dpop = readRaw<DPoPReport>("dpop");
  const introspection = readRaw<IntrospectionReport>("introspection");
  const previous = readRaw<RunSummary>("summary");
  const elapsed = (performance.now() - started) / 1000;
  // A rerun of some phases keeps the full run's machine, date and time, and says what it reran.
  const partial = onlyArg !== undefined && !phases.has("report") && previous !== undefined;
  const summary: RunSummary = {
    machine: partial ? previous.machine : machine,
    quick,
    // `--only=report` runs nothing and re-renders from bench/.raw/; it keeps the measured run's time.
    seconds: phases.has("report") || partial ? (previous?.seconds ?? 0) : elapsed,
    ...(partial
      ? {
          partial: {
            // Reruns add up: each names every phase rerun since the full run.
            phases: [...new Set([...(previous.partial?.phases ?? []), ...phases])],
            seconds: (previous.partial?.seconds ?? 0) + elapsed,
            date: new Date().toISOString(),
          },
        }
      : phases.has("report") && previous?.partial
        ? { partial: previous.partial }
        : {}),
    ...(micro ? { micro } : {}),
    ...(httpRun ? { http: httpRun } : {}),
    ...(memory ? { memory } : {}),
    ...(dpop ? { dpop } : {}),
    ...(introspection ? { introspection } : {}),
    targets: [
      ...checkTargets(micro?.results ?? [], httpRun?.results ?? [], memory, dpop, introspection),
      ...checkReplayStoreTargets(replayStore),
      ...checkObservabilityTargets(observability),
      ...checkAdapterCostTargets(adapterCost),
    ],
  };
  writeFileSync(`${RAW}/summary.json`, JSON.stringify(summary, null, 2));
  writeFileSync(
    `${OUT}/results.md`,
    `${renderResults(summary)}${[...renderReplayStoreSection(replayStore), ...renderObservabilitySection(observability), ...renderAdapterCostSection(adapterCost), ...renderAdapterInstructionsSection(adapterInstructions)].join("\n")}\n`,
  );
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
