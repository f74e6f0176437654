/**
 * Reading the token given to `inspect` and decoding it for display only: the JOSE header and the
 * claims of a JWS compact serialisation (RFC 7515 §7.1). Nothing here decides whether the token is
 * good (core does); the signature part is never shown.
 */

export interface TokenParts {
  kind: "jws" | "jwe" | "other";
  header: Record<string, unknown> | undefined;
  claims: Record<string, unknown> | undefined;
}

function decodeJson(part: string | undefined): Record<string, unknown> | undefined {
  if (part === undefined || !/^[A-Za-z0-9_-]+$/.test(part)) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
    return value !== null && typeof value === "object" && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

export function decodeForDisplay(token: string): TokenParts {
  const parts = token.split(".");
  if (parts.length === 5) return { kind: "jwe", header: decodeJson(parts[0]), claims: undefined };
  if (parts.length !== 3) return { kind: "other", header: undefined, claims: undefined };
  return { kind: "jws", header: decodeJson(parts[0]), claims: decodeJson(parts[1]) };
}

/** Strips what people paste along with a token: whitespace and an `Authorization` scheme. */
export function cleanToken(raw: string): string {
  return raw.trim().replace(/^(?:authorization:\s*)?(?:bearer|dpop)\s+/i, "");
}

export async function readStdin(stdin: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stdin as AsyncIterable<Buffer | string>) {
    const buffer = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    size += buffer.length;
    // Tokens are a few kilobytes; stop reading a stream that is clearly something else.
    if (size > 1024 * 1024) break;
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}
