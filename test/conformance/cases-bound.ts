/**
 * The conformance rows for sender-constrained tokens, the second half of the one table: DPoP (RFC 9449,
 * CONTRACT.md "RFC 9449: DPoP") and certificate-bound tokens (RFC 8705, "RFC 8705"). Each row names
 * the app it runs against (a verifier configured for DPoP, DPoP required, nonces, a failing replay
 * store, mTLS over HTTPS, mTLS required, a Client-Cert header behind a proxy), builds its request at
 * send time (proofs name the app's own URL) and states the exact status, every challenge and the body.
 * Proofs are minted by jose and certificates by @peculiar/x509, independently of the code under test.
 */
import {
  type BearerErrorCode,
  INVALID_DPOP_PROOF_DESCRIPTIONS,
  INVALID_TOKEN_DESCRIPTIONS,
  type InvalidDPoPProofReason,
  type InvalidTokenReason,
  type VerifierOptions,
} from "@resource-guard/core";
import type { Credentials, Pki, RawResponse } from "../support/certificates.js";
import type { DPoPClient } from "../support/dpop.js";
import type { TestIdp } from "../support/idp.js";
import type { Challenge } from "./challenge-parser.js";
import { type EchoBody, ROUTES } from "./harness.js";

export const BOUND_AUDIENCE = "https://orders.api.test";
const SUBJECT = "user-1";
const REALM = "api";
export const DPOP_ALGS = ["ES256", "EdDSA"] as const;
const NONCE_SECRET = "conformance nonce secret, 32 bytes or more";

/** The apps of these rows, by name, with their verifier options (issuer and audience added by the suite). */
export const BOUND_APPS = {
  dpop: { options: { dpop: { algorithms: [...DPOP_ALGS] } }, https: false },
  "dpop-required": { options: { dpop: { required: true, algorithms: ["ES256"] } }, https: false },
  "dpop-nonce": {
    options: { dpop: { algorithms: ["ES256"], nonce: { secret: NONCE_SECRET } } },
    https: false,
  },
  "dpop-store-down": {
    options: {
      dpop: {
        algorithms: ["ES256"],
        replayStore: {
          add() {
            throw new Error("ECONNREFUSED");
          },
        },
      },
    },
    https: false,
  },
  mtls: { options: { mtls: {} }, https: true },
  "mtls-required": { options: { mtls: { required: true } }, https: true },
  "mtls-header": { options: { mtls: { certificateHeader: "client-cert" } }, https: false },
  plain: { options: {}, https: false },
} satisfies Record<string, { options: Partial<VerifierOptions>; https: boolean }>;

export type BoundAppName = keyof typeof BOUND_APPS;

export interface BoundFixture {
  idp: TestIdp;
  pki: Pki;
  /** The client certificate tokens are bound to, and another one. */
  alice: Credentials;
  bob: Credentials;
  /** The DPoP key tokens are bound to, and another one. */
  dpop: DPoPClient;
  otherDpop: DPoPClient;
  /** A token with `sub`, `aud`, `scope: orders:read` and the given claims (undefined removes one). */
  sign(claims?: Record<string, unknown>): Promise<string>;
}

export interface BoundRequest {
  path: string;
  headers?: Record<string, string | string[]>;
  /** The client certificate to present (HTTPS apps). */
  cert?: Credentials;
  /** The credential sent, so the suite can check that no response echoes it. */
  token?: string;
}

export type BoundExpected =
  | { status: 200; body: EchoBody; headers?: Record<string, RegExp> }
  | {
      status: 400 | 401 | 403;
      code: BearerErrorCode | undefined;
      message: string;
      /** Every challenge of `WWW-Authenticate`, in order, parsed. */
      challenges: Challenge[];
      /** Other headers the answer must carry. */
      headers?: Record<string, RegExp>;
    }
  | { status: 503; code: undefined; message: string };

export interface BoundCase {
  name: string;
  app: BoundAppName;
  /** Requests sent in turn (each built after the previous answer); the last answer is judged. */
  steps?: number;
  request(f: BoundFixture, origin: string, previous: RawResponse | undefined): Promise<BoundRequest>;
  expect: BoundExpected;
}

const dpopChallenge = (algs: readonly string[], params: Record<string, string> = {}): Challenge => ({
  scheme: "DPoP",
  params: { realm: REALM, algs: algs.join(" "), ...params },
});
const bearerChallenge = (params: Record<string, string> = {}): Challenge => ({
  scheme: "Bearer",
  params: { realm: REALM, ...params },
});

function echo(route: string = ROUTES.me): BoundExpected {
  return { status: 200, body: { route, sub: SUBJECT, scopes: ["orders:read"] } };
}

function proofError(
  reason: InvalidDPoPProofReason,
  algs: readonly string[] = DPOP_ALGS,
  bearer = true,
): BoundExpected {
  const description = INVALID_DPOP_PROOF_DESCRIPTIONS[reason];
  return {
    status: 401,
    code: "invalid_dpop_proof",
    message: description,
    challenges: [
      ...(bearer ? [bearerChallenge()] : []),
      dpopChallenge(algs, { error: "invalid_dpop_proof", error_description: description }),
    ],
  };
}

