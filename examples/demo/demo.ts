/**
 * `pnpm demo`: the whole story of resource-guard in one command. A real authorization server
 * (oidc-provider) and one example API run in this process on 127.0.0.1; an integrator obtains tokens
 * and calls the API, and every request and answer is printed. Exits 0 when each step behaved as
 * expected, 1 otherwise, and leaves nothing running. `--serve` keeps both servers up instead and
 * prints curl commands; `--opaque` tells the same story with opaque tokens the API introspects.
 * See docs/demo.md.
 */
import { parseDemoArgs, USAGE } from "./src/parse-args.js";
import { runTranscript } from "./src/run-transcript.js";
import { serve } from "./src/serve.js";
import { createTranscript } from "./src/transcript.js";

const write = (line: string) => process.stdout.write(`${line}\n`);

async function main(): Promise<number> {
  let args: ReturnType<typeof parseDemoArgs>;
  try {
    args = parseDemoArgs(process.argv.slice(2));
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    write(USAGE);
    return 0;
  }
  if (args.serve) {
    await serve({
      framework: args.framework,
      tokenTtl: args.tokenTtl,
      opaque: args.opaque,
      asPort: Number(process.env.AS_PORT ?? 4000),
      // 4001, not 3000: the README's quick starts listen on 3000 and may run beside the demo.
      apiPort: Number(process.env.API_PORT ?? 4001),
      write,
    });
    return 0;
  }
  const colour = process.stdout.isTTY === true && !process.env.NO_COLOR;
  return runTranscript({
    framework: args.framework,
    tokenTtl: args.tokenTtl,
    opaque: args.opaque,
    transcript: createTranscript(write, colour),
  });
}

// Exit explicitly once the servers are closed, so no stray handle can keep the process alive.
main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    const code = (error as { code?: unknown } | null)?.code;
    if (code === "EADDRINUSE" || code === "EACCES") {
      const { port } = error as { port?: number };
      console.error(
        `Cannot listen on port ${port}: ${code === "EADDRINUSE" ? "it is taken" : "not allowed"}. Choose others with AS_PORT and API_PORT.`,
      );
    } else {
      console.error(error);
    }
    process.exit(1);
  },
);
