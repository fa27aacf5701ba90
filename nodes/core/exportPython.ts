/**
 * "Export → Python (diffusers)": a workflow that has the shape of diffusers' UnCLIPPipeline or
 * UnCLIPImageVariationPipeline becomes a script calling that pipeline with the same settings
 * (prompt, images per prompt, step counts, guidance scales, seed, the model it came from). Any
 * other graph gets the list of nodes and settings diffusers has no equivalent for. Browser-safe
 * (zod-free even): the editor and the CLI call it with their own view of the declarations.
 */
import { SCHEDULER_TABLE, type SchedulerRow } from "./componentTable";
import { exampleFileOf } from "./examples";
import { resolveModes } from "./nodeModes";
import type { NodeDeclaration } from "./types";
import type { Workflow, WorkflowNode } from "./workflow";
import { clipImageProcessorNode } from "../clipImageProcessor/node";
import { decoderNode } from "../decoder/node";
import { imageEncoderNode } from "../imageEncoder/node";
import { LOAD_COMPONENT_NODES } from "../loadComponent/node";
import { loadImageNode } from "../loadImage/node";
import { loadPackageNode } from "../loadPackage/node";
import { loadSchedulerNode } from "../loadScheduler/node";
import { noteNode } from "../note/node";
import { previewImageNode } from "../previewImage/node";
import { PRIMITIVE_NODES } from "../primitives/node";
import { priorNode } from "../prior/node";
import { saveImageNode } from "../saveImage/node";
import { schedulerNode } from "../scheduler/node";
import { seedNode } from "../seed/node";
import { superResNode } from "../superRes/node";
import { tensorInspectorNode } from "../tensorInspector/node";
import { textEncoderNode } from "../textEncoder/node";
import { textProjNode } from "../textProj/node";
import { tokenizerNode } from "../tokenizer/node";

/** What the export needs of a node type (a declaration or the editor's catalog entry will do). */
export interface ExportDeclaration extends Pick<NodeDeclaration, "inputs" | "outputs" | "title"> {
  params: readonly { name: string; default: unknown }[];
}
export type DeclarationOf = (type: string) => ExportDeclaration | undefined;

export type DiffusersPipeline = "UnCLIPPipeline" | "UnCLIPImageVariationPipeline";

/** A node (or, with nodeId null, the graph) that keeps the workflow from being a diffusers call. */
export interface ExportProblem {
  nodeId: string | null;
  title: string;
  reason: string;
}

export type PyValue = string | number | boolean | string[];

export type PythonExport =
  | { ok: true; pipeline: DiffusersPipeline; script: string; modelId: string | null; call: Record<string, PyValue>; notes: string[] }
  | { ok: false; problems: ExportProblem[]; message: string };

export interface PythonExportOptions {
  declarationOf: DeclarationOf;
  /** The diffusers model (hub id or folder) each package was exported from, where known. */
  modelIds?: Record<string, string | null | undefined>;
}

// Node types with a place in the pipelines, by role. Types are read from the declarations.
const T = {
  tokenizer: tokenizerNode.type,
  textEncoder: textEncoderNode.type,
  prior: priorNode.type,
  textProj: textProjNode.type,
  decoder: decoderNode.type,
  superRes: superResNode.type,
  scheduler: schedulerNode.type,
  loadImage: loadImageNode.type,
  imageProcessor: clipImageProcessorNode.type,
  imageEncoder: imageEncoderNode.type,
} as const;
type Role = keyof typeof T;
const ROLE_OF = new Map<string, Role>(Object.entries(T).map(([role, type]) => [type, role as Role]));

/** Nodes that show or save results, or only document: the script saves the images instead. */
const PASSIVE = new Set<string>([noteNode.type, previewImageNode.type, saveImageNode.type, tensorInspectorNode.type]);
const LOADERS = new Set<string>([loadPackageNode.type, loadSchedulerNode.type, ...LOAD_COMPONENT_NODES.map((d) => d.type)]);
const VALUE_SOURCES = new Set<string>([seedNode.type, ...PRIMITIVE_NODES.map((d) => d.type)]);

