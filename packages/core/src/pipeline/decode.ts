/**
 * Stage 2 of 8: decode the JWS compact serialisation (RFC 7515 §7.1) without trusting anything in
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

/**
 * True when a JSON text (already accepted by JSON.parse) repeats a member name inside one object.
 * One pass that tracks only object nesting and string boundaries; string values are skipped with
 * indexOf, so the cost is close to a memchr over the text.
 */
export function hasDuplicateMembers(text: string): boolean {
  const stack: (Set<string> | null)[] = [];
  let expectKey = false;
  let i = 0;
  for (;;) {
    const quote = text.indexOf('"', i);
    const stop = quote === -1 ? text.length : quote;
    for (; i < stop; i++) {
      const c = text.charCodeAt(i);
      if (c === 0x7b) {
        stack.push(new Set());
        expectKey = true;
      } else if (c === 0x5b) stack.push(null);
      else if (c === 0x7d || c === 0x5d) stack.pop();
      else if (c === 0x2c) expectKey = stack[stack.length - 1] != null;
    }
    if (quote === -1) return false;
    if (expectKey) {
      // Member names are short: read them character by character, unescaping when needed.
      let end = quote + 1;
      let escaped = false;
      for (let c = text.charCodeAt(end); c !== 0x22; c = text.charCodeAt(end)) {
        if (end >= text.length) return false; // unterminated: not JSON, JSON.parse refused it already
        if (c === 0x5c) {
          escaped = true;
          end += 2;
        } else end++;
      }
      const name = escaped ? (JSON.parse(text.slice(quote, end + 1)) as string) : text.slice(quote + 1, end);
      const members = stack[stack.length - 1] as Set<string>;
      if (members.has(name)) return true;
      members.add(name);
      expectKey = false;
      i = end + 1;
    } else {
      // A value: jump to the closing quote, one not preceded by an odd run of backslashes.
      let end = text.indexOf('"', quote + 1);
      for (;;) {
        if (end === -1) return false; // unterminated: not JSON, JSON.parse refused it already
        let backslashes = 0;
        while (text.charCodeAt(end - 1 - backslashes) === 0x5c) backslashes++;
        if (backslashes % 2 === 0) break;
        end = text.indexOf('"', end + 1);
      }
      i = end + 1;
    }
  }
}

/**
 * Decodes one base64url segment strictly. Node's decoder skips characters outside its alphabets, and
 * every skipped character shortens the output, so an exact length check (with `+` and `/` refused
 * once per token) proves the segment is pure base64url without a regex pass over the token.
 */
function decodeSegment(token: string, start: number, end: number, realm: string | undefined): Buffer {
  const length = end - start;
  // base64url of n bytes is never 1 (mod 4) characters long.
  if (length === 0 || length % 4 === 1) throw new InvalidTokenError("malformed", realm);
  const bytes = Buffer.from(token.slice(start, end), "base64url");
  if (bytes.length !== Math.floor((length * 3) / 4)) throw new InvalidTokenError("malformed", realm);
  return bytes;
}

function parseObject(bytes: Buffer, realm: string | undefined): Record<string, unknown> {
  let text: string;
  let value: unknown;
  try {
    // RFC 8259 §8.1: JSON text is UTF-8; invalid sequences (and a BOM) make the token malformed.
    text = UTF8.decode(bytes);
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
  const first = token.indexOf(".");
  const second = first === -1 ? -1 : token.indexOf(".", first + 1);
  // Exactly three segments (a JWE has five); `+` and `/` are base64, not base64url (RFC 7515 §2).
  if (
    second === -1 ||
    token.indexOf(".", second + 1) !== -1 ||
    token.indexOf("+") !== -1 ||
    token.indexOf("/") !== -1
  ) {
    throw new InvalidTokenError("malformed", realm);
  }
  const header = parseObject(decodeSegment(token, 0, first, realm), realm);
  if (typeof header.alg !== "string") throw new InvalidTokenError("malformed", realm);
  if (header.kid !== undefined && (typeof header.kid !== "string" || header.kid.length > 256)) {
    throw new InvalidTokenError("malformed", realm);
  }
  const claims = parseObject(decodeSegment(token, first + 1, second, realm), realm);
  return {
    header: header as JWTHeader,
    claims: claims as JWTPayload,
    signingInput: token.slice(0, second),
    signature: decodeSegment(token, second + 1, token.length, realm),
  };
}
