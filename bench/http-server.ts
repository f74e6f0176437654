/**
 * One HTTP server under test, as a child process (bench/http.ts spawns it pinned to its own core).
 * It builds the configuration named on the command line, tells the parent its port over IPC, and
 * answers "stats" messages with its own CPU time and request count, so the parent can compute server
 * CPU microseconds per request without trusting the load generator's view.
 */
import { APP_CONFIGS, type AppSettings } from "./http-apps.js";

export interface ServerStats {
  type: "stats";
  /** process.cpuUsage() total, microseconds. */
  cpuUs: number;
  /** The kernel's share of it (socket writes and reads), microseconds. */
  systemUs: number;
  served: number;
  /** process.hrtime.bigint() (system-wide monotonic clock) when the last response finished, as a string. */
  lastNs: string;
  heapUsed: number;
  rss: number;
}

export type ServerMessage =
  | { type: "ready"; port: number }
  | { type: "failed"; message: string }
  | ServerStats;

const send = (message: ServerMessage) => process.send?.(message);

async function main(): Promise<void> {
  const [id, json] = process.argv.slice(2);
  const config = APP_CONFIGS.find((c) => c.id === id);
  if (!config || !json) throw new Error(`unknown config ${id}`);
  const settings = JSON.parse(json) as AppSettings;
  const server = await config.build(settings);
  let served = 0;
  let lastNs = 0n;
  const finished = () => {
    lastNs = process.hrtime.bigint();
  };
  server.on("request", (_req, res) => {
    served++;
    res.on("finish", finished);
  });
  process.on("message", (message: { type: string }) => {
    if (message.type === "stats") {
      const cpu = process.cpuUsage();
      const mem = process.memoryUsage();
      send({
        type: "stats",
        cpuUs: cpu.user + cpu.system,
        systemUs: cpu.system,
        served,
        lastNs: String(lastNs),
        heapUsed: mem.heapUsed,
        rss: mem.rss,
      });
    } else if (message.type === "exit") {
      server.closeAllConnections?.();
      server.close(() => process.exit(0));
    }
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  send({ type: "ready", port: address.port });
}

main().catch((err) => {
  send({ type: "failed", message: String((err as Error).message ?? err).slice(0, 300) });
  setTimeout(() => process.exit(1), 50);
});
