/**
 * Runs the Express orders API from environment variables, the way it would be deployed:
 *
 *   ISSUER     the authorization server's issuer identifier (required)
 *   AUDIENCE   the `aud` value tokens must carry for this API (required)
 *   JWKS_URI   where the signing keys are; discovered from ISSUER when unset
 *   INTROSPECTION_CLIENT_ID, INTROSPECTION_CLIENT_SECRET
 *              this API's client at the authorization server: set them to accept opaque tokens,
 *              which are then introspected (RFC 7662); INTROSPECTION_ENDPOINT when not discovered
 *   PORT       default 3000; HOST default 127.0.0.1
 *
 * `pnpm --filter example-express start`, or `tsx examples/express/src/server.ts`.
 */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createApp } from "./app.js";

const {
  ISSUER,
  AUDIENCE,
  JWKS_URI,
  INTROSPECTION_CLIENT_ID,
  INTROSPECTION_CLIENT_SECRET = "",
  INTROSPECTION_ENDPOINT,
  PORT = "3000",
  HOST = "127.0.0.1",
} = process.env;
if (!ISSUER || !AUDIENCE) {
  console.error("Set ISSUER and AUDIENCE (and optionally JWKS_URI, PORT, HOST). See docs/demo.md.");
  process.exit(1);
}

const app = createApp({
  issuer: ISSUER,
  audience: AUDIENCE,
  ...(JWKS_URI ? { jwksUri: JWKS_URI } : {}),
  ...(INTROSPECTION_CLIENT_ID
    ? {
        introspection: {
          clientId: INTROSPECTION_CLIENT_ID,
          clientSecret: INTROSPECTION_CLIENT_SECRET,
          ...(INTROSPECTION_ENDPOINT ? { endpoint: INTROSPECTION_ENDPOINT } : {}),
        },
      }
    : {}),
});
// Express 5 hands a failed listen (port in use…) to the callback.
const server: Server = app.listen(Number(PORT), HOST, (error?: Error) => {
  if (error) throw error;
  const { port } = server.address() as AddressInfo;
  console.log(`orders API (Express) on http://${HOST}:${port}, issuer ${ISSUER}, audience ${AUDIENCE}`);
});

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    server.close();
    server.closeAllConnections();
  });
}
