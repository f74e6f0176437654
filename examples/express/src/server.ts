/**
 * Runs the Express orders API from environment variables, the way it would be deployed:
 *
 *   ISSUER     the authorization server's issuer identifier (required)
 *   AUDIENCE   the `aud` value tokens must carry for this API (required)
 *   JWKS_URI   where the signing keys are; discovered from ISSUER when unset
 *   PORT       default 3001 (the quick starts use 3000, `pnpm demo --serve` 4000 and 4001);
 *              HOST default 127.0.0.1
 *
 * `pnpm --filter example-express start`, or `tsx examples/express/src/server.ts`.
 */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createApp } from "./app.js";

const { ISSUER, AUDIENCE, JWKS_URI, PORT = "3001", HOST = "127.0.0.1" } = process.env;
if (!ISSUER || !AUDIENCE) {
  console.error("Set ISSUER and AUDIENCE (and optionally JWKS_URI, PORT, HOST). See docs/demo.md.");
  process.exit(1);
}

const app = createApp({ issuer: ISSUER, audience: AUDIENCE, ...(JWKS_URI ? { jwksUri: JWKS_URI } : {}) });
// Express 5 hands a failed listen (port in use…) to the callback.
const server: Server = app.listen(Number(PORT), HOST, (error?: Error) => {
  if (error) {
    console.error(`Cannot listen on ${HOST}:${PORT}: ${error.message}`);
    process.exit(1);
  }
  const { port } = server.address() as AddressInfo;
  console.log(`orders API (Express) on http://${HOST}:${port}, issuer ${ISSUER}, audience ${AUDIENCE}`);
});

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    server.close();
    server.closeAllConnections();
  });
}
