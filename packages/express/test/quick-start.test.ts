/**
 * The express quick start of docs/frameworks.md, run as pasted, against a test IdP; and as the README
 * tells a newcomer to try it: against the demo's authorization server, with a token from its curl command.
 */
import { createTestIssuer, type TestIssuer } from "@resource-guard/testing";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startAuthorizationServer } from "../../../examples/demo/src/authorization-server.js";
import {
  checkQuickStart,
  readmeTokenRecipe,
  runTokenCommand,
  startQuickStart,
} from "../../../test/conformance/quick-start.js";

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

it("answers a token from the demo's authorization server, fetched with the README's command", async () => {
  const recipe = readmeTokenRecipe();
  const as = await startAuthorizationServer();
  try {
    // The README names the demo's default address and its API audience.
    expect(recipe).toMatchObject({ issuer: "http://127.0.0.1:4000", audience: as.audience });
    const app = await startQuickStart("express", new URL(".", import.meta.url), {
      ISSUER: as.issuer,
      AUDIENCE: recipe.audience,
    });
    try {
      const token = await runTokenCommand(recipe, as.issuer);
      expect(token).toMatch(/^eyJ[\w-]+\.[\w-]+\.[\w-]+$/);
      const me = await fetch(`${app.url}/me`, { headers: { authorization: `Bearer ${token}` } });
      expect({ status: me.status, body: await me.json() }).toEqual({
        status: 200,
        body: { sub: "orders-reader", scopes: ["orders:read"] },
      });
      const orders = await fetch(`${app.url}/orders`, { headers: { authorization: `Bearer ${token}` } });
      expect(orders.status).toBe(200);
    } finally {
      await app.close();
    }
  } finally {
    await as.close();
  }
});
