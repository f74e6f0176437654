/**
 * The story the demo tells, acted out by an integrator against a real authorization server and one
 * example API: get tokens both ways clients authenticate, use them, and meet each answer a resource
 * server gives (RFC 6750 §3): 403 `insufficient_scope`, 401 `invalid_token` for a tampered and for an
 * expired token, a bare 401 challenge without a token, and the recovery the providers prescribe for
 * `invalid_token`: fetch a new token once and retry once.
 *
 * With opaque tokens (`--opaque`) the story is the same, told where it differs: an altered token is
 * one the provider never issued ("not active"), an expired one is what the provider now calls
 * inactive, and one more step revokes a token (RFC 7009) and shows the API refusing it once its cached
 * introspection answer is `maxCacheMs` old.
 *
 * Each step states what it expects in the same words in which the response is then described, so a
 * step passes exactly when the two descriptions agree.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { INVALID_TOKEN_DESCRIPTIONS } from "@resource-guard/core";
import { READER_CLIENT, WRITER_CLIENT } from "./clients.js";
import { describeApiAnswer, describeTokenAnswer, describeTokenGrant } from "./describe-answer.js";
import { challengeError, type Exchange, send } from "./http-exchange.js";
import {
  buildRevocationRequest,
  buildTokenRequest,
  readTokenResponse,
  type TokenGrant,
} from "./token-request.js";
import type { Transcript } from "./transcript.js";

export interface ScenarioSetup {
  tokenEndpoint: string;
  apiUrl: string;
  /** The API's clockTolerance, in seconds: how long past `exp` the API still accepts a token. */
  clockTolerance: number;
  transcript: Transcript;
  /** Set when the tokens are opaque and the API introspects them. */
  opaque?: {
    revocationEndpoint: string;
    /** The API's `introspection.maxCacheMs`: how long it may reuse an answer. */
    maxCacheMs: number;
  };
}

export interface ScenarioResult {
  total: number;
  passed: number;
}

interface Step {
  title: string;
  why: string;
  expected: string;
  /** Acts, records the exchanges in the transcript, and describes the answer that matters. */
  run(): Promise<string>;
}

const NEW_ORDER = JSON.stringify({ item: "green tea", quantity: 3 });
const NOT_ACTIVE = `401 invalid_token "${INVALID_TOKEN_DESCRIPTIONS.inactive}"`;

/**
 * Runs every step in order and reports how many behaved as expected.
 *
 * @example
 * const { passed, total } = await runScenario({ tokenEndpoint, apiUrl, clockTolerance: 0, transcript });
 */
