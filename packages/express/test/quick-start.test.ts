/**
 * The express quick start of docs/frameworks.md, run as pasted, against a test IdP.
 */

import { createTestIssuer, type TestIssuer } from "@resource-guard/testing";
import { afterAll, beforeAll, it } from "vitest";
import { checkQuickStart, startQuickStart } from "../../../test/conformance/quick-start.js";

const AUDIENCE = "https://api.example.com";
let idp: TestIssuer;

beforeAll(async () => {
  idp = await createTestIssuer({ audience: AUDIENCE });
});
afterAll(async () => {
  await idp.close();
});

it("serves the documented quick start", async () => {
  const app = await startQuickStart("express", new URL(".", import.meta.url), {
    ISSUER: idp.issuer,
    AUDIENCE,
  });
  try {
    await checkQuickStart(app.url, (scope) => idp.sign({ sub: "user-1", scope }));
  } finally {
    await app.close();
  }
});
