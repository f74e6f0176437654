/**
 * `resource-guard inspect <token>`: why is this token refused? Shows the token's header and claims
 * (never its signature), then every check of @resource-guard/core against the real issuer, each with
 * its verdict, core's reason code and what to change. Exit code 0 when every check passes, 1 when one
 * fails, 3 when the issuer's keys cannot be had and nothing else failed.
 */
import { EXIT, listOf, type Parsed, parse, stringOf, timeoutOf, UsageError, urlOf } from "../args.js";
import { instant, relative } from "../format.js";
import type { Style, Terminal } from "../terminal.js";
import { type CheckResult, type RunOutcome, runChecks } from "./inspect-run.js";
import { cleanToken, decodeForDisplay, readStdin, type TokenParts } from "./token-parts.js";

export const INSPECT_USAGE = `Usage: resource-guard inspect <token> [--issuer <url>] [--audience <aud>]... [--scope <scope>]...

Decodes the token (header and claims; the signature is never shown), then runs every check of
@resource-guard/core against the issuer's real metadata and keys, and prints each check as pass or
FAIL with core's reason and what to change. Give the token as "-" (or not at all) to read it from
stdin, which keeps it out of your shell history.

Options:
  --issuer <url>          your issuer; without it the token's own "iss" is used (confirm it is yours)
  --audience <aud>        your API's audience (repeatable); without it the audience is not checked
  --scope <scope>         a scope the route requires (repeatable, or space-separated)
  --jwks-uri <url>        the key set's URL, when the issuer publishes no metadata
  --allow-insecure-http   allow an http: issuer off loopback
  --json, --no-color, --timeout <ms>

Exit codes: 0 every check passed, 1 a check failed, 2 usage error, 3 the issuer's keys could not be had.`;

const OPTIONS = {
  issuer: { type: "string" },
  audience: { type: "string", multiple: true },
  scope: { type: "string", multiple: true },
  "jwks-uri": { type: "string" },
  "allow-insecure-http": { type: "boolean" },
} as const;

const MARKS: Record<CheckResult["status"], [string, Style | undefined]> = {
  pass: ["pass", "pass"],
  fail: ["FAIL", "fail"],
  skip: ["skip", "warn"],
  not_checked: ["  - ", "dim"],
};

async function tokenOf(positionals: string[], stdin: NodeJS.ReadableStream & { isTTY?: boolean }) {
  if (positionals.length > 1) throw new UsageError("inspect takes one token; quote it, or pipe it on stdin");
  const given = positionals[0];
  if (given !== undefined && given !== "-") {
    const token = cleanToken(given);
    if (token === "") throw new UsageError("the token is empty");
    return token;
  }
  if (given === undefined && stdin.isTTY)
    throw new UsageError('give the token as an argument, or "-" to read stdin');
  const token = cleanToken(await readStdin(stdin));
  if (token === "") throw new UsageError("stdin held no token");
  return token;
}

function printToken(terminal: Terminal, parts: TokenParts): void {
  terminal.out(terminal.style("Token", "bold"));
  if (parts.kind === "jwe")
    terminal.out("  an encrypted token (JWE): only the resource server's provider can read it");
  if (parts.kind === "other" || !parts.header || !parts.claims) {
    terminal.out("  not a JWS compact JWT: it cannot be decoded");
    return;
  }
  terminal.out(`  header  ${JSON.stringify(parts.header)}`);
  const claims = JSON.stringify(parts.claims, null, 2).split("\n");
  terminal.out(`  claims  ${claims[0]}`);
  for (const line of claims.slice(1)) terminal.out(`          ${line}`);
  const now = Date.now() / 1000;
  for (const name of ["exp", "nbf", "iat"]) {
    const at = instant(parts.claims[name]);
    if (at) terminal.out(`  ${name.padEnd(6)}  ${at} (${relative((parts.claims[name] as number) - now)})`);
  }
}

