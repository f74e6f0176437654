/**
 * The DPoP rows of the conformance table (RFC 9449; CONTRACT.md "RFC 9449: DPoP"): schemes and
 * challenges, every kind of bad proof, replay, DPoP required, server nonces, a failing replay store.
 * Shared types, apps and helpers are in cases-bound.ts.
 */

import {
  type BoundCase,
  type BoundRequest,
  bearerChallenge,
  DPOP_ALGS,
  dpopChallenge,
  dpopRequest,
  echo,
  proofError,
  tokenError,
} from "./cases-bound.js";
import { ROUTES } from "./harness.js";

const now = () => Math.floor(Date.now() / 1000);
let replayed: BoundRequest | undefined;

export const DPOP_CASES: readonly BoundCase[] = [
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
];
