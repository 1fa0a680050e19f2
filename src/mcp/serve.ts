import { Writable } from "node:stream";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { Monitor } from "../monitor/monitor.js";
import { berthVersion } from "../version.js";
import { HostView } from "./hosts.js";
import { createBerthServer } from "./server.js";

export interface McpServeOptions {
  /** The folder whose project is "here". */
  cwd: string;
  /** berth's launcher, `bin/berth.cjs`: run to start and stop projects. */
  launcher: string;
}

/**
 * Serves MCP on stdin/stdout until the client closes stdin. Watches every app host from
 * the start, so a tool call reads the live view instead of scanning.
 */
export async function serveMcp(options: McpServeOptions): Promise<void> {
  const protocolOut = claimStdout();
  const monitor = new Monitor({
    log: (message) => process.stderr.write(`berth mcp: ${message}\n`),
  });
  await monitor.start();
  const view = new HostView(monitor, options.cwd);
  const { server, close } = createBerthServer({
    view,
    version: berthVersion,
    launcher: options.launcher,
  });
  const transport = new StdioServerTransport(process.stdin, protocolOut);
  const ended = new Promise<void>((resolve) => {
    transport.onclose = resolve;
    process.stdin.once("end", resolve);
    process.stdin.once("close", resolve);
  });
  await server.connect(transport);
  await ended;
  close();
  await server.close().catch(() => {});
  await monitor.stop();
}

/**
 * Stdout carries the protocol and nothing else: anything else written there (a config's
 * `console.log` while describe_app loads it) would break the client's parsing, so it goes
 * to stderr. Returns the stream the protocol writes to.
 */
function claimStdout(): Writable {
  const stdout = process.stdout;
  const write = stdout.write.bind(stdout) as (
    chunk: unknown,
    callback?: (error?: Error | null) => void,
  ) => boolean;
  stdout.write = process.stderr.write.bind(process.stderr) as typeof stdout.write;
  // The client went away (EPIPE): there is no one left to answer; stdin's end stops the server.
  stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit();
  });
  const out = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      write(chunk, (error) => callback(error ?? null));
    },
  });
  out.on("error", () => {});
  return out;
}
