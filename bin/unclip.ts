/**
 * The `unclip` command line. Exit status: 0 success; 2 bad usage or bad input (one line, no
 * stack trace); 1 a runtime failure. Work is done by server/; this file only dispatches.
 */
import { isUnclipError } from "../server/errors";
import { UsageError } from "./cli/args";
import { checkDashes } from "./cli/guards";
import { GENERATE_USAGE, generateCommand } from "./cli/generate";
import { RUN_USAGE, runCommand } from "./cli/run";
import { EXPORT_PYTHON_USAGE, exportPythonCommand } from "./cli/exportPython";
import { VARIATION_USAGE, variationCommand } from "./cli/variation";
import { WORKER_USAGE, workerCommand } from "./cli/worker";
import { USERS_USAGE, usersCommand } from "./cli/users";

const USAGE = `usage: unclip <command> [options]
commands:
  generate    text → image (UnCLIPPipeline)
  variation   image → variations (UnCLIPImageVariationPipeline)
  run         a saved workflow, headless
  export-python  a saved workflow as a diffusers script (UnCLIPPipeline / UnCLIPImageVariationPipeline)
  worker      execute runs from the shared queue (REDIS_URL), one per GPU
  users       accounts for class mode: add, list, passwd, remove
run "unclip <command> --help" for its options.

${GENERATE_USAGE}

${VARIATION_USAGE}

${RUN_USAGE}

${EXPORT_PYTHON_USAGE}

${WORKER_USAGE}

${USERS_USAGE}
`;

const COMMANDS: Record<string, (argv: string[], signal: AbortSignal) => Promise<string>> = {
  generate: generateCommand,
  variation: variationCommand,
  run: runCommand,
  "export-python": exportPythonCommand,
  worker: workerCommand,
  users: usersCommand,
};

/** Commands whose flags mirror the pipelines' parameter names (see withFlagNames). */
const FLAG_NAMED = new Set(["generate", "variation"]);

/** Messages name parameters as the API does (decoderLatents); on the command line say --decoder-latents. */
function withFlagNames(message: string, parameter: string | undefined): string {
  if (!parameter || !/^[a-z][A-Za-z]*$/.test(parameter)) return message;
  const flag = `--${parameter.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
  return message.replace(new RegExp(`\\b${parameter}\\b`, "g"), flag);
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === "--help" || command === "-h" || command === "help") {
    process.stdout.write(USAGE);
    return command === undefined ? 2 : 0;
  }
  const run = COMMANDS[command];
  if (!run) {
    process.stderr.write(`unclip: unknown command "${command}" (commands: ${Object.keys(COMMANDS).join(", ")})\n`);
    return 2;
  }
  const controller = new AbortController();
  process.once("SIGINT", () => controller.abort());
  try {
    checkDashes(rest);
    process.stdout.write(await run(rest, controller.signal));
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`unclip ${command}: ${err.message}\n`);
      return 2;
    }
    if (isUnclipError(err)) {
      // `run` names node parameters, which are not flags
      const message = FLAG_NAMED.has(command) ? withFlagNames(err.message, err.where.parameter) : err.message;
      process.stderr.write(`unclip ${command}: ${message}\n`);
      if (err.kind === "bad_input" || err.kind === "bad_package") return 2;
      return err.kind === "cancelled" ? 130 : 1;
    }
    // a file system error (a full disk, a path that vanished) is one line, like every other failure
    const errno = (err as NodeJS.ErrnoException)?.code;
    process.stderr.write(`unclip ${command}: failed: ${errno ? (err as Error).message : ((err as Error)?.stack ?? String(err))}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
