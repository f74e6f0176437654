// The one test command (`pnpm test`): build, lint, type-check, run every vitest suite on this Node,
// then a fast subset (core unit tests, core's conformance suite and those of Express and Fastify, ESM/CJS
// loading of the built packages) on Node 22 and 24, and end with the `N passed, N failed` line that CI reads, counting every run.
// Exits non-zero when any step fails. A Node major that cannot be installed is skipped with the
// reason printed; `pnpm test:matrix` runs every suite on 22 and 24 instead.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { dirname } from "node:path";
import { createInterface } from "node:readline";

const OTHER_NODES = ["22", "24"];
// What differs between Node majors is core's ground (node:crypto, fetch, diagnostics_channel, module
// loading); the adapters are plain JavaScript over it. So the other Nodes run core's own suites, the
// table through the two adapters with the most Node-specific surface (Express on node:http, Fastify's
// own HTTP layer, both with TLS client certificates), and the loading of every built package.
const SUBSET = [
  "packages/core/test/unit",
  "test/conformance/core.test.ts",
  "packages/express/test/conformance.test.ts",
  "packages/fastify/test/conformance.test.ts",
  "test/packaging/imports.test.ts",
];

// FORCE_COLOR=0 still forces colour in tools that only test whether it is set: leave it unset and
// say NO_COLOR instead. A FORCE_COLOR of 1/2/3 is the caller's wish and passes through.
const env = { ...process.env };
if (env.FORCE_COLOR !== undefined && ["0", "false", ""].includes(env.FORCE_COLOR)) {
  delete env.FORCE_COLOR;
  env.NO_COLOR = "1";
}

// vitest prints this notice whenever type tests are on; the version is pinned, as it asks.
const VITEST_NOTICE = [
  "Testing types with tsc and vue-tsc is an experimental feature.",
  "Breaking changes might not follow SemVer, please pin Vitest's version when using it.",
];

/** Runs a command with stdout shown and stderr shown except vitest's notice; resolves the exit code. */
function run(cmd, args, extraEnv = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ["inherit", "inherit", "pipe"], env: { ...env, ...extraEnv } });
    const lines = createInterface({ input: child.stderr });
    lines.on("line", (line) => {
      // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping ANSI colour codes
      const plain = line.replace(/\u001b\[[0-9;]*m/g, "");
      if (!VITEST_NOTICE.includes(plain)) process.stderr.write(`${line}\n`);
    });
    child.on("close", (code, signal) => resolve(code ?? signal));
  });
}

function readReport(file) {
  if (!existsSync(file)) return undefined;
  const json = JSON.parse(readFileSync(file, "utf8"));
  return { passed: json.numPassedTests, failed: json.numFailedTests, success: json.success };
}

mkdirSync(".tmp", { recursive: true });
for (const file of [".vitest.json", ...OTHER_NODES.map((major) => `.vitest-node${major}.json`)]) {
  rmSync(file, { force: true });
}

// The other Nodes download (from the npm registry, once) while this Node builds and tests.
const installing = new Promise((resolve) => {
  const child = spawn(process.execPath, ["scripts/install-node.mjs", ...OTHER_NODES], {
    stdio: ["ignore", "pipe", "pipe"],
    env,
  });
  let output = "";
  child.stdout.on("data", (chunk) => {
    output += chunk;
  });
  child.stderr.on("data", (chunk) => {
    output += chunk;
  });
  child.on("close", () => resolve(output));
});

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
      "--outputFile.json=.vitest.json",
      ...process.argv.slice(2),
    ],
  ],
];

let failed = false;
let passedTests = 0;
let failedTests = 0;
for (const [name, cmd, args] of steps) {
  console.log(`\n=== ${name}: ${cmd} ${args.join(" ")}`);
  const code = await run(cmd, args);
  if (code !== 0) {
    console.error(`\n=== ${name} failed (exit ${code})`);
    failed = true;
  }
}
const main = readReport(".vitest.json");
if (main) {
  passedTests += main.passed;
  failedTests += main.failed;
  if (!main.success) failed = true;
} else {
  failed = true;
}

/** Runs the subset on another Node, its output kept until it ends (both Nodes run side by side). */
function runSubset(major, version, binary) {
  const report = `.vitest-node${major}.json`;
  return new Promise((resolve) => {
    const child = spawn(
      binary,
      [
        "node_modules/vitest/vitest.mjs",
        "run",
        "--typecheck.enabled=false",
        "--reporter=default",
        "--reporter=json",
        `--outputFile.json=${report}`,
        ...SUBSET,
      ],
      // Child processes the tests start (`node` by name) run on the same Node.
      { stdio: ["ignore", "pipe", "pipe"], env: { ...env, PATH: `${dirname(binary)}:${env.PATH ?? ""}` } },
    );
    let output = "";
    const keep = (chunk) => {
      output += chunk;
    };
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    child.on("close", (code, signal) => {
      const shown = output
        .split("\n")
        .filter((line) => !line.includes("JSON report written to"))
        .join("\n");
      resolve({ major, version, code: code ?? signal, output: shown, result: readReport(report) });
    });
  });
}

const installed = await installing;
const runs = [];
for (const major of OTHER_NODES) {
  const line = installed.split("\n").find((l) => l.startsWith(`node ${major}: `)) ?? "";
  const found = /^node \d+: (v\S+) at (.+)$/.exec(line);
  if (found) {
    runs.push(runSubset(major, found[1], found[2]));
  } else {
    const why = line.replace(`node ${major}: `, "") || installed.trim() || "the installer printed nothing";
    console.log(`\n=== node ${major}: skipped, ${why}`);
  }
}
for (const { major, version, code, output, result } of await Promise.all(runs)) {
  console.log(
    `\n=== node ${major} (${version}): core unit tests, core/Express/Fastify conformance, ESM/CJS loading`,
  );
  process.stdout.write(output);
  if (!result?.success || code !== 0) failed = true;
  if (result) {
    passedTests += result.passed;
    failedTests += result.failed;
    console.log(`=== node ${major}: ${result.passed} tests passed, ${result.failed} failed`);
  } else {
    console.error(`=== node ${major}: vitest wrote no report (exit ${code})`);
  }
}

if (failed && failedTests === 0) failedTests = 1;
console.log(`${passedTests} passed, ${failedTests} failed`);
process.exit(failed ? 1 : 0);
