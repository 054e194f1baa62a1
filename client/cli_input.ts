/**
 * The terminal client's keyboard: the command line, lines from stdin, and a password read
 * without echo. One reader owns stdin, so prompts and the REPL never steal bytes from each other.
 */
import { parseArgs } from "node:util";

export const USAGE = `usage: deno task chat [--url URL] [--user NAME] [--register]

  --url URL      the gateway (default $IM_URL or http://127.0.0.1:8080)
  --user NAME    who to log in as (default $IM_USER, else asked)
  --register     create the account first (an existing one is fine)
  -h, --help     this text

The password comes from $IM_PASSWORD, else it is asked for (not shown as you type).
Once logged in, /help lists the commands.`;

export interface CliArgs {
  url: string;
  user?: string;
  register: boolean;
}

/** The parsed command line, or the text to print and the exit code (help: 0, misuse: 2). */
export function parseCliArgs(args: string[]): CliArgs | { exit: number; text: string } {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        url: { type: "string", default: Deno.env.get("IM_URL") ?? "http://127.0.0.1:8080" },
        user: { type: "string", default: Deno.env.get("IM_USER") },
        register: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    }));
  } catch (err) {
    return { exit: 2, text: `error: ${(err as Error).message}\n\n${USAGE}` };
  }
  if (values.help) return { exit: 0, text: USAGE };
  return { url: values.url!, user: values.user, register: values.register! };
}

/**
 * A terminal in canonical mode keeps at most this many bytes of one line (Linux N_TTY: 4096
 * including the newline; macOS MAX_CANON: 1024) and silently drops the rest.
 */
export const TTY_LINE_BYTES = Deno.build.os === "darwin" ? 1024 : 4096;

export interface InputLine {
  text: string;
  /** The line filled the terminal's line buffer: its end was most likely dropped. */
  cut: boolean;
}

export class Input {
  #reader = Deno.stdin.readable.getReader();
  #buf = new Uint8Array(0);
  #ended = false;
  #decoder = new TextDecoder();

  constructor(private readonly terminal = Deno.stdin.isTerminal()) {}

  /** The next line without its newline, or null at the end of input. */
  async line(): Promise<InputLine | null> {
    for (;;) {
      const i = this.#buf.indexOf(0x0a);
      if (i >= 0 || this.#ended) {
        if (i < 0 && this.#buf.length === 0) return null;
        const end = i < 0 ? this.#buf.length : i;
        const bytes = this.#buf.subarray(0, end);
        this.#buf = this.#buf.slice(i < 0 ? end : end + 1);
        const text = this.#decoder.decode(bytes).replace(/\r$/, "");
        return { text, cut: this.terminal && bytes.length >= TTY_LINE_BYTES - 1 };
      }
      await this.#fill();
    }
  }

  async *lines(): AsyncGenerator<InputLine> {
    for (let l = await this.line(); l; l = await this.line()) yield l;
  }

  /** Asks for a line; on a terminal the typed characters are not echoed. */
  async secret(label: string): Promise<string | null> {
    if (!this.terminal) {
      await write(label);
      return (await this.line())?.text ?? null;
    }
    // Raw before the prompt shows: keys typed as soon as it appears must not echo either.
    Deno.stdin.setRaw(true);
    try {
      await write(label);
      return await this.#rawLine();
    } finally {
      Deno.stdin.setRaw(false);
      await write("\n");
    }
  }

  async ask(label: string): Promise<string | null> {
    await write(label);
    return (await this.line())?.text ?? null;
  }

  /** Raw mode gives keys one by one: Enter ends, Backspace deletes, Ctrl-C and Ctrl-D give up. */
  async #rawLine(): Promise<string | null> {
    const typed: number[] = [];
    for (;;) {
      if (this.#buf.length === 0) {
        if (this.#ended) return null;
        await this.#fill();
        continue;
      }
      const b = this.#buf[0];
      this.#buf = this.#buf.slice(1);
      if (b === 0x0d || b === 0x0a) return this.#decoder.decode(new Uint8Array(typed));
      if (b === 0x03 || (b === 0x04 && typed.length === 0)) return null;
      if (b === 0x7f || b === 0x08) {
        // Drop one character: continuation bytes of UTF-8 (10xxxxxx) go with their lead byte.
        while (typed.length && (typed.pop()! & 0xc0) === 0x80);
      } else if (b >= 0x20 || b === 0x09) typed.push(b);
    }
  }

  async #fill(): Promise<void> {
    const { value, done } = await this.#reader.read();
    if (done) return void (this.#ended = true);
    const next = new Uint8Array(this.#buf.length + value.length);
    next.set(this.#buf);
    next.set(value, this.#buf.length);
    this.#buf = next;
  }
}

async function write(text: string): Promise<void> {
  const bytes = new TextEncoder().encode(text);
  for (let n = 0; n < bytes.length;) n += await Deno.stdout.write(bytes.subarray(n));
}
