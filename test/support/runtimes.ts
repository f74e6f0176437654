/**
 * Where the tests find Bun and Deno: the binaries scripts/install-runtimes.mjs put in .runtimes/
 * (the test command runs it before vitest). A runtime that is missing, or that does not start here,
 * comes back with the reason, so a suite can print why it skips instead of skipping in silence.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

export type RuntimeName = "bun" | "deno";

export type Runtime =
  | { name: RuntimeName; available: true; binary: string; version: string }
  | { name: RuntimeName; available: false; reason: string };

const ROOT = new URL("../../.runtimes/node_modules/", import.meta.url);

const BINARIES: Record<RuntimeName, Record<string, string>> = {
  bun: {
    "linux-x64": "@oven/bun-linux-x64/bin/bun",
    "linux-arm64": "@oven/bun-linux-aarch64/bin/bun",
    "darwin-x64": "@oven/bun-darwin-x64/bin/bun",
    "darwin-arm64": "@oven/bun-darwin-aarch64/bin/bun",
  },
  deno: {
    "linux-x64": "@deno/linux-x64-glibc/deno",
    "linux-arm64": "@deno/linux-arm64-glibc/deno",
    "darwin-x64": "@deno/darwin-x64/deno",
    "darwin-arm64": "@deno/darwin-arm64/deno",
  },
};

/**
 * Finds `name` in .runtimes/ and checks that it runs (`--version`, bounded by a timeout).
 * @example const bun = findRuntime("bun"); if (!bun.available) console.warn(bun.reason);
 */
export function findRuntime(name: RuntimeName): Runtime {
  const platform = `${process.platform}-${process.arch}`;
  const relative = BINARIES[name][platform];
  if (relative === undefined) return { name, available: false, reason: `no ${name} package for ${platform}` };
  const binary = fileURLToPath(new URL(relative, ROOT));
  if (!existsSync(binary))
    return {
      name,
      available: false,
      reason: `${name} is not installed in .runtimes/ (node scripts/install-runtimes.mjs installs it)`,
    };
  const run = spawnSync(binary, ["--version"], { encoding: "utf8", timeout: 20_000 });
  if (run.status !== 0)
    return {
      name,
      available: false,
      reason: `${binary} --version failed: ${run.error?.message ?? (run.stderr.trim() || `exit ${run.status}`)}`,
    };
  // "1.4.5" from Bun, "deno 2.9.6 (stable, …)" from Deno.
  const version = /\d+\.\d+\.\d+/.exec(run.stdout)?.[0] ?? run.stdout.trim();
  return { name, available: true, binary, version };
}
