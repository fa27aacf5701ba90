/**
 * tRPC setup: one context (the process's services), errors that keep our codes and places,
 * and validation problems passed through as data the editor can put on nodes and ports.
 */
import { initTRPC, TRPCError } from "@trpc/server";
import superjson from "superjson";
import { ZodError } from "zod";
import { isUnclipError, type UnclipError } from "../errors";
import { ValidationFailed } from "../graph/executor";
import type { ValidationError } from "../../nodes/core/graphRules";
import { WorkflowFormatError } from "../../nodes/core/workflow";
import { type Repositories, repositoriesFor } from "../db/repositories";
import { isTeacher, PERSONAL_VIEWER, type Viewer } from "../db/ownership";
import type { Services } from "../services";
import { DISK_FULL_MESSAGE, isDiskFull } from "../http/diskFull";
import { assertWellFormed } from "../http/wellFormed";
import { QUEUE_FULL } from "../queue/admission";

/*
 * Errors are recognised by shape as well as by class: Next bundles instrumentation.ts (which
 * creates the services, queue and database layer included) apart from the route handlers, so an
 * error thrown inside the services comes from another copy of its class and `instanceof` misses it.
 */
function asUnclipError(e: unknown): UnclipError | undefined {
  if (isUnclipError(e)) return e;
  const o = e as Partial<UnclipError> | null;
  if (e instanceof Error && typeof o?.kind === "string" && typeof o.code === "string" && typeof o.where === "object" && o.where !== null)
    return e as UnclipError;
  return undefined;
}

function validationErrorsOf(e: unknown): ValidationError[] | undefined {
  if (e instanceof ValidationFailed) return e.errors;
  const errors = (e as { errors?: unknown } | null)?.errors;
  return e instanceof Error && e.name === "ValidationFailed" && Array.isArray(errors) ? (errors as ValidationError[]) : undefined;
}

function isWorkflowFormatError(e: unknown): e is WorkflowFormatError {
  return e instanceof WorkflowFormatError || (e instanceof Error && e.name === "WorkflowFormatError");
}

export interface Context {
  services: Services;
  /** Repositories bound to `viewer` (server/db/ownership.ts decides what each may reach). */
  db: Repositories;
  /** The signed-in user; the implicit owner in personal mode; null when signed out. */
  viewer: Viewer | null;
}

/** The context for a request by `viewer` (null: signed out). */
export function contextFor(services: Services, viewer: Viewer | null): Context {
  // signed out: procedures refuse before touching the database; bind to an owner of nothing anyway
  return { services, viewer, db: repositoriesFor(viewer ?? { id: "-", name: "", role: "student" }) };
}

/** The personal-mode context (scripts, benches): the one owner. */
export function personalContext(services: Services): Context {
  return contextFor(services, PERSONAL_VIEWER);
}

const t = initTRPC.context<Context>().create({
  transformer: superjson,
  sse: { ping: { enabled: true, intervalMs: 5000 }, client: { reconnectAfterInactivityMs: 15000 } },
  errorFormatter({ shape, error }) {
    const cause = error.cause;
    const ours = asUnclipError(cause);
    return {
      ...shape,
      data: {
        ...shape.data,
        stack: undefined,
        /** Our own error code (e.g. "model_not_found"), beside tRPC's HTTP-level `code`. */
        errorCode: ours?.code,
        where: ours?.where,
        validationErrors: validationErrorsOf(cause),
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
    // 507 (set in the route's responseMeta, which recognises this message): nothing was stored
    if (isDiskFull(cause)) throw new TRPCError({ code: "INTERNAL_SERVER_ERROR", message: DISK_FULL_MESSAGE, cause });
    const ours = asUnclipError(cause);
    if (ours || isWorkflowFormatError(cause)) {
      const notFound = ours?.code.endsWith("not_found");
      // a stale save or a run that moved on is a state clash (409), not a malformed request
      const conflict = ours && (ours.code.endsWith("_conflict") || ours.code === "run_state");
      if (ours?.code === QUEUE_FULL) throw new TRPCError({ code: "TOO_MANY_REQUESTS", message: ours.message, cause });
      throw new TRPCError({
        code: notFound ? "NOT_FOUND" : conflict ? "CONFLICT" : ours?.kind === "runtime" ? "INTERNAL_SERVER_ERROR" : "BAD_REQUEST",
        message: (cause as Error).message,
        cause,
      });
    }
  }
  return result;
});

/** Lone surrogates are refused (400, naming the field) before any procedure sees the input. */
const refuseMalformedText = t.middleware(async ({ getRawInput, next }) => {
  assertWellFormed(await getRawInput());
  return next();
});

/** 401 before anything else when nobody is signed in. */
const requireSignIn = t.middleware(({ ctx, next }) => {
  if (!ctx.viewer) throw new TRPCError({ code: "UNAUTHORIZED", message: "sign in first (/login)" });
  return next({ ctx: { viewer: ctx.viewer } });
});

/** 403 for students: administering the class, the whole queue, models and the cache. */
const requireTeacher = t.middleware(({ ctx, next }) => {
  if (!ctx.viewer || !isTeacher(ctx.viewer)) throw new TRPCError({ code: "FORBIDDEN", message: "only a teacher may do this" });
  return next();
});

export const router = t.router;
/** Open to anyone, signed in or not: only what the sign-in page needs. */
export const publicProcedure = t.procedure.use(mapErrors).use(refuseMalformedText);
/**
 * Signed in; `ctx.db` is bound to the viewer, so everything read or changed through it is the
 * viewer's own (or shared with them) and anything else is "not found" (404).
 */
export const userProcedure = publicProcedure.use(requireSignIn);
/** Signed in as a teacher (403 for students). */
export const teacherProcedure = userProcedure.use(requireTeacher);
export const createCallerFactory = t.createCallerFactory;
