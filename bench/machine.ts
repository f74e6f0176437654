/**
 * What machine the figures come from, and CPU pinning. Benchmark numbers mean little without the CPU,
 * core count and Node version next to them, and the HTTP runs are only fair when the server and the
 * load generator do not share a core, so `taskset` is detected once and its absence is reported.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  node: string;
  platform: string;
  date: string;
  taskset: boolean;
}

/** True when `taskset` exists and the machine has at least two cores to pin to. */
export function canPin(): boolean {
  if (availableParallelism() < 2) return false;
  return spawnSync("taskset", ["-c", "0", "true"], { stdio: "ignore" }).status === 0;
}

/** Describes this machine (CPU model from /proc/cpuinfo where it exists). */
export function describeMachine(): MachineInfo {
  let cpuModel = "unknown";
  try {
    const line = readFileSync("/proc/cpuinfo", "utf8")
      .split("\n")
      .find((l) => l.startsWith("model name"));
    if (line) cpuModel = line.split(":")[1]!.trim();
  } catch {
    // not Linux: the model stays unknown
  }
  return {
    cpuModel,
    cores: availableParallelism(),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    date: new Date().toISOString(),
    taskset: canPin(),
  };
}

/**
 * Pins every thread of this process (libuv's thread pool included, which runs WebCrypto) to `core`.
 * Returns false when pinning is not possible here.
 */
export function pinSelf(core: number): boolean {
  if (!canPin()) return false;
  execFileSync("taskset", ["-a", "-pc", String(core), String(process.pid)], { stdio: "ignore" });
  return true;
}
