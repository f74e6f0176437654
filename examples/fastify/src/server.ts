/**
 * Runs the Fastify orders API from environment variables, the way it would be deployed:
 *
 *   ISSUER     the authorization server's issuer identifier (required)
 *   AUDIENCE   the `aud` value tokens must carry for this API (required)
 *   JWKS_URI   where the signing keys are; discovered from ISSUER when unset
 *   INTROSPECTION_CLIENT_ID, INTROSPECTION_CLIENT_SECRET
 *              this API's client at the authorization server: set them to accept opaque tokens,
 *              which are then introspected (RFC 7662); INTROSPECTION_ENDPOINT when not discovered
 *   PORT       default 3000; HOST default 127.0.0.1
 *
 * `pnpm --filter example-fastify start`, or `tsx examples/fastify/src/server.ts`.
 */
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

const app = await createApp({
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
await app.listen({ port: Number(PORT), host: HOST });
const { port } = app.server.address() as AddressInfo;
console.log(`orders API (Fastify) on http://${HOST}:${port}, issuer ${ISSUER}, audience ${AUDIENCE}`);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    void app.close();
  });
}
