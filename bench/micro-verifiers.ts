/**
 * Every verifier the micro bench times, configured the same way: the bench issuer, the bench audience,
 * an allow-list holding only the algorithm under test, and the IdP's JWKS fetched over HTTP (each
 * library with its own JWKS client, as its users would run it). A factory returns a ready instance;
 * the caller warms it (JWKS fetched, keys imported) before timing.
 */
import { createPublicKey } from "node:crypto";
import { createLimitVerifier } from "./limit-verifier.js";

/** One ready instance: verifies a token, throws or rejects when it is not valid. */
export type VerifyFn = (token: string) => unknown;

export interface BenchContext {
  issuer: string;
  audience: string;
  jwksUri: string;
  alg: "RS256" | "ES256" | "EdDSA";
}

export interface MicroVerifier {
  /** Stable id used in raw JSON. */
  id: string;
  /** Name shown in tables. */
  label: string;
  /** Algorithms the library cannot verify (reported as n/a). */
  unsupported?: readonly string[];
  create(ctx: BenchContext): Promise<VerifyFn>;
}

/** Loads resource-guard core lazily: it may not be built or finished when the bench runs. */
async function loadCore(): Promise<typeof import("@resource-guard/core")> {
  return import("@resource-guard/core");
}

function resourceGuard(tokenCache: boolean): MicroVerifier {
  return {
    id: tokenCache ? "resource-guard" : "resource-guard-nocache",
    label: tokenCache ? "resource-guard" : "resource-guard (no cache)",
    async create(ctx) {
      const { createVerifier } = await loadCore();
      const verifier = createVerifier({
        issuer: ctx.issuer,
        audience: ctx.audience,
        jwksUri: ctx.jwksUri,
        algorithms: [ctx.alg],
        ...(tokenCache ? {} : { tokenCache: false as const }),
      });
      return (token) => verifier.verify(token);
    },
  };
}

function fastJwt(cache: boolean): MicroVerifier {
  return {
    id: cache ? "fast-jwt-cache" : "fast-jwt",
    label: cache ? "fast-jwt (cache)" : "fast-jwt",
    async create(ctx) {
      const { createVerifier } = await import("fast-jwt");
      const { default: buildGetJwks } = await import("get-jwks");
      const getJwks = buildGetJwks({ jwksPath: new URL(ctx.jwksUri).pathname });
      // get-jwks converts the JWK to PEM on every call and cannot convert OKP (Ed25519) keys at all, so
      // the PEM is made once per kid with node:crypto: the best case for fast-jwt, the fair side to err on.
      const pems = new Map<string, Promise<string>>();
      const pemFor = async (kid: string, alg: string) => {
        const jwk = await getJwks.getJwk({ kid, alg, domain: ctx.issuer });
        const { domain: _domain, ...plain } = jwk;
        return createPublicKey({ key: plain as never, format: "jwk" }).export({
          type: "spki",
          format: "pem",
        }) as string;
      };
      const verify = createVerifier({
        key: (decoded: { header: Record<string, unknown> }) => {
          const kid = String(decoded.header.kid ?? "");
          let pem = pems.get(kid);
          if (!pem) {
            pem = pemFor(kid, String(decoded.header.alg));
            pem.catch(() => pems.delete(kid));
            pems.set(kid, pem);
          }
          return pem;
        },
        algorithms: [ctx.alg as never],
        allowedIss: ctx.issuer,
        allowedAud: ctx.audience,
        cache,
      });
      return (token) => verify(token);
    },
  };
}

interface JsonWebToken {
  decode(token: string, options: { complete: true }): { header: { kid?: string } } | null;
  verify(token: string, key: string, options: object): unknown;
}

/** The verifiers in table order; the limit first, as every ratio is to it. */
export const MICRO_VERIFIERS: readonly MicroVerifier[] = [
  {
    id: "limit",
    label: "limit (node:crypto, minimal)",
    async create(ctx) {
      return createLimitVerifier(ctx.jwksUri, {
        issuer: ctx.issuer,
        audience: ctx.audience,
        algorithms: [ctx.alg],
      });
    },
  },
  resourceGuard(true),
  resourceGuard(false),
  {
    id: "jose",
    label: "jose jwtVerify + createRemoteJWKSet",
    async create(ctx) {
      const { createRemoteJWKSet, jwtVerify } = await import("jose");
      const jwks = createRemoteJWKSet(new URL(ctx.jwksUri));
      const options = { issuer: ctx.issuer, audience: ctx.audience, algorithms: [ctx.alg] };
      return (token) => jwtVerify(token, jwks, options);
    },
  },
  {
    id: "aws-jwt-verify",
    label: "aws-jwt-verify",
    async create(ctx) {
      const { JwtVerifier } = await import("aws-jwt-verify");
      const { SimpleJwksCache } = await import("aws-jwt-verify/jwk");
      // Its default fetcher speaks https only; the bench IdP is plain http on loopback, so the JWKS is
      // fetched through the global fetch instead. Everything after the fetch is the library's own code.
      const fetcher = { fetch: async (uri: string) => (await fetch(uri)).arrayBuffer() };
      const verifier = JwtVerifier.create(
        { issuer: ctx.issuer, audience: ctx.audience, jwksUri: ctx.jwksUri },
        { jwksCache: new SimpleJwksCache({ fetcher }) },
      );
      return (token) => verifier.verify(token);
    },
  },
  fastJwt(false),
  fastJwt(true),
  {
    id: "jsonwebtoken",
    label: "jsonwebtoken + jwks-rsa",
    // jsonwebtoken 9 has no EdDSA.
    unsupported: ["EdDSA"],
    async create(ctx) {
      // Its types are not reachable from bench/; a computed specifier and the two calls used, typed here.
      const jwtName = "jsonwebtoken";
      const { default: jwt } = (await import(jwtName)) as { default: JsonWebToken };
      const { default: jwksRsa } = await import("jwks-rsa");
      const client = jwksRsa({ jwksUri: ctx.jwksUri, cache: true, rateLimit: false });
      const options = { algorithms: [ctx.alg as "RS256"], issuer: ctx.issuer, audience: ctx.audience };
      return async (token) => {
        const decoded = jwt.decode(token, { complete: true });
        if (!decoded) throw new Error("malformed");
        const key = await client.getSigningKey(decoded.header.kid);
        return jwt.verify(token, key.getPublicKey(), options);
      };
    },
  },
];
