#!/usr/bin/env node
// The test command. `npm test`: the lint gate (types, import rules, ESLint, formatting) first, then
// vitest (both tiers: unit, parity, CLI, API, browser, workers) and, when Debian's python3 with
// torch is present, the pytest suites of the exporter and of the toy-model training.
// `npm run test:fast` (--fast): only vitest's "fast" tier — no lint, no Next build, no browser.
// Both end with one plain "N passed, N failed, N skipped" line.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";

const fast = process.argv.includes("--fast");
const args = process.argv.slice(2).filter((a) => a !== "--fast");
const tmp = mkdtempSync(path.join(os.tmpdir(), "unclip-tests-"));
const jsonFile = path.join(tmp, "vitest.json");
const totals = { passed: 0, failed: 0, skipped: 0 };
let exitCode = 0;

// The lint gate runs before any test: a finding fails the run (UNCLIP_SKIP_LINT=1 skips it while iterating).
if (!fast && args.length === 0 && process.env.UNCLIP_SKIP_LINT !== "1") {
  const lint = spawnSync("npm", ["run", "--silent", "lint"], { stdio: "inherit" });
  if (lint.status !== 0) {
    console.log("lint failed: npm run lint");
    console.log("0 passed, 1 failed, 0 skipped");
    process.exit(1);
  }
}

// End-to-end tests run the built app: build it first (UNCLIP_SKIP_BUILD=1 reuses an existing build).
if (!fast && (process.env.UNCLIP_SKIP_BUILD !== "1" || !existsSync(".next/BUILD_ID"))) {
  const build = spawnSync(process.execPath, ["node_modules/next/dist/bin/next", "build"], { stdio: "inherit" });
  if (build.status !== 0) {
    console.log("0 passed, 1 failed, 0 skipped");
    process.exit(1);
  }
}

const vitest = spawnSync(
  process.execPath,
  [
    "node_modules/vitest/vitest.mjs",
    "run",
    "--reporter=default",
    "--reporter=json",
    `--outputFile.json=${jsonFile}`,
    ...(fast ? ["--project", "fast"] : []),
    ...args,
  ],
  { stdio: "inherit" },
);
if (vitest.status !== 0) exitCode = 1;
if (existsSync(jsonFile)) {
  const report = JSON.parse(readFileSync(jsonFile, "utf8"));
  totals.passed += report.numPassedTests ?? 0;
  totals.failed += report.numFailedTests ?? 0;
  totals.skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  if ((report.numFailedTestSuites ?? 0) > 0 && (report.numFailedTests ?? 0) === 0) totals.failed += report.numFailedTestSuites;
} else {
  totals.failed += 1;
}

// The Python tests need Debian's python3 with torch; they are skipped (and counted) without it.
const python = process.env.UNCLIP_PYTHON ?? "/usr/bin/python3";
if (!fast && args.length === 0 && existsSync("python/tests")) {
  const probe = spawnSync(python, ["-c", "import torch, pytest"], { stdio: "ignore" });
  if (probe.status === 0) {
    const junit = path.join(tmp, "pytest.xml");
    const py = spawnSync(python, ["-m", "pytest", "python/tests", "training/tests", "-q", `--junitxml=${junit}`], { stdio: "inherit" });
    if (py.status !== 0) exitCode = 1;
    if (existsSync(junit)) {
      const xml = readFileSync(junit, "utf8");
      const attr = (name) => Number(new RegExp(`<testsuite[^>]*\\s${name}="(\\d+)"`).exec(xml)?.[1] ?? 0);
      const tests = attr("tests");
      const failed = attr("failures") + attr("errors");
      const skipped = attr("skipped");
      totals.passed += tests - failed - skipped;
      totals.failed += failed;
      totals.skipped += skipped;
    } else {
      totals.failed += 1;
    }
  } else {
    console.log(`python exporter tests skipped: ${python} with torch and pytest not found (apt-get install python3-torch python3-pytest)`);
  }
}

// The toy model's training code stays alive: every stage a few steps, exported to a temp package.
if (!fast && args.length === 0 && existsSync("training/train.py")) {
  const probe = spawnSync(python, ["-c", "import torch, numpy, PIL, onnx"], { stdio: "ignore" });
  if (probe.status === 0) {
    console.log("training smoke run (/usr/bin/python3 training/train.py --smoke)");
    const smoke = spawnSync(python, ["training/train.py", "--smoke"], { stdio: "inherit", env: { ...process.env, OPENBLAS_NUM_THREADS: "1" } });
    if (smoke.status === 0) totals.passed += 1;
    else {
      totals.failed += 1;
      exitCode = 1;
    }
  } else {
    console.log(`training smoke run skipped: ${python} with torch, numpy, PIL and onnx not found`);
    totals.skipped += 1;
  }
}

rmSync(tmp, { recursive: true, force: true });
console.log(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(exitCode || (totals.failed > 0 ? 1 : 0));
