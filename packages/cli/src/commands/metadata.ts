/**
 * Finds an issuer's metadata where core looks for it, in the same order: OpenID Connect Discovery 1.0
 * §4 (`{issuer}/.well-known/openid-configuration`), then RFC 8414 §3.1 (the path-insertion form,
 * `{origin}/.well-known/oauth-authorization-server{path}`, then the suffix form that many providers
 * serve instead). Used by `discover` and by `token` (for the token endpoint).
 */
import { type HttpAnswer, NetworkError, request } from "../http.js";
import type { Terminal } from "../terminal.js";

export interface MetadataFound {
  url: string;
  kind: "openid" | "oauth";
  document: Record<string, unknown>;
}

export interface MetadataAttempt {
  url: string;
  outcome: string;
}

export function metadataLocations(issuer: string): { url: string; kind: "openid" | "oauth" }[] {
  const base = issuer.replace(/\/$/, "");
  const { origin, pathname } = new URL(base);
  const path = pathname === "/" ? "" : pathname;
  const locations = [
    { url: `${base}/.well-known/openid-configuration`, kind: "openid" as const },
    { url: `${origin}/.well-known/oauth-authorization-server${path}`, kind: "oauth" as const },
  ];
  if (path !== "") locations.push({ url: `${base}/.well-known/oauth-authorization-server`, kind: "oauth" });
  return locations;
}

function outcomeOf(answer: HttpAnswer): string | undefined {
  if (answer.status !== 200) return `HTTP ${answer.status}`;
  const body = answer.json;
  if (body === null || typeof body !== "object" || Array.isArray(body)) return "not a JSON object";
  return undefined;
}

/**
 * The first location that answers 200 with a JSON object, or the list of what each answered.
 * Rejects with NetworkError when a location cannot be reached at all.
 */
export async function findMetadata(
  issuer: string,
  terminal: Terminal,
  timeoutMs: number,
): Promise<{ found: MetadataFound | undefined; attempts: MetadataAttempt[] }> {
  const attempts: MetadataAttempt[] = [];
  for (const location of metadataLocations(issuer)) {
    const answer = await terminal.during(`fetching ${location.url}`, request(location.url, { timeoutMs }));
    const outcome = outcomeOf(answer);
    if (outcome === undefined)
      return {
        found: { ...location, document: answer.json as Record<string, unknown> },
        attempts,
      };
    attempts.push({ url: location.url, outcome });
  }
  return { found: undefined, attempts };
}

/** Same as findMetadata, for commands that cannot go on without it. */
export async function requireMetadata(
  issuer: string,
  terminal: Terminal,
  timeoutMs: number,
): Promise<MetadataFound> {
  const { found, attempts } = await findMetadata(issuer, terminal, timeoutMs);
  if (found) return found;
  throw new NetworkError(
    `no metadata found for ${issuer} (${attempts.map((a) => `${a.url}: ${a.outcome}`).join("; ")})`,
  );
}
