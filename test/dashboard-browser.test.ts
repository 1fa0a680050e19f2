import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterEach, describe, expect, it } from "vitest";
import { runBerth, startBerth } from "./helpers/cli.js";
import { fixturesDir, repoRoot, tempProject } from "./helpers/project.js";

const node = JSON.stringify(process.execPath);
const server = JSON.stringify(join(fixturesDir, "server.mjs"));
const CONFIG = `export default { services: {
  api: { command: [${node}, ${server}], ready: { http: "/" } },
  colours: { command: [${node}, "-e", ${JSON.stringify("console.log('\u001b[31mred text\u001b[0m plain')")}], oneshot: true, port: false },
} };\n`;
// Pictures of the page are written only when asked: BERTH_SCREENSHOTS=docs writes them into
// docs/ (what the README shows); unset, a run leaves the tree as it was.
const SCREENSHOTS = process.env.BERTH_SCREENSHOTS;

async function screenshot(page: Page, name: string): Promise<void> {
  if (!SCREENSHOTS) return;
  await page.setViewportSize({ width: 1280, height: 720 });
  await page.screenshot({ path: join(repoRoot, SCREENSHOTS, name) });
}

const LOGIN = /dashboard: ((http:\/\/127\.0\.0\.1:\d+)\/login\?token=[\w-]+)/;

let browser: Browser | undefined;
afterEach(async () => {
  await browser?.close();
  browser = undefined;
});

/** `berth run` in `dir`, its printed login link and origin, and Debian's chromium. */
async function runWithBrowser(dir: string, args: string[] = []) {
  const berth = startBerth(["run"], { cwd: dir });
  const [, link = "", origin = ""] = await berth.waitForOutput(LOGIN);
  browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--no-sandbox", ...args],
  });
  return { berth, link, origin, browser };
}

describe("the dashboard in a browser", () => {
  it("refuses a foreign Host, logs in, follows restarts from the page and a terminal, logs, filter, the host stopping", async () => {
    const dir = tempProject({ "berth.config.mjs": CONFIG });
    // rebound.test stands for a DNS-rebinding site: a foreign name that resolves to us.
    const { berth, link, origin, browser } = await runWithBrowser(dir, [
      "--host-resolver-rules=MAP rebound.test 127.0.0.1",
    ]);

    // Without the cookie: 401.
    const stranger = await browser.newPage();
    expect((await stranger.goto(`${origin}/`))!.status()).toBe(401);
    // A page that says so, and how to get in.
    expect(await stranger.locator("h1").textContent()).toBe("Not logged in");
    expect(await stranger.locator("#reason").textContent()).toBe(
      "Not logged in. Open the login link berth run printed, or run berth dashboard for a fresh one.",
    );
    expect(await stranger.locator("pre").textContent()).toBe("berth dashboard");
    // Its style applies (the CSP allows it by hash): a narrow column.
    expect(
      await stranger
        .locator("main")
        .evaluate((main) => main.ownerDocument.defaultView!.getComputedStyle(main).maxWidth),
    ).toBe("540px");
    // A foreign Host name: refused, even with the login link.
    const rebound = await stranger.goto(link.replace("127.0.0.1", "rebound.test"));
    expect(rebound!.status()).toBe(403);
    expect(await stranger.textContent("body")).toContain("answers only at 127.0.0.1 or localhost");
    expect(await stranger.locator("h1").textContent()).toBe("Refused");
    expect(await stranger.locator("pre").textContent()).toBe("berth dashboard");

    const page = await browser.newPage();
    await page.goto(link);
    expect(page.url()).toBe(`${origin}/`);
    const row = page.locator('tr[data-service="api"]');
    await expect.poll(() => row.locator(".state").textContent()).toBe("ready");
    const pid = await row.locator("td").nth(7).textContent();
    await expect.poll(() => page.locator("#logs").textContent()).toContain("listening on");

    // ANSI colours are rendered, not shown as escapes.
    // (berth's "--- starting: <command>" line from the log file holds the text too.)
    const red = page
      .locator("#logs .row", { hasNotText: "--- starting" })
      .locator(".text span", { hasText: "red text" });
    await expect.poll(() => red.getAttribute("style")).toBe("color: rgb(201, 27, 0);");
    expect(await red.locator("xpath=..").textContent()).toBe("red text plain");
    // Live lines carry their time.
    expect(
      await page
        .locator("#logs .row", { hasText: "red text plain", hasNotText: "--- starting" })
        .locator(".time")
        .textContent(),
    ).toMatch(/^\d\d:\d\d:\d\d\.\d{3}$/);

    // A restart from the page: the row goes through its states and back to ready.
    await row.getByRole("button", { name: "restart" }).click();
    await expect
      .poll(async () => [
        await row.locator(".state").textContent(),
        await row.locator("td").nth(7).textContent(),
      ])
      .toEqual(["ready", expect.not.stringMatching(new RegExp(`^${pid}$`))]);
    await expect
      .poll(
        async () => (await page.locator("#logs").textContent())!.split("listening on").length - 1,
      )
      .toBe(2);

    // A restart from another terminal shows in the table too; its lines wait while the logs
    // are paused, and come on resume.
    const pagePid = await row.locator("td").nth(7).textContent();
    await page.locator("#pause").click();
    expect((await runBerth(["restart", "api"], { cwd: dir })).code).toBe(0);
    await expect
      .poll(async () => [
        await row.locator(".state").textContent(),
        await row.locator("td").nth(7).textContent(),
      ])
      .toEqual(["ready", expect.not.stringMatching(new RegExp(`^${pagePid}$`))]);
    await expect
      .poll(() => page.locator("#pause").textContent())
      .toMatch(/^resume \([1-9]\d* new\)$/);
    expect(await page.locator("#logs .row", { hasText: "listening on" }).count()).toBe(2);
    await page.locator("#pause").click();
    await expect
      .poll(() => page.locator("#logs .row", { hasText: "listening on" }).count())
      .toBe(3);
    expect(await page.locator("#pause").textContent()).toBe("pause");

    await screenshot(page, "dashboard.png");
    // No service waits for another: no graph.
    expect(await page.locator("#graph-section").isVisible()).toBe(false);

    // The filter hides what does not match.
    await page.locator("#filter").fill("no such text");
    await expect.poll(() => page.locator("#logs .row").count()).toBe(0);
    await page.locator("#filter").fill("LISTENING");
    await expect.poll(() => page.locator("#logs .row").count()).toBe(3);

    // One service's lines: older ones come from its log file (berth's own lines there).
    await page.locator("#filter").fill("");
    await page.locator("#service").selectOption("api");
    await expect
      .poll(() => page.locator("#logs .row").first().textContent())
      .toMatch(/^api--- starting: /);

    // The host stops: the page says so rather than spinning.
    expect((await runBerth(["stop"], { cwd: dir })).code).toBe(0);
    await berth.exited;
    await expect
      .poll(() => page.locator("#gone").textContent())
      .toContain("The app host has stopped");
    expect(await page.locator("#gone").isVisible()).toBe(true);
  });
});

