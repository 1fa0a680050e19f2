import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import type { Writable } from "node:stream";

/**
 * A terminal written through a pipe: a small `cat`, in a session of its own, copies what
 * berth writes into a pipe onto the terminal. Node writes to a terminal synchronously, so a
 * terminal that stops reading (Ctrl-S, a stuck multiplexer) would block the whole app host;
 * a pipe is written without blocking and says how much is still waiting
 * (`writableLength`), so the reporter drops whole log lines, counted, instead of waiting.
 *
 * Why not the terminal itself, opened again non-blocking: that needs the right to open it
 * (berth running as another user than the terminal's owner gets EACCES), and a write that
 * would block can be partial, leaving half a line. Why not a worker thread writing in
 * blocking mode: Node joins its threads at exit, so a host whose terminal is paused could
 * not exit. `cat` blocks instead of berth; in its own session, Ctrl-C and a hang-up of the
 * terminal do not end it before berth's last lines are out, and it ends by itself once
 * berth closes the pipe (also when berth is killed).
 */
export interface TerminalPipe {
  write(text: string): boolean;
  readonly writableLength: number;
  once(event: "drain", listener: () => void): unknown;
  on(event: "error", listener: (error: Error) => void): unknown;
  readonly isTTY: true;
  /**
   * Closes the pipe and waits until `cat` has written everything and exited; gives up (and
   * lets it finish on its own) once the terminal has taken nothing for `idleMs`.
   */
  close(idleMs?: number): Promise<void>;
}

/** Where `cat` is, or undefined (then the terminal is written directly, as Node does). */
export function findCat(): string | undefined {
  return ["/bin/cat", "/usr/bin/cat"].find((path) => existsSync(path));
}

/** Default of {@link TerminalPipe.close}'s `idleMs`. */
export const DEFAULT_CLOSE_IDLE_MS = 1000;

/**
 * A {@link TerminalPipe} onto descriptor `fd` (a terminal). `cat` starts with the first
 * write, so a command that never writes starts nothing.
 *
 * @example
 * const out = terminalPipe(1, findCat()!);
 * out.write("berth | hello\n");
 * await out.close();
 */
export function terminalPipe(fd: number, cat: string): TerminalPipe {
  let child: ChildProcess | undefined;
  let stdin: Writable | undefined;
  const errorListeners: ((error: Error) => void)[] = [];
  const open = (): Writable => {
    if (stdin) return stdin;
    child = spawn(cat, [], { stdio: ["pipe", fd, "ignore"], detached: true });
    child.unref();
    stdin = child.stdin!;
    // Told to the reporter (which stops writing); never an unhandled 'error'.
    const failed = (error: Error) => errorListeners.forEach((listener) => listener(error));
    child.on("error", failed);
    stdin.on("error", failed);
    return stdin;
  };
  return {
    write: (text) => open().write(text),
    get writableLength() {
      return stdin?.writableLength ?? 0;
    },
    once: (event, listener) => open().once(event, listener),
    on: (_event, listener) => errorListeners.push(listener),
    isTTY: true,
    close: (idleMs = DEFAULT_CLOSE_IDLE_MS) => {
      if (!child || !stdin) return Promise.resolve();
      return closePipe(child, stdin, idleMs);
    },
  };
}

function closePipe(child: ChildProcess, stdin: Writable, idleMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    let waiting = stdin.writableLength;
    const timer = setInterval(() => {
      // Still taking lines, only slowly: keep waiting.
      if (stdin.writableLength < waiting) waiting = stdin.writableLength;
      else done(true);
    }, idleMs);
    const done = (abandon: boolean) => {
      clearInterval(timer);
      child.off("exit", exited);
      // What berth still holds is dropped; `cat` writes what the pipe holds when it can.
      if (abandon) stdin.destroy();
      resolve();
    };
    const exited = () => done(false);
    child.once("exit", exited);
    stdin.end();
  });
}
