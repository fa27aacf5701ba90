/** Every declaration is well-formed, has a runner, survives the catalog, and stays browser-safe. */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { isCacheable } from "../../nodes/core/graphRules";
import { catalog, getDeclaration, NODE_DECLARATIONS, NODE_IMPLEMENTATIONS, runnerFor } from "../../nodes/registry";
import { DATA_TYPES } from "../../nodes/core/types";
import { REPO_ROOT } from "../helpers/fixtures";

const duplicates = (names: string[]) => names.filter((n, i) => names.indexOf(n) !== i);

describe("node declarations", () => {
  it("have unique type ids of the form unclip.<name>", () => {
    const types = NODE_DECLARATIONS.map((d) => d.type);
    expect(duplicates(types)).toEqual([]);
    for (const t of types) expect(t).toMatch(/^unclip\.[a-z][a-z0-9_]*$/);
  });

  it("cover the product's node list", () => {
    const required = [
      "unclip.load_package",
      "unclip.load_tokenizer",
      "unclip.load_text_encoder",
      "unclip.load_prior",
      "unclip.load_text_proj",
      "unclip.load_decoder",
      "unclip.load_super_res",
      "unclip.load_image_encoder",
      "unclip.load_image_processor",
      "unclip.load_scheduler",
      "unclip.tokenizer",
      "unclip.text_encoder",
      "unclip.prior",
      "unclip.text_proj",
      "unclip.decoder",
      "unclip.super_res",
      "unclip.scheduler",
      "unclip.load_image",
      "unclip.clip_image_processor",
      "unclip.image_encoder",
      "unclip.interpolate_text",
      "unclip.interpolate_text_batch",
      "unclip.interpolate_image",
      "unclip.interpolate_image_batch",
      "unclip.noise",
      "unclip.save_image",
      "unclip.preview_image",
      "unclip.tensor_inspector",
      "unclip.note",
      "unclip.seed",
      "unclip.string",
      "unclip.int",
      "unclip.float",
    ];
    for (const t of required) expect(getDeclaration(t), t).toBeDefined();
  });

  for (const d of NODE_DECLARATIONS) {
    describe(d.type, () => {
      it("has unique port and parameter names, known port types and a description", () => {
        expect(duplicates(d.inputs.map((p) => p.name))).toEqual([]);
        expect(duplicates(d.outputs.map((p) => p.name))).toEqual([]);
        expect(duplicates(d.params.map((p) => p.name))).toEqual([]);
        for (const p of [...d.inputs, ...d.outputs]) {
          expect(p.type === "*" || p.type in DATA_TYPES, `${p.name}: ${p.type}`).toBe(true);
          expect(p.label.length).toBeGreaterThan(0);
        }
        for (const p of d.outputs) expect(p.type, "outputs have a concrete type").not.toBe("*");
        expect(d.description.length).toBeGreaterThan(80);
        expect(Number.isInteger(d.version) && d.version >= 1).toBe(true);
      });

      it("has defaults that pass their schemas and widget hints that fit", () => {
        for (const p of d.params) {
          const parsed = p.schema.safeParse(p.default);
          expect(parsed.success, `${p.name} default ${JSON.stringify(p.default)}`).toBe(true);
          if (p.widget === "select") expect(p.options).toContain(p.default);
          if (typeof p.default === "number" && p.min !== undefined) expect(p.default).toBeGreaterThanOrEqual(p.min);
          if (typeof p.default === "number" && p.max !== undefined) expect(p.default).toBeLessThanOrEqual(p.max);
        }
      });

      it("has a runner", () => {
        expect(typeof runnerFor(d.type)).toBe("function");
      });
    });
  }

  it("registers no runner without a declaration", () => {
    for (const { declaration } of NODE_IMPLEMENTATIONS) expect(getDeclaration(declaration.type), declaration.type).toBe(declaration);
  });

  it("marks outputs, notes and seeds as specified", () => {
    for (const t of ["unclip.save_image", "unclip.preview_image", "unclip.tensor_inspector"]) expect(getDeclaration(t)!.output).toBe(true);
    const note = getDeclaration("unclip.note")!;
    expect(note.executable).toBe(false);
    expect(note.inputs.length + note.outputs.length).toBe(0);
    const seed = getDeclaration("unclip.seed")!;
    expect(isCacheable(seed, { seed: 1, randomize: false })).toBe(true);
    expect(isCacheable(seed, { seed: 1, randomize: true })).toBe(false);
    expect(isCacheable(getDeclaration("unclip.prior")!, {})).toBe(true);
  });

  it("use the reference defaults", () => {
    const param = (type: string, name: string) => getDeclaration(type)!.params.find((p) => p.name === name)!.default;
    expect(param("unclip.prior", "guidanceScale")).toBe(4.0);
    expect(param("unclip.decoder", "guidanceScale")).toBe(8.0);
    expect(param("unclip.prior", "classifierFreeGuidance")).toBe(true);
    expect(param("unclip.text_proj", "classifierFreeGuidance")).toBe(true);
    expect(param("unclip.scheduler", "numInferenceSteps")).toBe(25);
    const loader = getDeclaration("unclip.load_package")!;
    expect(loader.outputs.filter((p) => p.type === "SCHEDULER").map((p) => p.description)).toEqual([
      expect.stringContaining("25 steps"),
      expect.stringContaining("25 steps"),
      expect.stringContaining("7 steps"),
    ]);
  });
});

