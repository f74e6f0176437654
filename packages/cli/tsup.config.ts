import { readFileSync } from "node:fs";
import { defineConfig } from "tsup";

const { version } = JSON.parse(readFileSync("package.json", "utf8")) as { version: string };

// A command, not a library: one ESM entry with its shebang, no declarations. Core stays external, so
// `resource-guard inspect` runs the very verifier the user's API runs.
export default defineConfig({
  entry: ["src/cli.ts"],
  format: ["esm"],
  dts: false,
  clean: true,
  sourcemap: false,
  target: "node20",
  define: { RESOURCE_GUARD_CLI_VERSION: JSON.stringify(version) },
});
