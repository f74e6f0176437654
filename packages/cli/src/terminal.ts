/**
 * Where the command line writes, and how. Results go to stdout, everything else (notes, progress,
 * errors) to stderr, so `$(resource-guard token …)` and `--json | jq` get only what they asked for.
 * Colours only when the stream is a terminal and NO_COLOR (https://no-color.org) is unset or empty;
 * a progress line only on a terminal, erased once the network answers.
 */

export type Style = "pass" | "fail" | "warn" | "dim" | "bold";

const CODES: Record<Style, [number, number]> = {
  pass: [32, 39],
  fail: [31, 39],
  warn: [33, 39],
  dim: [2, 22],
  bold: [1, 22],
};

const FRAMES = ["|", "/", "-", "\\"];

export interface Streams {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

export class Terminal {
  private readonly colorOut: boolean;
  private readonly colorErr: boolean;
  private readonly interactive: boolean;

  /** The environment the command runs in (for RESOURCE_GUARD_CLIENT_SECRET and NO_COLOR). */
  readonly env: NodeJS.ProcessEnv;

  constructor(
    private readonly streams: Streams,
    options: { noColor?: boolean } = {},
  ) {
    this.env = streams.env;
    const allowed = !options.noColor && !streams.env.NO_COLOR;
    this.colorOut = allowed && streams.stdout.isTTY === true;
    this.colorErr = allowed && streams.stderr.isTTY === true;
    this.interactive = streams.stderr.isTTY === true;
  }

  private paint(text: string, style: Style | undefined, enabled: boolean): string {
    if (!style || !enabled) return text;
    const [on, off] = CODES[style];
    return `\u001b[${on}m${text}\u001b[${off}m`;
  }

  /** `text` styled for stdout. */
  style(text: string, style: Style): string {
    return this.paint(text, style, this.colorOut);
  }

  out(line = ""): void {
    this.streams.stdout.write(`${line}\n`);
  }

  /** A line on stderr, optionally styled as a whole. */
  err(line: string, style?: Style): void {
    this.streams.stderr.write(`${this.paint(line, style, this.colorErr)}\n`);
  }

  /** Runs `work` with a progress line on stderr (terminals only), erased when it settles. */
  async during<T>(text: string, work: Promise<T>): Promise<T> {
    if (!this.interactive) return work;
    let frame = 0;
    const draw = () => {
      this.streams.stderr.write(`\r\u001b[K${FRAMES[frame++ % FRAMES.length]} ${text}`);
    };
    draw();
    const timer = setInterval(draw, 100);
    timer.unref();
    try {
      return await work;
    } finally {
      clearInterval(timer);
      this.streams.stderr.write("\r\u001b[K");
    }
  }
}
