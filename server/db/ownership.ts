/**
 * Who may see and change what — the one place the rule lives. Every repository function that
 * reads or writes a workflow, run or artifact on someone's behalf takes a Viewer and narrows its
 * query with these filters; tRPC procedures get repositories already bound to the signed-in
 * viewer (repositories.ts, `repositoriesFor`), so no router checks ownership by hand.
 *
 *   teacher  everything (administers the class; in a team: the administrator)
 *   student  their own workflows, runs and artifacts; workflows shared with the class read-only
 *
 * Anything outside a viewer's scope is "not found", never "forbidden": existence is not leaked.
 * Personal mode has one implicit owner ("local") with the teacher's reach, so it behaves as the
 * single-user app always did.
 */
import type { Prisma } from "./generated/client";

export type Role = "teacher" | "student";

export interface Viewer {
  /** The user id ("local" in personal mode). */
  id: string;
  /** What the toolbar shows (the username). */
  name: string;
  role: Role;
}

/** The owner of everything in personal mode, and of rows made before accounts existed. */
export const PERSONAL_OWNER_ID = "local";
export const PERSONAL_VIEWER: Viewer = Object.freeze({ id: PERSONAL_OWNER_ID, name: "local", role: "teacher" });

export function isTeacher(viewer: Viewer): boolean {
  return viewer.role === "teacher";
}

/** Workflows the viewer may change (update, rename, delete, share). */
export function workflowsOwnedBy(viewer: Viewer): Prisma.WorkflowWhereInput {
  return isTeacher(viewer) ? {} : { ownerId: viewer.id };
}

/** Workflows the viewer may read (open, export, duplicate, run): their own and shared ones. */
export function workflowsVisibleTo(viewer: Viewer): Prisma.WorkflowWhereInput {
  return isTeacher(viewer) ? {} : { OR: [{ ownerId: viewer.id }, { shared: true }, { classTemplate: true }] };
}

/** Runs the viewer may see, cancel and reorder. */
export function runsOwnedBy(viewer: Viewer): Prisma.RunWhereInput {
  return isTeacher(viewer) ? {} : { ownerId: viewer.id };
}

/**
 * Runs the viewer may read: their own, and (read-only) runs of workflows shared with the class —
 * their results are part of what was shared. Cancelling and reordering need `runsOwnedBy`.
 */
export function runsVisibleTo(viewer: Viewer): Prisma.RunWhereInput {
  return isTeacher(viewer) ? {} : { OR: [{ ownerId: viewer.id }, { workflow: { shared: true } }] };
}

/** Artifacts the viewer may read: their own, and the saved images of shared workflows' runs. */
export function artifactsVisibleTo(viewer: Viewer): Prisma.ArtifactWhereInput {
  return isTeacher(viewer) ? {} : { OR: [{ run: { ownerId: viewer.id } }, { kind: "image", run: { workflow: { shared: true } } }] };
}

/** Artifacts (saved images, previews, traces) belong to the owner of the run that made them. */
export function artifactsOwnedBy(viewer: Viewer): Prisma.ArtifactWhereInput {
  return isTeacher(viewer) ? {} : { run: { ownerId: viewer.id } };
}

/** Uploaded input images the viewer may use in a run: those they uploaded (a teacher: any). */
export function uploadsOwnedBy(viewer: Viewer): Prisma.UploadWhereInput {
  return isTeacher(viewer) ? {} : { ownerId: viewer.id };
}
