/**
 * A one-question session for listings: connect, send `getCapabilities` asking for the
 * host's info and services in the same reply and for the connection to be closed after
 * it, read that one answer. The host hangs up as it answers, so nothing of ours wakes it
 * again; `berth ps` asks every host on the machine at once, and each wake-up of a sleeping
 * process costs on a busy machine.
 *
 * A host from before `include` answers the capabilities alone, and, knowing nothing of
 * `close` either, keeps the connection open: it is then asked the two questions separately
 * on the same connection.
 *
 * In a short-lived process most of a full connection's cost is setting it up (the
 * library's request tracking, cancellation and dispose paths, all cold). This uses the same
 * framing (vscode-jsonrpc's message buffer and writer) and the same errors as
 * `connectControl`, without the session around them.
 */
import { ErrorCodes, type Message, type ResponseMessage } from "vscode-jsonrpc/node";
import { systemClock, type Clock } from "../clock.js";
import { incompatible, V1 } from "./capabilities.js";
import { openSocket, type OpeningSocket } from "./connect.js";
import { AnswerReader, frameMessage, SocketWriter } from "./connection.js";
import { ControlClosedError, ControlError, UnresponsiveError } from "./errors.js";
import * as p from "./protocol.js";

export interface QueryOptions {
  /** Bound on connecting and answering together (default 2000). */
  timeoutMs?: number;
  clock?: Clock;
  /** Who is asking, for the host's log ("berth-cli 0.1.0"). */
  client?: string;
}

/** What one host answered; the session is already over. */
export interface HostSnapshot {
  readonly socketPath: string;
  readonly capabilities: readonly string[];
  readonly hostVersion: string;
  info(): Promise<p.HostInfo>;
  services(): Promise<p.ServiceInfo[]>;
  /** Nothing to close: the socket was closed once the answer came. */
  close(): void;
  /** The session has ended already, so `listener` runs on the next tick. */
  onClose(listener: () => void): () => void;
}

/** A reply this long cannot be a listing of a sane host; it ends the session. */
const MAX_REPLY_BYTES = 8 * 1024 * 1024;
const CAPABILITIES_ID = 0;
const HOST_INFO_ID = 1;
const SERVICES_ID = 2;

/**
 * Asks the host behind `socketPath` who it is and what it runs. Rejects like
 * `connectControl`: `ControlConnectError` (missing, refused, denied, timeout,
 * incompatible), `UnresponsiveError` when it accepts but does not answer in time,
 * `ControlClosedError` when it hangs up first, `ControlError` when it answers an error.
 *
 * @example
 * const host = await queryHost(socketPath, { client: "berth-cli 0.1.0" });
 * console.log((await host.info()).appHostPath, (await host.services()).length);
 */
export async function queryHost(
  socketPath: string,
  options: QueryOptions = {},
): Promise<HostSnapshot> {
  const clock = options.clock ?? systemClock;
  const timeoutMs = options.timeoutMs ?? 2_000;
  const question = await listingQuestion(options.client);
  // Written as the connection is made: it leaves the moment the connection is up.
  const opening = openSocket(socketPath, timeoutMs, clock);
  return snapshot(socketPath, await ask(opening, question, { socketPath, timeoutMs, clock }));
}

/** The one question of a listing, framed once per client name: every host gets the same. */
const questions = new Map<string, Promise<Buffer>>();

function listingQuestion(client: string | undefined): Promise<Buffer> {
  let framed = questions.get(client ?? "");
  if (!framed) {
    const params: p.GetCapabilitiesParams = {
      capabilities: [...p.CAPABILITIES],
      ...(client ? { client } : {}),
      include: ["hostInfo", "services"],
      close: true,
    };
    framed = frameMessage({
      jsonrpc: "2.0",
      id: CAPABILITIES_ID,
      method: p.getCapabilities.method,
      params,
    } as Message);
    questions.set(client ?? "", framed);
  }
  return framed;
}

interface Asking {
  socketPath: string;
  timeoutMs: number;
  clock: Clock;
}

/**
 * Asks the listing's question (`listingQuestion`) on the opening socket, then, of a host
 * from before `include`, the two questions its answer leaves open.
 */
