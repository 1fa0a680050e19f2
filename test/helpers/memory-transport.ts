/**
 * Two ends of a control connection linked in one process, for tests where a socket adds
 * nothing: what one end writes, the other reads a turn later, as a copy (as if it had
 * crossed a socket).
 */
import {
  AbstractMessageReader,
  AbstractMessageWriter,
  Disposable,
  type DataCallback,
  type Message,
} from "vscode-jsonrpc/node";
import type { Transport } from "../../src/control/transport.js";

/** A linked pair: the first end is usually the host's, the second the client's. */
export function memoryTransportPair(): [Transport, Transport] {
  const a = new MemoryEnd();
  const b = new MemoryEnd();
  a.peer = b;
  b.peer = a;
  return [a.transport(), b.transport()];
}

class MemoryEnd {
  peer!: MemoryEnd;
  private callback?: DataCallback;
  private readonly inbox: Message[] = [];
  private readonly endListeners: (() => void)[] = [];
  private isClosed = false;
  private ended = false;
  private readonly reader = new (class extends AbstractMessageReader {
    constructor(private readonly owner: MemoryEnd) {
      super();
    }
    listen(callback: DataCallback): Disposable {
      this.owner.callback = callback;
      for (const message of this.owner.inbox.splice(0)) callback(message);
      return Disposable.create(() => (this.owner.callback = undefined));
    }
    close = () => this.fireClose();
  })(this);
  private readonly writer = new (class extends AbstractMessageWriter {
    constructor(private readonly owner: MemoryEnd) {
      super();
    }
    write(message: Message): Promise<void> {
      if (this.owner.isClosed || this.owner.ended) return Promise.reject(new Error("closed"));
      const copy = JSON.parse(JSON.stringify(message)) as Message;
      setImmediate(() => this.owner.peer.deliver(copy));
      return Promise.resolve();
    }
    end(): void {
      this.owner.endSide();
    }
    override dispose(): void {
      super.dispose();
      this.owner.destroy();
    }
  })(this);
  private resolveClosed!: () => void;
  private readonly closed = new Promise<void>((resolve) => (this.resolveClosed = resolve));

  transport(): Transport {
    return {
      reader: this.reader,
      writer: this.writer,
      onInputEnd: (listener) => void this.endListeners.push(listener),
      end: () => this.endSide(),
      destroy: () => this.destroy(),
      closed: this.closed,
      queuedBytes: 0,
    };
  }

  deliver(message: Message): void {
    if (this.isClosed) return;
    if (this.callback) this.callback(message);
    else this.inbox.push(message);
  }

  /** Like a socket's end: the peer sees the end of input; once both ended, both close. */
  private endSide(): void {
    if (this.ended || this.isClosed) return;
    this.ended = true;
    setImmediate(() => {
      for (const listener of this.peer.endListeners) listener();
      if (this.peer.ended) this.destroy();
    });
  }

  destroy(): void {
    for (const end of [this, this.peer]) {
      if (end.isClosed) continue;
      end.isClosed = true;
      end.reader.close();
      end.resolveClosed();
    }
  }
}
