/**
 * `unclip run`: execute a saved workflow headless, through the same executor as the editor. Save
 * Image nodes write PNGs into a folder instead of the database; nothing else differs.
 */
import { existsSync, statSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { WORKFLOW_PNG_KEYWORD } from "../../nodes/saveImage/node";
import type { ParamSpec } from "../../nodes/core/types";
import type { ArtifactRef } from "../../nodes/engine/runContext";
import { getEnv } from "../../server/env";
import { InputError } from "../../server/errors";
import { createExecutorServices } from "../../server/executorServices";
import type { SaveImageInfo } from "../../server/graph/executor";
import { executeRun } from "../../server/graph/sweep";
import { cacheLimitBytes } from "../../server/executorServices";
import { applySweepFlags } from "./sweepFlags";
import type { NodeRegistry } from "../../server/graph/registry";
import { validateWorkflow } from "../../server/graph/validate";
import { parseWorkflow, type Workflow, WorkflowFormatError } from "../../nodes/core/workflow";
import { DEVICES, type Device } from "../../server/runtime/device";
import { readPngTextChunks } from "../../server/unclip/imageOutput";
import { readUpload, uploadsDir } from "../../server/uploads";
import { isExampleValue } from "../../nodes/core/examples";
import { orExample, uploadOrFileExists } from "../../server/graph/inputFiles";
import { checkWritableDir, readInputFile } from "./guards";
import { choiceFlag, parse, UsageError } from "./args";
import { createProgressReporter } from "./progress";

export const RUN_USAGE = `usage: unclip run WORKFLOW.json [--set NODE_ID.PARAM=VALUE …] [--sweep NODE_ID.PARAM=V1,V2,… …]
  [--output-dir DIR] [--models-dir DIR] [--device auto|cpu|cuda] [--quiet]
WORKFLOW is a workflow exported from the editor, or a PNG the app saved (it carries its workflow).
--set changes a node's parameter; VALUE is read as JSON when it parses (5, 2.5, true, "text"),
as text otherwise. Save Image nodes write PNGs into --output-dir (default ./outputs); the files
written are printed, one per line. Model packages are looked up in --models-dir (default
MODELS_DIR, else models/). Load Image takes a file path or the name of an uploaded image.
--sweep (at most two) runs every combination of the values (a list 1,4,8, a JSON array, or a
range FROM..TO:STEP) and writes a labelled grid (sweep-grid.png) plus each cell's images
(cell-01-NODE-0.png, …); a workflow that declares a sweep runs it without the flag.`;

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** One line per problem, whatever a node title or value holds. */
const oneLine = (s: string) => s.replace(/\s*[\r\n]+\s*/g, " ");

export async function readWorkflowFile(file: string): Promise<Workflow> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InputError("workflow_unreadable", `${file}: ${code === "ENOENT" ? "no such file" : `cannot read (${code})`}`, { file });
  }
  let text: string;
  if (bytes.subarray(0, 8).equals(PNG_SIGNATURE)) {
    const embedded = readPngTextChunks(bytes)[WORKFLOW_PNG_KEYWORD];
    if (embedded === undefined)
      throw new InputError("bad_workflow", `${file}: this PNG carries no workflow (no "${WORKFLOW_PNG_KEYWORD}" text chunk)`, { file });
    text = embedded;
  } else {
    text = bytes.toString("utf8");
  }
  try {
    return parseWorkflow(text);
  } catch (err) {
    if (err instanceof WorkflowFormatError) throw new InputError("bad_workflow", `${file}: ${oneLine(err.message)}`, { file });
    throw err;
  }
}

/**
 * JSON when it parses, else the text as given. A value that parses to something the parameter
 * refuses while the plain text fits (a prompt "42" or "true") is taken as text.
 */
export function parseSetValue(raw: string, spec: ParamSpec): unknown {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return raw;
  }
  if (typeof value !== "string" && !spec.schema.safeParse(value).success && spec.schema.safeParse(raw).success) return raw;
  return value;
}

