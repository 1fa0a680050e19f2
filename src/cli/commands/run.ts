import { runHost } from "../../host/host.js";
import { printError } from "../print-error.js";

/** `berth run`: the app host in the foreground. */
export async function runCommand(options: {
  cwd: string;
  configPath?: string;
  verbose: boolean;
}): Promise<number> {
  try {
    return await runHost({ ...options, output: process.stdout });
  } catch (error) {
    return printError(error, options.verbose);
  }
}
