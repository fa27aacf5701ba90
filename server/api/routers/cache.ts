import { teacherProcedure, userProcedure, router } from "../trpc";

export const cacheRouter = router({
  stats: userProcedure.query(({ ctx }) => ({ entries: ctx.services.cache.size, bytes: ctx.services.cache.bytes })),
  clear: teacherProcedure.mutation(({ ctx }) => {
    const entries = ctx.services.cache.size;
    ctx.services.cache.clear();
    return { cleared: entries };
  }),
});