interface SetResult {
  problems: string[];
  /** "node\0param" → the --set that gave the value, to name it in validation messages. */
  origins: Map<string, string>;
}

/** Apply every --set to the workflow; each one that cannot be applied is a problem. */
export function applySets(workflow: Workflow, sets: readonly string[], registry: NodeRegistry): SetResult {
  const problems: string[] = [];
  const origins = new Map<string, string>();
  const listed = (names: string[]) => (names.length > 12 ? `${names.slice(0, 12).join(", ")}, …` : names.join(", "));
  for (const s of sets) {
    const eq = s.indexOf("=");
    const key = eq < 0 ? s : s.slice(0, eq);
    // node ids may contain dots, parameter names do not: split at the last one
    const dot = key.lastIndexOf(".");
    if (eq < 0 || dot <= 0 || dot === key.length - 1) {
      problems.push(`--set ${s}: expected NODE_ID.PARAM=VALUE`);
      continue;
    }
    const nodeId = key.slice(0, dot);
    const param = key.slice(dot + 1);
    const node = workflow.nodes.find((n) => n.id === nodeId);
    if (!node) {
      problems.push(`--set ${key}: no node "${nodeId}" in the workflow (nodes: ${listed(workflow.nodes.map((n) => n.id))})`);
      continue;
    }
    const decl = registry.declaration(node.type);
    if (!decl) {
      problems.push(`--set ${key}: node "${nodeId}" has the unknown type "${node.type}"`);
      continue;
    }
    const spec = decl.params.find((p) => p.name === param);
    if (!spec) {
      const names = decl.params.map((p) => p.name);
      problems.push(
        `--set ${key}: ${decl.title} (${nodeId}) has no parameter "${param}" (${names.length ? `parameters: ${listed(names)}` : "it has no parameters"})`,
      );
      continue;
    }
    node.params = { ...node.params, [param]: parseSetValue(s.slice(eq + 1), spec) };
    origins.set(`${nodeId}\0${param}`, s);
  }
  return { problems, origins };
}

/** `save-0`; a sweep's cell `cell-03-save-0`; its grid `sweep-grid`. */
function imageStem(nodeId: string, info: SaveImageInfo): string {
  if (info.sweep?.grid) return "sweep-grid";
  const plain = `${fileStem(nodeId)}-${info.index}`;
  return info.sweep?.cell !== undefined ? `cell-${String(info.sweep.cell + 1).padStart(2, "0")}-${plain}` : plain;
}

/** A file name from a node id: safe on every file system, never hidden. */
function fileStem(nodeId: string): string {
  return nodeId.replace(/[^A-Za-z0-9_-]/g, "_") || "image";
}