describe("catalog()", () => {
  it("is JSON-serialisable, keeps widget hints and gives every parameter a JSON schema", () => {
    const c = catalog();
    expect(c.length).toBe(NODE_DECLARATIONS.length);
    const round: unknown = JSON.parse(JSON.stringify(c));
    expect(round).toEqual(c);
    const prior = c.find((n) => n.type === "unclip.prior")!;
    const guidance = prior.params.find((p) => p.name === "guidanceScale")!;
    expect(guidance).toMatchObject({ widget: "slider", default: 4, min: 0 });
    expect(guidance.jsonSchema).toMatchObject({ type: "number" });
    const which = c.find((n) => n.type === "unclip.load_scheduler")!.params.find((p) => p.name === "which")!;
    expect(which.jsonSchema).toMatchObject({ enum: ["prior", "decoder", "super_res"] });
    for (const n of c) {
      expect("cacheable" in n).toBe(false);
      for (const p of n.params) expect(p.jsonSchema).toBeTypeOf("object");
    }
  });
});

describe("browser safety", () => {
  // nodes/core/* and every nodes/<type>/node.ts run in the editor too: zod and each other only
  // (the import rules of `npm run lint` check the same for the whole tree)
  const nodesDir = path.join(REPO_ROOT, "nodes");
  const coreFiles = readdirSync(path.join(nodesDir, "core"))
    .filter((f) => f.endsWith(".ts"))
    .map((f) => path.join("core", f));
  const declarationFiles = readdirSync(nodesDir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(path.join(nodesDir, e.name, "node.ts")))
    .map((e) => path.join(e.name, "node.ts"));
  const browserSafe = (file: string) => file.startsWith("core/") || file.endsWith("/node.ts");

  it("finds the declarations and the browser-safe core", () => {
    expect(declarationFiles.length).toBeGreaterThanOrEqual(20);
    expect(coreFiles).toContain(path.join("core", "graphRules.ts"));
  });

  it.each([...coreFiles, ...declarationFiles])("%s imports only zod and browser-safe modules", (file) => {
    const source = readFileSync(path.join(nodesDir, file), "utf8");
    const imports = [...source.matchAll(/^import[^"']*["']([^"']+)["']/gm)].map((m) => m[1]);
    for (const spec of imports) {
      const target = spec.startsWith(".") ? path.relative(nodesDir, path.resolve(nodesDir, path.dirname(file), spec)) + ".ts" : spec;
      const ok = spec === "zod" || (spec.startsWith(".") && !target.startsWith("..") && browserSafe(target));
      expect(ok, `${file} imports ${spec}`).toBe(true);
    }
  });
});
