/**
 * The conformance table (test/conformance/cases.ts) against the NestJS adapter, on the Express and
 * the Fastify platform. vitest runs this file twice: against NestJS 12 and, in the `nest11` project,
 * against NestJS 11.
 */
import { runConformance } from "../../../test/conformance/suite.js";
import { nestHarness } from "./app.js";

runConformance(nestHarness("express"));
runConformance(nestHarness("fastify"));
