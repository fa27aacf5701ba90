/**
 * The lint gate really fails: a planted two-file import cycle in server/ and a planted type error
 * in app/ each make the check that `npm run lint` runs exit non-zero, naming what is wrong.
 * The planted files live only for the duration of each test.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "../..");
const bin = (name: string) => path.join(ROOT, "node_modules", ".bin", name);

function planted<T>(files: Record<string, string>, check: () => T): T {
  const written = Object.keys(files).map((f) => path.join(ROOT, f));
  try {
    for (const [file, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(ROOT, file)), { recursive: true });
      writeFileSync(path.join(ROOT, file), text);
    }
    return check();
  } finally {
    for (const f of written) rmSync(f, { force: true });
    for (const f of written) rmSync(path.dirname(f), { recursive: true, force: true, maxRetries: 0 });
  }
}

describe("the lint gate", () => {
  it("passes the import rules on the tree as it is", () => {
    const r = spawnSync(bin("depcruise"), ["server", "nodes", "app", "--config", ".dependency-cruiser.cjs"], { cwd: ROOT, encoding: "utf8" });
    expect(r.stdout + r.stderr).toMatch(/no dependency violations found/);
    expect(r.status).toBe(0);
  });

  it("fails on a planted two-file import cycle in server/", () => {
    const dir = `server/planted-cycle-${process.pid}`;
    const r = planted(
      {
        [`${dir}/a.ts`]: 'import { b } from "./b";\nexport const a = () => b();\n',
        [`${dir}/b.ts`]: 'import { a } from "./a";\nexport const b = (): unknown => a;\n',
      },
      () => spawnSync(bin("depcruise"), [dir, "--config", ".dependency-cruiser.cjs"], { cwd: ROOT, encoding: "utf8" }),
    );
    expect(r.status).not.toBe(0);
    expect(r.stdout).toMatch(/no-cycles/);
  });

  it("fails when the editor imports an engine module", () => {
    const dir = `app/planted-layer-${process.pid}`;
    const r = planted({ [`${dir}/bad.ts`]: 'export { runDecoder } from "../../server/unclip/decoderStage";\n' }, () =>
      spawnSync(bin("depcruise"), [dir, "--config", ".dependency-cruiser.cjs"], { cwd: ROOT, encoding: "utf8" }),
    );
    expect(r.status).not.toBe(0);
    expect(r.stdout).toMatch(/app-client-imports-browser-safe/);
  });

  it("fails on a planted type error in app/", () => {
    const dir = `app/planted-type-${process.pid}`;
    const r = planted({ [`${dir}/bad.ts`]: "export const n: number = 'not a number';\n" }, () =>
      spawnSync(bin("tsc"), ["--noEmit", "-p", "tsconfig.next.json", "--incremental", "false"], { cwd: ROOT, encoding: "utf8" }),
    );
    expect(r.status).not.toBe(0);
    expect(r.stdout).toMatch(/bad\.ts\(1,14\): error TS2322/);
  });
});
