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
 * Input past its bounds is an error: without them peers sending garbage with no header
 * end, or huge messages they never finish, grow this process's memory.
 */
export function socketTransport(
  socket: Socket,
  bounds: InputBounds = { maxMessageBytes: 8 * 1024 * 1024 },
): Transport {
  // Errors end in `close`, which is what the reader reports.
  socket.on("error", () => {});
  const closed = new Promise<void>((resolve) => {
    if (socket.closed) resolve();
    else socket.once("close", () => resolve());
  });
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
  private buffer: Buffer = Buffer.alloc(0);

  private readonly limit: number;

  constructor(
    private readonly socket: Socket,
    private readonly bounds: InputBounds,
  ) {
    super();
    this.limit = bounds.maxMessageBytes;
    socket.once("close", () => {
      this.hold(Buffer.alloc(0));
      this.fireClose();
    });
  }

  listen(callback: DataCallback): Disposable {
    const onData = (chunk: Buffer) => {
      try {
        this.hold(this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]));
        const { pool } = this.bounds;
        if (pool && pool.bytes > pool.maxBytes) {
          throw new Error(`more unfinished input than the host holds (${pool.maxBytes} bytes)`);
        }
        for (let message = this.next(); message !== undefined; message = this.next()) {
          callback(message);
        }
      } catch (error) {
        this.socket.off("data", onData);
        this.socket.pause();
        this.hold(Buffer.alloc(0));
        this.fireError(error);
      }
    };
    this.socket.on("data", onData);
    return Disposable.create(() => this.socket.off("data", onData));
  }

  /** The next whole message in the buffer; throws on input that cannot become one. */
  private next(): Message | undefined {
    const headerEnd = this.buffer.indexOf("\r\n\r\n");
    if (headerEnd < 0) {
      if (this.buffer.length > this.limit) throw new Error(tooLong(this.limit));
      return undefined;
    }
    const header = this.buffer.subarray(0, headerEnd).toString("latin1");
    const match = /^content-length:[ \t]*(\d+)[ \t]*$/im.exec(header);
    if (!match) throw new Error("a message without a valid Content-Length header");
    const length = Number(match[1]);
    if (length > this.limit) throw new Error(tooLong(this.limit));
    const start = headerEnd + 4;
    if (this.buffer.length < start + length) return undefined;
    const body = this.buffer.subarray(start, start + length).toString("utf8");
    this.hold(this.buffer.subarray(start + length));
    return JSON.parse(body) as Message;
  }

  /** Keeps `buffer` as the unfinished input, counted in the shared pool. */
  private hold(buffer: Buffer): void {
    if (this.bounds.pool) this.bounds.pool.bytes += buffer.length - this.buffer.length;
    this.buffer = buffer;
  }
}

const tooLong = (limit: number) => `a message longer than ${limit} bytes`;

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
