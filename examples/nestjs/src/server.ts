/**
 * Runs the NestJS orders API from environment variables, the way it would be deployed:
 *
 *   ISSUER        the authorization server's issuer identifier (required)
 *   AUDIENCE      the `aud` value tokens must carry for this API (required)
 *   JWKS_URI      where the signing keys are; discovered from ISSUER when unset
 *   PORT          default 3000; HOST default 127.0.0.1
 *   DPOP          `1` accepts DPoP-bound tokens (RFC 9449) besides bearer tokens; `required`: only those
 *   MTLS          `1` accepts certificate-bound tokens (RFC 8705); `required`: only those
 *   TLS_KEY, TLS_CERT, TLS_CA   PEM files: serve HTTPS and ask clients for a certificate
 *   CLIENT_CERT_HEADER          behind a TLS-terminating proxy: the header it puts the client
 *                               certificate in (RFC 9440 `Client-Cert`); it must strip that header
 *                               from what clients send
 *   TRUST_PROXY   Express's `trust proxy` (e.g. `loopback`): whose X-Forwarded-Proto/Host are believed
 *                 when the DPoP `htu` is compared with the request URL
 *   INTROSPECTION_CLIENT_ID, INTROSPECTION_CLIENT_SECRET
 *                 this API's client at the authorization server: set them to accept opaque tokens,
 *                 which are then introspected (RFC 7662); INTROSPECTION_ENDPOINT when not discovered
 *
 * `pnpm --filter example-nestjs start`, or `tsx examples/nestjs/src/server.ts`.
 */
import { once } from "node:events";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tlsFromEnv, verifierOptionsFromEnv } from "../../shared/environment.js";
import { createApp } from "./app.js";

const { PORT = "3000", HOST = "127.0.0.1", TRUST_PROXY } = process.env;
const options = verifierOptionsFromEnv();

const tls = tlsFromEnv();
const app = await createApp(options, tls ? { https: tls } : {});
if (TRUST_PROXY) app.set("trust proxy", TRUST_PROXY);
// Nest's own listen() logs a failed listen as well; the server is listened on here instead, once Nest
// has set the app up, so a taken port is reported once, in one line.
await app.init();
const server: Server = app.getHttpServer();
try {
  server.listen(Number(PORT), HOST);
  await once(server, "listening");
} catch (error) {
  console.error(
    `Cannot listen on ${HOST}:${PORT}: ${error instanceof Error ? error.message : String(error)}`,
  );
  process.exit(1);
}
const { port } = server.address() as AddressInfo;
const scheme = tls ? "https" : "http";
console.log(
  `orders API (NestJS) on ${scheme}://${HOST}:${port}, issuer ${options.issuer}, audience ${options.audience}`,
);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    void app.close();
  });
}
