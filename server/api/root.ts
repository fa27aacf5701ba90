import { cacheRouter } from "./routers/cache";
import { modelsRouter } from "./routers/models";
import { nodesRouter } from "./routers/nodes";
import { runsRouter } from "./routers/runs";
import { teachRouter } from "./routers/teach";
import { workflowsRouter } from "./routers/workflows";
import { createCallerFactory, router } from "./trpc";

export const appRouter = router({
  nodes: nodesRouter,
  models: modelsRouter,
  workflows: workflowsRouter,
  runs: runsRouter,
  cache: cacheRouter,
  teach: teachRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
