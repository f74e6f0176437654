/**
 * `resource-guard inspect` against a real local issuer (the test kit): for each kind of token a user
 * brings, the whole report (or its checks), stderr and the exit code are asserted. The verdicts are
 * @resource-guard/core's own, so these tests also pin the mapping of core's reasons to checks.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createTestIssuer, dpopKeyPair, type TestIssuer } from "@resource-guard/testing";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { removeBundle, runCli } from "./run-cli.js";

const AUD = "https://api.example.com";
let idp: TestIssuer;
const now = Math.floor(Date.now() / 1000);
// Two hours either side of now, so the rounded "in 2 h" / "2 h ago" cannot tip over while tests run.
const times = { iat: now - 7200, exp: now + 7200 };
const iso = (seconds: number) => new Date(seconds * 1000).toISOString().replace(".000Z", "Z");

beforeAll(async () => {
  idp = await createTestIssuer({ audience: AUD });
});
afterAll(async () => {
  await idp.close();
  removeBundle();
});

/** The lines from "Checks" to the end of the report. */
const checksOf = (stdout: string) => stdout.slice(stdout.indexOf("Checks\n")).split("\n");

const FIX = {
  expired:
    "get a new token; if fresh tokens fail too, the clocks of this machine and the identity provider disagree: fix the clock (NTP); raise clockTolerance (default 5 s) only as a stopgap",
  audience:
    'set "audience" to the value your provider puts in "aud" for this API (Keycloak: an Audience mapper; Auth0: the API identifier; Entra v2: the application id)',
};
const INDENT = "                    ";

