/**
 * `unclip export-python`: the workflow as a diffusers script (nodes/core/exportPython.ts, as the
 * editor's "Export → Python (diffusers)"), printed or written to a file.
 */
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { exportPython } from "../../nodes/core/exportPython";
import { getDeclaration } from "../../nodes/registry";
import { getEnv } from "../../server/env";
import { InputError } from "../../server/errors";
import { loadModelPackage } from "../../server/runtime/modelPackage";
import { packageSource } from "../../server/runtime/packageSource";
import { parse, UsageError } from "./args";
import { checkOutputPath } from "./guards";
import { readWorkflowFile } from "./run";

export const EXPORT_PYTHON_USAGE = `usage: unclip export-python WORKFLOW.json [--output FILE.py] [--models-dir DIR]
Writes a Python script calling diffusers' UnCLIPPipeline or UnCLIPImageVariationPipeline with the
workflow's settings (to stdout, or --output). The model id comes from the package's
model_index.json when it records one (packages are looked up in --models-dir, default MODELS_DIR,
else models/); otherwise the script has a placeholder. A workflow diffusers cannot express is
refused with the nodes it has no equivalent for (exit 2).`;

const PACKAGE_NAME = /^[\w][\w.-]*$/;

/** Hub ids of the packages a workflow loads, where their model_index.json records one. */
async function modelIdsOf(packages: string[], modelsDir: string): Promise<Record<string, string | null>> {
  const out: Record<string, string | null> = {};
  for (const name of packages) {
    const dir = path.join(modelsDir, name);
    // a name that is not a plain folder name, or a package that does not load, is simply unknown
    out[name] =
      PACKAGE_NAME.test(name) && existsSync(dir)
        ? await loadModelPackage(dir).then(
            (p) => packageSource(p.index),
            () => null,
          )
        : null;
  }
  return out;
}

export async function exportPythonCommand(argv: string[]): Promise<string> {
  const { values, positionals } = parse(argv, {
    output: { type: "string", short: "o" },
    "models-dir": { type: "string" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) return EXPORT_PYTHON_USAGE + "\n";
  if (positionals.length !== 1) throw new UsageError("one workflow file is required: unclip export-python WORKFLOW.json");
  const workflow = await readWorkflowFile(positionals[0]);
  const modelsFlag = values["models-dir"] as string | undefined;
  const modelsDir = modelsFlag !== undefined ? path.resolve(modelsFlag) : getEnv().modelsDir;
  const packages = [...new Set(workflow.nodes.map((n) => n.params.package).filter((p): p is string => typeof p === "string"))];
  const r = exportPython(workflow, { declarationOf: getDeclaration, modelIds: await modelIdsOf(packages, modelsDir) });
  if (!r.ok) throw new InputError("no_diffusers_equivalent", `${positionals[0]}: ${r.message}`, { file: positionals[0] });
  const output = values.output as string | undefined;
  if (output === undefined) return r.script;
  await checkOutputPath(output, "output");
  await writeFile(output, r.script);
  return `${output}\n`;
}
