/**
 * One process, both builds: an application whose dependencies load `@resource-guard/core` through
 * `import` (ESM) and through `require` (CJS) gets two copies of every module. An AuthResult made by a
 * verifier of one copy must still carry that verifier's challenge (realm) into a 403 raised by the
 * other copy's `assertScopes`: the context travels on the result under a registered symbol
 * (`Symbol.for`), which both copies read, and not through a module-local WeakMap. Runs on the built
 * dist/ in a fresh Node process, with an HS256 issuer so no network is involved.
 */
import { execFileSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const core = join(dirname(fileURLToPath(import.meta.url)), "../../packages/core");

const script = `
import { createHmac } from "node:crypto";
import { createRequire } from "node:module";
const esm = await import("@resource-guard/core");
const cjs = createRequire(import.meta.url)("@resource-guard/core");
const secret = "s".repeat(32);
const verifier = esm.createVerifier({ issuer: "https://issuer.test", audience: "api", secret, realm: "esm-realm" });
const b64 = (value) => Buffer.from(JSON.stringify(value)).toString("base64url");
const input = b64({ alg: "HS256", typ: "JWT" }) + "." + b64({ iss: "https://issuer.test", aud: "api", exp: Math.floor(Date.now() / 1000) + 60, scope: "a" });
const auth = await verifier.verify(input + "." + createHmac("sha256", secret).update(input).digest("base64url"));
const answers = [];
for (const result of [auth, { ...auth }]) {
  try { cjs.assertScopes(result, ["b"]); answers.push("passed"); }
  catch (e) { answers.push({ status: e.status, sameClass: e instanceof esm.InsufficientScopeError, challenge: e.headers["WWW-Authenticate"] }); }
}
console.log(JSON.stringify({ twoCopies: esm.assertScopes !== cjs.assertScopes, answers }));
`;

describe("the ESM and CJS builds loaded in one process", () => {
  it("raise a 403 with the realm of the verifier that made the result, from either copy, also for a spread copy", () => {
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], {
      cwd: core,
      encoding: "utf8",
      timeout: 30_000,
    });
    const challenge = 'Bearer realm="esm-realm", error="insufficient_scope", scope="b"';
    expect(JSON.parse(out)).toEqual({
      twoCopies: true,
      answers: [
        { status: 403, sameClass: false, challenge },
        { status: 403, sameClass: false, challenge },
      ],
    });
  });
});
