/**
 * The conformance table against core alone (see core-harness.ts). It also checks the challenge
 * parser the suite relies on.
 */
import { describe, expect, it } from "vitest";
import { parseChallenges } from "./challenge-parser.js";
import { coreHarness } from "./core-harness.js";
import { runConformance } from "./suite.js";

runConformance(coreHarness);

describe("the suite's WWW-Authenticate parser", () => {
  it("reads auth-params, unquoting and lower-casing names", () => {
    expect(
      parseChallenges('Bearer realm="api", Error="invalid_token", error_description="a \\"b\\""'),
    ).toEqual([
      { scheme: "Bearer", params: { realm: "api", error: "invalid_token", error_description: 'a "b"' } },
    ]);
  });

  it("reads a bare scheme and several challenges", () => {
    expect(parseChallenges('Bearer, Basic realm="x"')).toEqual([
      { scheme: "Bearer", params: {} },
      { scheme: "Basic", params: { realm: "x" } },
    ]);
  });

  it("throws on a header a client could not parse", () => {
    expect(() => parseChallenges('Bearer realm="api')).toThrow(/unterminated/);
    expect(() => parseChallenges('Bearer realm="a" error="b"')).toThrow(/comma/);
    expect(() => parseChallenges('Bearer realm="a", realm="b"')).toThrow(/repeated/);
  });
});
