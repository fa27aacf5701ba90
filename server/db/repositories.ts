/**
 * The database as the API sees it: the repositories of workflows, runs and artifacts, handed to
 * every procedure in the tRPC context (`ctx.db`), so no router reaches for a global client.
 * `repositoriesFor(viewer)` binds them to the signed-in user: every read and write is narrowed
 * by the rules in ownership.ts, so a procedure cannot forget them.
 */
import * as artifacts from "./artifacts";
import type { RunStatus } from "./runs";
import * as runs from "./runs";
import * as lessonProgress from "./lessonProgress";
import type { StoredLessonProgress } from "./lessonProgress";
import * as uploads from "./uploads";
import * as workflows from "./workflows";
import type { UpdateWorkflowOptions } from "./workflows";
import { PERSONAL_VIEWER, type Viewer } from "./ownership";

export function repositoriesFor(viewer: Viewer) {
  return {
    viewer,
    workflows: {
      listWorkflows: (scope?: "all" | "mine" | "shared" | "templates") => workflows.listWorkflows(viewer, scope),
      getWorkflow: (id: string) => workflows.getWorkflow(id, viewer),
      createWorkflow: (name: string, graphJson: string, schemaVersion?: number) => workflows.createWorkflow(name, graphJson, schemaVersion, viewer),
      updateWorkflow: (id: string, graphJson: string, options?: UpdateWorkflowOptions) => workflows.updateWorkflow(id, graphJson, options, viewer),
      renameWorkflow: (id: string, name: string) => workflows.renameWorkflow(id, name, viewer),
      setWorkflowSharing: (id: string, sharing: { shared?: boolean; classTemplate?: boolean }) => workflows.setWorkflowSharing(id, sharing, viewer),
      deleteWorkflow: (id: string) => workflows.deleteWorkflow(id, viewer),
      duplicateWorkflow: (id: string, name?: string) => workflows.duplicateWorkflow(id, name, viewer),
    },
    runs: {
      getRun: (id: string) => runs.getRun(id, viewer),
      assertRunOwned: (id: string) => runs.assertRunOwned(id, viewer),
      listRuns: (query: { limit?: number; cursor?: string; status?: RunStatus } = {}) => runs.listRuns(query, viewer),
      moveRunToFront: (id: string) => runs.moveRunToFront(id, viewer),
      queueStanding: () => runs.queueStanding(viewer),
      listPendingRuns: async () => (await runs.listPendingRuns()).filter((r) => viewer.role === "teacher" || r.ownerId === viewer.id),
      runVisible: (id: string) => runs.runVisibleTo(id, viewer),
      countQueuedRuns: () => runs.countQueuedRunsOf(viewer.id),
      nodeHistory: (query: { workflowId?: string; runIds?: string[]; perNode?: number }) => runs.listNodeHistory(query, viewer),
    },
    uploads: {
      recordUpload: (name: string) => uploads.recordUpload(name, viewer),
      usableUploads: (names: string[]) => uploads.usableUploads(names, viewer),
    },
    lessons: {
      listProgress: () => lessonProgress.listLessonProgress(viewer),
      saveProgress: (lessonId: string, p: Omit<StoredLessonProgress, "updatedAt">) => lessonProgress.saveLessonProgress(lessonId, p, viewer),
      resetProgress: (lessonId: string) => lessonProgress.resetLessonProgress(lessonId, viewer),
    },
    artifacts: {
      resolveArtifactPath: (id: string) => artifacts.resolveArtifactPath(id, viewer),
      listGalleryImages: (query: { limit?: number; cursor?: string; shared?: boolean; prompt?: string } = {}) => artifacts.listGalleryImages(query, viewer),
      compareImages: (ids: { a: string; b: string }) => artifacts.compareImages(ids, viewer),
      listRunTraces: (runId?: string) => artifacts.listRunTraces(runId, viewer),
    },
  };
}

export type Repositories = ReturnType<typeof repositoriesFor>;

/** The personal-mode repositories (one owner, who sees everything). */
export const repositories: Repositories = repositoriesFor(PERSONAL_VIEWER);
