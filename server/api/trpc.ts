/**
 * tRPC setup: one context (the process's services), errors that keep our codes and places,
 * and validation problems passed through as data the editor can put on nodes and ports.
 */
import { initTRPC, TRPCError } from "@trpc/server";
import superjson from "superjson";
import { ZodError } from "zod";
import { isUnclipError } from "../errors";
import { ValidationFailed } from "../graph/executor";
import { WorkflowFormatError } from "../graph/workflow";
import type { Services } from "../services";

export interface Context {
  services: Services;
}

const t = initTRPC.context<Context>().create({
  transformer: superjson,
  sse: { ping: { enabled: true, intervalMs: 5000 }, client: { reconnectAfterInactivityMs: 15000 } },
  errorFormatter({ shape, error }) {
    const cause = error.cause;
    return {
      ...shape,
      data: {
        ...shape.data,
        stack: undefined,
        code2: isUnclipError(cause) ? cause.code : undefined,
        where: isUnclipError(cause) ? cause.where : undefined,
        validationErrors: cause instanceof ValidationFailed ? cause.errors : undefined,
        zodIssues: cause instanceof ZodError ? cause.issues.map((i) => ({ path: i.path.join("."), message: i.message })) : undefined,
      },
    };
  },
});

/** Turn our errors into tRPC errors with a status a client can act on; never leak internals. */
const mapErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok) {
    const cause = result.error.cause;
    if (isUnclipError(cause) || cause instanceof WorkflowFormatError) {
      const notFound = isUnclipError(cause) && cause.code.endsWith("not_found");
      throw new TRPCError({
        code: notFound ? "NOT_FOUND" : isUnclipError(cause) && cause.kind === "runtime" ? "INTERNAL_SERVER_ERROR" : "BAD_REQUEST",
        message: cause.message,
        cause,
      });
    }
  }
  return result;
});

export const router = t.router;
export const publicProcedure = t.procedure.use(mapErrors);
export const createCallerFactory = t.createCallerFactory;
