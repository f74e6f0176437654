/**
 * Runs the Koa orders API from environment variables, the way it would be deployed:
 *
 *   ISSUER        the authorization server's issuer identifier (required)
 *   AUDIENCE      the `aud` value tokens must carry for this API (required)
 *   JWKS_URI      where the signing keys are; discovered from ISSUER when unset
 *   PORT          default 3001 (the quick starts use 3000, `pnpm demo --serve` 4000 and 4001);
 *                 HOST default 127.0.0.1
 *   DPOP          `1` accepts DPoP-bound tokens (RFC 9449) besides bearer tokens; `required`: only those
 *   MTLS          `1` accepts certificate-bound tokens (RFC 8705); `required`: only those
 *   TLS_KEY, TLS_CERT, TLS_CA   PEM files: serve HTTPS and ask clients for a certificate
 *   CLIENT_CERT_HEADER          behind a TLS-terminating proxy: the header it puts the client
 *                               certificate in (RFC 9440 `Client-Cert`); it must strip that header
 *                               from what clients send
 *   TRUST_PROXY   `1` sets Koa's `app.proxy`: X-Forwarded-Proto/Host are believed when the DPoP `htu`
 *                 is compared with the request URL (only behind a proxy that overwrites them)
 *   INTROSPECTION_CLIENT_ID, INTROSPECTION_CLIENT_SECRET
 *                 this API's client at the authorization server: set them to accept opaque tokens,
 *                 which are then introspected (RFC 7662); INTROSPECTION_ENDPOINT when not discovered
 *
 * `pnpm --filter example-koa start`, or `tsx examples/koa/src/server.ts`.
 */
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tlsFromEnv, verifierOptionsFromEnv } from "../../shared/environment.js";
import { createApp } from "./app.js";

const { PORT = "3001", HOST = "127.0.0.1", TRUST_PROXY } = process.env;
const options = verifierOptionsFromEnv();

const app = createApp(options);
app.proxy = TRUST_PROXY === "1";
const tls = tlsFromEnv();
const ready = () => {
  const { port } = server.address() as AddressInfo;
  const scheme = tls ? "https" : "http";
  console.log(
    `orders API (Koa) on ${scheme}://${HOST}:${port}, issuer ${options.issuer}, audience ${options.audience}`,
  );
};
const server = tls
  ? createServer(tls, app.callback()).listen(Number(PORT), HOST, ready)
  : app.listen(Number(PORT), HOST, ready);
server.on("error", (error) => {
  console.error(`Cannot listen on ${HOST}:${PORT}: ${error.message}`);
  process.exit(1);
});

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    server.close();
    server.closeAllConnections();
  });
}
