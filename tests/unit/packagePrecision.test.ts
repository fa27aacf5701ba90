import { chmodSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, expect, it } from "vitest";
import { PackageError } from "../../server/errors";
import { loadModelPackage } from "../../server/runtime/modelPackage";
import { precisionSummary } from "../../server/runtime/precision";
import { describeWithFixtures, TINY_PACKAGE } from "../helpers/fixtures";

const roots: string[] = [];
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

/** A copy of unclip-tiny (the fixtures are read-only) with `precision` set in the given configs. */
function tinyWith(precision: Record<string, unknown>, note?: unknown): string {
  const root = mkdtempSync(path.join(os.tmpdir(), "unclip-precision-"));
  roots.push(root);
  const dir = path.join(root, "unclip-tiny");
  cpSync(TINY_PACKAGE, dir, { recursive: true });
  for (const [component, value] of Object.entries(precision)) {
    const file = path.join(dir, component, "config.json");
    chmodSync(file, 0o644);
    writeFileSync(file, JSON.stringify({ ...(JSON.parse(readFileSync(file, "utf8")) as object), precision: value }));
  }
  chmodSync(dir, 0o755);
  if (note !== undefined) writeFileSync(path.join(dir, "int8_quantization.json"), JSON.stringify(note));
  return dir;
}

const GRAPHS = ["text_encoder", "prior", "text_proj", "decoder", "super_res_first", "super_res_last", "image_encoder"];

describeWithFixtures("package precision (config.json's precision field)", () => {
  it("absent means float32: the shared fixtures are float32 exports", async () => {
    const pkg = await loadModelPackage(TINY_PACKAGE);
    expect(Object.keys(pkg.precision).sort()).toEqual([...GRAPHS].sort());
    expect(new Set(Object.values(pkg.precision))).toEqual(new Set(["float32"]));
    expect(precisionSummary(pkg.precision)).toBe("float32");
  });

  it("an --int8 export: the UNets and prior int8, the rest float32, summarised lowest first", async () => {
    const int8 = { prior: "int8", decoder: "int8", super_res_first: "int8", super_res_last: "int8" };
    const pkg = await loadModelPackage(tinyWith({ ...int8, text_encoder: "float32", text_proj: "float32", image_encoder: "float32" }));
    expect(pkg.precision).toMatchObject({ ...int8, text_encoder: "float32", text_proj: "float32" });
    expect(precisionSummary(pkg.precision)).toBe("int8 + float32");
  });

  it("an --fp16 export: by default the super-res UNets float16 and the rest float32 (--fp16-keep-float32)", async () => {
    const precision = Object.fromEntries(GRAPHS.map((g) => [g, g.startsWith("super_res") ? "float16" : "float32"]));
    const pkg = await loadModelPackage(tinyWith(precision));
    expect(pkg.precision).toEqual(precision);
    expect(precisionSummary(pkg.precision)).toBe("float16 + float32");
  });

  it("an --fp16 export with --fp16-keep-float32 none", async () => {
    const pkg = await loadModelPackage(tinyWith(Object.fromEntries(GRAPHS.map((g) => [g, "float16"]))));
    expect(precisionSummary(pkg.precision)).toBe("float16");
  });

  it("an older quantize_int8 copy without the field: its note says which graphs are int8", async () => {
    const pkg = await loadModelPackage(tinyWith({}, { decoder: { quantized: 12, kept: [], skipped: 0 }, prior: { quantized: 0, kept: [], skipped: 3 } }));
    expect(pkg.precision.decoder).toBe("int8");
    expect(pkg.precision.prior).toBe("float32");
  });

  it("an unknown precision is the package's error, naming the file", async () => {
    const dir = tinyWith({ decoder: "int4" });
    const err = await loadModelPackage(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PackageError);
    expect((err as PackageError).code).toBe("bad_config");
    expect((err as PackageError).message).toContain(path.join(dir, "decoder", "config.json"));
    expect((err as PackageError).message).toContain('not "int4"');
  });
});
