/**
 * What the sender-constrained rows of the one table share (the rows are in cases-dpop.ts and
 * cases-mtls.ts): DPoP (RFC 9449, CONTRACT.md "RFC 9449: DPoP") and certificate-bound tokens (RFC 8705,
 * "RFC 8705"). Each row names the app it runs against (a verifier configured for DPoP, DPoP required, nonces, a failing replay
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
import { failingReplayStore } from "./failing-store.js";
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
        replayStore: failingReplayStore(),
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

export const dpopChallenge = (algs: readonly string[], params: Record<string, string> = {}): Challenge => ({
  scheme: "DPoP",
  params: { realm: REALM, algs: algs.join(" "), ...params },
});
export const bearerChallenge = (params: Record<string, string> = {}): Challenge => ({
  scheme: "Bearer",
  params: { realm: REALM, ...params },
});

export function echo(route: string = ROUTES.me): BoundExpected {
  return { status: 200, body: { route, sub: SUBJECT, scopes: ["orders:read"] } };
}

export function proofError(
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
export function tokenError(
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
export async function dpopRequest(
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
