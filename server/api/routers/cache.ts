import { publicProcedure, router } from "../trpc";

export const cacheRouter = router({
  stats: publicProcedure.query(({ ctx }) => ({ entries: ctx.services.cache.size, bytes: ctx.services.cache.bytes })),
  clear: publicProcedure.mutation(({ ctx }) => {
    const entries = ctx.services.cache.size;
    ctx.services.cache.clear();
    return { cleared: entries };
  }),
});
