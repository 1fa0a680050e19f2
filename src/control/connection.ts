/**
 * One JSON-RPC connection over a unix socket, as both ends open it. vscode-jsonrpc does
 * the framing (Content-Length headers); this module fixes two of its defaults that matter
 * for a long-running host and short-lived clients.
 */
import type { Socket } from "node:net";
import {
  createMessageConnection,
  SocketMessageReader,
  SocketMessageWriter,
  type DataCallback,
  type Disposable,
  type MessageConnection,
  type MessageWriter,
} from "vscode-jsonrpc/node";

export interface OpenConnectionOptions {
  /**
   * Ends the read side with an error once this many bytes arrive without completing a
   * message. The reader buffers until it sees a whole message, so without a bound a client
   * sending garbage with no header end (or a huge Content-Length) grows the host's memory.
   */
  maxMessageBytes?: number;
  /** Wraps the writer (the server counts what it has queued for a slow client). */
  wrapWriter?: (writer: SocketMessageWriter) => MessageWriter;
}

/** A reader that refuses input that never becomes a message within `limit` bytes. */
class BoundedReader extends SocketMessageReader {
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

/** Opens (but does not `listen()` on) a message connection over `socket`. */
export function openConnection(
  socket: Socket,
  options: OpenConnectionOptions = {},
): MessageConnection {
  const reader = new BoundedReader(socket, options.maxMessageBytes ?? Number.POSITIVE_INFINITY);
  const writer = new SocketMessageWriter(socket);
  return createMessageConnection(reader, options.wrapWriter?.(writer) ?? writer);
}