describe("resource-guard inspect", () => {
  it("shows the token and passes every check for a good token, exit 0", async () => {
    const token = await idp.sign({ jti: "jti-1", scope: "orders:read orders:write", ...times });
    const run = await runCli([
      "inspect",
      token,
      "--issuer",
      idp.issuer,
      "--audience",
      AUD,
      "--scope",
      "orders:read",
    ]);
    expect(run).toEqual({
      code: 0,
      stderr: "",
      stdout: [
        "Token",
        '  header  {"alg":"RS256","kid":"rs256-1","typ":"at+jwt"}',
        "  claims  {",
        `            "iss": "${idp.issuer}",`,
        '            "sub": "test-user",',
        `            "aud": "${AUD}",`,
        '            "client_id": "test-client",',
        `            "iat": ${times.iat},`,
        `            "exp": ${times.exp},`,
        '            "jti": "jti-1",',
        '            "scope": "orders:read orders:write"',
        "          }",
        `  exp     ${iso(times.exp)} (in 2 h)`,
        `  iat     ${iso(times.iat)} (2 h ago)`,
        "",
        `Issuer    ${idp.issuer}`,
        `Audience  ${AUD}`,
        "",
        "Checks",
        "  pass  format      a signed JWT (JWS compact) with JSON header and claims",
        '  pass  issuer      "iss" is the configured issuer',
        "  pass  algorithm   the algorithm is accepted",
        "  pass  keys        the issuer's signing keys were fetched",
        "  pass  key         the key set holds the token's signing key",
        "  pass  signature   the signature is valid",
        '  pass  expiry      "exp" is in the future',
        '  pass  not-before  "nbf" has passed, or there is none',
        '  pass  issued-at   "iat" is not in the future',
        '  pass  audience    "aud" holds a configured audience',
        "  pass  bearer      not bound to a key, so usable as a bearer token",
        "  pass  scopes      the token holds every scope asked for",
        "",
        "Result  accepted",
        "",
      ].join("\n"),
    });
  });

  it("says on stderr that it used the token's own issuer, and skips what was not given", async () => {
    const run = await runCli(["inspect", await idp.sign(times)]);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe(
      `note: no --issuer given, so the token's own "iss" (${idp.issuer}) is used; confirm it is your identity provider, since anyone can mint a token naming any issuer\n`,
    );
    expect(run.stdout).toContain(
      `\nIssuer    ${idp.issuer} (the token's "iss"; confirm it is your identity provider)\n`,
    );
    expect(run.stdout).toContain("\nAudience  not checked (pass --audience)\n");
    const checks = checksOf(run.stdout);
    expect(checks[2]).toBe('  skip  issuer      no --issuer given: the token\'s own "iss" was used');
    expect(checks[10]).toBe("  skip  audience    no --audience given");
    expect(checks[12]).toBe("  skip  scopes      no --scope given");
  });

  it("finds an expired token, and still checks everything else, exit 1", async () => {
    const run = await runCli(["inspect", await idp.expired(), "--issuer", idp.issuer, "--audience", AUD]);
    expect([run.code, run.stderr]).toEqual([1, ""]);
    expect(checksOf(run.stdout)).toEqual([
      "Checks",
      "  pass  format      a signed JWT (JWS compact) with JSON header and claims",
      '  pass  issuer      "iss" is the configured issuer',
      "  pass  algorithm   the algorithm is accepted",
      "  pass  keys        the issuer's signing keys were fetched",
      "  pass  key         the key set holds the token's signing key",
      "  pass  signature   the signature is valid",
      "  FAIL  expiry      The token has expired [expired]",
      `${INDENT}fix: ${FIX.expired}`,
      '  pass  not-before  "nbf" has passed, or there is none',
      '  pass  issued-at   "iat" is not in the future',
      '  pass  audience    "aud" holds a configured audience',
      "  pass  bearer      not bound to a key, so usable as a bearer token",
      "  skip  scopes      no --scope given",
      "",
      'Result  refused: 401 invalid_token "The token has expired"',
      "",
    ]);
  });

  it("reports every failure it can reach: expired, for another audience, without the scope", async () => {
    const token = await idp.expired({ aud: "https://other.example", scope: "profile" });
    const run = await runCli([
      "inspect",
      token,
      "--issuer",
      idp.issuer,
      "--audience",
      AUD,
      "--scope",
      "orders:read",
    ]);
    expect(run.code).toBe(1);
    const checks = checksOf(run.stdout);
    expect(checks.filter((line) => line.startsWith("  FAIL"))).toEqual([
      "  FAIL  expiry      The token has expired [expired]",
      "  FAIL  audience    The token's audience is not accepted [audience]",
      "  FAIL  scopes      The token lacks a scope this resource requires: missing orders:read [insufficient_scope]",
    ]);
    expect(checks).toContain(`${INDENT}fix: ${FIX.audience}`);
    expect(checks.at(-2)).toBe('Result  refused: 401 invalid_token "The token has expired"');
  });

  it("answers 403 insufficient_scope as the result when only scopes are missing", async () => {
    const run = await runCli([
      "inspect",
      await idp.sign({ scope: "orders:read" }),
      "--issuer",
      idp.issuer,
      "--audience",
      AUD,
      "--scope",
      "orders:read orders:write",
    ]);
    expect(run.code).toBe(1);
    expect(checksOf(run.stdout).slice(-5)).toEqual([
      "  FAIL  scopes      The token lacks a scope this resource requires: missing orders:write [insufficient_scope]",
      `${INDENT}fix: request the missing scopes when getting the token, and grant them to the client at the provider; if your provider puts scopes elsewhere (roles, permissions), set "scopeClaims"`,
      "",
      'Result  refused: 403 insufficient_scope "The token lacks a scope this resource requires"',
      "",
    ]);
  });

  it("finds a key the issuer does not publish, and cannot check the signature then", async () => {
    const run = await runCli(["inspect", await idp.unknownKey(), "--issuer", idp.issuer, "--audience", AUD]);
    expect(run.code).toBe(1);
    const checks = checksOf(run.stdout);
    expect(checks.slice(1, 9)).toEqual([
      "  pass  format      a signed JWT (JWS compact) with JSON header and claims",
      '  pass  issuer      "iss" is the configured issuer',
      // Core may check the algorithm after looking up the key, so this refusal proves nothing about it.
      "    -   algorithm   not checked: an earlier check failed",
      "  pass  keys        the issuer's signing keys were fetched",
      "  FAIL  key         The token's signing key is not known [unknown_key]",
      `${INDENT}fix: the issuer's key set has no key with this "kid": the token comes from another environment or tenant, or "jwksUri" points at another key set`,
      "    -   signature   not checked: an earlier check failed",
      expect.stringMatching(/^ {2}(pass| {2}- ) {2}expiry {6}/),
    ]);
  });

  it("finds a bad signature, a wrong issuer, an HMAC algorithm, a DPoP-bound and a certificate-bound token", async () => {
    const fails = async (token: string) =>
      checksOf((await runCli(["inspect", token, "--issuer", idp.issuer, "--audience", AUD])).stdout).filter(
        (l) => l.startsWith("  FAIL"),
      );
    expect(await fails(await idp.badSignature())).toEqual([
      "  FAIL  signature   Signature verification failed [signature]",
    ]);
    expect(await fails(await idp.wrongIssuer())).toEqual([
      "  FAIL  issuer      The token's issuer is not accepted [issuer]",
    ]);
    const hmac = await new SignJWT({ iss: idp.issuer, aud: AUD, exp: now + 600 })
      .setProtectedHeader({ alg: "HS256" })
      .sign(new TextEncoder().encode("a shared secret of thirty-two bytes!"));
    expect(await fails(hmac)).toEqual([
      "  FAIL  algorithm   The token's algorithm is not accepted [algorithm]",
    ]);
    const key = await dpopKeyPair();
    expect(await fails(await idp.sign({ cnf: { jkt: key.jkt } }))).toEqual([
      "  FAIL  bearer      The token is sender-constrained and cannot be used as a bearer token [sender_constrained]",
    ]);
    expect(
      await fails(await idp.sign({ cnf: { "x5t#S256": "bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2" } })),
    ).toEqual([
      "  FAIL  bearer      The token is bound to a client certificate that was not presented [certificate_required]",
    ]);
  });

  it("refuses what is not a JWT without contacting anyone, exit 1", async () => {
    const run = await runCli(["inspect", "an-opaque-token"]);
    expect(run).toEqual({
      code: 1,
      stderr: "",
      stdout: [
        "Token",
        "  not a JWS compact JWT: it cannot be decoded",
        "",
        "Audience  not checked (pass --audience)",
        "",
        "Checks",
        "  FAIL  format      The token is not a well-formed JWS compact JWT [malformed]",
        `${INDENT}fix: this is not a signed JWT (three base64url parts). If your provider issues opaque tokens, make it issue JWT access tokens (Auth0: request an audience) or use introspection`,
        "    -   issuer      not checked: an earlier check failed",
        "    -   algorithm   not checked: an earlier check failed",
        "    -   keys        not fetched: the token cannot be decoded",
        "    -   key         not checked: an earlier check failed",
        "    -   signature   not checked: an earlier check failed",
        "    -   expiry      not checked: an earlier check failed",
        "    -   not-before  not checked: an earlier check failed",
        "    -   issued-at   not checked: an earlier check failed",
        "  skip  audience    no --audience given",
        "    -   bearer      not checked: an earlier check failed",
        "  skip  scopes      no --scope given",
        "",
        'Result  refused: 401 invalid_token "The token is not a well-formed JWS compact JWT"',
        "",
      ].join("\n"),
    });
  });

  it("exits 3 when the issuer's keys cannot be had", async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const run = await runCli([
      "inspect",
      await idp.sign({ iss: issuer }),
      "--issuer",
      issuer,
      "--audience",
      AUD,
    ]);
    expect([run.code, run.stderr]).toEqual([3, ""]);
    const checks = checksOf(run.stdout);
    expect(checks.slice(4, 7)).toEqual([
      `  FAIL  keys        request to ${issuer}/.well-known/openid-configuration failed`,
      `${INDENT}fix: check the issuer URL and that this machine can reach it; if the provider publishes no metadata, set "jwksUri"`,
      "    -   key         not checked: an earlier check failed",
    ]);
    expect(checks.at(-2)).toBe("Result  undecided: 503, the keys could not be had");
  });

  it("reads the token from stdin, without its Bearer prefix", async () => {
    const token = await idp.sign();
    for (const args of [["inspect", "-"], ["inspect"]]) {
      const run = await runCli([...args, "--issuer", idp.issuer, "--audience", AUD], {
        stdin: `Bearer ${token}\n`,
      });
      expect([run.code, run.stdout.split("\n").at(-2)]).toEqual([0, "Result  accepted"]);
    }
  });

  it("answers in JSON with --json", async () => {
    const token = await idp.expired({ jti: "jti-2" });
    const run = await runCli(["inspect", token, "--issuer", idp.issuer, "--json"]);
    expect([run.code, run.stderr]).toEqual([1, ""]);
    const report = JSON.parse(run.stdout);
    expect(report.token.header).toEqual({ alg: "RS256", kid: "rs256-1", typ: "at+jwt" });
    expect(report.token.claims.jti).toBe("jti-2");
    expect(report.issuer).toEqual({ url: idp.issuer, source: "option" });
    expect(report.audience).toBeNull();
    expect(report.checks.map((c: { name: string; status: string }) => `${c.name} ${c.status}`)).toEqual([
      "format pass",
      "issuer pass",
      "algorithm pass",
      "keys pass",
      "key pass",
      "signature pass",
      "expiry fail",
      "not-before pass",
      "issued-at pass",
      "audience skip",
      "bearer pass",
      "scopes skip",
    ]);
    expect(report.checks[6]).toEqual({
      name: "expiry",
      status: "fail",
      text: "The token has expired",
      reason: "expired",
      fix: FIX.expired,
    });
    expect(report.result).toBe("refused");
    expect(report.refusal).toEqual({
      status: 401,
      code: "invalid_token",
      description: "The token has expired",
      reason: "expired",
    });
    expect(report.exitCode).toBe(1);
  });

  it("exits 2 for a token without an issuer, an empty token, or two tokens", async () => {
    const noIss = await idp.sign({ iss: undefined });
    for (const [args, message] of [
      [["inspect", noIss], 'the token has no usable "iss" claim; pass --issuer'],
      [["inspect", "  "], "the token is empty"],
      [["inspect", "a.b.c", "d.e.f"], "inspect takes one token; quote it, or pipe it on stdin"],
      [
        ["inspect", noIss, "--issuer", "idp.example.com"],
        "--issuer must be an absolute http(s) URL, e.g. https://idp.example.com",
      ],
    ] as const) {
      const run = await runCli([...args]);
      expect([run.code, run.stdout, run.stderr.split("\n")[0]]).toEqual([
        2,
        "",
        `resource-guard inspect: ${message}`,
      ]);
    }
  });
});
