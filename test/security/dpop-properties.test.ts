/**
 * Property tests (fast-check) for DPoP proofs (RFC 9449 §4.3): a valid proof changed in any way
 * (a character replaced, removed, inserted, two swapped, the text cut) is never accepted; whatever
 * text arrives in the DPoP header is answered 401 `invalid_dpop_proof` with a fixed description and
 * no echo, never a 500; and header `jwk` values of any shape, signed by the bound key, never get
 * through or crash the check. Seeds are fixed so a failure reproduces.
 */
import { createHash, createPublicKey, generateKeyPairSync } from "node:crypto";
import {
  createVerifier,
  INVALID_DPOP_PROOF_DESCRIPTIONS,
  INVALID_TOKEN_DESCRIPTIONS,
  type Verifier,
} from "@resource-guard/core";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { athOf, createDPoPClient, signRaw } from "../support/dpop.js";
import { startTestIdp, type TestIdp } from "../support/idp.js";

const RUNS = { numRuns: 300, seed: 9449 };
const AUDIENCE = "https://api.example.com";
const URL_ = "https://api.example.com/orders";
const PROOF_DESCRIPTIONS = new Set<string>(Object.values(INVALID_DPOP_PROOF_DESCRIPTIONS));
const TOKEN_DESCRIPTIONS = new Set<string>(Object.values(INVALID_TOKEN_DESCRIPTIONS));

let idp: TestIdp;
let verifier: Verifier;
let token: string;
let validProof: string;

beforeAll(async () => {
  idp = await startTestIdp();
  const client = await createDPoPClient("ES256");
  token = await idp.sign({
    sub: "u1",
    aud: AUDIENCE,
    cnf: { jkt: client.jkt },
    exp: Math.floor(Date.now() / 1000) + 3600,
  });
  // Several minutes of iat window, so the one pre-made proof stays valid for the whole run.
  verifier = createVerifier({ issuer: idp.issuer, audience: AUDIENCE, dpop: { iatWindowSeconds: 600 } });
  validProof = await client.proof({ htu: URL_, token });
  // The unmodified proof is never sent, so no mutation is refused merely as its replay.
});
afterAll(() => idp.close());

function request(proof: string) {
  return { headers: { authorization: `DPoP ${token}`, dpop: proof }, method: "GET", absoluteUrl: URL_ };
}

/** Asserts a refusal: a 401 with a fixed description that does not echo the proof. */
async function expectRefused(proof: string): Promise<void> {
  let accepted = false;
  try {
    await verifier.authenticate(request(proof));
    accepted = true;
  } catch (err) {
    const e = err as { status?: number; code?: string; message?: string; headers?: Record<string, string> };
    expect(e.status).toBe(401);
    if (e.code === "invalid_dpop_proof") expect(PROOF_DESCRIPTIONS.has(e.message as string)).toBe(true);
    else expect(e.code === "invalid_token" && TOKEN_DESCRIPTIONS.has(e.message as string)).toBe(true);
    const header = e.headers?.["WWW-Authenticate"] ?? "";
    if (proof.length >= 8) expect(header).not.toContain(proof);
  }
  expect(accepted).toBe(false);
}

const BASE64URL_AND_MORE = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ ,"{}';

/**
 * One edit of a string at a position: replace, delete, insert, swap with the next, cut, or set unused
 * bits in the last character of a segment (a text change that decoders ignore, so it must be refused
 * for the text itself).
 */
const mutation = fc.record({
  kind: fc.constantFrom("replace", "delete", "insert", "swap", "cut", "stray-bits"),
  at: fc.nat(),
  char: fc.constantFrom(...BASE64URL_AND_MORE.split("")),
});

function mutate(text: string, m: { kind: string; at: number; char: string }): string {
  const i = m.at % text.length;
  switch (m.kind) {
    case "replace":
      return text.slice(0, i) + m.char + text.slice(i + 1);
    case "delete":
      return text.slice(0, i) + text.slice(i + 1);
    case "insert":
      return text.slice(0, i) + m.char + text.slice(i);
    case "swap":
      return text.slice(0, i) + (text[i + 1] ?? "") + text[i] + text.slice(i + 2);
    case "stray-bits": {
      const ends = [text.indexOf("."), text.lastIndexOf("."), text.length].filter((end) => end > 0);
      const end = ends[m.at % ends.length] as number;
      const alphabet = BASE64URL_AND_MORE.slice(0, 64);
      const value = alphabet.indexOf(text.charAt(end - 1));
      if (value === -1) return text;
      return text.slice(0, end - 1) + alphabet.charAt(value | 1) + text.slice(end);
    }
    default:
      return text.slice(0, i);
  }
}

describe("DPoP proofs under mutation", () => {
  it("never accepts a proof changed in any way", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 3 }), async (edits) => {
        const mutated = edits.reduce(mutate, validProof);
        fc.pre(mutated !== validProof);
        await expectRefused(mutated);
      }),
      RUNS,
    );
  });

  it("answers any header text with 401 and a fixed description, never a 500", async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 300 }), async (text) => {
        fc.pre(text !== validProof);
        await expectRefused(text);
      }),
      RUNS,
    );
  });

  it("never lets a header jwk of another shape through, even signed by a real key", async () => {
    const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const realJwk = createPublicKey(privateKey).export({ format: "jwk" });
    const jwkValue = fc.oneof(
      fc.jsonValue(),
      fc.record({
        kty: fc.constantFrom("EC", "RSA", "OKP", "oct"),
        crv: fc.string(),
        x: fc.string(),
        y: fc.string(),
      }),
      fc.dictionary(fc.string(), fc.jsonValue()).map((extra) => ({ ...extra, ...realJwk, d: "AAAA" })),
    );
    await fc.assert(
      fc.asyncProperty(jwkValue, async (jwk) => {
        const claims = {
          jti: createHash("sha256")
            .update(JSON.stringify(jwk) ?? "")
            .digest("hex"),
          htm: "GET",
          htu: URL_,
          iat: Math.floor(Date.now() / 1000),
          ath: athOf(token),
        };
        await expectRefused(signRaw({ alg: "ES256", typ: "dpop+jwt", jwk }, claims, privateKey));
      }),
      { numRuns: 200, seed: 7638 },
    );
  });
});
