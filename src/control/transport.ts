/**
 * What a JSON-RPC connection runs over: a reader and a writer of whole messages, and the
 * life of the link under them. Both ends of the control socket use it the same way:
 * `createMessageConnection(transport.reader, transport.writer)`. A unix socket carries
 * messages with Content-Length framing; tests also link two ends in one process
 * (test/helpers/memory-transport.ts).
 */
import type { Socket } from "node:net";
import {
  AbstractMessageReader,
  AbstractMessageWriter,
  Disposable,
  type DataCallback,
  type Message,
  type MessageReader,
  type MessageWriter,
} from "vscode-jsonrpc/node";

export interface Transport {
  /** Fires `onClose` when the link is gone, `onError` on input that is not a message. */
  readonly reader: MessageReader;
  /** Disposing it closes the link at once. */
  readonly writer: MessageWriter;
  /** Calls `listener` when the peer has said it will send nothing more (a half-close). */
  onInputEnd(listener: () => void): void;
  /** Ends this side once what was written has gone out. */
  end(): void;
  /** Closes the link at once. */
  destroy(): void;
  /** Resolves once the link is closed, by either end. */
  readonly closed: Promise<void>;
  /** Bytes written and not yet handed to the peer: what a client that does not read piles up. */
  readonly queuedBytes: number;
}

/** Bounds on the input a socket transport holds until it becomes a message. */
export interface InputBounds {
  /** Input that does not become a message within this many bytes is an error. */
  maxMessageBytes: number;
  /** Shared by every transport of a server: unfinished input held by all of them. */
  pool?: { bytes: number; maxBytes: number };
}

/**
 * Messages over a connected socket. Input is framed as it arrives, in the same turn, so
 * when the peer's end of input is seen every message before it has been handed over.
 * Input past its bounds is an error: a host sets them, or clients sending garbage grow its
 * memory; a client reads its own host's answers (long log tails too) without a bound.
 */
export function socketTransport(
  socket: Socket,
  bounds: InputBounds = { maxMessageBytes: Number.POSITIVE_INFINITY },
): Transport {
  // Errors end in `close`, which is what the reader reports.
  socket.on("error", () => {});
  const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  return {
    reader: new SocketReader(socket, bounds),
    writer: new SocketWriter(socket),
    onInputEnd: (listener) => void socket.once("end", listener),
    end: () => void socket.end(),
    destroy: () => void socket.destroy(),
    closed,
    get queuedBytes() {
      return socket.writableLength;
    },
  };
}

class SocketReader extends AbstractMessageReader {
  /** Input not yet handed over, as it came: joined only to read a header or a whole body. */
  private chunks: Buffer[] = [];
  private held = 0;
  /** Where the body starts and how long it is, once its header is read. */
  private body?: { start: number; length: number };
  /** What this reader counts in the shared pool: its input, or the body it was promised. */
  private counted = 0;

  constructor(
    private readonly socket: Socket,
    private readonly bounds: InputBounds,
  ) {
    super();
    socket.once("close", () => {
      this.release();
      this.fireClose();
    });
  }

  listen(callback: DataCallback): Disposable {
    const onData = (chunk: Buffer) => {
      try {
        this.keep([...this.chunks, chunk]);
        for (let message = this.next(); message !== undefined; message = this.next()) {
          callback(message);
        }
      } catch (error) {
        this.socket.off("data", onData);
        this.socket.pause();
        this.release();
        this.fireError(error);
      }
    };
    this.socket.on("data", onData);
    return Disposable.create(() => this.socket.off("data", onData));
  }

  /** The next whole message; throws on input that cannot become one within the bounds. */
  private next(): Message | undefined {
    const limit = this.bounds.maxMessageBytes;
    if (!this.body) {
      const input = this.joined();
      const headerEnd = input.indexOf("\r\n\r\n");
      if (headerEnd < 0) {
        if (input.length > MAX_HEADER_BYTES) throw new Error("a header that never ends");
        return undefined;
      }
      const header = input.subarray(0, headerEnd).toString("latin1");
      const match = /^content-length:[ \t]*(\d+)[ \t]*\r?$/im.exec(header);
      if (!match) throw new Error("a message without a valid Content-Length header");
      const length = Number(match[1]);
      if (length > limit) throw new Error(`a message longer than ${limit} bytes`);
      this.body = { start: headerEnd + 4, length };
      this.keep(this.chunks);
    }
    const { start, length } = this.body;
    if (this.held < start + length) return undefined;
    const input = this.joined();
    this.body = undefined;
    this.keep(input.length > start + length ? [input.subarray(start + length)] : []);
    return JSON.parse(input.subarray(start, start + length).toString("utf8")) as Message;
  }

  private joined(): Buffer {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0] ?? Buffer.alloc(0);
  }

  /** Lets go of all input: none will become a message any more. */
  private release(): void {
    this.body = undefined;
    this.keep([]);
  }

  /** Keeps `chunks` as the input not yet handed over, counted in the shared pool. */
  private keep(chunks: Buffer[]): void {
    this.chunks = chunks;
    this.held = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
    const { pool } = this.bounds;
    if (!pool) return;
    const counted = Math.max(this.held, this.body ? this.body.start + this.body.length : 0);
    pool.bytes += counted - this.counted;
    this.counted = counted;
    if (counted > 0 && pool.bytes > pool.maxBytes) {
      throw new Error(`more unfinished input than the host holds (${pool.maxBytes} bytes)`);
    }
  }
}

/** A header is a line or two; input with no header end within this is not a message. */
const MAX_HEADER_BYTES = 4096;

class SocketWriter extends AbstractMessageWriter {
  constructor(private readonly socket: Socket) {
    super();
  }

  /** Header and body in one write; resolves once the kernel has them. */
  write(message: Message): Promise<void> {
    const body = Buffer.from(JSON.stringify(message), "utf8");
    const frame = Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`), body]);
    return new Promise((resolve, reject) => {
      this.socket.write(frame, (error) => {
        if (!error) return resolve();
        this.fireError(error, message);
        reject(error);
      });
    });
  }

  end(): void {
    this.socket.end();
  }

  override dispose(): void {
    super.dispose();
    this.socket.destroy();
  }
}
