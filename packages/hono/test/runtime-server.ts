/**
 * The conformance app on Bun or Deno, as a child process of the Hono conformance test: it serves
 * the built package (../dist, what users install) with the runtime's own server (`Bun.serve`,
 * `Deno.serve`) on 127.0.0.1, port 0, and prints `listening on <origin>` once it accepts requests.
 * The verifier options come as JSON in the RG_OPTIONS environment variable; the one object JSON
 * cannot carry, the "dpop-store-down" app's failing replay store, comes as a marker and is rebuilt
 * here by the function the Node harnesses use (test/conformance/failing-store.ts).
 */
import { createVerifier } from "@resource-guard/core";
import { reviveFailingReplayStore } from "../../../test/conformance/failing-store.js";
import { createConformanceApp, type HonoAdapter } from "./conformance-app.js";

type Fetch = (request: Request) => Response | Promise<Response>;
interface BunLike {
  serve(options: { port: number; hostname: string; fetch: Fetch }): { port: number };
}
interface DenoLike {
  env: { get(name: string): string | undefined };
  serve(
    options: { port: number; hostname: string; onListen(address: { port: number }): void },
    handler: Fetch,
  ): unknown;
}

const runtime = globalThis as { Bun?: BunLike; Deno?: DenoLike; process?: { env: Record<string, string> } };
const json = runtime.Deno?.env.get("RG_OPTIONS") ?? runtime.process?.env.RG_OPTIONS;
if (json === undefined) throw new Error("RG_OPTIONS is not set");
// A computed specifier: the type checker need not find dist/, which only the build creates.
const adapter = (await import(new URL("../dist/index.js", import.meta.url).href)) as HonoAdapter;
// Core as the adapter's dist imports it, from node_modules.
const app = createConformanceApp(adapter, createVerifier, JSON.parse(json, reviveFailingReplayStore));

if (runtime.Bun !== undefined) {
  const server = runtime.Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: app.fetch });
  console.log(`listening on http://127.0.0.1:${server.port}`);
} else if (runtime.Deno !== undefined) {
  runtime.Deno.serve(
    {
      port: 0,
      hostname: "127.0.0.1",
      onListen: ({ port }) => console.log(`listening on http://127.0.0.1:${port}`),
    },
    app.fetch,
  );
} else {
  throw new Error("runtime-server.ts runs on Bun or Deno");
}
