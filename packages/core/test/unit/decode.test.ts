import { describe, expect, it } from "vitest";
import { decodeUntrusted, hasDuplicateMembers } from "../../src/pipeline/decode.js";

const b64 = (value: string) => Buffer.from(value).toString("base64url");
const token = (header: string, payload: string, signature = "c2ln") =>
  `${b64(header)}.${b64(payload)}.${signature}`;

function reasonOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return (error as { reason: string }).reason;
  }
  return undefined;
}

describe("decodeUntrusted", () => {
  it("decodes header, claims, signing input and signature", () => {
    const t = token('{"alg":"RS256","kid":"k"}', '{"iss":"x","n":1}');
    const decoded = decodeUntrusted(t, "api");
    expect(decoded.header).toEqual({ alg: "RS256", kid: "k" });
    expect(decoded.claims).toEqual({ iss: "x", n: 1 });
    expect(decoded.signingInput).toBe(t.slice(0, t.lastIndexOf(".")));
    expect(decoded.signature.toString()).toBe("sig");
  });

  it.each([
    ["two segments", `${b64('{"alg":"RS256"}')}.${b64("{}")}`],
    ["five segments (JWE)", "a.b.c.d.e"],
    ["an empty signature", `${b64('{"alg":"RS256"}')}.${b64("{}")}.`],
    ["a non-base64url character", `${b64('{"alg":"RS256"}')}.${b64("{}")}.ab+c`],
    ["an impossible base64url length", `${b64('{"alg":"RS256"}')}.${b64("{}")}.abcde`],
    ["a header that is not JSON", token("not json", "{}")],
    ["a header that is an array", token('["alg"]', "{}")],
    ["a payload that is a string", token('{"alg":"RS256"}', '"claims"')],
    ["a payload that is null", token('{"alg":"RS256"}', "null")],
    ["a header without alg", token('{"kid":"k"}', "{}")],
    ["a non-string kid", token('{"alg":"RS256","kid":7}', "{}")],
    ["a huge kid", token(`{"alg":"RS256","kid":"${"k".repeat(300)}"}`, "{}")],
  ])("rejects %s as malformed", (_, t) => {
    expect(reasonOf(() => decodeUntrusted(t, "api"))).toBe("malformed");
  });

  it("rejects repeated member names in header or payload, also when escaped", () => {
    expect(reasonOf(() => decodeUntrusted(token('{"alg":"RS256","alg":"none"}', "{}"), "api"))).toBe(
      "duplicate_member",
    );
    expect(
      reasonOf(() => decodeUntrusted(token('{"alg":"RS256"}', '{"iss":"a","\\u0069ss":"b"}'), "api")),
    ).toBe("duplicate_member");
    expect(reasonOf(() => decodeUntrusted(token('{"alg":"RS256"}', '{"o":{"a":1,"a":2}}'), "api"))).toBe(
      "duplicate_member",
    );
  });

  it("decodes a header seen before to the same frozen object, and still refuses a bad one every time", () => {
    const header = '{"alg":"RS256","kid":"memo"}';
    const first = decodeUntrusted(token(header, '{"iss":"a"}'), "api");
    const second = decodeUntrusted(token(header, '{"iss":"b"}'), "api");
    expect(second.header).toBe(first.header);
    expect(Object.isFrozen(first.header)).toBe(true);
    expect(second.claims).toEqual({ iss: "b" });
    // The payload is still decoded and checked in full under a known header.
    expect(reasonOf(() => decodeUntrusted(token(header, '{"iss":"a","iss":"b"}'), "api"))).toBe(
      "duplicate_member",
    );
    const repeated = '{"alg":"RS256","alg":"none"}';
    for (let i = 0; i < 2; i++)
      expect(reasonOf(() => decodeUntrusted(token(repeated, "{}"), "api"))).toBe("duplicate_member");
    // Many distinct headers (more than are kept) decode exactly as the first time.
    for (let i = 0; i < 200; i++) {
      const decoded = decodeUntrusted(token(`{"alg":"ES256","kid":"k${i}"}`, "{}"), "api");
      expect(decoded.header).toEqual({ alg: "ES256", kid: `k${i}` });
    }
    expect(decodeUntrusted(token(header, "{}"), "api").header).toEqual({ alg: "RS256", kid: "memo" });
  });

  it("does not let __proto__ claims touch any prototype", () => {
    const decoded = decodeUntrusted(
      token('{"alg":"RS256"}', '{"__proto__":{"polluted":true},"constructor":{"x":1}}'),
      "api",
    );
    expect(Object.getPrototypeOf(decoded.claims)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.hasOwn(decoded.claims, "__proto__")).toBe(true);
  });
});

describe("hasDuplicateMembers", () => {
  it.each([
    ['{"a":1,"b":{"a":2},"c":[{"a":3},{"a":4}]}', false],
    ['{"a":"x\\"a\\":","b":1}', false],
    ['{"a":[1,2,{"b":1,"b":2}]}', true],
    ['{ "a" : 1 , "a" : 2 }', true],
    ["[]", false],
  ])("%s → %s", (json, expected) => {
    expect(hasDuplicateMembers(json)).toBe(expected);
  });
});

describe("hasDuplicateMembers on text that is not JSON", () => {
  it("terminates on unterminated strings", () => {
    expect(hasDuplicateMembers('{"a')).toBe(false);
    expect(hasDuplicateMembers('{"a":"b')).toBe(false);
    expect(hasDuplicateMembers('{"a":"b\\"')).toBe(false);
  });

  it("skips values with escaped quotes and backslashes", () => {
    expect(hasDuplicateMembers('{"a":"x\\\\","a":1}')).toBe(true);
    expect(hasDuplicateMembers('{"a":"x\\\\\\"a\\":","b":1}')).toBe(false);
  });
});
