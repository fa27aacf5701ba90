/**
 * The shipped example images (public/examples, named `example:<file>`): only the listed files can
 * be named (no traversal), validation checks them like uploads, everyone may use them, and the
 * "Image variation" template runs out of the box on the default model with one of them.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import sharp from "sharp";
import { afterAll, describe, expect, it } from "vitest";
import { EXAMPLE_IMAGES, exampleFileOf } from "../../nodes/core/examples";
import { templateByName } from "../../nodes/core/templates";
import { readImageUpload } from "../../nodes/loadImage/run";
import { orExample, uploadExistsIn } from "../../server/graph/inputFiles";
import { validateWorkflow } from "../../server/graph/validate";
import { getEnv } from "../../server/env";
import { readUpload } from "../../server/uploads";
import type { InputError } from "../../server/errors";
import { registry } from "../graph/helpers";
import { runUnclip } from "../helpers/cli";
import { REPO_ROOT } from "../helpers/fixtures";

const tmp = mkdtempSync(path.join(os.tmpdir(), "unclip-examples-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const BAD = [
  "example:../x",
  "example:../../package.json",
  "example:/etc/passwd",
  "example:",
  "example:red-ring.png/..",
  "example:RED-RING.PNG",
  "example:nope.png",
];

describe("example image names", () => {
  it("are exactly the files of public/examples, each a 64 px PNG the Load Image checks accept", async () => {
    const dir = path.join(REPO_ROOT, "public", "examples");
    expect(readdirSync(dir).sort()).toEqual(EXAMPLE_IMAGES.map((e) => e.file).sort());
    for (const e of EXAMPLE_IMAGES) {
      const rgb = await readImageUpload(readFileSync(path.join(dir, e.file)), e.file);
      expect([rgb.width, rgb.height], e.file).toEqual([64, 64]);
    }
  });

  it("accept only a listed file: no other folder, no traversal, no case games", async () => {
    for (const e of EXAMPLE_IMAGES) expect(exampleFileOf(`example:${e.file}`)).toBe(e.file);
    for (const bad of BAD) {
      expect(exampleFileOf(bad), bad).toBeNull();
      const err = await readUpload(getEnv(), bad).then(
        () => null,
        (e: unknown) => e as InputError,
      );
      expect(err?.code, bad).toBe("bad_example_name");
      expect(err?.message).toBe(`"${bad}" is not an example image (the examples are example:red-ring.png, example:yellow-star.png, example:green-square.png)`);
    }
    expect(Buffer.from(await readUpload(getEnv(), "example:red-ring.png")).equals(readFileSync(path.join(REPO_ROOT, "public/examples/red-ring.png")))).toBe(
      true,
    );
  });

  it("are checked at validation like uploads, with a message listing the examples", () => {
    const wf = templateByName("Image variation")!;
    expect(wf.nodes.find((n) => n.id === "image")!.params.image).toBe("example:red-ring.png");
    // an empty uploads folder: no upload exists, the example still does
    const check = orExample(getEnv().rootDir, uploadExistsIn(tmp));
    const problems = (w: typeof wf) => validateWorkflow(w, registry, { modelsDir: getEnv().modelsDir, inputFileExists: check }).errors;
    expect(problems(wf)).toEqual([]);
    for (const bad of BAD.filter((b) => b !== "example:")) {
      const broken = { ...wf, nodes: wf.nodes.map((n) => (n.id === "image" ? { ...n, params: { ...n.params, image: bad } } : n)) };
      const errors = problems(broken);
      expect(errors, bad).toHaveLength(1);
      expect(errors[0]).toMatchObject({ code: "input_file_not_found", nodeId: "image", param: "image" });
      expect(errors[0].message).toContain("not one of the example images (example:red-ring.png, example:yellow-star.png, example:green-square.png)");
    }
  });
});

describe("the Image variation template", () => {
  it("runs out of the box on the default model, and the variation keeps the ring's colour and background", async () => {
    const file = path.join(tmp, "variation.json");
    writeFileSync(file, JSON.stringify(templateByName("Image variation")));
    const r = await runUnclip(["run", file, "--output-dir", path.join(tmp, "out"), "--device", "cpu", "--quiet"], { cwd: tmp });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const { data, info } = await sharp(path.join(tmp, "out", "save-0.png"))
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([64, 64]);
    const px = (x: number, y: number) => [...data.subarray((y * info.width + x) * info.channels, (y * info.width + x) * info.channels + 3)];
    // the corners are the blue background, and a good share of the picture is the red ring
    for (const [x, y] of [
      [1, 1],
      [62, 1],
      [1, 62],
      [62, 62],
    ]) {
      const [red, , blue] = px(x, y);
      expect(blue, `corner ${x},${y}`).toBeGreaterThan(red + 60);
    }
    let reds = 0;
    for (let y = 0; y < 64; y++) for (let x = 0; x < 64; x++) if (px(x, y)[0] > 150 && px(x, y)[2] < 110) reds++;
    expect(reds / (64 * 64)).toBeGreaterThan(0.1);
  });
});
