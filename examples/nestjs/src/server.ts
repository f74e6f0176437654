/**
 * Runs the NestJS orders API from environment variables, the way it would be deployed:
 *
 *   ISSUER     the authorization server's issuer identifier (required)
 *   AUDIENCE   the `aud` value tokens must carry for this API (required)
 *   JWKS_URI   where the signing keys are; discovered from ISSUER when unset
 *   PORT       default 3000; HOST default 127.0.0.1
 *
 * `pnpm --filter example-nestjs start`, or `tsx examples/nestjs/src/server.ts`.
 */
import type { AddressInfo } from "node:net";
import { createApp } from "./app.js";

const { ISSUER, AUDIENCE, JWKS_URI, PORT = "3000", HOST = "127.0.0.1" } = process.env;
if (!ISSUER || !AUDIENCE) {
  console.error("Set ISSUER and AUDIENCE (and optionally JWKS_URI, PORT, HOST). See docs/demo.md.");
  process.exit(1);
}

const app = await createApp({
  issuer: ISSUER,
  audience: AUDIENCE,
  ...(JWKS_URI ? { jwksUri: JWKS_URI } : {}),
});
await app.listen(Number(PORT), HOST);
const { port } = app.getHttpServer().address() as AddressInfo;
console.log(`orders API (NestJS) on http://${HOST}:${port}, issuer ${ISSUER}, audience ${AUDIENCE}`);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    void app.close();
  });
}
