import { defineConfig } from "tsup";

export default defineConfig({
  entry: ["src/index.ts"],
  format: ["esm", "cjs"],
  dts: true,
  clean: true,
  sourcemap: false,
  target: "node20",
  // Peers, never bundled: a second copy of Nest breaks dependency injection and `instanceof`.
  external: [/^@nestjs\//, "reflect-metadata", "rxjs", "@resource-guard/core"],
});
