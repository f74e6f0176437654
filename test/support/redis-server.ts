/**
 * A real redis-server (Debian's package) for tests: started as a child process on a free loopback
 * port, without persistence (`--save '' --appendonly no`, its files in a fresh temporary folder), and
 * stopped, killed, paused and resumed by its own PID so tests can make every fault a fleet meets:
 * Redis gone (SIGKILL, then a restart on the same port with an empty keyspace) and Redis hung (SIGSTOP,
 * then SIGCONT).
 *
 * A machine without redis-server fails these tests with the reason and the fix; it never skips them.
 * `.ci/run` installs the package when it is missing.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface RedisServer {
  readonly port: number;
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  /** PID of the running redis-server, undefined while killed or stopped. */
  readonly pid: number | undefined;
  /** SIGKILL: the connection drops at once and the keyspace is lost. */
  kill(): Promise<void>;
  /** Starts a new redis-server on the same port (after kill()); its keyspace is empty. */
  restart(): Promise<void>;
  /** SIGSTOP: connections stay open and nothing is answered. */
  pause(): void;
  /** SIGCONT after pause(): everything sent meanwhile is answered. */
  resume(): void;
  /** Ends the server for good and removes its folder. */
  stop(): Promise<void>;
}

/** The redis-server binary, or an Error that says how to install it. */
export function findRedisServer(): string {
  const found = spawnSync("sh", ["-c", "command -v redis-server"], { encoding: "utf8" });
  const path = found.stdout.trim();
  if (found.status !== 0 || path.length === 0) {
    throw new Error(
      "redis-server is not installed, and the Redis tests need a real one: run `apt-get install -y redis-server` (Debian's package; .ci/run installs it when missing)",
    );
  }
  return path;
}

async function freePort(): Promise<number> {
  const probe = createServer();
  probe.listen(0, "127.0.0.1");
  await once(probe, "listening");
  const address = probe.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  probe.close();
  await once(probe, "close");
  return port;
}

const live = new Set<ChildProcess>();
// A test run that dies between start and stop must not leave servers behind.
process.once("exit", () => {
  for (const child of live) if (child.pid !== undefined && child.exitCode === null) child.kill("SIGKILL");
});

async function launch(binary: string, port: number, dir: string): Promise<ChildProcess> {
  const child = spawn(
    binary,
    [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      "--appendonly",
      "no",
      "--dir",
      dir,
      "--logfile",
      "",
      "--daemonize",
      "no",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  live.add(child);
  child.once("exit", () => live.delete(child));
  let output = "";
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString("utf8");
      if (output.includes("Ready to accept connections")) {
        child.stdout?.off("data", onData);
        child.stdout?.resume();
        resolve();
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8");
    });
    child.once("exit", (code, signal) =>
      reject(
        new Error(`redis-server on port ${port} exited (${code ?? signal}) before it was ready:\n${output}`),
      ),
    );
    child.once("error", reject);
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  try {
    await ready;
  } finally {
    clearTimeout(timer);
  }
  return child;
}

async function end(child: ChildProcess | undefined, signal: NodeJS.Signals): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, "exit");
  process.kill(child.pid as number, signal);
  await exited;
}

/**
 * Starts redis-server on a free port of 127.0.0.1 and resolves once it accepts connections.
 *
 * @example
 * const redis = await startRedisServer();
 * const client = createClient({ url: redis.url });
 * await redis.stop();
 */
export async function startRedisServer(): Promise<RedisServer> {
  const binary = findRedisServer();
  const dir = mkdtempSync(join(tmpdir(), "rg-redis-"));
  let child: ChildProcess | undefined;
  let port = 0;
  // The port is free when probed; another process may take it before redis-server binds it.
  for (let attempt = 1; child === undefined; attempt++) {
    port = await freePort();
    try {
      child = await launch(binary, port, dir);
    } catch (error) {
      if (attempt === 3) throw error;
    }
  }
  let paused = false;
  const running = () => (child?.exitCode === null && child.signalCode === null ? child.pid : undefined);

  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    get pid() {
      return running();
    },
    async kill() {
      paused = false;
      await end(child, "SIGKILL");
    },
    async restart() {
      if (running() !== undefined) throw new Error("restart() needs a killed or stopped server");
      child = await launch(binary, port, dir);
    },
    pause() {
      if (child?.pid === undefined) throw new Error("no running redis-server to pause");
      process.kill(child.pid, "SIGSTOP");
      paused = true;
    },
    resume() {
      if (child?.pid === undefined) throw new Error("no running redis-server to resume");
      process.kill(child.pid, "SIGCONT");
      paused = false;
    },
    async stop() {
      // A stopped process only acts on SIGTERM once continued; SIGKILL ends it either way.
      await end(child, paused ? "SIGKILL" : "SIGTERM");
      paused = false;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
