/**
 * One JSON-RPC connection over a unix socket, as both ends open it. vscode-jsonrpc does
 * the framing (Content-Length headers); this module fixes two of its defaults that matter
 * for a long-running host and short-lived clients.
 */
import type { Socket } from "node:net";
import {
  createMessageConnection,
  Disposable,
  RAL as ral,
  SocketMessageReader,
  WriteableStreamMessageWriter,
  type DataCallback,
  type Message,
  type MessageConnection,
  type MessageWriter,
  type RAL,
} from "vscode-jsonrpc/node";

export interface OpenConnectionOptions {
  /**
   * Ends the read side with an error once this many bytes arrive without completing a
   * message. The reader buffers until it sees a whole message, so without a bound a client
   * sending garbage with no header end (or a huge Content-Length) grows the host's memory.
   */
  maxMessageBytes?: number;
  /** Wraps the writer (the server counts what it has queued for a slow client). */
  wrapWriter?: (writer: MessageWriter) => MessageWriter;
}

/** A reader that refuses input that never becomes a message within `limit` bytes. */
export class BoundedReader extends SocketMessageReader {
  private unparsed = 0;

  constructor(
    private readonly socket: Socket,
    private readonly limit: number,
  ) {
    super(socket);
    // The library's "partial message" timer re-arms itself forever once a peer stops
    // mid-message, even after the socket closed, which keeps the process alive.
    this.partialMessageTimeout = 0;
  }

  override listen(callback: DataCallback): Disposable {
    const onData = (chunk: Buffer) => {
      this.unparsed += chunk.length;
      if (this.unparsed > this.limit) {
        this.socket.off("data", onData);
        this.socket.pause();
        this.fireError(new Error(`a message longer than ${this.limit} bytes`));
      }
    };
    this.socket.on("data", onData);
    const inner = super.listen((message) => {
      this.unparsed = 0;
      callback(message);
    });
    return { dispose: () => (this.socket.off("data", onData), inner.dispose()) };
  }
}

/**
 * Reads the answers of a short exchange with the library's message buffer (its framing:
 * headers, `Content-Length`, body), handing each message over as soon as it is whole. The
 * library's reader passes every message through a queue, a turn of the event loop and
 * asynchronous decoders, made anew for each connection: that was a fifth of what a listing
 * of fifty hosts cost the client, for one answer per connection.
 */
export class AnswerReader {
  private readonly buffer = ral().messageBuffer.create("utf-8");
  private length = -1;
  private received = 0;
  private onData?: (chunk: Buffer) => void;

  constructor(
    private readonly socket: Socket,
    private readonly limit: number,
  ) {}

  /** Calls `onMessage` with each message, or `onError` once with why the input is unusable. */
  listen(onMessage: (message: Message) => void, onError: (error: Error) => void): void {
    this.onData = (chunk) => {
      this.received += chunk.length;
      try {
        if (this.received > this.limit)
          throw new Error(`an answer longer than ${this.limit} bytes`);
        this.buffer.append(chunk);
        for (let message = this.next(); message; message = this.next()) onMessage(message);
      } catch (error) {
        this.dispose();
        onError(error as Error);
      }
    };
    this.socket.on("data", this.onData);
  }

  dispose(): void {
    if (this.onData) this.socket.off("data", this.onData);
    this.onData = undefined;
  }

  /** The next whole message in the buffer; throws on input that is not a message. */
  private next(): Message | undefined {
    if (this.length < 0) {
      const headers = this.buffer.tryReadHeaders(true);
      if (!headers) return undefined;
      const length = Number(headers.get("content-length"));
      if (!Number.isInteger(length) || length < 0) {
        throw new Error(`an answer without a valid Content-Length header`);
      }
      this.length = length;
    }
    const body = this.buffer.tryReadBody(this.length);
    if (!body) return undefined;
    this.length = -1;
    return JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString("utf8"));
  }
}

/**
 * The socket as the library's writer sees it, with one change: a message's header is held
 * (the socket is corked) until its body follows, so each message is one write, not two.
 * The library awaits the header's write before writing the body; with a header of its own
 * every message costs two system calls and wakes the peer twice, which adds up when
 * `berth ps` asks fifty hosts at once.
 */
class OneWritePerMessage implements RAL.WritableStream {
  constructor(private readonly socket: Socket) {}

  onClose(listener: () => void): Disposable {
    return this.on("close", listener);
  }

  onError(listener: (error: unknown) => void): Disposable {
    return this.on("error", listener);
  }

  onEnd(listener: () => void): Disposable {
    return this.on("end", listener);
  }

  write(data: Uint8Array | string, encoding?: RAL.MessageBufferEncoding): Promise<void> {
    if (typeof data === "string") {
      // The header: queued behind the cork, it leaves with the body in one writev.
      this.socket.cork();
      this.socket.write(data, encoding as BufferEncoding);
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      this.socket.write(data, (error) => (error ? reject(error) : resolve()));
      this.socket.uncork();
    });
  }

  end(): void {
    this.socket.end();
  }

  private on(event: "close" | "error" | "end", listener: (error?: unknown) => void): Disposable {
    this.socket.on(event, listener);
    return Disposable.create(() => this.socket.off(event, listener));
  }
}

/** The library's socket writer (disposing it destroys the socket), one write per message. */
export class SocketWriter extends WriteableStreamMessageWriter {
  constructor(private readonly socket: Socket) {
    super(new OneWritePerMessage(socket));
  }

  override dispose(): void {
    super.dispose();
    this.socket.destroy();
  }
}

/**
 * `message` as the library's writer puts it on the wire, header and body in one buffer: for
 * a message sent unchanged on many connections (a listing's question to every host), which
 * is then framed once and written to each socket as it opens, in the same turn.
 */
export async function frameMessage(message: Message): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const none = () => Disposable.create(() => {});
  const collect: RAL.WritableStream = {
    onClose: none,
    onError: none,
    onEnd: none,
    write(data: Uint8Array | string, encoding?: RAL.MessageBufferEncoding) {
      chunks.push(
        typeof data === "string"
          ? Buffer.from(data, encoding as BufferEncoding)
          : Buffer.from(data),
      );
      return Promise.resolve();
    },
    end() {},
  };
  const writer = new WriteableStreamMessageWriter(collect);
  try {
    await writer.write(message);
  } finally {
    writer.dispose();
  }
  return Buffer.concat(chunks);
}

/** Opens (but does not `listen()` on) a message connection over `socket`. */
export function openConnection(
  socket: Socket,
  options: OpenConnectionOptions = {},
): MessageConnection {
  const reader = new BoundedReader(socket, options.maxMessageBytes ?? Number.POSITIVE_INFINITY);
  const writer = new SocketWriter(socket);
  return createMessageConnection(reader, options.wrapWriter?.(writer) ?? writer);
}
