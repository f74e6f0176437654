/**
 * `resource-guard discover <issuer>`: what an issuer publishes for resource servers, fetched as core
 * would fetch it (metadata, then the JWKS it names), and what is wrong with it. Exit code 0 when
 * nothing is wrong, 1 when a problem of severity "error" was found, 3 when the metadata or the keys
 * could not be had at all.
 */
import { EXIT, type Parsed, parse, timeoutOf, UsageError, urlOf } from "../args.js";
import { columns, duration } from "../format.js";
import { request } from "../http.js";
import type { Terminal } from "../terminal.js";
import {
  cacheProblems,
  describeKey,
  issuerProblems,
  type KeyInfo,
  keyProblems,
  maxAgeOf,
  type Problem,
  refreshSeconds,
} from "./issuer-problems.js";
import { findMetadata, type MetadataAttempt, type MetadataFound } from "./metadata.js";

export const DISCOVER_USAGE = `Usage: resource-guard discover <issuer> [--json]

Fetches the issuer's metadata (OpenID Connect discovery, then RFC 8414) and its JWKS, and shows the
members a resource server uses, every key (kid, type, algorithm, use, size), the JWKS caching header,
and the problems found. Exit code 0: no problem; 1: a problem marked "error"; 3: unreachable.`;

const SHOWN_MEMBERS = [
  "issuer",
  "jwks_uri",
  "token_endpoint",
  "introspection_endpoint",
  "revocation_endpoint",
  "grant_types_supported",
  "token_endpoint_auth_methods_supported",
  "scopes_supported",
  "dpop_signing_alg_values_supported",
  "tls_client_certificate_bound_access_tokens",
];

interface JwksReport {
  url: string;
  status: number;
  cacheControl: string | null;
  maxAge: number | undefined;
  refreshSeconds: number;
  keys: KeyInfo[];
}

async function fetchJwks(url: string, terminal: Terminal, timeoutMs: number) {
  const answer = await terminal.during(`fetching ${url}`, request(url, { timeoutMs }));
  const problems: Problem[] = [];
  const cacheControl = answer.headers.get("cache-control");
  const maxAge = maxAgeOf(cacheControl);
  const body = answer.json as { keys?: unknown } | undefined;
  let keys: KeyInfo[] = [];
  if (answer.status !== 200) {
    problems.push({
      severity: "error",
      code: "jwks-status",
      message: `the JWKS answered HTTP ${answer.status}`,
    });
  } else if (!body || typeof body !== "object" || !Array.isArray(body.keys)) {
    problems.push({
      severity: "error",
      code: "not-a-jwk-set",
      message: 'the JWKS is not a JWK Set (no "keys" array)',
    });
  } else {
    keys = body.keys
      .filter((k) => k && typeof k === "object")
      .map((k) => describeKey(k as Record<string, unknown>));
    problems.push(...keyProblems(keys), ...cacheProblems(cacheControl));
  }
  const report: JwksReport = {
    url,
    status: answer.status,
    cacheControl,
    maxAge,
    refreshSeconds: refreshSeconds(maxAge),
    keys,
  };
  return {
    report,
    problems,
    reachable: answer.status === 200 && problems.every((p) => p.code !== "not-a-jwk-set"),
  };
}

function printMetadata(terminal: Terminal, found: MetadataFound): void {
  const kind = found.kind === "openid" ? "OpenID Connect Discovery" : "RFC 8414";
  terminal.out(`${terminal.style("Metadata", "bold")}  ${found.url} (${kind})`);
  const rows = SHOWN_MEMBERS.filter((name) => name in found.document).map((name) => {
    const value = found.document[name];
    return [name, Array.isArray(value) ? value.join(", ") : String(value)];
  });
  for (const line of columns(rows)) terminal.out(line);
}

function printJwks(terminal: Terminal, jwks: JwksReport): void {
  terminal.out(`${terminal.style("JWKS", "bold")}      ${jwks.url}`);
  const caching =
    jwks.cacheControl === null
      ? `none (keys refreshed every ${duration(jwks.refreshSeconds)})`
      : `${jwks.cacheControl} (keys refreshed every ${duration(jwks.refreshSeconds)})`;
  terminal.out(`  Cache-Control  ${caching}`);
  if (jwks.keys.length === 0) return;
  const rows = [["kid", "kty", "alg", "use", "size"]];
  for (const key of jwks.keys) rows.push([key.kid, key.kty, key.alg, key.use, key.size].map((v) => v ?? "-"));
  for (const line of columns(rows)) terminal.out(line);
}

function printProblems(terminal: Terminal, problems: Problem[], attempts: MetadataAttempt[]): void {
  terminal.out();
  if (problems.length === 0) {
    terminal.out(terminal.style("No problems found.", "pass"));
    return;
  }
  terminal.out(terminal.style("Problems", "bold"));
  const rows = problems.map((p) => [p.severity, p.code, p.message]);
  columns(rows).forEach((line, i) => {
    terminal.out(
      problems[i]?.severity === "error" ? terminal.style(line, "fail") : terminal.style(line, "warn"),
    );
  });
  for (const attempt of attempts) terminal.out(`  tried ${attempt.url}: ${attempt.outcome}`);
}

export async function discover(args: string[], terminal: Terminal): Promise<number> {
  const { values, positionals }: Parsed = parse(args, {});
  if (values.help) {
    terminal.out(DISCOVER_USAGE);
    return EXIT.ok;
  }
  if (positionals.length !== 1)
    throw new UsageError("discover takes one issuer URL: resource-guard discover <issuer>");
  const issuer = urlOf(positionals[0] as string, "the issuer");
  const timeoutMs = timeoutOf(values);

  const { found, attempts } = await findMetadata(issuer, terminal, timeoutMs);
  const problems: Problem[] = [];
  let jwks: JwksReport | undefined;
  let reachable = found !== undefined;
  if (!found) {
    problems.push({ severity: "error", code: "no-metadata", message: `no metadata found for ${issuer}` });
  } else {
    problems.push(...issuerProblems(issuer, found.document.issuer, found.document.jwks_uri));
    const jwksUri = found.document.jwks_uri;
    if (typeof jwksUri === "string" && URL.canParse(jwksUri)) {
      const fetched = await fetchJwks(jwksUri, terminal, timeoutMs);
      jwks = fetched.report;
      problems.push(...fetched.problems);
      reachable = fetched.reachable;
    }
  }
  const code = !reachable
    ? EXIT.network
    : problems.some((p) => p.severity === "error")
      ? EXIT.failed
      : EXIT.ok;

  if (values.json) {
    terminal.out(
      JSON.stringify(
        { issuer, metadata: found ?? null, attempts, jwks: jwks ?? null, problems, exitCode: code },
        null,
        2,
      ),
    );
    return code;
  }
  terminal.out(`${terminal.style("Issuer", "bold")}    ${issuer}`);
  if (found) printMetadata(terminal, found);
  if (jwks) printJwks(terminal, jwks);
  printProblems(terminal, problems, found ? [] : attempts);
  return code;
}
