// The guest console's input under `vmmlab run`: the host's stdin, connected as QEMU's
// `-serial stdio` connects it. How depends on what stdin is, because a run must be reproducible
// whenever it can be:
//
// - A pipe or a file: read to its end before the run starts and queued whole, then one ^D
//   (END_OF_INPUT) if it was not empty. The guest finds every byte waiting from its first
//   instruction, so the run depends only on the image, the flags and those bytes: the same
//   output and statistics every time, in every mode. An empty stdin queues nothing, not even
//   the ^D, so a guest that never reads runs exactly as it does with no input at all.
// - A terminal: what the user types is queued as it arrives, a line at a time (the terminal's
//   own line editing applies), and the terminal's end of file (Ctrl-D at the start of a line)
//   queues the ^D. When the guest waits for input with nothing else to wake it, the run waits
//   for the terminal (Session.runAsync). Where in the run the bytes land depends on when they
//   were typed: such a run is not reproducible.
//
// The console device only carries bytes (isa/README.md section 7): ^D is the end of input by
// the convention of terminals, which the bundled kernel's read() follows (as xv6's does).

import { END_OF_INPUT, type Console } from '../emulator/devices.ts';
import { CliError, EXIT_CODES } from './errors.ts';

/** ^D (control-D): the byte that ends the console's input, as a terminal sends it. */
export { END_OF_INPUT };

/** Console input that arrives while the guest runs (a terminal); Session.runAsync waits on it. */
export interface LiveConsoleInput {
  /** False once the input has ended (its ^D is queued): nothing more will come. */
  readonly open: boolean;
  /** Resolves at the next arrival (bytes, already queued, or the end), or when `wake` is called. */
  arrival(): Promise<void>;
  /** Resolve the pending `arrival` now (a stop was requested). */
  wake(): void;
}

/** Queue piped input whole: its bytes, then the end of input unless there were none. */
export function queuePipedInput(console: Console, bytes: Uint8Array): void {
  if (bytes.length === 0) return;
  console.feed(bytes);
  console.feed(Uint8Array.of(END_OF_INPUT));
}

/** Every byte of a stream that is not a terminal, once it has ended. */
export async function readToEnd(stream: NodeJS.ReadableStream): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  try {
    for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? new TextEncoder().encode(chunk) : chunk);
  } catch (e) {
    throw new CliError(`cannot read stdin (the guest console's input): ${(e as Error).message}`, EXIT_CODES.INPUT);
  }
  const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.length;
  }
  return all;
}

/** A terminal feeding a console as the user types. */
export class TerminalInput implements LiveConsoleInput {
  private ended = false;
  private waiter: (() => void) | undefined;
  private readonly onData = (chunk: Uint8Array | string): void => {
    this.console.feed(chunk);
    this.wake();
  };
  private readonly onEnd = (): void => {
    if (!this.ended) {
      this.ended = true;
      this.console.feed(Uint8Array.of(END_OF_INPUT));
    }
    this.wake();
  };

  constructor(private readonly stream: NodeJS.ReadStream, private readonly console: Console) {
    stream.on('data', this.onData);
    stream.on('end', this.onEnd);
    stream.on('error', this.onEnd);
  }

  get open(): boolean {
    return !this.ended;
  }

  arrival(): Promise<void> {
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }

  wake(): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.();
  }

  /** Stop reading the terminal (the run is over), so that the process can exit. */
  close(): void {
    this.stream.off('data', this.onData);
    this.stream.off('end', this.onEnd);
    this.stream.off('error', this.onEnd);
    this.stream.pause();
    this.wake();
  }
}

/**
 * Connect stdin to a console as described at the top of this file. Returns the terminal when
 * stdin is one (the caller closes it after the run), else undefined, the input already queued.
 */
export async function connectStdin(stdin: NodeJS.ReadStream, console: Console): Promise<TerminalInput | undefined> {
  if (stdin.isTTY) return new TerminalInput(stdin, console);
  queuePipedInput(console, await readToEnd(stdin));
  return undefined;
}