/** invalid_token on the challenge of `scheme`; `dpopAlgs` when the app offers DPoP too. */
function tokenError(
  reason: InvalidTokenReason,
  scheme: "Bearer" | "DPoP",
  dpopAlgs?: readonly string[],
): BoundExpected {
  const description = INVALID_TOKEN_DESCRIPTIONS[reason];
  const error = { error: "invalid_token", error_description: description };
  return {
    status: 401,
    code: "invalid_token",
    message: description,
    challenges: [
      bearerChallenge(scheme === "Bearer" ? error : {}),
      ...(dpopAlgs ? [dpopChallenge(dpopAlgs, scheme === "DPoP" ? error : {})] : []),
    ],
  };
}

/** A DPoP request for `path` of the app at `origin`, with a fresh proof by `client` (default the bound key). */
async function dpopRequest(
  f: BoundFixture,
  origin: string,
  options: {
    path?: string;
    token?: string;
    client?: DPoPClient;
    htu?: string;
    htm?: string;
    nonce?: string;
    iat?: number;
  } = {},
): Promise<BoundRequest> {
  const path = options.path ?? ROUTES.me;
  const token = options.token ?? (await f.sign({ cnf: { jkt: f.dpop.jkt } }));
  const proof = await (options.client ?? f.dpop).proof({
    htu: options.htu ?? origin + path,
    htm: options.htm ?? "GET",
    token,
    ...(options.nonce === undefined ? {} : { nonce: options.nonce }),
    ...(options.iat === undefined ? {} : { iat: options.iat }),
  });
  return { path, headers: { authorization: `DPoP ${token}`, dpop: proof }, token };
}

const now = () => Math.floor(Date.now() / 1000);
let replayed: BoundRequest | undefined;

