/**
 * A sweep through the server's own services (queue, executor, database, artifacts): one queued
 * run stores every cell's image as its own artifact, tagged with the cell's values, and the grid,
 * all belonging to that run (so whoever may see the run sees them, and no one else).
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { expect, it } from "vitest";
import { WORKFLOW_PNG_KEYWORD } from "../../nodes/saveImage/node";
import type { RunEvent } from "../../nodes/core/runEvents";
import { parseWorkflow } from "../../nodes/core/workflow";
import { getRun } from "../../server/db/runs";
import { SWEEP_PNG_KEYWORD } from "../../server/graph/sweep";
import { createServices } from "../../server/services";
import { readPngTextChunks } from "../../server/unclip/imageOutput";
import { describeWithFixtures } from "../helpers/fixtures";
import { tinyTextToImage, useTempDataDir } from "./helpers";

const dataDir = useTempDataDir();

describeWithFixtures("a sweep through the queue on unclip-tiny", () => {
  it("stores each cell's image and the grid as the run's artifacts, and reports cells done / total", async () => {
    const services = createServices();
    const events: RunEvent[] = [];
    services.hub.subscribe((e) => events.push(e));
    try {
      await services.queue.start();
      const wf = tinyTextToImage();
      wf.sweep = {
        axes: [
          { node: "decoder", param: "guidanceScale", values: [1, 8] },
          { node: "seed", param: "seed", values: [5, 6] },
        ],
      };
      const { runId } = await services.queue.enqueue(parseWorkflow(JSON.stringify(wf)), {}, null, "local");
      await services.queue.idle();
      const r = await getRun(runId);
      expect(r.status).toBe("finished");
      const images = r.artifacts.filter((a) => a.kind === "image");
      // four cells and the grid, all of this run
      expect(images).toHaveLength(5);
      const cells = images.filter((a) => (a.meta?.sweep as { cell?: number } | undefined)?.cell !== undefined);
      expect(cells.map((a) => (a.meta!.sweep as { label: string }).label)).toEqual([
        "Decoder · Guidance scale = 1, Seed · Seed = 5",
        "Decoder · Guidance scale = 8, Seed · Seed = 5",
        "Decoder · Guidance scale = 1, Seed · Seed = 6",
        "Decoder · Guidance scale = 8, Seed · Seed = 6",
      ]);
      expect((cells[3].meta!.sweep as { overrides: unknown }).overrides).toEqual([
        { node: "decoder", param: "guidanceScale", value: 8 },
        { node: "seed", param: "seed", value: 6 },
      ]);
      const grid = images.find((a) => (a.meta?.sweep as { grid?: boolean } | undefined)?.grid)!;
      expect(grid.nodeId).toBe("save");
      const text = readPngTextChunks(await readFile(path.join(dataDir(), grid.path)));
      expect(parseWorkflow(text[WORKFLOW_PNG_KEYWORD]).sweep).toEqual(wf.sweep);
      expect(JSON.parse(text[SWEEP_PNG_KEYWORD])).toMatchObject({ columns: 2, rows: 2 });
      // a cell's PNG carries that cell's values
      const third = parseWorkflow(readPngTextChunks(await readFile(path.join(dataDir(), cells[2].path)))[WORKFLOW_PNG_KEYWORD]);
      expect(third.nodes.find((n) => n.id === "seed")!.params.seed).toBe(6);
      const progress = events.flatMap((e) => (e.type === "sweep.progress" && e.runId === runId ? [`${e.done}/${e.total}`] : []));
      expect(progress).toEqual(["0/4", "1/4", "2/4", "3/4", "4/4"]);
      expect(events.some((e) => e.type === "sweep.grid" && e.runId === runId)).toBe(true);
    } finally {
      await services.queue.stop();
      await services.models.unload();
    }
  }, 120_000);
});
