/**
 * The conformance table (test/conformance/cases.ts) against the Koa adapter on Koa 3 and 2.
 */
import { runConformance } from "../../../test/conformance/suite.js";
import { koaHarness } from "./app.js";

runConformance(koaHarness(3));
runConformance(koaHarness(2));
