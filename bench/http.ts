/**
 * The HTTP bench: every configuration of bench/http-apps.ts in its own child process pinned to core 0,
 * autocannon in this process (pinned to core 1 by bench/run.mjs), short interleaved rounds, medians.
 * Every round starts a fresh server process per configuration (with fixed hash and random seeds) and
 * warms it up before measuring: the same code in two processes differs by 1–3 µs per request, so a
 * process kept for every round would carry its own bias into all of them (shared/PERF-NOTES.md).
 *
 * Three token mixes: "hot" (one token on every request), "rotating" (1,000 tokens in turn) and
 * "distinct" (a token the server has never seen on every request, so a verified-token cache cannot
 * help). Hot and rotating rounds last a fixed time; distinct rounds send a fixed number of requests so
 * the pool of pre-minted tokens is never reused. Server CPU time per request comes from the server
 * process itself (steadier than requests/s on a shared machine).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import autocannon from "autocannon";
import { tamper } from "./fixtures.js";
import { APP_CONFIGS, type AppConfig, type AppSettings } from "./http-apps.js";
import type { ServerMessage, ServerStats } from "./http-server.js";
import { median } from "./stats.js";

export type HttpMode = "hot" | "rotating" | "distinct";
export const HTTP_MODES: readonly HttpMode[] = ["hot", "rotating", "distinct"];

export interface HttpRound {
  rps: number;
  p99Ms: number;
  cpuUsPerReq: number;
  /** The kernel part of cpuUsPerReq. */
  systemUsPerReq: number;
  non2xx: number;
  errors: number;
  /** Share of one core the load generator used during the round. */
  loadgenCpu: number;
}

export interface HttpResult {
  config: string;
  label: string;
  framework: string;
  bare: boolean;
  ours: boolean;
  limit: boolean;
  mode: HttpMode;
  rounds: HttpRound[];
  rps: number;
  p99Ms: number;
  cpuUsPerReq: number;
  loadgenCpu: number;
  /** Why there is no figure (adapter missing, failed its correctness check). */
  skipped?: string;
}

export interface HttpPlan {
  rounds: number;
  durationSec: number;
  warmupSec: number;
  distinctPerRound: number;
  connections: number;
  pinned: boolean;
  /** Only these configuration ids (all when absent). */
  only?: readonly string[];
}

export interface HttpTokens {
  hot: string;
  rotating: string[];
  /** At least rounds × distinctPerRound tokens. */
  distinct: string[];
}

interface Running {
  config: AppConfig;
  child: ChildProcess;
  port: number;
  pending: ((stats: ServerStats) => void)[];
}