function printChecks(terminal: Terminal, outcome: RunOutcome): void {
  terminal.out();
  terminal.out(terminal.style("Checks", "bold"));
  const width = Math.max(...outcome.checks.map((check) => check.name.length));
  for (const check of outcome.checks) {
    const [mark, style] = MARKS[check.status];
    const reason = check.reason ? ` [${check.reason}]` : "";
    terminal.out(
      `  ${style ? terminal.style(mark, style) : mark}  ${check.name.padEnd(width)}  ${check.text}${reason}`,
    );
    if (check.fix) terminal.out(`        ${" ".repeat(width)}  fix: ${check.fix}`);
  }
  terminal.out();
  const { refusal, keysError } = outcome;
  if (refusal)
    terminal.out(
      `${terminal.style("Result", "bold")}  ${terminal.style("refused", "fail")}: ${refusal.status}${refusal.code ? ` ${refusal.code}` : ""} "${refusal.description}"`,
    );
  else if (keysError)
    terminal.out(
      `${terminal.style("Result", "bold")}  ${terminal.style("undecided", "fail")}: 503, the keys could not be had`,
    );
  else terminal.out(`${terminal.style("Result", "bold")}  ${terminal.style("accepted", "pass")}`);
}

export async function inspect(
  args: string[],
  terminal: Terminal,
  stdin: NodeJS.ReadableStream & { isTTY?: boolean },
): Promise<number> {
  const { values, positionals }: Parsed = parse(args, OPTIONS);
  if (values.help) {
    terminal.out(INSPECT_USAGE);
    return EXIT.ok;
  }
  const timeoutMs = timeoutOf(values);
  const token = await tokenOf(positionals, stdin);
  const parts = decodeForDisplay(token);
  const undecodable = parts.kind !== "jws" || !parts.header || !parts.claims;
  const given = stringOf(values, "issuer");
  const iss = parts.claims?.iss;
  let issuer: string;
  if (given !== undefined) issuer = urlOf(given, "--issuer");
  else if (typeof iss === "string" && URL.canParse(iss)) {
    issuer = iss;
    terminal.err(
      `note: no --issuer given, so the token's own "iss" (${iss}) is used; confirm it is your identity provider, since anyone can mint a token naming any issuer`,
      "warn",
    );
  } else if (undecodable) {
    // Core refuses an undecodable token before it looks at any issuer; this one is never contacted.
    issuer = "https://issuer.invalid";
  } else throw new UsageError('the token has no usable "iss" claim; pass --issuer');
  const audience = listOf(values, "audience");
  const jwksUri = stringOf(values, "jwks-uri");

  const outcome = await runChecks(
    {
      token,
      claims: parts.claims,
      issuer,
      issuerFromToken: given === undefined && !undecodable,
      audience: audience.length > 0 ? audience : undefined,
      scopes: listOf(values, "scope", true),
      jwksUri: jwksUri === undefined ? undefined : urlOf(jwksUri, "--jwks-uri"),
      allowInsecureHttp: values["allow-insecure-http"] === true,
      timeoutMs,
      undecodable,
    },
    terminal,
  );
  const failed = outcome.checks.some((check) => check.status === "fail" && check.name !== "keys");
  const code = failed || outcome.refusal ? EXIT.failed : outcome.keysError ? EXIT.network : EXIT.ok;

  if (values.json) {
    terminal.out(
      JSON.stringify(
        {
          token: { header: parts.header ?? null, claims: parts.claims ?? null },
          issuer: {
            url: undecodable && given === undefined ? null : issuer,
            source: given === undefined ? "token" : "option",
          },
          audience: audience.length > 0 ? audience : null,
          checks: outcome.checks,
          result: outcome.refusal ? "refused" : outcome.keysError ? "undecided" : "accepted",
          refusal: outcome.refusal ?? null,
          exitCode: code,
        },
        null,
        2,
      ),
    );
    return code;
  }
  printToken(terminal, parts);
  terminal.out();
  const source = given === undefined ? ' (the token\'s "iss"; confirm it is your identity provider)' : "";
  if (!(undecodable && given === undefined))
    terminal.out(`${terminal.style("Issuer", "bold")}    ${issuer}${source}`);
  terminal.out(
    `${terminal.style("Audience", "bold")}  ${audience.length > 0 ? audience.join(", ") : "not checked (pass --audience)"}`,
  );
  printChecks(terminal, outcome);
  return code;
}
