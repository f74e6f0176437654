/**
 * Runs the `resource-guard` command as a child process, the way a user runs it. The command is
 * bundled once per test file from its TypeScript sources and core's (esbuild, as tsup would), so no
 * build is needed and each run starts in a fraction of a second; the packaging suite runs the built
 * bin. Output is captured whole; `runCliInTerminal` gives the command a pseudo-terminal via `script`.
 */
import { execFile } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const bundle = fileURLToPath(new URL(`../.tmp/cli-${process.pid}-${Date.now()}.mjs`, import.meta.url));
const { version } = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
  version: string;
};
let built: Promise<unknown> | undefined;

function ensureBuilt(): Promise<unknown> {
  built ??= build({
    entryPoints: [fileURLToPath(new URL("../src/cli.ts", import.meta.url))],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    outfile: bundle,
    alias: { "@resource-guard/core": fileURLToPath(new URL("../../core/src/index.ts", import.meta.url)) },
    define: { RESOURCE_GUARD_CLI_VERSION: JSON.stringify(version) },
    // http-errors is CommonJS: give the bundle a require() for the built-ins it loads.
    banner: {
      js: 'import { createRequire } from "node:module"; const require = createRequire(import.meta.url);',
    },
    logLevel: "silent",
  });
  return built;
}

/** Removes this file's bundle; call from afterAll. */
export function removeBundle(): void {
  rmSync(bundle, { force: true });
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

const baseEnv = () => ({ PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "" });

export async function runCli(
  args: string[],
  options: { stdin?: string; env?: Record<string, string> } = {},
): Promise<CliRun> {
  await ensureBuilt();
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [bundle, ...args],
      { cwd: root, timeout: 60_000, env: { ...baseEnv(), ...options.env } },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    child.stdin?.end(options.stdin ?? "");
  });
}

/** Runs the command in a pseudo-terminal (util-linux `script`); stdout and stderr arrive merged. */
export async function runCliInTerminal(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  await ensureBuilt();
  const quoted = [process.execPath, bundle, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`);
  return new Promise((resolve) => {
    execFile(
      "script",
      ["-qec", quoted.join(" "), "/dev/null"],
      { cwd: root, timeout: 60_000, env: { ...baseEnv(), TERM: "xterm", ...env } },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
