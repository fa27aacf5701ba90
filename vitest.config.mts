import { defineConfig } from "vitest/config";

/*
 * Two tiers. "fast": unit, node, graph, database, editor-logic and teaching-math tests — no Next
 * build, no browser, no Redis or PostgreSQL (`npm run test:fast`). "full": everything that needs
 * the built app, Chromium, the CLI processes, parity fixtures at scale, Redis or PostgreSQL.
 * `npm test` runs both.
 */
const FAST = [
  "tests/unit/**/*.test.ts",
  "tests/nodes/**/*.test.ts",
  "tests/graph/**/*.test.ts",
  "tests/db/**/*.test.ts",
  "tests/editor/**/*.test.ts",
  "tests/teach/**/*.test.ts",
  "tests/lint/**/*.test.ts",
  "tests/auth/**/*.test.ts",
  "server/**/*.test.ts",
  "nodes/**/*.test.ts",
];
const NOT_FAST = ["tests/db/postgres.test.ts"];
const FULL = [
  "tests/api/**/*.test.ts",
  "tests/cli/**/*.test.ts",
  "tests/e2e/**/*.test.ts",
  "tests/parity/**/*.test.ts",
  "tests/scale/**/*.test.ts",
  ...NOT_FAST,
];

export default defineConfig({
  test: {
    environment: "node",
    // ONNX sessions and fixture runs are slow on two CPU cores; run files one after another
    // so timings stay predictable and memory stays bounded.
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    projects: [
      { extends: true, test: { name: "fast", include: FAST, exclude: NOT_FAST } },
      { extends: true, test: { name: "full", include: FULL } },
    ],
  },
});
