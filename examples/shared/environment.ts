/**
 * The environment every example server reads, in one place: each `examples/<framework>/src/server.ts`
 * documents the variables in its header and turns them into verifier and TLS options here, so the
 * five servers cannot drift apart. Copying one example? Copy this file beside it.
 */
import { readFileSync } from "node:fs";
import type { VerifierOptions } from "@resource-guard/core";

/**
 * `createVerifier` options from ISSUER, AUDIENCE, JWKS_URI, DPOP, MTLS, CLIENT_CERT_HEADER and
 * INTROSPECTION_*; without ISSUER or AUDIENCE it prints what to set and ends the process (exit 1).
 */
export function verifierOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): VerifierOptions {
  const { ISSUER, AUDIENCE, JWKS_URI, DPOP, MTLS, CLIENT_CERT_HEADER } = env;
  const { INTROSPECTION_CLIENT_ID, INTROSPECTION_CLIENT_SECRET = "", INTROSPECTION_ENDPOINT } = env;
  if (!ISSUER || !AUDIENCE) {
    console.error("Set ISSUER and AUDIENCE (and optionally JWKS_URI, PORT, HOST). See docs/demo.md.");
    process.exit(1);
  }
  return {
    issuer: ISSUER,
    audience: AUDIENCE,
    ...(JWKS_URI ? { jwksUri: JWKS_URI } : {}),
    ...(DPOP ? { dpop: { required: DPOP === "required" } } : {}),
    ...(MTLS
      ? {
          mtls: {
            required: MTLS === "required",
            ...(CLIENT_CERT_HEADER ? { certificateHeader: CLIENT_CERT_HEADER } : {}),
          },
        }
      : {}),
    ...(INTROSPECTION_CLIENT_ID
      ? {
          introspection: {
            clientId: INTROSPECTION_CLIENT_ID,
            clientSecret: INTROSPECTION_CLIENT_SECRET,
            ...(INTROSPECTION_ENDPOINT ? { endpoint: INTROSPECTION_ENDPOINT } : {}),
          },
        }
      : {}),
  };
}

/** node:tls server options for HTTPS (TLS_KEY, TLS_CERT, optional TLS_CA), asking for a client certificate. */
export interface ExampleTlsOptions {
  key: Buffer;
  cert: Buffer;
  ca?: Buffer;
  requestCert: true;
  rejectUnauthorized: false;
}

/** HTTPS options when TLS_KEY and TLS_CERT name PEM files; undefined for plain HTTP. */
export function tlsFromEnv(env: NodeJS.ProcessEnv = process.env): ExampleTlsOptions | undefined {
  const { TLS_KEY, TLS_CERT, TLS_CA } = env;
  if (!TLS_KEY || !TLS_CERT) return undefined;
  return {
    key: readFileSync(TLS_KEY),
    cert: readFileSync(TLS_CERT),
    ...(TLS_CA ? { ca: readFileSync(TLS_CA) } : {}),
    // Ask for a client certificate; the token's binding, not a CA chain, decides (RFC 8705 §2.2).
    requestCert: true,
    rejectUnauthorized: false,
  };
}
