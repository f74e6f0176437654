/**
 * Finds and decodes the one DPoP proof of a request (RFC 9449 §4.3 items 1–2): exactly one `DPoP`
 * header field, holding one well-formed JWS compact JWT of bounded size, whose header and payload are
 * JSON objects without repeated member names. Every way of failing is 401 `invalid_dpop_proof` with a
 * fixed description; nothing of the proof is ever echoed.
 *
 * Node joins repeated header fields into one value with ", " and Fetch `Headers` does the same, so a
 * comma in the value (never part of a JWS compact serialisation) is told apart by counting the raw
 * fields when the framework kept them (Node's `rawHeaders`, reached through Koa's `req` and Fastify's
 * `raw`); either way the proof is refused.
 */
import { InvalidDPoPProofError, InvalidTokenError } from "../errors/bearer-error.js";
import { type DecodedToken, decodeUntrusted } from "../pipeline/decode.js";
import type { RequestLike } from "../types.js";

/** Longest proof accepted, in characters: an RS512 proof with an 8192-bit key fits in about 4 KB. */
export const MAX_PROOF_LENGTH = 8192;

type RawHeaderHolder = {
  rawHeaders?: unknown;
  req?: { rawHeaders?: unknown };
  raw?: { rawHeaders?: unknown };
};

function rawHeadersOf(request: RequestLike): readonly string[] | undefined {
  const holder = request as RequestLike & RawHeaderHolder;
  const raw = holder.rawHeaders ?? holder.req?.rawHeaders ?? holder.raw?.rawHeaders;
  return Array.isArray(raw) ? (raw as string[]) : undefined;
}

function countRawFields(raw: readonly string[], name: string): number {
  let count = 0;
  for (let i = 0; i < raw.length; i += 2) if (raw[i]?.toLowerCase() === name) count++;
  return count;
}

/** The value of the request's one `DPoP` header field; throws 401 `invalid_dpop_proof` otherwise. */
export function readProofHeader(request: RequestLike): string {
  const headers = request.headers;
  let value: unknown;
  if (typeof (headers as Headers).get === "function") value = (headers as Headers).get("dpop") ?? undefined;
  else value = (headers as Record<string, unknown>).dpop;
  if (Array.isArray(value)) {
    if (value.length > 1) throw new InvalidDPoPProofError("multiple", undefined);
    value = value[0];
  }
  if (value === undefined) throw new InvalidDPoPProofError("missing", undefined);
  if (typeof value !== "string" || value === "") throw new InvalidDPoPProofError("malformed", undefined);
  if (value.indexOf(",") !== -1) {
    const raw = rawHeadersOf(request);
    const fields = raw === undefined ? 2 : countRawFields(raw, "dpop");
    throw new InvalidDPoPProofError(fields > 1 ? "multiple" : "malformed", undefined);
  }
  if (value.length > MAX_PROOF_LENGTH) throw new InvalidDPoPProofError("too_large", undefined);
  return value;
}

const BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/**
 * True when the base64url segment of `length` characters ending at `end` has no stray bits in its
 * last character. Node's decoder ignores those bits, so without this check several texts would decode
 * to one proof; with it, every change to a proof's text changes the bytes that are verified.
 */
function hasCanonicalEnding(proof: string, end: number, length: number): boolean {
  const spare = length % 4 === 2 ? 0b1111 : length % 4 === 3 ? 0b11 : 0;
  return spare === 0 || (BASE64URL.indexOf(proof.charAt(end - 1)) & spare) === 0;
}

/** Decodes a proof without trusting it yet; the token decoder's failures become proof failures. */
export function decodeProof(proof: string): DecodedToken {
  let decoded: DecodedToken;
  try {
    decoded = decodeUntrusted(proof, undefined);
  } catch (error) {
    const reason =
      error instanceof InvalidTokenError && error.reason === "duplicate_member"
        ? "duplicate_member"
        : "malformed";
    throw new InvalidDPoPProofError(reason, undefined, error);
  }
  const first = proof.indexOf(".");
  const second = proof.indexOf(".", first + 1);
  if (
    !hasCanonicalEnding(proof, first, first) ||
    !hasCanonicalEnding(proof, second, second - first - 1) ||
    !hasCanonicalEnding(proof, proof.length, proof.length - second - 1)
  ) {
    throw new InvalidDPoPProofError("malformed", undefined);
  }
  return decoded;
}
