import { ControlError } from "../control/errors.js";
import type { ControlTarget } from "../control/target.js";
import {
  RpcErrorCode,
  type HostInfo,
  type LogEntry,
  type ServiceInfo,
} from "../control/protocol.js";
import type { AppModel } from "../model/app.js";
import type { ServiceSnapshot } from "../supervisor/service.js";
import type { Supervisor } from "../supervisor/supervisor.js";

/**
 * The app host as the control socket sees it: the supervisor's state and events, shaped
 * for the wire (the control server masks the instance secret in what it sends). Never the
 * services' environment.
 */
export function controlTarget(
  supervisor: Supervisor,
  app: AppModel,
  host: {
    info: () => HostInfo;
    stop: () => void;
    hold: (holder: string, until: AbortSignal) => void;
  },
): ControlTarget {
  const commands = new Map(app.services.map((s) => [s.name, s]));
  const toInfo = (snapshot: ServiceSnapshot): ServiceInfo => {
    const model = commands.get(snapshot.name)!;
    return {
      name: snapshot.name,
      state: snapshot.state,
      oneshot: model.oneshot,
      pid: snapshot.pid ?? null,
      port: snapshot.port ?? null,
      url: snapshot.url ?? null,
      ready: snapshot.state === "ready" || snapshot.state === "completed",
      restarts: snapshot.restarts,
      exitCode: snapshot.exitCode ?? null,
      startedAt: iso(snapshot.startedAt),
      readyAt: iso(snapshot.readyAt),
      reason: snapshot.reason ?? null,
      command: model.command.display,
    };
  };
  const known = (name: string) => {
    if (app.leftOut.includes(name)) {
      throw new ControlError(RpcErrorCode.serviceNotFound, notRunHere(name, app));
    }
    if (!supervisor.has(name)) {
      const names = app.services.map((s) => s.name).join(", ");
      throw new ControlError(
        RpcErrorCode.serviceNotFound,
        `No service named "${name}" in ${app.appHostPath}; its services are: ${names}.`,
      );
    }
  };
  const notStopping = () => {
    if (supervisor.isStopping) {
      throw new ControlError(RpcErrorCode.shuttingDown, "The app host is stopping.");
    }
  };

  return {
    info: host.info,
    services: () => supervisor.services().map(toInfo),
    service(name) {
      known(name);
      return toInfo(supervisor.services().find((snapshot) => snapshot.name === name)!);
    },
    subscribe: (listener) => supervisor.subscribe(listener),
    logs(service, tail) {
      if (service !== undefined) known(service);
      const names = service === undefined ? app.services.map((s) => s.name) : [service];
      const entries: LogEntry[] = names.flatMap((name) =>
        supervisor.tail(name, tail).map((line) => ({
          service: name,
          time: line.time,
          stream: line.stream,
          text: line.text,
        })),
      );
      // Stable sort: lines of one service keep their order when times are equal.
      entries.sort((a, b) => a.time - b.time);
      return entries.slice(-tail);
    },
    async startService(name) {
      known(name);
      notStopping();
      return toInfo(await supervisor.startService(name));
    },
    async stopService(name) {
      known(name);
      return toInfo(await supervisor.stopService(name));
    },
    async restartService(name) {
      known(name);
      notStopping();
      return toInfo(await supervisor.restartService(name));
    },
    stopHost: host.stop,
    hold: host.hold,
  };
}

function iso(ms: number | undefined): string | null {
  return ms === undefined ? null : new Date(ms).toISOString();
}

/** A service of the config that this host was started without (`berth run api`). */
export function notRunHere(name: string, app: Pick<AppModel, "appHostPath" | "services">): string {
  const runs = app.services.map((s) => s.name).join(", ");
  return (
    `${name} is in ${app.appHostPath}, but this app host was started without it and runs ` +
    `only ${runs}. Stop it (\`berth stop\`) and start it again with ${name} ` +
    `(\`berth run\`, or \`berth run ${name}\`).`
  );
}
