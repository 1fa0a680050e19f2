/**
 * What the host has queued for one client and not yet handed to the kernel.
 *
 * vscode-jsonrpc writes one message at a time and waits for each write to complete, so a
 * client that stops reading leaves the socket's own buffer (`writableLength`) holding at
 * most one message while the rest wait, unbounded, in the writer's queue. The socket's
 * buffer alone would never show the problem; this count covers both.
 */
import type { Message, MessageWriter } from "vscode-jsonrpc/node";

/** Approximate bytes of a message once encoded; log batches are summed, not serialized. */
export function estimateBytes(message: Message): number {
  const body = message as { params?: { lines?: unknown }; result?: { lines?: unknown } };
  const lines = body.params?.lines ?? body.result?.lines;
  if (!Array.isArray(lines)) return JSON.stringify(message).length + 32;
  let bytes = 96;
  for (const line of lines as { text: string; service: string }[]) {
    bytes += line.text.length + line.service.length + 64;
  }
  return bytes;
}

/** `estimateBytes` of a `logLines` batch, before its entries are built. */
export function batchBytes(service: string, texts: readonly string[]): number {
  let bytes = 96;
  for (const text of texts) bytes += text.length + service.length + 64;
  return bytes;
}

export interface BacklogOptions {
  /** Above this many queued bytes (of more than one message) the connection is given up. */
  maxBytes: number;
  onOverflow: (bytes: number) => void;
  /** Called after each queued message is written out, with what is still queued. */
  onDrain?: (bytes: number) => void;
}

/** Counts queued outbound bytes by wrapping the connection's writer. */
export class Backlog {
  bytes = 0;
  private overflowed = false;
  private readonly idle = new Set<() => void>();

  constructor(private readonly options: BacklogOptions) {}

  wrap(writer: MessageWriter): MessageWriter {
    return {
      onError: writer.onError,
      onClose: writer.onClose,
      end: () => writer.end(),
      dispose: () => writer.dispose(),
      write: (message) => {
        if (this.overflowed) return Promise.reject(new Error("connection given up"));
        const size = estimateBytes(message);
        // A single large answer to a reading client is fine; a pile-up is not.
        if (this.bytes > 0 && this.bytes + size > this.options.maxBytes) {
          this.overflowed = true;
          this.options.onOverflow(this.bytes + size);
          return Promise.reject(new Error("connection given up: the client reads too slowly"));
        }
        this.bytes += size;
        return writer.write(message).finally(() => {
          this.bytes -= size;
          this.options.onDrain?.(this.bytes);
          if (this.bytes === 0) for (const resolve of this.idle) resolve();
        });
      },
    };
  }

  /**
   * Resolves once everything queued so far is written, or after `maxWaitMs` (a client that
   * does not read must not hold up the host's shutdown).
   */
  drained(maxWaitMs: number): Promise<void> {
    if (this.bytes === 0 || this.overflowed) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.idle.delete(done);
        resolve();
      };
      const timer = setTimeout(done, maxWaitMs);
      timer.unref();
      this.idle.add(done);
    });
  }
}
