/**
 * `npm run bench:auth`: what class mode costs. On a fresh SQLite database in a temp folder:
 *
 * 1. sign-in latency through Better Auth's handler (scrypt password check + session row), p50/max;
 * 2. the ownership check's overhead on `runs.list` with 10,000 runs by 30 users in the database:
 *    the teacher's unfiltered page against a student's page (WHERE ownerId = …), both through the
 *    tRPC caller with the viewer-bound repositories, plus `runs.get` of someone else's run (404);
 * 3. the fair queue's start order: student A queues 5 runs, then B queues 1 (in-process queue).
 *
 * `--json` adds one JSON line with the figures.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fmt, stats, time } from "./lib/latency";

const dir = mkdtempSync(path.join(os.tmpdir(), "unclip-bench-auth-"));
process.env.DATA_DIR = dir;
process.env.UNCLIP_AUTH = "on";
delete process.env.DATABASE_URL;

const { getAuth } = await import("../server/auth/auth");
const { addUser } = await import("../server/auth/users");
const { getDb, closeDb } = await import("../server/db/client");
const { appRouter } = await import("../server/api/root");
const { contextFor } = await import("../server/api/trpc");
const { createServices } = await import("../server/services");
const { RunQueue } = await import("../server/queue/runQueue");
const { dbRunStore } = await import("../server/queue/dbRunStore");
const { EventHub } = await import("../server/queue/eventHub");
const { emptyWorkflow } = await import("../nodes/core/workflow");
type Viewer = import("../server/db/ownership").Viewer;

const RUNS = 10_000;
const USERS = 30;
const REPEAT = 50;

try {
  // 1. sign-in
  const teacher: Viewer = { id: (await addUser("teacher", "teacher", "teacher-password")).id, name: "teacher", role: "teacher" };
  const students: Viewer[] = [];
  for (let i = 0; i < USERS; i++) students.push({ id: (await addUser(`s${i}`, "student", "student-password")).id, name: `s${i}`, role: "student" });
  const auth = await getAuth();
  const signIns: number[] = [];
  for (let i = 0; i < 20; i++) {
    const t = performance.now();
    const res = await auth.handler(
      new Request("http://127.0.0.1:3000/api/auth/sign-in/username", {
        method: "POST",
        headers: { "content-type": "application/json", "x-forwarded-for": `10.1.0.${i}` },
        body: JSON.stringify({ username: `s${i % USERS}`, password: "student-password" }),
      }),
    );
    signIns.push(performance.now() - t);
    if (res.status !== 200) throw new Error(`sign-in answered ${res.status}`);
  }
  const signIn = stats(signIns);
  console.log(`sign-in (20, Better Auth handler, scrypt): ${fmt(signIn)}`);

  // 2. runs.list with 10,000 runs
  const db = await getDb();
  const snapshot = JSON.stringify({ format: "unclip-studio/workflow", version: 1, nodes: [], links: [] });
  const t0 = Date.now();
  for (let start = 0; start < RUNS; start += 1_000) {
    await db.run.createMany({
      data: Array.from({ length: 1_000 }, (_, k) => {
        const i = start + k;
        return {
          workflowSnapshot: snapshot,
          status: "finished",
          queuePosition: i + 1,
          ownerId: students[i % USERS].id,
          createdAt: new Date(t0 - (RUNS - i) * 1_000),
        };
      }),
    });
  }
  const services = createServices();
  const asTeacher = appRouter.createCaller(contextFor(services, teacher));
  const asStudent = appRouter.createCaller(contextFor(services, students[7]));
  const someoneElses = (await db.run.findFirst({ where: { ownerId: students[3].id }, select: { id: true } }))!.id;
  const teacherList = stats(await time(REPEAT, () => asTeacher.runs.list({ limit: 50 })));
  const studentList = stats(await time(REPEAT, () => asStudent.runs.list({ limit: 50 })));
  const notFound = stats(await time(REPEAT, () => asStudent.runs.get({ id: someoneElses }).catch(() => null)));
  const ownGet = stats(await time(REPEAT, async () => asStudent.runs.get({ id: (await asStudent.runs.list({ limit: 1 }))[0].id })));
  console.log(`runs.list (limit 50) over ${RUNS} runs, ${USERS} users:`);
  console.log(`  teacher (no filter):          ${fmt(teacherList)}`);
  console.log(`  student (WHERE ownerId = …):  ${fmt(studentList)}`);
  console.log(`  overhead of the ownership filter at p50: ${(studentList.p50 - teacherList.p50).toFixed(2)} ms`);
  console.log(`runs.get of another student's run (404): ${fmt(notFound)}; list 1 + get own: ${fmt(ownGet)}`);

  // 3. fairness
  await db.run.updateMany({ data: { status: "cancelled" } });
  const order: string[] = [];
  let release: () => void = () => {};
  const gate = new Promise<void>((r) => (release = r));
  const queue = new RunQueue(
    dbRunStore,
    async (run) => {
      order.push(run.workflow.name ?? "?");
      if (run.workflow.name === "A1") await gate;
      return { ran: [], cached: [], skipped: [], ms: 0, nodeMs: {}, ui: {} };
    },
    new EventHub(),
  );
  await queue.start();
  const wf = (name: string) => emptyWorkflow(name);
  for (let i = 1; i <= 5; i++) await queue.enqueue(wf(`A${i}`), {}, null, students[0].id);
  await queue.enqueue(wf("B1"), {}, null, students[1].id);
  release();
  await queue.idle();
  await queue.stop();
  console.log(`fair queue, A queues 5 then B queues 1 → start order: ${order.join(" ")}`);

  if (process.argv.includes("--json")) {
    console.log(JSON.stringify({ signIn, runsListTeacher: teacherList, runsListStudent: studentList, runsGetNotFound: notFound, fairOrder: order }));
  }
} finally {
  await closeDb();
  rmSync(dir, { recursive: true, force: true });
}
