/**
 * Stage 2 of 7: decode the JWS compact serialisation (RFC 7515 §7.1) without trusting anything in
 * it yet. Strict on form: exactly three base64url segments, JSON objects for header and payload, and
 * no repeated member names (RFC 7515 §4 / RFC 7519 §4: a parser that kept the first copy where we
 * keep the last would read a different token than we verified).
 */
import { InvalidTokenError } from "../errors/bearer-error.js";
import type { JWTHeader, JWTPayload } from "../types.js";

export interface DecodedToken {
  readonly header: JWTHeader;
  readonly claims: JWTPayload;
  /** `BASE64URL(header) || "." || BASE64URL(payload)`: the bytes the signature covers. */
  readonly signingInput: string;
  readonly signature: Buffer;
}

const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/**
 * True when a JSON text (already accepted by JSON.parse) repeats a member name inside one object.
 * A single scan that tracks only object nesting and string boundaries: cheap enough for every token.
 */
export function hasDuplicateMembers(text: string): boolean {
  const stack: (Set<string> | null)[] = [];
  let expectKey = false;
  const length = text.length;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      const start = i + 1;
      let escaped = false;
      i = start;
      for (;;) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) {
          escaped = true;
          i += 2;
        } else if (d === 0x22) break;
        else i++;
      }
      if (expectKey) {
        const key = escaped ? (JSON.parse(text.slice(start - 1, i + 1)) as string) : text.slice(start, i);
        const members = stack[stack.length - 1] as Set<string>;
        if (members.has(key)) return true;
        members.add(key);
        expectKey = false;
      }
    } else if (c === 0x7b) {
      stack.push(new Set());
      expectKey = true;
    } else if (c === 0x5b) {
      stack.push(null);
    } else if (c === 0x7d || c === 0x5d) {
      stack.pop();
    } else if (c === 0x2c) {
      expectKey = stack[stack.length - 1] != null;
    }
  }
  return false;
}

function parseObject(segment: string, realm: string | undefined): Record<string, unknown> {
  // base64url of n bytes is never 1 (mod 4) characters long.
  if (segment.length % 4 === 1) throw new InvalidTokenError("malformed", realm);
  let text: string;
  let value: unknown;
  try {
    // RFC 8259 §8.1: JSON text is UTF-8; invalid sequences (and a BOM) make the token malformed.
    text = UTF8.decode(Buffer.from(segment, "base64url"));
    value = JSON.parse(text);
  } catch (error) {
    throw new InvalidTokenError("malformed", realm, error);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value))
    throw new InvalidTokenError("malformed", realm);
  if (hasDuplicateMembers(text)) throw new InvalidTokenError("duplicate_member", realm);
  return value as Record<string, unknown>;
}

/**
 * Splits and decodes `token`. Throws 401 `invalid_token` (`malformed`, `duplicate_member`).
 * @example const { header, claims } = decodeUntrusted(token, "api");
 */
export function decodeUntrusted(token: string, realm: string | undefined): DecodedToken {
  if (!COMPACT_JWS.test(token)) throw new InvalidTokenError("malformed", realm);
  const first = token.indexOf(".");
  const second = token.indexOf(".", first + 1);
  const header = parseObject(token.slice(0, first), realm);
  if (typeof header.alg !== "string") throw new InvalidTokenError("malformed", realm);
  if (header.kid !== undefined && (typeof header.kid !== "string" || header.kid.length > 256)) {
    throw new InvalidTokenError("malformed", realm);
  }
  const claims = parseObject(token.slice(first + 1, second), realm);
  const signatureText = token.slice(second + 1);
  if (signatureText.length % 4 === 1) throw new InvalidTokenError("malformed", realm);
  return {
    header: header as JWTHeader,
    claims: claims as JWTPayload,
    signingInput: token.slice(0, second),
    signature: Buffer.from(signatureText, "base64url"),
  };
}
