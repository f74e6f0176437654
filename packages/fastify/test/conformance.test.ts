/**
 * The conformance table (test/conformance/cases.ts) against the Fastify plugin on Fastify 5 and 4.
 */
import { runConformance } from "../../../test/conformance/suite.js";
import { fastifyHarness } from "./app.js";

runConformance(fastifyHarness(5));
runConformance(fastifyHarness(4));