export const BOUND_CASES: readonly BoundCase[] = [
  // RFC 9449: DPoP.
  {
    name: "DPoP: no credentials gets a Bearer and a DPoP challenge with algs",
    app: "dpop",
    request: async () => ({ path: ROUTES.me }),
    expect: {
      status: 401,
      code: undefined,
      message: "Bearer authentication is required",
      challenges: [bearerChallenge(), dpopChallenge(DPOP_ALGS)],
    },
  },
  {
    name: "DPoP: a bound token with a valid proof",
    app: "dpop",
    request: (f, o) => dpopRequest(f, o),
    expect: echo(),
  },
  {
    name: "DPoP: a valid proof on a scoped route",
    app: "dpop",
    request: (f, o) => dpopRequest(f, o, { path: ROUTES.orders }),
    expect: echo(ROUTES.orders),
  },
  {
    name: "DPoP: a valid proof without the route's scope is 403 on the DPoP challenge",
    app: "dpop",
    request: async (f, o) =>
      dpopRequest(f, o, { path: ROUTES.both, token: await f.sign({ cnf: { jkt: f.dpop.jkt } }) }),
    expect: {
      status: 403,
      code: "insufficient_scope",
      message: "The token lacks a scope this resource requires",
      challenges: [
        bearerChallenge({ scope: "orders:read orders:write" }),
        dpopChallenge(DPOP_ALGS, { error: "insufficient_scope", scope: "orders:read orders:write" }),
      ],
    },
  },
  {
    name: "DPoP: an EdDSA proof (a second accepted algorithm)",
    app: "dpop",
    request: async (f, o) => {
      const { createDPoPClient } = await import("../support/dpop.js");
      const ed = await createDPoPClient("EdDSA");
      return dpopRequest(f, o, { client: ed, token: await f.sign({ cnf: { jkt: ed.jkt } }) });
    },
    expect: echo(),
  },
  {
    name: "DPoP: the proof is missing",
    app: "dpop",
    request: async (f) => {
      const token = await f.sign({ cnf: { jkt: f.dpop.jkt } });
      return { path: ROUTES.me, headers: { authorization: `DPoP ${token}` }, token };
    },
    expect: proofError("missing"),
  },
  {
    name: "DPoP: two DPoP header fields",
    app: "dpop",
    request: async (f, o) => {
      const first = await dpopRequest(f, o);
      const second = await f.dpop.proof({ htu: o + ROUTES.me, token: first.token as string });
      return { ...first, headers: { ...first.headers, dpop: [first.headers?.dpop as string, second] } };
    },
    expect: proofError("multiple"),
  },
  {
    name: "DPoP: a proof that is not a JWT",
    app: "dpop",
    request: async (f, o) => {
      const request = await dpopRequest(f, o);
      return { ...request, headers: { ...request.headers, dpop: "not.a-jwt" } };
    },
    expect: proofError("malformed"),
  },
  {
    name: "DPoP: a proof for another path",
    app: "dpop",
    request: (f, o) => dpopRequest(f, o, { htu: `${o}/elsewhere` }),
    expect: proofError("htu"),
  },
  {
    name: "DPoP: a proof for another method",
    app: "dpop",
    request: (f, o) => dpopRequest(f, o, { htm: "POST" }),
    expect: proofError("htm"),
  },
  {
    name: "DPoP: a proof issued ten minutes ago",
    app: "dpop",
    request: (f, o) => dpopRequest(f, o, { iat: now() - 600 }),
    expect: proofError("iat"),
  },
  {
    name: "DPoP: a proof by a key other than the bound one",
    app: "dpop",
    request: (f, o) => dpopRequest(f, o, { client: f.otherDpop }),
    expect: proofError("key_binding"),
  },
  {
    name: "DPoP: a replayed proof",
    app: "dpop",
    steps: 2,
    request: async (f, o, previous) => {
      if (previous === undefined) replayed = await dpopRequest(f, o);
      return replayed as BoundRequest;
    },
    expect: proofError("replay"),
  },
  {
    name: "DPoP: a bound token sent as Bearer (RFC 9449 §7.2)",
    app: "dpop",
    request: async (f, o) => {
      const request = await dpopRequest(f, o);
      return { ...request, headers: { ...request.headers, authorization: `Bearer ${request.token}` } };
    },
    expect: tokenError("sender_constrained", "Bearer", DPOP_ALGS),
  },
  {
    name: "DPoP: an unbound token under the DPoP scheme",
    app: "dpop",
    request: async (f, o) => dpopRequest(f, o, { token: await f.sign() }),
    expect: tokenError("not_dpop_bound", "DPoP", DPOP_ALGS),
  },
  {
    name: "DPoP: an expired bound token under the DPoP scheme",
    app: "dpop",
    request: async (f, o) =>
      dpopRequest(f, o, {
        token: await f.sign({ cnf: { jkt: f.dpop.jkt }, iat: now() - 600, exp: now() - 60 }),
      }),
    expect: tokenError("expired", "DPoP", DPOP_ALGS),
  },
  {
    name: "DPoP: an unbound Bearer token is still accepted where DPoP is optional",
    app: "dpop",
    request: async (f) => {
      const token = await f.sign();
      return { path: ROUTES.me, headers: { authorization: `Bearer ${token}` }, token };
    },
    expect: echo(),
  },
  {
    name: "DPoP required: Bearer credentials get a DPoP challenge only",
    app: "dpop-required",
    request: async (f) => {
      const token = await f.sign();
      return { path: ROUTES.me, headers: { authorization: `Bearer ${token}` }, token };
    },
    expect: {
      status: 401,
      code: undefined,
      message: "Bearer authentication is required",
      challenges: [dpopChallenge(["ES256"])],
    },
  },
  {
    name: "DPoP required: a malformed proof",
    app: "dpop-required",
    request: async (f, o) => {
      const request = await dpopRequest(f, o);
      return { ...request, headers: { ...request.headers, dpop: "x.y.z" } };
    },
    expect: proofError("malformed", ["ES256"], false),
  },
  {
    name: "DPoP required: a valid proof",
    app: "dpop-required",
    request: (f, o) => dpopRequest(f, o),
    expect: echo(),
  },
  {
    name: "DPoP nonces: a proof without a nonce gets use_dpop_nonce and a DPoP-Nonce",
    app: "dpop-nonce",
    request: (f, o) => dpopRequest(f, o),
    expect: {
      status: 401,
      code: "use_dpop_nonce",
      message: "Resource server requires nonce in DPoP proof",
      challenges: [
        bearerChallenge(),
        dpopChallenge(["ES256"], {
          error: "use_dpop_nonce",
          error_description: "Resource server requires nonce in DPoP proof",
        }),
      ],
      headers: { "dpop-nonce": /^[A-Za-z0-9_-]{32}$/ },
    },
  },
  {
    name: "DPoP nonces: the retry with the server's nonce",
    app: "dpop-nonce",
    steps: 2,
    request: (f, o, previous) => {
      const nonce = previous?.headers["dpop-nonce"];
      return dpopRequest(f, o, typeof nonce === "string" ? { nonce } : {});
    },
    expect: echo(),
  },
  {
    name: "DPoP nonces: a nonce the server never issued",
    app: "dpop-nonce",
    request: (f, o) => dpopRequest(f, o, { nonce: "made-up-nonce" }),
    expect: {
      status: 401,
      code: "use_dpop_nonce",
      message: "Resource server requires nonce in DPoP proof",
      challenges: [
        bearerChallenge(),
        dpopChallenge(["ES256"], {
          error: "use_dpop_nonce",
          error_description: "Resource server requires nonce in DPoP proof",
        }),
      ],
      headers: { "dpop-nonce": /^[A-Za-z0-9_-]{32}$/ },
    },
  },
  {
    name: "DPoP: the replay store is down (503, never accepted)",
    app: "dpop-store-down",
    request: (f, o) => dpopRequest(f, o),
    expect: { status: 503, code: undefined, message: "A required store is unavailable; try again later" },
  },
  {
    name: "DPoP off: the DPoP scheme counts as no credentials",
    app: "plain",
    request: (f, o) => dpopRequest(f, o),
    expect: {
      status: 401,
      code: undefined,
      message: "Bearer authentication is required",
      challenges: [bearerChallenge()],
    },
  },

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
