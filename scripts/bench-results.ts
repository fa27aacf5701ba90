/**
 * `npm run bench:results`: what the gallery's cards, its prompt filter and the editor's restored
 * results cost, on a fresh SQLite database in a temp folder holding 10,000 runs by 30 students,
 * each with one saved image (records only: the queries never read the files):
 *
 * 1. `runs.gallery` (first page of 48, with each card's prompt and key parameters), unfiltered and
 *    with a prompt filter matching 1 % of the images and none, for a student and the teacher;
 * 2. `runs.nodeHistory` for a saved workflow with 400 runs (what a reload asks for), and for 40
 *    run ids (an unsaved tab);
 * 3. `runs.enqueueBatch` of 8 runs (validation once, then 8 inserts), in-process queue not started.
 *
 * `--json` adds one JSON line with the figures.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fmt, stats, time } from "./lib/latency";

const dir = mkdtempSync(path.join(os.tmpdir(), "unclip-bench-results-"));
process.env.DATA_DIR = dir;
process.env.UNCLIP_AUTH = "on";
process.env.UNCLIP_MAX_QUEUED_PER_USER = "1000";
delete process.env.DATABASE_URL;

const { addUser } = await import("../server/auth/users");
const { getDb, closeDb } = await import("../server/db/client");
const { appRouter } = await import("../server/api/root");
const { contextFor } = await import("../server/api/trpc");
const { createServices } = await import("../server/services");
const { searchFold } = await import("../server/db/input");
type Viewer = import("../server/db/ownership").Viewer;

const RUNS = 10_000;
const USERS = 30;
const REPEAT = 40;

try {
  const teacher: Viewer = { id: (await addUser("teacher", "teacher", "teacher-password")).id, name: "teacher", role: "teacher" };
  const students: Viewer[] = [];
  for (let i = 0; i < USERS; i++) students.push({ id: (await addUser(`s${i}`, "student", "student-password")).id, name: `s${i}`, role: "student" });
  const db = await getDb();
  const wf = await db.workflow.create({ data: { name: "bench", graph: "{}", schemaVersion: 1, ownerId: students[7].id } });
  const snapshot = JSON.stringify({ format: "unclip-studio/workflow", version: 1, nodes: [], links: [] });
  const summary = JSON.stringify({
    name: "Text to image",
    params: [
      { label: "Seed", value: "42" },
      { label: "Decoder · Guidance scale", value: "8" },
    ],
  });
  const t0 = Date.now();
  for (let start = 0; start < RUNS; start += 1_000) {
    const rows = Array.from({ length: 1_000 }, (_, k) => {
      const i = start + k;
      // 1 % of the prompts hold "zebra"
      const prompt = i % 100 === 0 ? `a zebra number ${i}` : `a red circle number ${i} on a blue background`;
      return {
        id: `run${i}`,
        workflowSnapshot: snapshot,
        status: "finished",
        queuePosition: i + 1,
        ownerId: students[i % USERS].id,
        // every 30th run (student 7's) is of the saved workflow (≈ 330 runs)
        workflowId: i % USERS === 7 ? wf.id : null,
        createdAt: new Date(t0 - (RUNS - i) * 1_000),
        prompt,
        promptSearch: searchFold(prompt),
        summary,
      };
    });
    await db.run.createMany({ data: rows });
    await db.artifact.createMany({
      data: rows.map((r, k) => ({
        id: (start + k).toString(16).padStart(32, "0"),
        runId: r.id,
        nodeId: "save",
        kind: "image",
        path: `artifacts/${r.id}/x.png`,
        width: 64,
        height: 64,
        contentHash: "0".repeat(64),
        bytes: 100,
        createdAt: r.createdAt,
      })),
    });
  }
  const services = createServices();
  const asStudent = appRouter.createCaller(contextFor(services, students[7]));
  const asTeacher = appRouter.createCaller(contextFor(services, teacher));
  const figures: Record<string, ReturnType<typeof stats>> = {};
  const measure = async (name: string, f: () => Promise<unknown>) => {
    figures[name] = stats(await time(REPEAT, f));
    console.log(`  ${name.padEnd(44)} ${fmt(figures[name])}`);
  };
  console.log(`runs.gallery (48 cards) over ${RUNS} images, ${USERS} users:`);
  await measure("student, unfiltered", () => asStudent.runs.gallery({ limit: 48 }));
  await measure("student, prompt 'zebra' (1 % match)", () => asStudent.runs.gallery({ limit: 48, prompt: "zebra" }));
  await measure("student, prompt matching nothing", () => asStudent.runs.gallery({ limit: 48, prompt: "no such prompt" }));
  await measure("teacher, unfiltered", () => asTeacher.runs.gallery({ limit: 48 }));
  await measure("teacher, prompt 'zebra' (1 % match)", () => asTeacher.runs.gallery({ limit: 48, prompt: "zebra" }));
  await measure("teacher, prompt matching nothing", () => asTeacher.runs.gallery({ limit: 48, prompt: "no such prompt" }));
  const runIds = (await asStudent.runs.list({ limit: 40 })).map((r) => r.id);
  console.log("runs.nodeHistory (what a reload asks for):");
  await measure(`saved workflow (${await db.run.count({ where: { workflowId: wf.id } })} runs)`, () => asStudent.runs.nodeHistory({ workflowId: wf.id }));
  await measure("40 run ids (an unsaved tab)", () => asStudent.runs.nodeHistory({ runIds }));
  const noise = {
    format: "unclip-studio/workflow",
    version: 1,
    nodes: [
      { id: "seed", type: "unclip.seed", params: { seed: 1 }, position: { x: 0, y: 0 } },
      { id: "noise", type: "unclip.noise", params: { shape: "1,3,8,8" }, position: { x: 0, y: 0 } },
      { id: "inspect", type: "unclip.tensor_inspector", params: {}, position: { x: 0, y: 0 } },
    ],
    links: [
      { id: "l1", from: { node: "seed", port: "seed" }, to: { node: "noise", port: "seed" } },
      { id: "l2", from: { node: "noise", port: "latents" }, to: { node: "inspect", port: "value" } },
    ],
  };
  console.log("runs.enqueueBatch:");
  await measure("8 runs (validate once, 8 inserts)", async () => {
    await asStudent.runs.enqueueBatch({ workflow: noise, count: 8 });
    await db.run.updateMany({ where: { status: "queued" }, data: { status: "cancelled" } });
  });
  if (process.argv.includes("--json")) console.log(JSON.stringify(figures));
} finally {
  await closeDb();
  rmSync(dir, { recursive: true, force: true });
}