async function startServer(config: AppConfig, settings: AppSettings, pinned: boolean): Promise<Running> {
  const args = [
    "--hash-seed=1",
    "--random-seed=1",
    "--import",
    "tsx",
    "bench/http-server.ts",
    config.id,
    JSON.stringify(settings),
  ];
  const child = pinned
    ? spawn("taskset", ["-c", "0", process.execPath, ...args], {
        stdio: ["ignore", "inherit", "inherit", "ipc"],
      })
    : spawn(process.execPath, args, { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const running: Running = { config, child, port: 0, pending: [] };
  const ready = new Promise<number>((resolve, reject) => {
    child.on("message", (message: ServerMessage) => {
      if (message.type === "ready") resolve(message.port);
      else if (message.type === "failed") reject(new Error(message.message));
      else if (message.type === "stats") running.pending.shift()?.(message);
    });
    child.once("exit", (code) => reject(new Error(`server exited with ${code}`)));
  });
  running.port = await ready;
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

async function status(port: number, token: string | undefined): Promise<number> {
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  const response = await fetch(`http://127.0.0.1:${port}/orders`, { headers });
  await response.arrayBuffer();
  return response.status;
}

/** The valid token must pass; a protected server must refuse a tampered token and no token with 401. */
async function check(server: Running, token: string): Promise<string | undefined> {
  const valid = await status(server.port, token);
  if (valid !== 200) return `valid token answered ${valid}`;
  if (server.config.bare) return undefined;
  const tampered = await status(server.port, tamper(token));
  if (tampered !== 401) return `tampered token answered ${tampered}`;
  const none = await status(server.port, undefined);
  if (none !== 401) return `no token answered ${none}`;
  return undefined;
}

/** One load run; `nextToken` is called once per request. */
async function load(
  port: number,
  plan: HttpPlan,
  nextToken: (() => string) | string,
  limit: { durationSec: number } | { amount: number },
): Promise<autocannon.Result> {
  const base = {
    url: `http://127.0.0.1:${port}/orders`,
    connections: plan.connections,
    ...("amount" in limit ? { amount: limit.amount } : { duration: limit.durationSec }),
  };
  if (typeof nextToken === "string") {
    return autocannon({ ...base, headers: { authorization: `Bearer ${nextToken}` } });
  }
  return autocannon({
    ...base,
    requests: [
      {
        method: "GET",
        setupRequest: (request: Record<string, unknown>) => {
          request.headers = { authorization: `Bearer ${nextToken()}` };
          return request;
        },
      },
    ],
  });
}

/** Runs the whole HTTP plan and returns one result per configuration and mode. */
export async function runHttpBench(
  settings: AppSettings,
  tokens: HttpTokens,
  plan: HttpPlan,
  log: (line: string) => void,
): Promise<HttpResult[]> {
  const results = new Map<string, HttpResult>();
  const configs: AppConfig[] = [];
  for (const config of APP_CONFIGS) {
    if (plan.only && !plan.only.includes(config.id)) continue;
    const modes = config.modes ?? HTTP_MODES;
    const skip = (reason: string) => {
      for (const mode of modes) {
        results.set(`${config.id}/${mode}`, blank(config, mode, reason));
      }
      log(`http: ${config.label} skipped: ${reason}`);
    };
    let server: Running;
    try {
      server = await startServer(config, settings, plan.pinned);
    } catch (err) {
      skip(`unavailable: ${(err as Error).message.slice(0, 160)}`);
      continue;
    }
    const failure = await check(server, tokens.hot);
    await stopServer(server);
    if (failure) {
      skip(`failed its correctness check: ${failure}`);
      continue;
    }
    configs.push(config);
    for (const mode of modes) results.set(`${config.id}/${mode}`, blank(config, mode));
  }
  log(`http: ${configs.length} servers checked`);

  let rotor = 0;
  const rotating = () => tokens.rotating[rotor++ % tokens.rotating.length]!;
  for (let round = 0; round < plan.rounds; round++) {
    // Each round starts one configuration further along, so none is always measured right after
    // the same neighbour; and each gets a fresh, warmed-up process.
    const order = configs.map((_, i) => configs[(i + round) % configs.length]!);
    for (const config of order) {
      const server = await startServer(config, settings, plan.pinned);
      try {
        await load(server.port, plan, rotating, { durationSec: plan.warmupSec });
        for (const mode of HTTP_MODES) {
          const result = results.get(`${config.id}/${mode}`);
          if (!result) continue;
          result.rounds.push(await measure(server, mode, round, tokens, plan, rotating));
        }
      } finally {
        await stopServer(server);
      }
    }
    log(`http: round ${round + 1}/${plan.rounds} done`);
  }

  for (const result of results.values()) {
    if (result.skipped) continue;
    result.rps = median(result.rounds.map((r) => r.rps));
    result.p99Ms = median(result.rounds.map((r) => r.p99Ms));
    result.cpuUsPerReq = median(result.rounds.map((r) => r.cpuUsPerReq));
    result.loadgenCpu = median(result.rounds.map((r) => r.loadgenCpu));
  }
  return [...results.values()];
}

async function measure(
  server: Running,
  mode: HttpMode,
  round: number,
  tokens: HttpTokens,
  plan: HttpPlan,
  rotating: () => string,
): Promise<HttpRound> {
  const before = await stats(server);
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  let result: autocannon.Result;
  if (mode === "hot") {
    result = await load(server.port, plan, tokens.hot, { durationSec: plan.durationSec });
  } else if (mode === "rotating") {
    result = await load(server.port, plan, rotating, { durationSec: plan.durationSec });
  } else {
    // This server has seen none of tokens [offset, offset + n): each round takes a fresh slice.
    const offset = round * plan.distinctPerRound;
    let i = 0;
    const next = () => tokens.distinct[(offset + i++) % tokens.distinct.length]!;
    result = await load(server.port, plan, next, { amount: plan.distinctPerRound });
  }
  const wallUs = Number(process.hrtime.bigint() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const after = await stats(server);
  const served = after.served - before.served;
  return {
    // autocannon ends an amount-limited run on its next whole-second tick, so requests/s is counted
    // from the start to the server's last finished response (hrtime is one clock for both processes).
    rps: served / (Number(BigInt(after.lastNs) - t0) / 1e9),
    p99Ms: result.latency.p99,
    cpuUsPerReq: served > 0 ? (after.cpuUs - before.cpuUs) / served : Number.NaN,
    systemUsPerReq: served > 0 ? (after.systemUs - before.systemUs) / served : Number.NaN,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    loadgenCpu: (cpu.user + cpu.system) / wallUs,
  };
}

function blank(config: AppConfig, mode: HttpMode, skipped?: string): HttpResult {
  return {
    config: config.id,
    label: config.label,
    framework: config.framework,
    bare: config.bare ?? false,
    ours: config.ours ?? false,
    limit: config.limit ?? false,
    mode,
    rounds: [],
    rps: Number.NaN,
    p99Ms: Number.NaN,
    cpuUsPerReq: Number.NaN,
    loadgenCpu: Number.NaN,
    ...(skipped ? { skipped } : {}),
  };
}
