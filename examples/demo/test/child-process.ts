/**
 * Runs the demo and the example servers as a newcomer would, as separate Node processes through tsx,
 * and collects what they print. Every child is started here and ended here, by its own pid.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The repository root: tsx reads its tsconfig paths from there. */
export const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface Running {
  child: ChildProcess;
  /** Everything printed so far. */
  output(): { stdout: string; stderr: string };
  /** Resolves when stdout has matched `pattern`; rejects if the process ends first. */
  waitFor(pattern: RegExp): Promise<RegExpMatchArray>;
  /** Resolves when the process has exited. */
  finished: Promise<Finished>;
}

/** Starts `node --import tsx <script> ...args` in the repository root, without colour. */
export function startScript(
  script: string,
  args: readonly string[] = [],
  env: NodeJS.ProcessEnv = {},
): Running {
  const child = spawn(process.execPath, ["--import", "tsx", script, ...args], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  const listeners = new Set<() => void>();
  child.stdout?.on("data", (chunk: Buffer) => {
    stdout += chunk.toString("utf8");
    for (const listener of listeners) listener();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
  });
  let exited = false;
  const finished = new Promise<Finished>((resolve) => {
    child.once("close", (code, signal) => {
      exited = true;
      for (const listener of listeners) listener();
      resolve({ code, signal, stdout, stderr });
    });
  });

  return {
    child,
    output: () => ({ stdout, stderr }),
    finished,
    waitFor(pattern) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(stdout);
          if (match) {
            listeners.delete(check);
            resolve(match);
          } else if (exited) {
            listeners.delete(check);
            reject(new Error(`process ended before printing ${pattern}:\n${stdout}\n${stderr}`));
          }
        };
        listeners.add(check);
        check();
      });
    },
  };
}

/** Runs a script to its end. */
export function runScript(script: string, args: readonly string[] = [], env: NodeJS.ProcessEnv = {}) {
  return startScript(script, args, env).finished;
}
