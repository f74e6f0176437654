// `pnpm test:matrix`: every vitest suite on Node 22 and on Node 24 (installed from the npm registry
// into .tmp/, see install-node.mjs), after a build. `pnpm test` runs only a fast subset on them.
// Ends with the combined `N passed, N failed` line; exits non-zero when a run fails or a Node
// cannot be installed.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { installNode } from "./install-node.mjs";

const MAJORS = ["22", "24"];
const env = { ...process.env };
if (env.FORCE_COLOR !== undefined && ["0", "false", ""].includes(env.FORCE_COLOR)) {
  delete env.FORCE_COLOR;
  env.NO_COLOR = "1";
}

mkdirSync(".tmp", { recursive: true });
let failed = spawnSync("pnpm", ["run", "build"], { stdio: "inherit", env }).status !== 0;
let passed = 0;
let failedTests = 0;
for (const major of MAJORS) {
  let node;
  try {
    node = installNode(major);
  } catch (error) {
    console.error(`\n=== node ${major}: not installed: ${error.message}`);
    failed = true;
    continue;
  }
  const report = `.vitest-matrix-node${major}.json`;
  rmSync(report, { force: true });
  console.log(`\n=== node ${major} (${node.version}): every suite`);
  const run = spawnSync(
    node.binary,
    [
      "node_modules/vitest/vitest.mjs",
      "run",
      "--reporter=default",
      "--reporter=json",
      `--outputFile.json=${report}`,
      ...process.argv.slice(2),
    ],
    { stdio: "inherit", env: { ...env, PATH: `${node.binary.replace(/\/node$/, "")}:${env.PATH ?? ""}` } },
  );
  if (!existsSync(report)) {
    console.error(`=== node ${major}: vitest wrote no report (exit ${run.status ?? run.signal})`);
    failed = true;
    continue;
  }
  const json = JSON.parse(readFileSync(report, "utf8"));
  passed += json.numPassedTests;
  failedTests += json.numFailedTests;
  if (!json.success || run.status !== 0) failed = true;
  console.log(`=== node ${major}: ${json.numPassedTests} tests passed, ${json.numFailedTests} failed`);
}
if (failed && failedTests === 0) failedTests = 1;
console.log(`${passed} passed, ${failedTests} failed`);
process.exit(failed ? 1 : 0);