/** The links each pipeline is made of: [from role, port, to role, port]. */
const TEXT_LINKS: [Role, string, Role, string][] = [
  ["tokenizer", "tokens", "textEncoder", "tokens"],
  ["textEncoder", "embedding", "textProj", "text"],
  ["textProj", "conditioning", "decoder", "conditioning"],
  ["decoder", "image", "superRes", "image"],
];
const PIPELINE_LINKS: Record<DiffusersPipeline, [Role, string, Role, string][]> = {
  UnCLIPPipeline: [...TEXT_LINKS, ["textEncoder", "embedding", "prior", "text"], ["prior", "imageEmbedding", "textProj", "imageEmbedding"]],
  UnCLIPImageVariationPipeline: [
    ...TEXT_LINKS,
    ["loadImage", "image", "imageProcessor", "image"],
    ["imageProcessor", "pixelValues", "imageEncoder", "pixelValues"],
    ["imageEncoder", "imageEmbedding", "textProj", "imageEmbedding"],
  ],
};
const PIPELINE_ROLES: Record<DiffusersPipeline, Role[]> = {
  UnCLIPPipeline: ["tokenizer", "textEncoder", "prior", "textProj", "decoder", "superRes"],
  UnCLIPImageVariationPipeline: ["loadImage", "imageProcessor", "imageEncoder", "tokenizer", "textEncoder", "textProj", "decoder", "superRes"],
};
const SAMPLER_ONLY_INPUTS = ["latents", "stepNoise", "noisyLatents"];

class Graph {
  readonly byId: Map<string, WorkflowNode>;
  constructor(
    readonly wf: Workflow,
    readonly declarationOf: DeclarationOf,
  ) {
    this.byId = new Map(wf.nodes.map((n) => [n.id, n]));
  }
  title(n: WorkflowNode): string {
    return n.title ?? this.declarationOf(n.type)?.title ?? n.type;
  }
  param(n: WorkflowNode, name: string): unknown {
    if (n.paramInputs?.includes(name)) return this.wired(n, name);
    return name in n.params ? n.params[name] : this.declarationOf(n.type)?.params.find((p) => p.name === name)?.default;
  }
  feeder(n: WorkflowNode, port: string): { node: WorkflowNode; port: string } | undefined {
    const l = this.wf.links.find((x) => x.to.node === n.id && x.to.port === port);
    const from = l && this.byId.get(l.from.node);
    return from && l ? { node: from, port: l.from.port } : undefined;
  }
  /** A value wired into a port from a primitive or Seed node; undefined when none (or another kind of node). */
  wired(n: WorkflowNode, port: string): unknown {
    const f = this.feeder(n, port);
    if (!f || !VALUE_SOURCES.has(f.node.type)) return undefined;
    return this.param(f.node, f.node.type === seedNode.type ? "seed" : "value");
  }
}

