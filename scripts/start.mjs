#!/usr/bin/env node
// `npm start`: build the app if it has not been built yet, then serve it on HOST:PORT
// (127.0.0.1:3000 unless configured otherwise).
import { spawnSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";

const next = "node_modules/next/dist/bin/next";
if (!existsSync(".next/BUILD_ID")) {
  console.log("building the app (first start only; `npm run build` rebuilds)…");
  const build = spawnSync(process.execPath, [next, "build"], { stdio: "inherit" });
  if (build.status !== 0) process.exit(build.status ?? 1);
}
const host = process.env.HOST || "127.0.0.1";
const port = process.env.PORT || "3000";
console.log(`unCLIP Studio on http://${host}:${port}`);
const server = spawn(process.execPath, [next, "start", "-H", host, "-p", port], { stdio: "inherit" });
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => server.kill(sig));
server.on("exit", (code) => process.exit(code ?? 0));
