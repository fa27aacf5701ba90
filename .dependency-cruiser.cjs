/**
 * The import rules (`npm run lint` runs them): no cycles anywhere, and the layers of
 * docs/ARCHITECTURE.md.
 *   browser-safe  nodes/core/**, nodes/<type>/node.ts   zod and each other only
 *   engine        server/unclip, server/runtime, nodes/engine, nodes/<type>/run.ts, nodes/registry.ts,
 *                 server/graph (executor, cache, validation with the file system)
 *   service       server/db, server/queue, server/api, server/worker, the composition root
 *   app           pages and the editor: browser-safe modules and the tRPC router's type only;
 *                 the route handlers (app/api) are the server's entry points
 */
const browserSafe = "^nodes/(core/|[^/]+/node\\.ts$)";
const appClient = "^app/(?!api/)";

module.exports = {
  forbidden: [
    {
      name: "no-cycles",
      severity: "error",
      comment: "An import cycle couples modules that should be changeable one at a time.",
      from: {},
      to: { circular: true },
    },
    {
      name: "browser-safe-imports-only-zod",
      severity: "error",
      comment: "Declarations, the workflow format and the graph rules run in the browser too.",
      from: { path: browserSafe },
      to: { pathNot: [browserSafe, "^node_modules/zod/"], dependencyTypesNot: ["type-only"] },
    },
    {
      name: "browser-safe-types-only-zod",
      severity: "error",
      comment: "Not even types from server modules: the browser-safe layer is the bottom of the stack.",
      from: { path: browserSafe },
      to: { path: "^(server|app|bin|scripts)/" },
    },
    {
      name: "app-client-imports-browser-safe",
      severity: "error",
      comment: "The editor imports browser-safe modules; from the server only the tRPC router's type.",
      from: { path: appClient },
      to: { path: "^(server|nodes/(engine|registry))", pathNot: "^server/api/root\\.ts$" },
    },
    {
      name: "app-client-router-type-only",
      severity: "error",
      comment: "The router is imported for its type only: importing its value would bundle the server.",
      from: { path: appClient },
      to: { path: "^server/api/root\\.ts$", dependencyTypesNot: ["type-only"] },
    },
    {
      name: "engine-not-service",
      severity: "error",
      comment: "The inference core, runtime and node runners know nothing of the database, queue, API or Next.",
      from: { path: "^(server/(unclip|runtime)|nodes/)" },
      to: { path: "^(server/(db|queue|api|worker|graph|services|executorServices|executorThread)|app/|node_modules/(next|@prisma|bullmq|ioredis|@trpc)/)" },
    },
    {
      name: "runtime-below-unclip",
      severity: "error",
      comment: "The ONNX runtime layer is below the pipelines.",
      from: { path: "^server/runtime/" },
      to: { path: "^(server/unclip|nodes/(engine|registry|[^/]+/run\\.ts))" },
    },
    {
      name: "graph-not-service",
      severity: "error",
      comment: "The executor is driven by the queue and the API, never the other way round.",
      from: { path: "^server/graph/" },
      to: { path: "^(server/(db|queue|api|worker|services|executorThread)|app/)" },
    },
    {
      name: "nothing-imports-app",
      severity: "error",
      comment: "Pages and components are leaves; the CLI, scripts and server never reach into them.",
      from: { path: "^(server|nodes|bin|scripts)/" },
      to: { path: "^app/" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^(node_modules|\\.next|server/db/generated)" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      extensions: [".ts", ".tsx", ".js", ".mjs", ".cjs", ".d.ts"],
    },
    moduleSystems: ["es6", "cjs"],
  },
};
