import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { chmodSync, existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { waitFor } from "./helpers/processes.js";
import { berthBin, tempProject } from "./helpers/project.js";
import { chattyConfig, hasScript, inTerminal } from "./helpers/terminal.js";

// berth running as another user than the terminal's owner (`sudo -u`, a shared dev box):
// the terminal cannot be opened again (EACCES), so nothing may depend on doing so. Needs
// root, to run berth as `nobody` on a terminal that root owns.
const NOBODY = 65534;
const execFileAsync = promisify(execFile);
const canSwitchUser = hasScript && process.getuid?.() === 0 && existsSync("/usr/bin/setpriv");

const asNobody = (command: string) =>
  `setpriv --reuid=${NOBODY} --regid=${NOBODY} --clear-groups ${command}`;

const node = JSON.stringify(process.execPath);
const berth = (args: string) => `${node} ${JSON.stringify(berthBin)} ${args}`;

describe.skipIf(!canSwitchUser)(
  "berth run as another user on a terminal that stops reading",
  () => {
    it("keeps supervising and answering its control socket", async () => {
      const dir = tempProject({ "berth.config.json": chattyConfig });
      // nobody reaches the project through the test's private temp folders, and owns nothing
      // of berth's: every berth folder lives in the project.
      chmodSync(dir, 0o777);
      chmodSync(dirname(dir), 0o711);
      chmodSync(dirname(dirname(dir)), 0o711);
      const env = {
        BERTH_HOME: join(dir, "home"),
        BERTH_RUNTIME_DIR: join(dir, "run"),
        XDG_RUNTIME_DIR: join(dir, "xdg"),
        BERTH_SOCKET_FALLBACK_DIR: join(dir, "fallback"),
      };

      // The premise: as nobody, the terminal cannot be opened again.
      const probe = inTerminal(
        asNobody(
          `${node} -e "try { require('fs').openSync('/proc/self/fd/1', 'w'); console.log('opened') } catch (e) { console.log(e.code) }"`,
        ),
        { cwd: dir },
      );
      await probe.exited;
      expect(probe.text().trim()).toBe("EACCES");

      // Nobody reads this terminal, as after Ctrl-S.
      const terminal = inTerminal(asNobody(berth("run")), { cwd: dir, env, paused: true });
      await waitFor(
        () =>
          existsSync(env.BERTH_RUNTIME_DIR) &&
          readdirSync(env.BERTH_RUNTIME_DIR).some((n) => n.endsWith(".sock")),
        "the host's control socket",
      );
      // 3 MiB: more than berth holds back for a terminal (1 MiB) and the pipes and terminal hold.
      const log = join(dir, ".berth", "logs", "chatty.log");
      await waitFor(
        () => existsSync(log) && statSync(log).size > 3 * 1024 * 1024,
        "3 MiB of output",
      );
      // Not execFileSync: the test must go on reading the terminal meanwhile.
      const run = async (args: string) => {
        const command = `${asNobody(berth(args))} 2>&1`;
        const { stdout } = await execFileAsync("sh", ["-c", command], {
          cwd: dir,
          env: { ...process.env, ...env },
        });
        return stdout;
      };
      expect(await run("status")).toMatch(/running \(pid \d+, 1\/1 services ready/);
      // Reading again, the terminal is told how much it missed and where to find it.
      terminal.resume();
      await terminal.waitFor(/lines of chatty not shown .*chatty\.log/, "the notice");
      await run("stop");
      expect(await terminal.exited).toBe(0);
      expect(terminal.text()).toMatch(/\nberth {2}\| chatty stopped\n/);
    });
  },
);
