/**
 * The `unclip` command line given hostile input, as a real process: each case exits 2 (bad
 * input) or 1 (a stage going non-finite) with exactly one line on stderr and no stack trace,
 * without hanging — every process is killed (and the test failed) if it runs past a bound.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { writeNpy } from "../../server/unclip/npy";
import { describeWithFixtures, TINY_PACKAGE } from "../helpers/fixtures";
import { runUnclip } from "../helpers/cli";

const tmp = mkdtempSync(path.join(os.tmpdir(), "unclip-cli-hostile-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const unclip = (args: string[], boundMs = 60_000) => runUnclip(args, { boundMs });

function expectOneLine(r: { code: number; stderr: string }, code: number, pattern: RegExp) {
  expect(r.code, r.stderr).toBe(code);
  const lines = r.stderr.trim().split("\n");
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

const base = (out = path.join(tmp, "out.png")) => ["generate", "--model", TINY_PACKAGE, "--prompt", "a red circle", "--output", out, "--quiet"];

describeWithFixtures("unclip CLI refuses hostile input with exit 2 and one line", () => {
  it("a 30 kB prompt (the API's 20,000-character limit)", async () => {
    const r = await unclip(["generate", "--model", TINY_PACKAGE, "--prompt", "a".repeat(30_000), "--output", path.join(tmp, "p.png")]);
    expectOneLine(r, 2, /^unclip generate: --prompt: 30000 characters; the limit is 20000 \(the same as the editor's\)$/);
  });

  it("--decoder-latents /dev/zero, a FIFO, or a directory: not regular files", async () => {
    const fifo = path.join(tmp, "fifo");
    execFileSync("mkfifo", [fifo]);
    for (const file of ["/dev/zero", fifo, tmp]) {
      const r = await unclip([...base(), "--decoder-latents", file]);
      expectOneLine(r, 2, new RegExp(`^unclip generate: --decoder-latents: ${file.replace(/[/.]/g, "\\$&")} is not a regular file$`));
    }
  });

  it("an output or intermediates path under /proc, or below a file, before anything runs", async () => {
    expectOneLine(await unclip(base("/proc/unclip/out.png")), 2, /^unclip generate: --output: \/proc\/unclip is on procfs, where files cannot be written$/);
    expectOneLine(
      await unclip([...base(), "--save-intermediates", "/proc/x"]),
      2,
      /^unclip generate: --save-intermediates: \/proc\/x is on procfs, where files cannot be written$/,
    );
    const file = path.join(tmp, "a-file");
    writeFileSync(file, "x");
    expectOneLine(await unclip(base(path.join(file, "out.png"))), 2, /^unclip generate: --output: .*a-file is a file, not a directory$/);
    const dir = path.join(tmp, "a-dir");
    mkdirSync(dir);
    expectOneLine(await unclip(base(dir)), 2, /^unclip generate: --output: .*a-dir exists and is not a regular file$/);
  });

  it("unknown flags, typos with extra dashes included", async () => {
    expectOneLine(
      await unclip(["generate", "----model", TINY_PACKAGE, "--prompt", "x", "--output", "o.png"]),
      2,
      /^unclip generate: unknown flag "----model" \(did you mean "--model"\?\)$/,
    );
    expectOneLine(await unclip(["generate", "--modle", TINY_PACKAGE, "--prompt", "x", "--output", "o.png"]), 2, /^unclip generate: Unknown option '--modle'$/);
    expectOneLine(await unclip(["run", "wf.json", "---set", "a.b=1"]), 2, /^unclip run: unknown flag "---set"/);
  });

  it("non-finite or absurd guidance", async () => {
    for (const [flag, value] of [
      ["--decoder-guidance-scale", "1e30"],
      ["--prior-guidance-scale=-5", ""],
      ["--decoder-guidance-scale", "Infinity"],
      ["--prior-guidance-scale", "nan"],
    ]) {
      const r = await unclip([...base(), ...(value ? [flag, value] : [flag])]);
      expectOneLine(r, 2, new RegExp(`^unclip generate: ${flag.split("=")[0]} must be (between 0 and 100|a finite number)`));
    }
  });

  it("a stage that goes NaN stops the run naming the stage and step (exit 1)", async () => {
    // finite but absurd decoder latents (the tiny package's decoder is 32 px): the UNet overflows
    // (inputs holding NaN are refused before the run, exit 2)
    const latents = new Float32Array(3 * 32 * 32).fill(3e38);
    const file = path.join(tmp, "nan.npy");
    writeFileSync(file, writeNpy({ dtype: "float32", shape: [1, 3, 32, 32], data: latents }));
    const r = await unclip([
      ...base(),
      "--decoder-latents",
      file,
      "--decoder-num-inference-steps",
      "3",
      "--super-res-num-inference-steps",
      "2",
      "--prior-num-inference-steps",
      "2",
    ]);
    expectOneLine(r, 1, /^unclip generate: the decoder stage produced NaN values at step 1 of 3; the run was stopped/);
    latents[7] = Number.NaN;
    writeFileSync(file, writeNpy({ dtype: "float32", shape: [1, 3, 32, 32], data: latents }));
    expectOneLine(await unclip([...base(), "--decoder-latents", file]), 2, /^unclip generate: --decoder-latents: contains a non-finite value at flat index 7$/);
  });

  it("a successful run prints nothing on stderr with --quiet (no onnxruntime log lines)", async () => {
    const r = await unclip([
      ...base(path.join(tmp, "ok.png")),
      "--prior-num-inference-steps",
      "2",
      "--decoder-num-inference-steps",
      "2",
      "--super-res-num-inference-steps",
      "2",
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe("");
  });
});

describe("unclip run", () => {
  it("refuses an output directory under /proc with one line, exit 2", async () => {
    const wf = path.join(tmp, "wf.json");
    writeFileSync(wf, "{}");
    expectOneLine(
      await unclip(["run", wf, "--output-dir", "/proc/unclip"]),
      2,
      /^unclip run: --output-dir: \/proc\/unclip is on procfs, where files cannot be written$/,
    );
  });
});
