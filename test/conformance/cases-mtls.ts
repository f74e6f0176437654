/**
 * The mTLS rows of the conformance table (RFC 8705; CONTRACT.md "RFC 8705"): certificate-bound tokens
 * over HTTPS with client certificates made in test setup, `mtls.required`, and the RFC 9440
 * `Client-Cert` header behind a proxy. Shared types, apps and helpers are in cases-bound.ts.
 */

import { type BoundCase, echo, tokenError } from "./cases-bound.js";
import { ROUTES } from "./harness.js";

export const MTLS_CASES: readonly BoundCase[] = [
  // RFC 8705: certificate-bound tokens.
  {
    name: "mTLS: a certificate-bound token with its certificate",
    app: "mtls",
    request: async (f) => {
      const token = await f.sign({ cnf: { "x5t#S256": f.alice.x5t } });
      return { path: ROUTES.orders, headers: { authorization: `Bearer ${token}` }, cert: f.alice, token };
    },
    expect: echo(ROUTES.orders),
  },
  {
    name: "mTLS: another client certificate",
    app: "mtls",
    request: async (f) => {
      const token = await f.sign({ cnf: { "x5t#S256": f.alice.x5t } });
      return { path: ROUTES.me, headers: { authorization: `Bearer ${token}` }, cert: f.bob, token };
    },
    expect: tokenError("certificate_mismatch", "Bearer"),
  },
  {
    name: "mTLS: no client certificate",
    app: "mtls",
    request: async (f) => {
      const token = await f.sign({ cnf: { "x5t#S256": f.alice.x5t } });
      return { path: ROUTES.me, headers: { authorization: `Bearer ${token}` }, token };
    },
    expect: tokenError("certificate_required", "Bearer"),
  },
  {
    name: "mTLS: a Client-Cert header is not believed when certificateHeader is not set",
    app: "mtls",
    request: async (f) => {
      const token = await f.sign({ cnf: { "x5t#S256": f.alice.x5t } });
      const header = `:${f.alice.der.toString("base64")}:`;
      return { path: ROUTES.me, headers: { authorization: `Bearer ${token}`, "client-cert": header }, token };
    },
    expect: tokenError("certificate_required", "Bearer"),
  },
  {
    name: "mTLS: an unbound token over mTLS when binding is optional",
    app: "mtls",
    request: async (f) => {
      const token = await f.sign();
      return { path: ROUTES.me, headers: { authorization: `Bearer ${token}` }, cert: f.alice, token };
    },
    expect: echo(),
  },
  {
    name: "mTLS required: an unbound token",
    app: "mtls-required",
    request: async (f) => {
      const token = await f.sign();
      return { path: ROUTES.me, headers: { authorization: `Bearer ${token}` }, cert: f.alice, token };
    },
    expect: tokenError("unbound_token", "Bearer"),
  },
  {
    name: "mTLS required: a bound token with its certificate",
    app: "mtls-required",
    request: async (f) => {
      const token = await f.sign({ cnf: { "x5t#S256": f.alice.x5t } });
      return { path: ROUTES.me, headers: { authorization: `Bearer ${token}` }, cert: f.alice, token };
    },
    expect: echo(),
  },
  {
    name: "mTLS behind a proxy: the certificate in the configured Client-Cert header",
    app: "mtls-header",
    request: async (f) => {
      const token = await f.sign({ cnf: { "x5t#S256": f.alice.x5t } });
      const header = `:${f.alice.der.toString("base64")}:`;
      return { path: ROUTES.me, headers: { authorization: `Bearer ${token}`, "client-cert": header }, token };
    },
    expect: echo(),
  },
  {
    name: "mTLS behind a proxy: a Client-Cert header that is not a certificate",
    app: "mtls-header",
    request: async (f) => {
      const token = await f.sign({ cnf: { "x5t#S256": f.alice.x5t } });
      return {
        path: ROUTES.me,
        headers: { authorization: `Bearer ${token}`, "client-cert": ":bm90IGEgY2VydA==:" },
        token,
      };
    },
    expect: tokenError("certificate_unusable", "Bearer"),
  },
  {
    name: "mTLS off: a certificate-bound token cannot be checked, so it is refused",
    app: "plain",
    request: async (f) => {
      const token = await f.sign({ cnf: { "x5t#S256": f.alice.x5t } });
      return { path: ROUTES.me, headers: { authorization: `Bearer ${token}` }, token };
    },
    expect: tokenError("certificate_required", "Bearer"),
  },
];