export function exportPython(workflow: Workflow, o: PythonExportOptions): PythonExport {
  // only the ports matter to bypass and mute here (converted parameters are not a diffusers argument)
  const wf = resolveModes(workflow, (type) => {
    const d = o.declarationOf(type);
    return d && { inputs: d.inputs, outputs: d.outputs };
  }).workflow;
  const g = new Graph(wf, o.declarationOf);
  const problems: ExportProblem[] = [];
  const problem = (n: WorkflowNode | null, reason: string) => problems.push({ nodeId: n?.id ?? null, title: n ? g.title(n) : "the workflow", reason });

  // 1. every node has a role in a pipeline, loads its parts, feeds a value, or only shows results
  const byRole = new Map<Role, WorkflowNode[]>();
  const packages = new Set<string>();
  for (const n of wf.nodes) {
    const role = ROLE_OF.get(n.type);
    if (role) byRole.set(role, [...(byRole.get(role) ?? []), n]);
    else if (LOADERS.has(n.type)) packages.add(String(g.param(n, "package")));
    else if (!PASSIVE.has(n.type) && !VALUE_SOURCES.has(n.type)) {
      problem(
        n,
        o.declarationOf(n.type) ? "has no diffusers equivalent in UnCLIPPipeline or UnCLIPImageVariationPipeline" : `is of an unknown node type (${n.type})`,
      );
    }
  }
  const one = (role: Role): WorkflowNode | undefined => byRole.get(role)?.[0];
  for (const [role, nodes] of byRole) {
    if (role !== "scheduler" && nodes.length > 1)
      for (const n of nodes.slice(1)) problem(n, `is a second ${o.declarationOf(n.type)?.title ?? n.type} node; the pipeline has one`);
  }
  if (packages.size > 1) problem(null, `loads parts of ${packages.size} packages (${[...packages].join(", ")}); a diffusers pipeline loads one model`);

  // 2. which pipeline: the prior makes the image embedding from text, the image encoder from a picture
  const prior = one("prior");
  const encoder = one("imageEncoder");
  if (prior && encoder) problem(encoder, "sits beside a Prior: a diffusers pipeline takes its image embedding from one of them");
  const pipeline: DiffusersPipeline | null = prior ? "UnCLIPPipeline" : encoder ? "UnCLIPImageVariationPipeline" : null;
  if (!pipeline) {
    problem(null, "has neither a Prior (text to image) nor an Image Encoder (image variation)");
    return failed(problems);
  }
  for (const role of PIPELINE_ROLES[pipeline]) {
    if (!one(role)) problem(null, `has no ${o.declarationOf(T[role])?.title ?? role} node, which ${pipeline} needs`);
  }
  for (const [fromRole, fromPort, toRole, toPort] of PIPELINE_LINKS[pipeline]) {
    const from = one(fromRole);
    const to = one(toRole);
    if (!from || !to) continue;
    const f = g.feeder(to, toPort);
    if (f?.node.id !== from.id || f.port !== fromPort) problem(to, `its "${toPort}" input does not come from ${g.title(from)} as in ${pipeline}`);
  }

  // 3. the samplers: no partial schedules, no given noise, schedulers as the package has them
  const samplers = (["prior", "decoder", "superRes"] as const).map((r) => one(r)).filter((n): n is WorkflowNode => n !== undefined);
  for (const s of samplers) {
    for (const port of SAMPLER_ONLY_INPUTS) if (g.feeder(s, port)) problem(s, `its "${port}" input is connected; the pipeline call draws its own noise`);
    if (g.param(s, "startStep") !== 0 || g.param(s, "endStep") !== 0) problem(s, "runs part of its schedule (startStep/endStep); the pipeline runs every step");
  }
  const steps = (s: WorkflowNode | undefined, row: SchedulerRow): number | null => (s ? schedulerSteps(g, s, row, problem) : null);
  const [priorRow, decoderRow, superResRow] = SCHEDULER_TABLE;

  // 4. the call's arguments
  const call: Record<string, PyValue> = {};
  const notes: string[] = [];
  const tokenizer = one("tokenizer");
  const prompt = tokenizer ? asText(g.wired(tokenizer, "prompt") ?? g.param(tokenizer, "prompt")) : "";
  if (pipeline === "UnCLIPPipeline") {
    // the Tokenizer's batch mode: one prompt per non-empty line, a list in diffusers
    const batch = tokenizer !== undefined && g.param(tokenizer, "batch") === true;
    call.prompt = batch ? prompt.split("\n").filter((l) => l.trim() !== "") : prompt;
    call.num_images_per_prompt = Number(g.param(prior!, "numImagesPerPrompt"));
    const s = steps(prior, priorRow);
    if (s !== null) call.prior_num_inference_steps = s;
  } else {
    if (prompt !== "" && tokenizer) problem(tokenizer, "has a prompt; UnCLIPImageVariationPipeline always uses the empty prompt");
    // a shipped example is a file in the app's public/examples; an upload has only its name here
    const picture = asText(g.param(one("loadImage")!, "image"));
    const example = exampleFileOf(picture);
    call.image = example ? `public/examples/${example}` : picture;
    call.num_images_per_prompt = Number(g.param(encoder!, "numImagesPerPrompt"));
  }
  const decoder = one("decoder");
  const superRes = one("superRes");
  const ds = steps(decoder, decoderRow);
  if (ds !== null) call.decoder_num_inference_steps = ds;
  const ss = steps(superRes, superResRow);
  if (ss !== null) call.super_res_num_inference_steps = ss;
  if (prior) call.prior_guidance_scale = Number(g.param(prior, "guidanceScale"));
  if (decoder) call.decoder_guidance_scale = Number(g.param(decoder, "guidanceScale"));

  // diffusers guides both stages exactly when a scale is above 1; the toggles must say the same
  const guided = Number(call.prior_guidance_scale ?? 0) > 1 || Number(call.decoder_guidance_scale ?? 0) > 1;
  for (const n of [prior, one("textProj")]) {
    if (n && g.param(n, "classifierFreeGuidance") !== guided) {
      problem(n, `has classifier-free guidance ${guided ? "off" : "on"}; diffusers turns it ${guided ? "on" : "off"} for these guidance scales`);
    }
  }

  // one generator in diffusers: the samplers' seeds
  const seeds = samplers.map((s) => ({ s, seed: samplerSeed(g, s) }));
  const seed = seeds[0]?.seed ?? 0;
  if (new Set(seeds.map((x) => x.seed)).size > 1) {
    notes.push(
      `The samplers use different seeds (${seeds.map((x) => `${g.title(x.s)} ${x.seed}`).join(", ")}); diffusers draws from one generator, seeded with the first.`,
    );
  }
  if (wf.nodes.some((n) => n.type === seedNode.type && g.param(n, "randomize") === true)) {
    notes.push("The Seed node draws a new seed on every run; this is the seed saved in the workflow.");
  }
  call.generator = seed;

  if (problems.length) return failed(problems);
  const pkg = [...packages][0] ?? "";
  const modelId = o.modelIds?.[pkg] ?? null;
  return { ok: true, pipeline, script: pythonScript(workflow.name ?? "workflow", pipeline, pkg, modelId, call, notes), modelId, call, notes };
}

/** A text parameter's value (a missing one is empty). */
function asText(v: unknown): string {
  return typeof v === "string" ? v : typeof v === "number" || typeof v === "boolean" ? String(v) : "";
}

