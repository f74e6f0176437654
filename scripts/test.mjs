// The one test command (`pnpm test`): build, lint, type-check, run every vitest suite, and end with the
// `N passed, N failed` line that CI reads. Exits non-zero when any step fails.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";

const report = ".vitest.json";
const steps = [
  ["build", "pnpm", ["run", "build"]],
  ["lint", "pnpm", ["exec", "biome", "check", "."]],
  ["typecheck", "pnpm", ["exec", "tsc", "-p", "tsconfig.json"]],
  // Bun and Deno for the Hono adapter's conformance runs; never fails (a missing one is a printed skip).
  ["runtimes", process.execPath, ["scripts/install-runtimes.mjs"]],
  [
    "vitest",
    "pnpm",
    [
      "exec",
      "vitest",
      "run",
      "--reporter=default",
      "--reporter=json",
      `--outputFile.json=${report}`,
      ...process.argv.slice(2),
    ],
  ],
];

rmSync(report, { force: true });
let failed = false;
for (const [name, cmd, args] of steps) {
  console.log(`\n=== ${name}: ${cmd} ${args.join(" ")}`);
  const run = spawnSync(cmd, args, { stdio: "inherit", env: { ...process.env, FORCE_COLOR: "0" } });
  if (run.status !== 0) {
    console.error(`\n=== ${name} failed (exit ${run.status ?? run.signal})`);
    failed = true;
  }
}

let passed = 0;
let failedTests = 0;
if (existsSync(report)) {
  const json = JSON.parse(readFileSync(report, "utf8"));
  passed = json.numPassedTests;
  failedTests = json.numFailedTests;
  if (!json.success) failed = true;
} else {
  failed = true;
}
if (failed && failedTests === 0) failedTests = 1;
console.log(`${passed} passed, ${failedTests} failed`);
process.exit(failed ? 1 : 0);
