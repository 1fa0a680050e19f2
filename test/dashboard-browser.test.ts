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

describe("the dashboard in a browser", () => {
  it("refuses a foreign Host, logs in, follows restarts from the page and a terminal, logs, filter, the host stopping", async () => {
    const dir = tempProject({ "berth.config.mjs": CONFIG });
    const berth = startBerth(["run"], { cwd: dir });
    const [, link = "", origin] = await berth.waitForOutput(LOGIN);
    browser = await chromium.launch({
      executablePath: "/usr/bin/chromium",
      // rebound.test stands for a DNS-rebinding site: a foreign name that resolves to us.
      args: ["--no-sandbox", "--host-resolver-rules=MAP rebound.test 127.0.0.1"],
    });

    // Without the cookie: 401.
    const stranger = await browser.newPage();
    expect((await stranger.goto(`${origin}/`))!.status()).toBe(401);
    // A foreign Host name: refused, even with the login link.
    const rebound = await stranger.goto(link.replace("127.0.0.1", "rebound.test"));
    expect(rebound!.status()).toBe(403);
    expect(await stranger.textContent("body")).toContain("answers only at 127.0.0.1 or localhost");

    const page = await browser.newPage();
    await page.goto(link);
    expect(page.url()).toBe(`${origin}/`);
    const row = page.locator('tr[data-service="api"]');
    await expect.poll(() => row.locator(".state").textContent()).toBe("ready");
    const pid = await row.locator("td").nth(7).textContent();
    await expect.poll(() => page.locator("#logs").textContent()).toContain("listening on");

    // ANSI colours are rendered, not shown as escapes.
    const red = page.locator("#logs span", { hasText: "red text" });
    await expect.poll(() => red.getAttribute("style")).toBe("color: rgb(201, 27, 0);");
    expect(await red.locator("xpath=..").textContent()).toBe("coloursred text plain");

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

    // A restart from another terminal shows in the table too.
    const pagePid = await row.locator("td").nth(7).textContent();
    expect((await runBerth(["restart", "api"], { cwd: dir })).code).toBe(0);
    await expect
      .poll(async () => [
        await row.locator(".state").textContent(),
        await row.locator("td").nth(7).textContent(),
      ])
      .toEqual(["ready", expect.not.stringMatching(new RegExp(`^${pagePid}$`))]);

    await screenshot(page, "dashboard.png");

    // The filter hides what does not match.
    await page.locator("#filter").fill("no such text");
    expect(await page.locator("#logs > div:visible").count()).toBe(0);
    await page.locator("#filter").fill("listening");
    await expect.poll(() => page.locator("#logs > div:visible").count()).toBe(3);

    // One service's lines: older ones come from its log file (berth's own lines there).
    await page.locator("#filter").fill("");
    await page.locator("#service").selectOption("api");
    await expect
      .poll(() => page.locator("#logs > div").first().textContent())
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
