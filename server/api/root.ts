import { accountRouter } from "./routers/account";
import { cacheRouter } from "./routers/cache";
import { lessonsRouter } from "./routers/lessons";
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
  account: accountRouter,
  lessons: lessonsRouter,
});

/** Procedures that answer when signed out (everything else is 401 first). */
export const OPEN_PROCEDURES: ReadonlySet<string> = new Set(["account.me"]);

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
