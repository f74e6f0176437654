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
 * Member names in a JSON text that JSON.parse accepted: every unescaped `"` followed (after
 * whitespace) by `:`. In valid JSON only a member name is followed by a colon, and a `"` inside a
 * string is always escaped, so no string value can be counted by mistake.
 */
function countMemberNames(text: string): number {
  let count = 0;
  for (let colon = text.indexOf(":"); colon !== -1; colon = text.indexOf(":", colon + 1)) {
    let at = colon - 1;
    let c = text.charCodeAt(at);
    while (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) c = text.charCodeAt(--at);
    if (c !== 0x22) continue;
    let backslashes = 0;
    while (text.charCodeAt(at - 1 - backslashes) === 0x5c) backslashes++;
    if (backslashes % 2 === 0) count++;
  }
  return count;
}

/** Members of every object in a parsed JSON value, walked without recursion (nesting is untrusted). */
function countMembers(value: unknown): number {
  let count = 0;
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const item = pending.pop();
    if (item === null || typeof item !== "object") continue;
    if (Array.isArray(item)) {
      for (const element of item) if (element !== null && typeof element === "object") pending.push(element);
      continue;
    }
    for (const name in item) {
      count++;
      const member = (item as Record<string, unknown>)[name];
      if (member !== null && typeof member === "object") pending.push(member);
    }
  }
  return count;
}

/**
 * True when a JSON text (already accepted by JSON.parse) repeats a member name inside one object.
 * JSON.parse keeps one member per name, so a text with a repeated name has more member names than
 * its parsed value has members: two counts, no per-object sets and no name strings.
 */
export function hasDuplicateMembers(text: string, ...parsed: [unknown?]): boolean {
  let value: unknown;
  if (parsed.length > 0) value = parsed[0];
  else {
    try {
      value = JSON.parse(text);
    } catch {
      return false; // not JSON at all: no member is repeated in it
    }
  }
  return countMemberNames(text) !== countMembers(value);
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
  if (hasDuplicateMembers(text, value)) throw new InvalidTokenError("duplicate_member", realm);
  return value as Record<string, unknown>;
}

/**
 * Headers already decoded, by their base64url text. Every token an issuer signs with one key has the
 * same header, so a token never seen before usually has a header that was: its decoding (base64url,
 * UTF-8, JSON, the duplicate-member scan) is done once. Decoding is a pure function of the text and
 * the result is frozen, so a header served from here is exactly what decoding would give. Bounded:
 * short headers only, and emptied when full, so a flood of made-up headers costs a clear now and then.
 */
const HEADERS = new Map<string, JWTHeader>();
const HEADERS_MAX_ENTRIES = 64;
const HEADERS_MAX_LENGTH = 512;

function decodeHeader(token: string, end: number, realm: string | undefined): JWTHeader {
  const text = end <= HEADERS_MAX_LENGTH ? token.slice(0, end) : undefined;
  if (text !== undefined) {
    const known = HEADERS.get(text);
    if (known !== undefined) return known;
  }
  const header = parseObject(decodeSegment(token, 0, end, realm), realm);
  if (typeof header.alg !== "string") throw new InvalidTokenError("malformed", realm);
  if (header.kid !== undefined && (typeof header.kid !== "string" || header.kid.length > 256)) {
    throw new InvalidTokenError("malformed", realm);
  }
  deepFreeze(header);
  if (text !== undefined) {
    if (HEADERS.size >= HEADERS_MAX_ENTRIES) HEADERS.clear();
    // A copy of the header's text: a slice would keep the whole token it was cut from alive.
    HEADERS.set(Buffer.from(text, "latin1").toString("latin1"), header as JWTHeader);
  }
  return header as JWTHeader;
}

/**
 * Freezes a parsed JSON value and everything in it. for…in rather than Object.values: no array per
 * object (JSON.parse objects have no inherited enumerable members, so this visits exactly their own).
 */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const name in value) {
      const member = (value as Record<string, unknown>)[name];
      if (member !== null && typeof member === "object") deepFreeze(member);
    }
  }
  return value;
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
  const header = decodeHeader(token, first, realm);
  const claims = parseObject(decodeSegment(token, first + 1, second, realm), realm);
  return {
    header: header as JWTHeader,
    claims: claims as JWTPayload,
    signingInput: token.slice(0, second),
    signature: decodeSegment(token, second + 1, token.length, realm),
  };
}
