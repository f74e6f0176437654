/**
 * One server of the replay-store bench, as a child process (bench/replay-store.ts spawns it pinned to core 0): plain
 * node:http and core's verifier with DPoP on, its replay store either core's in-memory default
 * ("memory") or redisStore over node-redis on the bench's redis-server ("redis"). No framework, so the
 * store's cost is as visible as it can be. It speaks the same IPC as bench/http-server.ts: "ready"
 * with its port, then "stats" answers with its own CPU time and request count.
 */
import { createServer } from "node:http";
import { createVerifier, type VerifierOptions } from "@resource-guard/core";
import { redisStore } from "@resource-guard/redis";
import { createClient } from "redis";
import type { ServerMessage } from "./http-server.js";

export interface ReplayStoreServerSettings {
  issuer: string;
  audience: string;
  jwksUri: string;
  redisUrl: string;
}

const send = (message: ServerMessage) => process.send?.(message);

async function replayStoreFor(kind: string, settings: ReplayStoreServerSettings): Promise<object> {
  if (kind === "memory") return {};
  const client = createClient({ url: settings.redisUrl });
  await client.connect();
  return { replayStore: redisStore(client, { prefix: "bench:" }) };
}

async function main(): Promise<void> {
  const [kind, json] = process.argv.slice(2);
  if ((kind !== "memory" && kind !== "redis") || !json) throw new Error(`unknown store ${kind}`);
  const settings = JSON.parse(json) as ReplayStoreServerSettings;
  const verifier = createVerifier({
    issuer: settings.issuer,
    audience: settings.audience,
    jwksUri: settings.jwksUri,
    dpop: await replayStoreFor(kind, settings),
  } as VerifierOptions);

  let served = 0;
  let lastNs = 0n;
  const server = createServer((req, res) => {
    served++;
    res.on("finish", () => {
      lastNs = process.hrtime.bigint();
    });
    verifier
      .authenticate({
        headers: req.headers,
        method: req.method,
        url: req.url,
        absoluteUrl: `http://${req.headers.host}${req.url}`,
      })
      .then(
        () => {
          res.writeHead(200, { "content-type": "application/json" });
          res.end('{"ok":true}');
        },
        (error: { status?: number; headers?: Record<string, string> }) => {
          res.writeHead(typeof error.status === "number" ? error.status : 500, error.headers ?? {});
          res.end();
        },
      );
  });
  server.listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));

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
      server.closeAllConnections();
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
