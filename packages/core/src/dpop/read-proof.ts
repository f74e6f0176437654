/**
 * Finds and decodes the one DPoP proof of a request (RFC 9449 §4.3 items 1–2): exactly one `DPoP`
 * header field, holding one well-formed JWS compact JWT of bounded size: three base64url segments
 * (strict: no padding, no stray bits in a last character, so each proof has exactly one text), and a
 * header and payload that are UTF-8 JSON objects without repeated member names. Every way of failing is
 * 401 `invalid_dpop_proof` with a fixed description; nothing of the proof is ever echoed.
 *
 * Node joins repeated header fields into one value with ", " and Fetch `Headers` does the same, so a
 * comma in the value (never part of a JWS compact serialisation) is told apart by counting the raw
 * fields when the framework kept them (Node's `rawHeaders`, reached through Koa's `req` and Fastify's
 * `raw`); either way the proof is refused.
 *
 * The header is returned undecoded: a client's proofs share one header text, so the check caches what
 * it learnt from a header by that text (proof-key.ts) and decodes it only the first time.
 */
import { isUtf8 } from "node:buffer";
import { InvalidDPoPProofError } from "../errors/bearer-error.js";
import { hasDuplicateMembers } from "../pipeline/decode.js";
import type { RequestLike } from "../types.js";

/** Longest proof accepted, in characters: an RS512 proof with an 8192-bit key fits in about 4 KB. */
export const MAX_PROOF_LENGTH = 8192;

/** A proof split into what the checks need. */
export interface ProofParts {
  /** The base64url header segment, as sent. */
  readonly headerSegment: string;
  readonly claims: Record<string, unknown>;
  /** `BASE64URL(header) || "." || BASE64URL(payload)`: the bytes the signature covers. */
  readonly signingInput: string;
  readonly signature: Buffer;
}

type RawHeaderHolder = {
  rawHeaders?: unknown;
  req?: { rawHeaders?: unknown };
  raw?: { rawHeaders?: unknown };
};

function malformed(): never {
  throw new InvalidDPoPProofError("malformed", undefined);
}

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
  if (typeof value !== "string" || value === "") malformed();
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
 * Decodes the base64url segment `text[start, end)` strictly. Node's decoder skips characters outside
 * its alphabets and ignores unused bits of a last character, so the decoded length is checked exactly
 * (with `+` and `/` refused by the caller) and those unused bits must be zero.
 */
export function decodeSegment(text: string, start: number, end: number): Buffer {
  const length = end - start;
  // base64url of n bytes is never 1 (mod 4) characters long.
  if (length === 0 || length % 4 === 1) malformed();
  const spare = length % 4 === 2 ? 0b1111 : length % 4 === 3 ? 0b11 : 0;
  if (spare !== 0 && (BASE64URL.indexOf(text.charAt(end - 1)) & spare) !== 0) malformed();
  const bytes = Buffer.from(start === 0 && end === text.length ? text : text.slice(start, end), "base64url");
  if (bytes.length !== Math.floor((length * 3) / 4)) malformed();
  return bytes;
}

/** A JSON object from UTF-8 bytes, refusing other JSON values and repeated member names. */
export function parseJsonObject(bytes: Buffer): Record<string, unknown> {
  // RFC 8259 §8.1: JSON text is UTF-8; a BOM is not JSON whitespace, so JSON.parse refuses it.
  if (!isUtf8(bytes)) malformed();
  const text = bytes.toString("utf8");
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return malformed();
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) malformed();
  if (hasDuplicateMembers(text)) throw new InvalidDPoPProofError("duplicate_member", undefined);
  return value as Record<string, unknown>;
}

/** Splits a proof and decodes its payload and signature; the header segment is left to the caller. */
export function splitProof(proof: string): ProofParts {
  const first = proof.indexOf(".");
  const second = first === -1 ? -1 : proof.indexOf(".", first + 1);
  // Exactly three segments (a JWE has five); `+` and `/` are base64, not base64url (RFC 7515 §2).
  if (
    first <= 0 ||
    second === -1 ||
    proof.indexOf(".", second + 1) !== -1 ||
    proof.indexOf("+") !== -1 ||
    proof.indexOf("/") !== -1
  ) {
    malformed();
  }
  // The header segment is decoded (strictly) by the check when it meets that text for the first time.
  const headerSegment = proof.slice(0, first);
  return {
    headerSegment,
    claims: parseJsonObject(decodeSegment(proof, first + 1, second)),
    signingInput: proof.slice(0, second),
    signature: decodeSegment(proof, second + 1, proof.length),
  };
}
