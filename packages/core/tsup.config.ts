import { defineConfig } from "tsup";

// No source maps in the package: the output is unminified ES2022 that keeps every name, so stack
// traces already read well, and a map would point into src/, which is not shipped (with the sources
// embedded instead, maps made up most of the tarball). See test/packaging for the exact file list.
export default defineConfig({
  entry: ["src/index.ts"],
  format: ["esm", "cjs"],
  dts: true,
  clean: true,
  sourcemap: false,
  target: "node20",
});