describe("the dashboard's dependency graph", () => {
  it("draws each service after what it waits for, with its state", async () => {
    const dir = tempProject({
      "berth.config.mjs": `export default { services: {
  api: { command: [${node}, ${server}], ready: { http: "/" }, dependsOn: { db: "ready", migrate: "completed" } },
  migrate: { command: [${node}, "-e", "console.log('migrated')"], oneshot: true, port: false, dependsOn: ["db"] },
  db: { command: [${node}, ${server}], ready: { http: "/" } },
} };\n`,
    });
    const { berth, link, browser } = await runWithBrowser(dir);
    const page = await browser.newPage();
    await page.goto(link);

    const graph = page.locator("#graph-section");
    await expect.poll(() => graph.isVisible()).toBe(true);
    expect(await graph.locator("h2").textContent()).toMatch(/^Dependencies/);
    // Each box: the service's name and its state, as the table says.
    const box = (name: string) => page.locator(`#graph .node[data-service="${name}"]`);
    const shown = async (name: string) =>
      `${await box(name).locator(".name").textContent()} ${await box(name).locator(".state").textContent()}`;
    await expect
      .poll(async () => Promise.all(["db", "migrate", "api"].map(shown)))
      .toEqual(["db ready", "migrate completed", "api ready"]);
    // Left to right: db, then migrate (waits for db), then api (waits for both).
    const left = async (name: string) => (await box(name).boundingBox())!.x;
    expect(await left("db")).toBeLessThan(await left("migrate"));
    expect(await left("migrate")).toBeLessThan(await left("api"));
    // An arrow per dependency, each saying what waits for what (its tooltip).
    expect((await page.locator("#graph .edge title").allTextContents()).sort()).toEqual([
      "api waits for db (ready)",
      "api waits for migrate (completed)",
      "migrate waits for db (ready)",
    ]);
    await screenshot(page, "dashboard-graph.png");

    // A state change shows in the graph too.
    expect((await runBerth(["stop", "api"], { cwd: dir })).code).toBe(0);
    await expect.poll(() => shown("api")).toBe("api stopped");

    expect((await runBerth(["stop"], { cwd: dir })).code).toBe(0);
    await berth.exited;
  });
});

