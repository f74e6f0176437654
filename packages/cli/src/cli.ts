#!/usr/bin/env node
/**
 * The `resource-guard` executable. Everything happens in main(); this file only connects it to the
 * process and sets the exit code (without process.exit, so stdout is flushed when piped).
 */
import { main } from "./main.js";

main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(
      `resource-guard: unexpected error: ${error instanceof Error ? error.stack : String(error)}\n`,
    );
    process.exitCode = 70;
  },
);
