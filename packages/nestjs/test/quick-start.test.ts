/**
 * The nestjs quick start of docs/frameworks.md (and README.md), run as pasted, against a test IdP.
 */
import { afterAll, beforeAll, it } from "vitest";
import { checkQuickStart, startQuickStart } from "../../../test/conformance/quick-start.js";
import { startTestIdp, type TestIdp } from "../../../test/support/idp.js";

const AUDIENCE = "https://api.example.com";
let idp: TestIdp;

beforeAll(async () => {
  idp = await startTestIdp();
});
afterAll(async () => {
  await idp.close();
});

it("serves the documented quick start", async () => {
  const app = await startQuickStart("nestjs", new URL(".", import.meta.url), {
    ISSUER: idp.issuer,
    AUDIENCE,
  });
  try {
    await checkQuickStart(app.url, (scope) => idp.sign({ sub: "user-1", aud: AUDIENCE, scope }));
  } finally {
    await app.close();
  }
});