function ask(opening: OpeningSocket, question: Buffer, asking: Asking): Promise<Answers> {
  const { socketPath, timeoutMs, clock } = asking;
  const { socket } = opening;
  const reader = new AnswerReader(socket, MAX_REPLY_BYTES);
  // Only for a host from before `include`: its questions depend on its first answer.
  let writer: SocketWriter | undefined;
  return new Promise((resolve, reject) => {
    let done = false;
    // Until connected, a failure is the connection's (missing, refused), in its words.
    let connecting = true;
    opening.connected.then(
      () => (connecting = false),
      (error: Error) => finish(error),
    );
    // The method whose answer is awaited, for the errors' words.
    let waitingFor = p.getCapabilities.method;
    let negotiated: p.GetCapabilitiesResult | undefined;
    const later: { hostInfo?: p.HostInfo; services?: p.ServiceInfo[] } = {};
    const finish = (error: Error | undefined, answers?: Answers) => {
      if (done) return;
      done = true;
      cancelTimer();
      reader.dispose();
      // A host asked to close has closed as it answered (or does so in the same turn), so
      // closing ours wakes nobody; one from before `close` sees us go, as it always did.
      writer?.dispose();
      socket.destroy();
      if (!error) resolve(answers!);
      else reject(error);
    };
    const failed = (method: string) => (error: unknown) =>
      connecting || finish(new ControlClosedError(socketPath, method, { cause: error }));
    const send = (id: number, method: string) =>
      (writer ??= new SocketWriter(socket))
        .write({ jsonrpc: "2.0", id, method, params: {} } as Message)
        .catch(failed(method));
    const cancelTimer = clock.setTimeout(
      () => finish(new UnresponsiveError(socketPath, waitingFor, timeoutMs)),
      timeoutMs,
    );
    const closed = (cause?: unknown) =>
      connecting ||
      finish(new ControlClosedError(socketPath, waitingFor, cause ? { cause } : undefined));
    socket.on("error", closed);
    socket.on("close", () => closed());
    reader.listen((message: Message) => {
      const response = message as ResponseMessage;
      // Anything but an answer to this session's questions (a notification) is not for it.
      if (typeof response.id !== "number" || response.id > SERVICES_ID) return;
      if (response.error) {
        const { code, message: text, data } = response.error;
        finish(new ControlError(code, text, data));
        return;
      }
      if (response.id === CAPABILITIES_ID) {
        const result = response.result as p.GetCapabilitiesResult | undefined;
        if (!result || !Array.isArray(result.capabilities)) {
          finish(wrongShape(socketPath, p.getCapabilities.method));
          return;
        }
        if (!result.capabilities.includes(V1)) {
          finish(incompatible(socketPath, result));
          return;
        }
        if (result.hostInfo && result.services) {
          finish(undefined, {
            negotiated: result,
            hostInfo: result.hostInfo,
            services: result.services,
          });
          return;
        }
        // A host from before `include` shares berth.v1 all the same: ask it the long way.
        negotiated = result;
        waitingFor = `${p.getHostInfo.method} and ${p.listServices.method}`;
        void send(HOST_INFO_ID, p.getHostInfo.method);
        void send(SERVICES_ID, p.listServices.method);
        return;
      }
      if (!negotiated) return;
      if (response.id === HOST_INFO_ID) {
        later.hostInfo = response.result as p.HostInfo;
        if (typeof later.hostInfo?.appHostPath !== "string") {
          finish(wrongShape(socketPath, p.getHostInfo.method));
          return;
        }
      } else {
        later.services = (response.result as { services?: p.ServiceInfo[] })?.services;
        if (!Array.isArray(later.services)) {
          finish(wrongShape(socketPath, p.listServices.method));
          return;
        }
      }
      if (later.hostInfo && later.services) {
        finish(undefined, { negotiated, hostInfo: later.hostInfo, services: later.services });
      }
    }, closed);
    socket.write(question, (error) => error && failed(p.getCapabilities.method)(error));
  });
}

interface Answers {
  negotiated: p.GetCapabilitiesResult;
  hostInfo: p.HostInfo;
  services: p.ServiceInfo[];
}

function wrongShape(socketPath: string, method: string): ControlError {
  return new ControlError(
    ErrorCodes.InvalidRequest,
    `the app host at ${socketPath} answered ${method} with something that is not its answer`,
  );
}

function snapshot(socketPath: string, answers: Answers): HostSnapshot {
  const { negotiated, hostInfo, services } = answers;
  return {
    socketPath,
    capabilities: negotiated.capabilities,
    hostVersion: negotiated.version,
    info: () => Promise.resolve(hostInfo),
    services: () => Promise.resolve(services),
    close: () => {},
    onClose: (listener) => {
      const timer = setImmediate(listener);
      return () => clearImmediate(timer);
    },
  };
}
