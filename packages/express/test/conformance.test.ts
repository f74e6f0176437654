/**
 * The conformance table (test/conformance/cases.ts) against the Express adapter on Express 5 and 4.
 */
import { afterAll, beforeAll, vi } from "vitest";
import { runConformance } from "../../../test/conformance/suite.js";
import { expressHarness } from "./app.js";

// Express's default handler logs every error outside env "test"; the apps run as "production".
beforeAll(() => {
  vi.spyOn(console, "error").mockImplementation(() => {});
});
afterAll(() => {
  vi.restoreAllMocks();
});

runConformance(expressHarness(5));
runConformance(expressHarness(4));
