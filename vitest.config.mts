import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts", "server/**/*.test.ts", "nodes/**/*.test.ts"],
    environment: "node",
    // ONNX sessions and fixture runs are slow on two CPU cores; run files one after another
    // so timings stay predictable and memory stays bounded.
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