/** The rows a user sees: those inside the log box's visible area, top to bottom. */
function visibleRows(page: Page): Promise<string[]> {
  return page.locator("#logs").evaluate((box) => {
    const { top, bottom } = box.getBoundingClientRect();
    return [...box.querySelectorAll(".row")]
      .filter((row) => {
        const r = row.getBoundingClientRect();
        return r.top >= top - 1 && r.bottom <= bottom + 1;
      })
      .map((row) => row.querySelector(".text")!.textContent!);
  });
}

describe("the dashboard's logs", () => {
  it("shows 100,000 lines, scrolls, filters and follows them", async () => {
    // 99,999 lines and a last one that tells berth it is ready: with berth's own
    // "--- starting" line before them, the log file's last 100,000 lines are exactly these.
    const flood =
      "let s='';for(let i=1;i<100000;i++)s+='line '+i+'\\n';process.stdout.write(s+'done\\n');setInterval(()=>{},1e9)";
    const dir = tempProject({
      "berth.config.mjs": `export default { services: {
  flood: { command: [${node}, "-e", ${JSON.stringify(flood)}], port: false, ready: { log: "done" } },
} };\n`,
    });
    const { berth, link, browser } = await runWithBrowser(dir);
    const page = await browser.newPage();
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(link);
    await expect
      .poll(() => page.locator('tr[data-service="flood"] .state').textContent())
      .toBe("ready");

    // All services: the last 100,000 lines, the older ones from the log file.
    await expect
      .poll(() => page.locator("#count").textContent(), { timeout: 30_000 })
      .toBe("100,000 lines");
    await expect.poll(async () => (await visibleRows(page)).at(-1)).toBe("done");

    // One service's lines: all 100,000, the older ones from its log file; followed to the end.
    await page.locator("#service").selectOption("flood");
    await expect
      .poll(() => page.locator("#count").textContent(), { timeout: 30_000 })
      .toBe("100,000 lines");
    await expect.poll(async () => (await visibleRows(page)).at(-1)).toBe("done");
    // Only the rows in sight (and a few around them) are in the page.
    expect(await page.locator("#logs .row").count()).toBeLessThan(150);
    expect(await page.locator("#follow").isChecked()).toBe(true);

    // Scrolling up stops following; the top is line 1.
    await page.locator("#logs").hover();
    await page.mouse.wheel(0, -5000);
    await expect.poll(() => page.locator("#follow").isChecked()).toBe(false);
    await page.locator("#logs").evaluate((box) => (box.scrollTop = 0));
    await expect.poll(async () => (await visibleRows(page))[0]).toBe("line 1");
    // The middle, as when the scrollbar is dragged there: a full screen of lines, in order.
    await page.locator("#logs").evaluate((box) => (box.scrollTop = 50_000 * 18));
    await expect.poll(async () => (await visibleRows(page))[0]).toBe("line 50001");
    const middle = await visibleRows(page);
    expect(middle.length).toBeGreaterThan(10);
    expect(middle).toEqual(middle.map((_, i) => `line ${50_001 + i}`));

    // A regex filter, then a text one (case ignored), over all 100,000.
    await page.locator("#regex").check();
    await page.locator("#filter").fill("^line 4242\\d$");
    await expect.poll(() => page.locator("#count").textContent()).toBe("10 of 100,000 lines");
    // The rows are drawn on the next frame, which may come after the count.
    await expect
      .poll(() => visibleRows(page))
      .toEqual(Array.from({ length: 10 }, (_, i) => `line 4242${i}`));
    await page.locator("#filter").fill("^line (");
    await expect.poll(() => page.locator("#count").textContent()).toMatch(/^invalid regex: /);
    await page.locator("#regex").uncheck();
    await page.locator("#filter").fill("LINE 99999");
    await expect.poll(() => page.locator("#count").textContent()).toBe("1 of 100,000 lines");
    await expect.poll(() => visibleRows(page)).toEqual(["line 99999"]);

    // Back to every line, following again: the end is in sight.
    await page.locator("#filter").fill("");
    await page.locator("#follow").check();
    await expect.poll(async () => (await visibleRows(page)).at(-1)).toBe("done");
    await screenshot(page, "dashboard-logs.png");

    expect((await runBerth(["stop"], { cwd: dir })).code).toBe(0);
    await berth.exited;
  });
});
