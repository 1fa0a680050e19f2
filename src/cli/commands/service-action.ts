import type { ControlClient } from "../../control/client.js";
import type { ServiceInfo } from "../../control/protocol.js";
import { ExitCode } from "../../errors.js";
import { connectSelected, type HostFlags } from "../hosts.js";

/**
 * `berth start <service>` and `berth restart <service>`: asks the selected host and waits
 * until the service has settled. A service that fails says why, with its last log lines.
 */
export async function serviceActionCommand(
  action: "start" | "restart",
  options: HostFlags & { service: string },
): Promise<number> {
  const { client } = await connectSelected(options);
  try {
    const service =
      action === "start"
        ? await client.startService(options.service)
        : await client.restartService(options.service);
    return await report(client, service);
  } finally {
    await client.close();
  }
}

async function report(client: ControlClient, service: ServiceInfo): Promise<number> {
  if (service.state !== "failed") {
    const where = service.url ? ` at ${service.url}` : "";
    process.stdout.write(`${service.name} is ${service.state}${where}\n`);
    return ExitCode.ok;
  }
  const lines = await client.logs({ service: service.name, tail: 15 });
  process.stderr.write(
    `${service.name} failed: ${service.reason ?? "unknown reason"}\n` +
      (lines.length ? `last lines of ${service.name}:\n` : "") +
      lines.map((l) => `  ${l.text}\n`).join(""),
  );
  return ExitCode.serviceFailed;
}