function failed(problems: ExportProblem[]): PythonExport {
  const lines = problems.map((p) => (p.nodeId ? `${p.title} (${p.nodeId}) ${p.reason}` : `The workflow ${p.reason}`));
  return { ok: false, problems, message: `This workflow does not map onto a diffusers unCLIP pipeline: ${lines.join("; ")}.` };
}

/** Steps of the scheduler a sampler uses: a Scheduler node's, or the loader's reference count. */
function schedulerSteps(g: Graph, sampler: WorkflowNode, row: SchedulerRow, problem: (n: WorkflowNode, reason: string) => void): number | null {
  const f = g.feeder(sampler, "scheduler");
  if (!f) return null;
  let node = f.node;
  let port = f.port;
  let stepsFound: number | null = null;
  if (node.type === schedulerNode.type) {
    if (g.param(node, "varianceType") !== "package" || Number(g.param(node, "clipSampleRange")) > 0) {
      problem(node, "changes the scheduler's options; the pipeline uses the package's scheduler config");
    }
    stepsFound = Number(g.wired(node, "numInferenceSteps") ?? g.param(node, "numInferenceSteps"));
    const up = g.feeder(node, "scheduler");
    if (!up) return stepsFound;
    node = up.node;
    port = up.port;
  }
  const which =
    node.type === loadSchedulerNode.type ? SCHEDULER_TABLE.find((r) => r.which === g.param(node, "which")) : SCHEDULER_TABLE.find((r) => r.port === port);
  if (which && which.which !== row.which)
    problem(sampler, `steps with the ${which.label.toLowerCase()}; the pipeline's ${row.which.replace("_", "-")} stage uses its own`);
  return stepsFound ?? row.defaultSteps;
}

function samplerSeed(g: Graph, s: WorkflowNode): number {
  const wired = g.wired(s, "seed");
  return Number(wired ?? g.param(s, "seed"));
}

// --- the script --------------------------------------------------------------------------------

/** A Python literal: JSON's string escapes are Python's too; floats keep a decimal point. */
export function pyLiteral(v: PyValue, float = false): string {
  if (Array.isArray(v)) return `[${v.map((x) => pyLiteral(x)).join(", ")}]`;
  if (typeof v === "boolean") return v ? "True" : "False";
  if (typeof v === "number") return float && Number.isInteger(v) ? `${v}.0` : String(v);
  return JSON.stringify(v);
}

const FLOAT_ARGS = new Set(["prior_guidance_scale", "decoder_guidance_scale"]);

function pythonScript(name: string, pipeline: DiffusersPipeline, pkg: string, modelId: string | null, call: Record<string, PyValue>, notes: string[]): string {
  const comment = (text: string) => text.split("\n").map((l) => `# ${l}`);
  const lines: string[] = [
    ...comment(`Exported by unCLIP Studio from the workflow ${JSON.stringify(name)}: the same call in diffusers.`),
    "# diffusers draws its noise with torch's generator and unCLIP Studio with its own seeded streams,",
    "# so the same seed gives the same settings but not the same pixels.",
    ...notes.flatMap(comment),
    "import torch",
    `from diffusers import ${pipeline}`,
    ...(pipeline === "UnCLIPImageVariationPipeline" ? ["from PIL import Image"] : []),
    "",
  ];
  if (modelId) {
    lines.push(`# the diffusers model package "${pkg}" was exported from`, `pipe = ${pipeline}.from_pretrained(${pyLiteral(modelId)})`);
  } else {
    lines.push(
      `# Not known which diffusers model the package "${pkg}" was exported from: put its hub id or folder here`,
      `# (e.g. "kakaobrain/karlo-v1-alpha"${pipeline === "UnCLIPImageVariationPipeline" ? ' or "kakaobrain/karlo-v1-alpha-image-variations"' : ""}).`,
      `pipe = ${pipeline}.from_pretrained(${pyLiteral(`PATH/TO/DIFFUSERS/MODEL/OF/${pkg}`)})`,
    );
  }
  lines.push(`generator = torch.Generator().manual_seed(${pyLiteral(call.generator)})`);
  if (pipeline === "UnCLIPImageVariationPipeline") {
    lines.push(
      `# the Load Image node's picture (${pyLiteral(call.image)}): put the path of that file here`,
      `image = Image.open(${pyLiteral(call.image)}).convert("RGB")`,
    );
  }
  lines.push("images = pipe(");
  for (const [key, value] of Object.entries(call)) {
    if (key === "generator") lines.push("    generator=generator,");
    else if (key === "image") lines.push("    image=image,");
    else lines.push(`    ${key}=${pyLiteral(value, FLOAT_ARGS.has(key))},`);
  }
  lines.push(").images", "for i, picture in enumerate(images):", '    picture.save(f"unclip-{i}.png")', "");
  return lines.join("\n");
}
