import { spawn } from "node:child_process";
import { BerthError, ExitCode } from "../../errors.js";
import { connectSelected, type HostFlags } from "../hosts.js";

/**
 * `berth dashboard`: prints the running app host's dashboard login link (fresh: a link
 * works once) and opens it in a browser where one can be opened: a desktop session
 * (macOS, or a Linux `DISPLAY`/`WAYLAND_DISPLAY`), unless `--no-open`.
 */
export async function dashboardCommand(options: HostFlags & { open: boolean }): Promise<number> {
  const { host, client } = await connectSelected(options);
  let url: string | null;
  try {
    url = (await client.describe()).host.dashboardUrl;
  } finally {
    await client.close();
  }
  if (url === null) {
    throw new BerthError(
      "DASHBOARD_OFF",
      `The app host of ${host.info?.appHostPath ?? host.socketPath} (pid ${host.pid}) serves no ` +
        "dashboard: its config says `dashboard: false`, or `berth exec` started it. Remove " +
        "`dashboard: false` and start it again with `berth run`.",
    );
  }
  process.stdout.write(`${url}\n`);
  if (options.open) await openBrowser(url);
  return ExitCode.ok;
}

/** The command that opens a URL in the user's browser here, if there is a browser to use. */
function opener(): string[] | undefined {
  if (process.platform === "darwin") return ["open"];
  if (process.platform === "win32") return ["cmd", "/c", "start", ""];
  const desktop = process.env.DISPLAY || process.env.WAYLAND_DISPLAY;
  return desktop ? ["xdg-open"] : undefined;
}

/** Best effort: the link is printed either way, so a browser that does not open is no error. */
async function openBrowser(url: string): Promise<void> {
  const command = opener();
  if (!command) return;
  await new Promise<void>((resolve) => {
    const child = spawn(command[0]!, [...command.slice(1), url], {
      stdio: "ignore",
      detached: true,
    });
    child.once("error", () => resolve());
    child.once("spawn", () => {
      child.unref();
      resolve();
    });
  });
}