export async function runScenario(setup: ScenarioSetup): Promise<ScenarioResult> {
  const { transcript, apiUrl, opaque } = setup;
  // The opaque story has one step more (revocation) before the expiry step.
  const expiryStep = opaque === undefined ? 9 : 10;
  const tokens: { writer?: TokenGrant; reader?: TokenGrant; renewed?: TokenGrant } = {};
  let expiredAnswer: Exchange | undefined;

  const exchange = async (request: Parameters<typeof send>[0]) => {
    transcript.request(request);
    const answer = await send(request);
    transcript.response(answer);
    return answer;
  };
  const fetchToken = async (client: typeof WRITER_CLIENT, scope: string) => {
    const answer = await exchange(buildTokenRequest(setup.tokenEndpoint, client, scope));
    return { answer, grant: readTokenResponse(answer) };
  };
  const callApi = (method: "GET" | "POST", path: string, token?: string) =>
    exchange({
      method,
      url: `${apiUrl}${path}`,
      headers: {
        ...(token === undefined ? {} : { Authorization: `Bearer ${token}` }),
        ...(method === "POST" ? { "Content-Type": "application/json" } : {}),
      },
      ...(method === "POST" ? { body: NEW_ORDER } : {}),
    });

  const steps: Step[] = [
    {
      title: "The read/write client gets a token, authenticating with a Basic header",
      why: "client_credentials grant; Authorization: Basic base64(client_id:client_secret) (RFC 6749 §2.3.1)",
      expected: describeTokenGrant(200, WRITER_CLIENT.scope),
      async run() {
        const { answer, grant } = await fetchToken(WRITER_CLIENT, WRITER_CLIENT.scope);
        tokens.writer = grant;
        return describeTokenAnswer(answer, grant);
      },
    },
    {
      title: "The read-only client gets a token, sending its credentials in the form body",
      why: "client_id and client_secret as form parameters, the other method RFC 6749 §2.3.1 defines",
      expected: describeTokenGrant(200, READER_CLIENT.scope),
      async run() {
        const { answer, grant } = await fetchToken(READER_CLIENT, READER_CLIENT.scope);
        tokens.reader = grant;
        return describeTokenAnswer(answer, grant);
      },
    },
    {
      title: "Anyone may ask GET /health",
      why: "The health route is registered as public: no token needed.",
      expected: "200",
      async run() {
        return describeApiAnswer(await callApi("GET", "/health"));
      },
    },
    {
      title: "The read/write client lists orders: GET /orders",
      why: "Its token carries orders:read, which this route requires.",
      expected: "200",
      async run() {
        return describeApiAnswer(await callApi("GET", "/orders", need(tokens.writer, 1).accessToken));
      },
    },
    {
      title: "The read/write client creates an order: POST /orders",
      why: "Its token carries orders:write, which this route requires.",
      expected: "201",
      async run() {
        return describeApiAnswer(await callApi("POST", "/orders", need(tokens.writer, 1).accessToken));
      },
    },
    {
      title: "The read-only client tries to create an order: POST /orders",
      why: "Its token is valid but lacks orders:write: 403, and the challenge names the scope needed.",
      expected: '403 insufficient_scope scope="orders:write"',
      async run() {
        return describeApiAnswer(await callApi("POST", "/orders", need(tokens.reader, 2).accessToken));
      },
    },
    opaque === undefined
      ? {
          title: "The read-only client edits its own token to grant itself orders:write",
          why: 'The payload now says scope "orders:read orders:write"; the signature no longer matches it.',
          expected: `401 invalid_token "${INVALID_TOKEN_DESCRIPTIONS.signature}"`,
          async run() {
            const forged = grantScopeInPayload(
              need(tokens.reader, 2).accessToken,
              "orders:read orders:write",
            );
            return describeApiAnswer(await callApi("POST", "/orders", forged));
          },
        }
      : {
          title: "The read-only client alters its opaque token, hoping to hit a more powerful one",
          why: "An opaque token is a random reference: the API asks the provider (RFC 7662), which knows no such token.",
          expected: NOT_ACTIVE,
          async run() {
            return describeApiAnswer(
              await callApi("POST", "/orders", alter(need(tokens.reader, 2).accessToken)),
            );
          },
        },
    {
      title: "A caller without any token: GET /orders",
      why: "No credentials at all: 401 with a challenge that carries no error code (RFC 6750 §3.1).",
      expected: "401 Bearer challenge without error",
      async run() {
        return describeApiAnswer(await callApi("GET", "/orders"));
      },
    },
    ...(opaque === undefined
      ? []
      : [
          {
            title: "The read-only client revokes its token (RFC 7009), then lists orders with it",
            why: `The API reuses an introspection answer for at most ${opaque.maxCacheMs / 1000} s (maxCacheMs); after that it asks again and learns the token is revoked.`,
            expected: NOT_ACTIVE,
            async run() {
              const token = need(tokens.reader, 2).accessToken;
              const revoked = await exchange(
                buildRevocationRequest(opaque.revocationEndpoint, READER_CLIENT, token),
              );
              if (revoked.status !== 200) throw new Error(`the revocation answered ${revoked.status}`);
              transcript.note(`waiting ${(opaque.maxCacheMs / 1000).toFixed(1)} s: the API's maxCacheMs`);
              await sleep(opaque.maxCacheMs);
              return describeApiAnswer(await callApi("GET", "/orders", token));
            },
          },
        ]),
    {
      title: "The read/write client calls again once its token has expired",
      why:
        opaque === undefined
          ? "The token from step 1 has passed its exp; the API allows no clock skew in this demo."
          : "The token from step 1 has passed its exp; the provider now answers that it is not active.",
      expected:
        opaque === undefined ? `401 invalid_token "${INVALID_TOKEN_DESCRIPTIONS.expired}"` : NOT_ACTIVE,
      async run() {
        const grant = need(tokens.writer, 1);
        // Wait until `exp` has certainly passed: `exp` is whole seconds, so one second more.
        const expiresAt = grant.receivedAt + (grant.expiresIn + setup.clockTolerance + 1) * 1000;
        const waitMs = Math.max(0, expiresAt - Date.now());
        transcript.note(
          `waiting ${(waitMs / 1000).toFixed(1)} s: the token lives ${grant.expiresIn} s (expires_in)` +
            ` and the API's clockTolerance is ${setup.clockTolerance} s`,
        );
        await sleep(waitMs);
        expiredAnswer = await callApi("GET", "/orders", grant.accessToken);
        return describeApiAnswer(expiredAnswer);
      },
    },
    {
      title: "The client reacts to invalid_token as documented: it fetches a new token, once",
      why: "invalid_token means this token is no good; a new one is worth exactly one try.",
      expected: describeTokenGrant(200, WRITER_CLIENT.scope),
      async run() {
        if (!expiredAnswer || challengeError(expiredAnswer) !== "invalid_token") {
          throw new Error(
            `step ${expiryStep} did not answer invalid_token, so the client has no reason to renew`,
          );
        }
        const { answer, grant } = await fetchToken(WRITER_CLIENT, WRITER_CLIENT.scope);
        tokens.renewed = grant;
        return describeTokenAnswer(answer, grant);
      },
    },
    {
      title: "The client retries GET /orders with the new token",
      why: "One retry with the fresh token; had it failed again, the client would stop and report.",
      expected: "200",
      async run() {
        return describeApiAnswer(
          await callApi("GET", "/orders", need(tokens.renewed, expiryStep + 1).accessToken),
        );
      },
    },
  ];

  let passed = 0;
  for (const [index, step] of steps.entries()) {
    const number = index + 1;
    transcript.step(number, step.title, step.why);
    let got: string;
    try {
      got = await step.run();
    } catch (error) {
      got = `no answer (${error instanceof Error ? error.message : String(error)})`;
    }
    const ok = got === step.expected;
    if (ok) passed += 1;
    transcript.verdict(number, ok, step.expected, got);
  }
  return { total: steps.length, passed };
}

function need(grant: TokenGrant | undefined, step: number): TokenGrant {
  if (!grant) throw new Error(`step ${step} did not yield a token`);
  return grant;
}

/** Rewrites the JWT's payload with a wider scope and keeps the original signature, as a forger would. */
function grantScopeInPayload(token: string, scope: string): string {
  const [header, payload, signature] = token.split(".");
  const claims = JSON.parse(Buffer.from(payload ?? "", "base64url").toString("utf8")) as Record<
    string,
    unknown
  >;
  const forged = Buffer.from(JSON.stringify({ ...claims, scope })).toString("base64url");
  return `${header}.${forged}.${signature}`;
}

/** Changes the token's last character: a well-formed token the provider never issued. */
function alter(token: string): string {
  const last = token.at(-1) === "A" ? "B" : "A";
  return `${token.slice(0, -1)}${last}`;
}
