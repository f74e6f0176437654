/**
 * Runs the Hono orders API on Node (@hono/node-server) from environment variables, the way it would
 * be deployed:
 *
 *   ISSUER     the authorization server's issuer identifier (required)
 *   AUDIENCE   the `aud` value tokens must carry for this API (required)
 *   JWKS_URI   where the signing keys are; discovered from ISSUER when unset
 *   PORT       default 3000; HOST default 127.0.0.1
 *
 * `pnpm --filter example-hono start`, or `tsx examples/hono/src/server.ts`.
 */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { createApp } from "./app.js";

const { ISSUER, AUDIENCE, JWKS_URI, PORT = "3000", HOST = "127.0.0.1" } = process.env;
if (!ISSUER || !AUDIENCE) {
  console.error("Set ISSUER and AUDIENCE (and optionally JWKS_URI, PORT, HOST). See docs/demo.md.");
  process.exit(1);
}

const app = createApp({ issuer: ISSUER, audience: AUDIENCE, ...(JWKS_URI ? { jwksUri: JWKS_URI } : {}) });
const server = serve({ fetch: app.fetch, port: Number(PORT), hostname: HOST }, (info: AddressInfo) => {
  console.log(`orders API (Hono) on http://${HOST}:${info.port}, issuer ${ISSUER}, audience ${AUDIENCE}`);
}) as Server;

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    server.close();
    server.closeAllConnections();
  });
}