export async function runCommand(argv: string[], signal: AbortSignal): Promise<string> {
  const { values, positionals } = parse(argv, {
    set: { type: "string", multiple: true, short: "s" },
    sweep: { type: "string", multiple: true },
    "output-dir": { type: "string" },
    "models-dir": { type: "string" },
    device: { type: "string" },
    quiet: { type: "boolean", short: "q" },
    verbose: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) return RUN_USAGE + "\n";
  if (positionals.length === 0) throw new UsageError("a workflow file is required: unclip run WORKFLOW.json");
  if (positionals.length > 1) throw new UsageError(`one workflow file at a time, got ${positionals.length}: ${positionals.join(" ")}`);
  const file = positionals[0];
  const quiet = Boolean(values.quiet);
  const device = choiceFlag<Device>(values.device, "device", DEVICES, "auto");
  const outputDir = (values["output-dir"] as string | undefined) ?? "outputs";
  if (outputDir === "") throw new UsageError("--output-dir must not be empty");
  await checkWritableDir(outputDir, "output-dir");
  if (values.verbose) process.env.UNCLIP_ORT_VERBOSE = "1";
  const modelsFlag = values["models-dir"] as string | undefined;
  const modelsDir = modelsFlag !== undefined ? path.resolve(modelsFlag) : getEnv().modelsDir;
  if (!existsSync(modelsDir) || !statSync(modelsDir).isDirectory()) {
    throw new InputError("models_dir_missing", `${modelsFlag !== undefined ? "--models-dir" : "the models directory"}: ${modelsDir} is not a folder`, {
      file: modelsDir,
    });
  }

  const workflow = await readWorkflowFile(file);
  const sweepFlags = (values.sweep as string[] | undefined) ?? [];
  const written: string[] = [];
  const services = createExecutorServices({
    modelsDir,
    device,
    // one run per process: nothing would ever be reused, except between a sweep's cells
    cacheBytes: workflow.sweep || sweepFlags.length ? cacheLimitBytes() : 0,
    async readUpload(name) {
      // headless, an image is named by its path; names of images uploaded through the app are
      // looked up in the data directory as the server does (and `example:` names first, as
      // validation checks them)
      if (isExampleValue(name)) return readUpload(getEnv(), name);
      const local = path.resolve(name);
      if (existsSync(local) && statSync(local).isFile()) return readInputFile(local, "image");
      return readUpload(getEnv(), name);
    },
    async saveImage(_runId, nodeId, png, info): Promise<ArtifactRef> {
      const ref = { width: info.width, height: info.height, kind: info.kind };
      // previews are for the editor's canvas; headless they are not kept
      if (info.kind !== "image") return { id: `${nodeId}-preview-${info.index}`, url: "", ...ref };
      await mkdir(outputDir, { recursive: true });
      const stem = imageStem(nodeId, info);
      for (let n = 0; ; n++) {
        const target = path.join(outputDir, n === 0 ? `${stem}.png` : `${stem}-${n}.png`);
        try {
          // never overwrite: a second run into the same folder numbers its files on
          await writeFile(target, png, { flag: "wx" });
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === "EEXIST") continue;
          throw err;
        }
        written.push(target);
        return { id: path.basename(target), url: target, ...ref };
      }
    },
  });

  const { problems, origins } = applySets(workflow, (values.set as string[] | undefined) ?? [], services.registry);
  problems.push(...applySweepFlags(workflow, sweepFlags, services.registry, parseSetValue));
  const { errors } = validateWorkflow(workflow, services.registry, {
    modelsDir,
    inputFileExists: orExample(getEnv().rootDir, uploadOrFileExists(uploadsDir(getEnv()))),
  });
  for (const e of errors) {
    const origin = e.nodeId && e.param ? origins.get(`${e.nodeId}\0${e.param}`) : undefined;
    problems.push(origin ? `${e.message} (from --set ${origin})` : e.message);
  }
  if (problems.length) {
    const n = problems.length;
    throw new InputError("invalid_workflow", `${file}: ${n} problem${n > 1 ? "s" : ""}:\n${problems.map((p) => `  ${oneLine(p)}`).join("\n")}`, { file });
  }

  const progress = createProgressReporter(quiet);
  try {
    const report = await executeRun(services, workflow, {
      runId: `cli-${Date.now().toString(36)}`,
      signal,
      onEvent(e) {
        if (e.type === "node.progress") progress.onProgress({ stage: e.nodeId, step: e.step, steps: e.steps, timestep: e.timestep });
        if (e.type === "sweep.progress" && e.label && !quiet) {
          progress.stop();
          process.stderr.write(`cell ${e.done}/${e.total}: ${e.label}\n`);
        }
      },
    });
    progress.stop();
    if (!quiet && report.sweep) {
      const { executions, executionsUncached } = report.sweep;
      process.stderr.write(
        `sweep of ${report.sweep.cells.length} cells: ${executions} node executions (${executionsUncached - executions} saved by the cache)\n`,
      );
    }
    if (!quiet) {
      const cached = report.cached.length ? `, ${report.cached.length} cached` : "";
      process.stderr.write(`ran ${report.ran.length} node${report.ran.length === 1 ? "" : "s"}${cached} in ${(report.ms / 1000).toFixed(2)} s\n`);
      if (written.length === 0) process.stderr.write("no images written (the workflow has no Save Image node)\n");
    }
    return written.map((f) => `${f}\n`).join("");
  } finally {
    progress.stop();
    await services.models.unload();
  }
}
