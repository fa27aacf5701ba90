/**
 * Who may call what, over EVERY tRPC procedure: signed out, the owner (a student), another
 * student and the teacher, each against objects that belong to the owner, on a real database in
 * class mode. The procedure list is read from the router, so a procedure added without a row in
 * RULES fails here, naming it. Calls go through `createCaller` with the context the HTTP route
 * builds (`contextFor`), so the middleware and the viewer-bound repositories are the real ones;
 * tests/auth/http.test.ts checks the same answers over HTTP, with their status codes.
 */
import { TRPCError } from "@trpc/server";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appRouter, OPEN_PROCEDURES } from "../../server/api/root";
import { contextFor } from "../../server/api/trpc";
import { addUser } from "../../server/auth/users";
import { saveArtifact } from "../../server/db/artifacts";
import type { Viewer } from "../../server/db/ownership";
import { enqueueRun } from "../../server/db/runs";
import { createWorkflow } from "../../server/db/workflows";
import { WORKFLOW_VERSION } from "../../nodes/core/workflow";
import { resetAuth } from "../../server/auth/auth";
import { resetEnv } from "../../server/env";
import { createServices, type Services } from "../../server/services";
import { graph, noiseGraph } from "../graph/helpers";
import { recordUpload } from "../../server/db/uploads";
import { saveUpload } from "../../server/uploads";
import { getEnv } from "../../server/env";
import { useTempDataDir } from "../db/helpers";
import { LESSONS } from "../../nodes/core/lessons";

type Who = "signedOut" | "owner" | "other" | "teacher";
/** "OK" or the tRPC error code the call must fail with. */
type Outcome = "OK" | "UNAUTHORIZED" | "FORBIDDEN" | "NOT_FOUND" | "BAD_REQUEST";

/** What belongs to the owner (a student), made fresh for every call so that calls cannot interfere. */
interface Fixture {
  workflowId: string;
  runId: string;
  artifactId: string;
  studentName: string;
}

interface Rule {
  input?: (f: Fixture) => unknown;
  /** Expected outcome for owner, other student, teacher (signed out: always UNAUTHORIZED unless open). */
  expect: [owner: Outcome, other: Outcome, teacher: Outcome];
}

const ALL_OK: Rule["expect"] = ["OK", "OK", "OK"];
/** The owner's object: theirs, not the other student's (404, existence not leaked), the teacher's too. */
const OWNED: Rule["expect"] = ["OK", "NOT_FOUND", "OK"];
const TEACHER_ONLY: Rule["expect"] = ["FORBIDDEN", "FORBIDDEN", "OK"];

const graphOf = () => noiseGraph(7);

const RULES: Record<string, Rule> = {
  "nodes.catalog": { expect: ALL_OK },
  "models.list": { expect: ALL_OK },
  "models.unload": { expect: TEACHER_ONLY },
  "workflows.list": { expect: ALL_OK },
  "workflows.get": { input: (f) => ({ id: f.workflowId }), expect: OWNED },
  "workflows.create": { input: () => ({ name: "mine", graph: graphOf() }), expect: ALL_OK },
  "workflows.update": { input: (f) => ({ id: f.workflowId, graph: graphOf() }), expect: OWNED },
  "workflows.share": { input: (f) => ({ id: f.workflowId, shared: true }), expect: OWNED },
  "workflows.publishTemplate": { input: (f) => ({ id: f.workflowId, classTemplate: true }), expect: TEACHER_ONLY },
  "workflows.rename": { input: (f) => ({ id: f.workflowId, name: "renamed" }), expect: OWNED },
  "workflows.delete": { input: (f) => ({ id: f.workflowId }), expect: OWNED },
  "workflows.duplicate": { input: (f) => ({ id: f.workflowId }), expect: OWNED },
  "workflows.import": { input: () => ({ json: JSON.stringify(graphOf()) }), expect: ALL_OK },
  "workflows.export": { input: (f) => ({ id: f.workflowId }), expect: OWNED },
  "workflows.templates": { expect: ALL_OK },
  "runs.enqueue": { input: (f) => ({ workflow: graphOf(), workflowId: f.workflowId }), expect: OWNED },
  "runs.validate": { input: () => ({ workflow: graphOf() }), expect: ALL_OK },
  "runs.check": { input: () => ({ workflow: graphOf() }), expect: ALL_OK },
  "runs.get": { input: (f) => ({ id: f.runId }), expect: OWNED },
  "runs.list": { expect: ALL_OK },
  "runs.workers": { expect: TEACHER_ONLY },
  "runs.pending": { expect: ALL_OK },
  "runs.cancel": { input: (f) => ({ id: f.runId }), expect: OWNED },
  "runs.clear": { expect: TEACHER_ONLY },
  "runs.moveToFront": { input: (f) => ({ id: f.runId }), expect: OWNED },
  "runs.gallery": { expect: ALL_OK },
  "runs.enqueueBatch": { input: (f) => ({ workflow: graphOf(), workflowId: f.workflowId, count: 2 }), expect: OWNED },
  "runs.batchLimit": { expect: ALL_OK },
  // always the caller's own runs: another student's run ids give nothing back (tested below)
  "runs.nodeHistory": { input: (f) => ({ runIds: [f.runId] }), expect: ALL_OK },
  "runs.compare": { input: (f) => ({ a: f.artifactId, b: f.artifactId }), expect: OWNED },
  "runs.events": { expect: ALL_OK },
  "cache.stats": { expect: ALL_OK },
  "cache.clear": { expect: TEACHER_ONLY },
  "teach.traces": { input: (f) => ({ runId: f.runId }), expect: OWNED },
  // a workflow without that node: refused as bad input by everyone allowed to ask
  "teach.schedule": { input: () => ({ workflow: graphOf(), nodeId: "no-such-node" }), expect: ["BAD_REQUEST", "BAD_REQUEST", "BAD_REQUEST"] },
  "account.me": { expect: ALL_OK },
  "account.users": { expect: TEACHER_ONLY },
  "account.addStudents": { input: (f) => ({ names: `${f.studentName}x` }), expect: TEACHER_ONLY },
  "account.resetPassword": { input: (f) => ({ username: f.studentName }), expect: TEACHER_ONLY },
  "account.removeUser": { input: (f) => ({ username: f.studentName }), expect: TEACHER_ONLY },
  // progress is always the caller's own: everyone may read and write theirs, nobody another's
  "lessons.progress": { expect: ALL_OK },
  "lessons.saveProgress": { input: () => ({ lessonId: LESSONS[0].id, step: 1, furthest: 1, done: false, answers: { 0: 1 } }), expect: ALL_OK },
  "lessons.resetProgress": { input: () => ({ lessonId: LESSONS[0].id }), expect: ALL_OK },
};

/** Every procedure path the router has ("workflows.get", …) and its kind. */
function procedures(): { path: string; type: "query" | "mutation" | "subscription" }[] {
  const record = appRouter._def.procedures as unknown as Record<string, { _def: { type: "query" | "mutation" | "subscription" } }>;
  return Object.entries(record).map(([path, p]) => ({ path, type: p._def.type }));
}

async function outcome(call: () => Promise<unknown>): Promise<string> {
  try {
    const r = await call();
    // a subscription's first value comes only when iterated: take it, then stop
    if (r && typeof r === "object" && Symbol.asyncIterator in r) {
      const it = (r as AsyncIterable<unknown>)[Symbol.asyncIterator]();
      await it.next();
      await it.return?.();
    }
    return "OK";
  } catch (e) {
    return e instanceof TRPCError ? e.code : `threw ${(e as Error).message}`;
  }
}

describe("ownership matrix over every tRPC procedure (class mode)", () => {
  useTempDataDir({ prefix: "unclip-ownership-" });
  let services: Services;
  const viewers: Record<Exclude<Who, "signedOut">, Viewer> = {
    owner: { id: "", name: "ann", role: "student" },
    other: { id: "", name: "bob", role: "student" },
    teacher: { id: "", name: "tess", role: "teacher" },
  };
  let students = 0;

  beforeAll(async () => {
    process.env.UNCLIP_AUTH = "on";
    // fixtures queue a run for the owner every call: the cap has its own test below
    process.env.UNCLIP_MAX_QUEUED_PER_USER = "100000";
    resetEnv();
    resetAuth();
    services = createServices(); // the queue is not started: runs stay queued, nothing executes
    for (const [who, v] of Object.entries(viewers)) v.id = (await addUser(v.name, v.role, `password-of-${who}`)).id;
  });
  afterAll(() => {
    delete process.env.UNCLIP_AUTH;
    delete process.env.UNCLIP_MAX_QUEUED_PER_USER;
    resetEnv();
    resetAuth();
  });

  async function fixture(withStudent = false): Promise<Fixture> {
    const owner = viewers.owner;
    const wf = await createWorkflow("owner's", JSON.stringify(graphOf()), WORKFLOW_VERSION, owner);
    const run = await enqueueRun({ workflowId: wf.id, snapshot: JSON.stringify(graphOf()), ownerId: owner.id });
    const png = new Uint8Array(
      await sharp({ create: { width: 4, height: 4, channels: 3, background: { r: 1, g: 2, b: 3 } } })
        .png()
        .toBuffer(),
    );
    const artifact = await saveArtifact({ runId: run.id, nodeId: "save", kind: "image", data: png });
    const studentName = `s${++students}`;
    if (withStudent) await addUser(studentName, "student", "student-password");
    return { workflowId: wf.id, runId: run.id, artifactId: artifact.id, studentName };
  }

  it("has a rule for every procedure, and no rule for a procedure that does not exist", () => {
    const paths = procedures().map((p) => p.path);
    expect(
      paths.filter((p) => !(p in RULES)),
      "procedures without an ownership rule",
    ).toEqual([]);
    expect(
      Object.keys(RULES).filter((p) => !paths.includes(p)),
      "rules for procedures that do not exist",
    ).toEqual([]);
  });

  for (const { path, type } of procedures()) {
    it(`${path} (${type})`, async () => {
      const rule = RULES[path];
      expect(rule, `no ownership rule for ${path}: add one to RULES`).toBeDefined();
      const expected: Record<Who, Outcome> = {
        signedOut: OPEN_PROCEDURES.has(path) ? "OK" : "UNAUTHORIZED",
        owner: rule.expect[0],
        other: rule.expect[1],
        teacher: rule.expect[2],
      };
      const got: Record<string, string> = {};
      for (const who of ["signedOut", "owner", "other", "teacher"] as const) {
        const f = await fixture(path.startsWith("account."));
        const caller = appRouter.createCaller(contextFor(services, who === "signedOut" ? null : viewers[who]));
        const [group, name] = path.split(".");
        const fn = (caller as unknown as Record<string, Record<string, (input: unknown) => Promise<unknown>>>)[group][name];
        got[who] = await outcome(() => fn(rule.input?.(f)));
      }
      expect(got).toEqual(expected);
    });
  }

  it("lists: a student sees only their own workflows and runs, the teacher sees everyone's", async () => {
    const f = await fixture();
    const as = (v: Viewer) => appRouter.createCaller(contextFor(services, v));
    const ids = (xs: { id: string }[]) => xs.map((x) => x.id);
    expect(ids(await as(viewers.owner).workflows.list())).toContain(f.workflowId);
    expect(ids(await as(viewers.other).workflows.list())).not.toContain(f.workflowId);
    expect(ids(await as(viewers.teacher).workflows.list())).toContain(f.workflowId);
    expect(ids(await as(viewers.owner).runs.list())).toContain(f.runId);
    expect(ids(await as(viewers.other).runs.list())).not.toContain(f.runId);
    expect(ids(await as(viewers.teacher).runs.list())).toContain(f.runId);
    expect(ids(await as(viewers.other).runs.gallery())).not.toContain(f.artifactId);
    expect((await as(viewers.other).runs.pending()).pending.map((r) => r.id)).not.toContain(f.runId);
  });

  it("sharing: a shared workflow opens read-only for others, and 'Duplicate to mine' makes their own copy", async () => {
    const f = await fixture();
    const owner = appRouter.createCaller(contextFor(services, viewers.owner));
    const other = appRouter.createCaller(contextFor(services, viewers.other));
    await owner.workflows.share({ id: f.workflowId, shared: true });
    expect((await other.workflows.get({ id: f.workflowId })).id).toBe(f.workflowId);
    expect((await other.workflows.list({ scope: "shared" })).map((w) => w.id)).toContain(f.workflowId);
    expect(await outcome(() => other.workflows.update({ id: f.workflowId, graph: graphOf() }))).toBe("NOT_FOUND");
    expect(await outcome(() => other.workflows.delete({ id: f.workflowId }))).toBe("NOT_FOUND");
    // its runs' saved images show in the others' gallery under "shared", and open read-only
    expect((await other.runs.gallery({ shared: true })).map((a) => a.id)).toContain(f.artifactId);
    expect((await other.runs.gallery()).map((a) => a.id)).not.toContain(f.artifactId);
    expect((await other.runs.get({ id: f.runId })).id).toBe(f.runId);
    expect(await outcome(() => other.runs.cancel({ id: f.runId }))).toBe("NOT_FOUND");
    expect(await outcome(() => other.runs.moveToFront({ id: f.runId }))).toBe("NOT_FOUND");
    expect(await outcome(() => other.teach.traces({ runId: f.runId }))).toBe("NOT_FOUND");
    const copy = await other.workflows.duplicate({ id: f.workflowId });
    expect(copy.ownerId).toBe(viewers.other.id);
    await other.workflows.rename({ id: copy.id, name: "my copy" });
    await owner.workflows.share({ id: f.workflowId, shared: false });
    expect(await outcome(() => other.workflows.get({ id: f.workflowId }))).toBe("NOT_FOUND");
    expect(await outcome(() => other.runs.get({ id: f.runId }))).toBe("NOT_FOUND");
    expect((await other.runs.gallery({ shared: true })).map((a) => a.id)).not.toContain(f.artifactId);
  });

  it("the live stream carries only the viewer's own runs (the teacher: all)", async () => {
    const mine = await fixture();
    const theirs = await enqueueRun({ snapshot: JSON.stringify(graphOf()), ownerId: viewers.other.id });
    const open = async (v: Viewer) => {
      const stream = (await appRouter.createCaller(contextFor(services, v)).runs.events()) as AsyncIterable<{ type: string; runId?: string }>;
      const it = stream[Symbol.asyncIterator]();
      await it.next(); // the snapshot; from here on the stream listens
      return it;
    };
    const nextRun = (it: AsyncIterator<{ runId?: string }>) =>
      Promise.race([it.next().then((n) => (n.done ? "done" : (n.value.runId ?? ""))), new Promise<string>((r) => setTimeout(() => r("nothing"), 300))]);
    const owner = await open(viewers.owner);
    const other = await open(viewers.other);
    const teacher = await open(viewers.teacher);
    services.hub.emit({ type: "run.started", runId: mine.runId });
    services.hub.emit({ type: "run.started", runId: theirs.id });
    expect([await nextRun(owner), await nextRun(owner)]).toEqual([mine.runId, "nothing"]);
    expect(await nextRun(other)).toEqual(theirs.id);
    expect([await nextRun(teacher), await nextRun(teacher)]).toEqual([mine.runId, theirs.id]);
  });

  it("uploads: a student's run may use only images they uploaded; the teacher any", async () => {
    const png = new Uint8Array(
      await sharp({ create: { width: 8, height: 8, channels: 3, background: { r: 9, g: 8, b: 7 } } })
        .png()
        .toBuffer(),
    );
    const stored = await saveUpload(getEnv(), png, "ann.png");
    await recordUpload(stored.name, viewers.owner);
    const wf = graph(
      [
        ["image", "unclip.load_image", { image: stored.name }],
        ["preview", "unclip.preview_image"],
      ],
      [["image.image", "preview.image"]],
    );
    const problems = async (v: Viewer) =>
      (await appRouter.createCaller(contextFor(services, v)).runs.validate({ workflow: wf })).filter((e) => e.nodeId === "image").map((e) => e.code);
    expect(await problems(viewers.owner)).toEqual([]);
    expect(await problems(viewers.teacher)).toEqual([]);
    expect((await problems(viewers.other)).length).toBe(1);
    // the shipped examples are everyone's; a name off their list is a problem for everyone
    const withImage = (image: string) => ({ ...wf, nodes: wf.nodes.map((n) => (n.id === "image" ? { ...n, params: { image } } : n)) });
    for (const v of [viewers.owner, viewers.other, viewers.teacher]) {
      const caller = appRouter.createCaller(contextFor(services, v));
      expect(await caller.runs.validate({ workflow: withImage("example:red-ring.png") }), v.name).toEqual([]);
      expect((await caller.runs.validate({ workflow: withImage("example:../x") })).map((e) => e.code)).toEqual(["input_file_not_found"]);
    }
  });

  it("lesson progress: each user sees and resets only their own; an unknown lesson or a step out of range is a 400 naming it", async () => {
    const as = (v: Viewer) => appRouter.createCaller(contextFor(services, v));
    const [first, second] = LESSONS;
    await as(viewers.owner).lessons.saveProgress({ lessonId: first.id, step: 2, furthest: 3, done: false, answers: { 1: 0 } });
    await as(viewers.other).lessons.saveProgress({ lessonId: second.id, step: 0, furthest: 0, done: true, answers: {} });
    const mine = await as(viewers.owner).lessons.progress();
    expect(mine[first.id]).toMatchObject({ step: 2, furthest: 3, done: false, answers: { 1: 0 } });
    expect(mine[second.id]).toBeUndefined();
    // neither the other student nor the teacher sees the owner's place
    expect((await as(viewers.other).lessons.progress())[first.id]).toBeUndefined();
    expect((await as(viewers.other).lessons.progress())[second.id]).toMatchObject({ done: true });
    expect((await as(viewers.teacher).lessons.progress())[first.id]).toBeUndefined();
    // saving again replaces; the other student's reset does not touch the owner's row
    await as(viewers.owner).lessons.saveProgress({ lessonId: first.id, step: 3, furthest: 3, done: true, answers: {} });
    await as(viewers.other).lessons.resetProgress({ lessonId: first.id });
    expect((await as(viewers.owner).lessons.progress())[first.id]).toMatchObject({ step: 3, done: true, answers: {} });
    await as(viewers.owner).lessons.resetProgress({ lessonId: first.id });
    expect((await as(viewers.owner).lessons.progress())[first.id]).toBeUndefined();

    const refused = (input: unknown) =>
      (as(viewers.owner).lessons.saveProgress as (i: unknown) => Promise<unknown>)(input).then(
        () => null,
        (e: unknown) => e as TRPCError,
      );
    const unknown = await refused({ lessonId: "no-such-lesson", step: 0, furthest: 0, done: false, answers: {} });
    expect(unknown?.code).toBe("BAD_REQUEST");
    // the client gets each zod issue's message (the error formatter's zodIssues)
    const issues = (e: TRPCError | null) => (e?.cause as { issues?: { message: string }[] } | undefined)?.issues?.map((i) => i.message) ?? [];
    expect(issues(unknown)).toContain(`unknown lesson "no-such-lesson" (the lessons are ${LESSONS.map((l) => l.id).join(", ")})`);
    const n = first.steps.length;
    const past = await refused({ lessonId: first.id, step: n, furthest: 0, done: false, answers: {} });
    expect(past?.code).toBe("BAD_REQUEST");
    expect(issues(past)).toContain(`step ${n} is past the lesson's last step (it has ${n}, counted from 0)`);
    expect((await refused({ lessonId: first.id, step: 0, furthest: 0, done: false, answers: { [n]: 0 } }))?.code).toBe("BAD_REQUEST");
    expect((await refused({ lessonId: first.id, step: 0, furthest: 0, done: false, answers: { 0: 99 } }))?.code).toBe("BAD_REQUEST");
    expect((await refused({ lessonId: first.id, step: -1, furthest: 0, done: false, answers: {} }))?.code).toBe("BAD_REQUEST");
    expect(await as(viewers.owner).lessons.progress()).toEqual({});
  });

  it("results, compare and batches: node history and gallery cards are the viewer's own; compare reaches only visible images", async () => {
    const f = await fixture();
    const as = (v: Viewer) => appRouter.createCaller(contextFor(services, v));
    // node history: the owner's run gives the owner (and the teacher) its picture, another student nothing
    const mine = await as(viewers.owner).runs.nodeHistory({ runIds: [f.runId] });
    expect(mine.save?.[0]).toMatchObject({ runId: f.runId, images: [{ id: f.artifactId, url: `/api/artifacts/${f.artifactId}` }] });
    expect(await as(viewers.other).runs.nodeHistory({ runIds: [f.runId] })).toEqual({});
    expect(await as(viewers.other).runs.nodeHistory({ workflowId: f.workflowId })).toEqual({});
    expect((await as(viewers.owner).runs.nodeHistory({ workflowId: f.workflowId })).save?.[0].runId).toBe(f.runId);
    expect((await as(viewers.teacher).runs.nodeHistory({ workflowId: f.workflowId })).save?.[0].runId).toBe(f.runId);
    expect(await outcome(() => as(viewers.owner).runs.nodeHistory({}))).toBe("BAD_REQUEST");

    // compare: both images must be visible to the viewer; sharing the workflow lets others compare its images
    const second = await fixture();
    const pair = { a: f.artifactId, b: second.artifactId };
    const got = await as(viewers.owner).runs.compare(pair);
    expect(got.a).toMatchObject({ id: f.artifactId, runId: f.runId });
    expect(JSON.parse(got.b.workflowSnapshot)).toMatchObject({ format: "unclip-studio/workflow" });
    expect(await outcome(() => as(viewers.other).runs.compare(pair))).toBe("NOT_FOUND");
    await as(viewers.owner).workflows.share({ id: f.workflowId, shared: true });
    await as(viewers.owner).workflows.share({ id: second.workflowId, shared: true });
    expect((await as(viewers.other).runs.compare(pair)).b.id).toBe(second.artifactId);
    await as(viewers.owner).workflows.share({ id: f.workflowId, shared: false });
    await as(viewers.owner).workflows.share({ id: second.workflowId, shared: false });
    expect(await outcome(() => as(viewers.other).runs.compare(pair))).toBe("NOT_FOUND");
    expect(await outcome(() => as(viewers.owner).runs.compare({ a: "not-an-id", b: f.artifactId }))).toBe("BAD_REQUEST");

    // gallery cards carry the prompt; the filter matches it in any case, in the database, only among the viewer's images
    const fox = { ...graph([["tok", "unclip.tokenizer", { prompt: "A Red Fox_in 100% snow" }]], []), name: "Fox study" };
    const foxRun = await enqueueRun({ snapshot: JSON.stringify(fox), ownerId: viewers.owner.id });
    const foxPng = new Uint8Array(
      await sharp({ create: { width: 4, height: 4, channels: 3, background: { r: 200, g: 2, b: 3 } } })
        .png()
        .toBuffer(),
    );
    const foxImage = await saveArtifact({ runId: foxRun.id, nodeId: "save", kind: "image", data: foxPng });
    const ids = (xs: { id: string }[]) => xs.map((x) => x.id);
    const found = await as(viewers.owner).runs.gallery({ prompt: "red FOX" });
    expect(ids(found)).toEqual([foxImage.id]);
    expect(found[0].prompt).toBe("A Red Fox_in 100% snow");
    // a run of a workflow never saved is listed under the name it had when it ran
    expect((await as(viewers.owner).runs.list()).find((r) => r.id === foxRun.id)).toMatchObject({
      workflowName: "Fox study",
      prompt: "A Red Fox_in 100% snow",
    });
    expect(ids(await as(viewers.owner).runs.gallery({ prompt: "100% snow" }))).toEqual([foxImage.id]);
    // LIKE's wildcards are the user's characters, not patterns
    expect(ids(await as(viewers.owner).runs.gallery({ prompt: "red%fox" }))).toEqual([]);
    expect(ids(await as(viewers.owner).runs.gallery({ prompt: "fox_" }))).toEqual([foxImage.id]);
    expect(ids(await as(viewers.owner).runs.gallery({ prompt: "d_f" }))).toEqual([]);
    expect(ids(await as(viewers.other).runs.gallery({ prompt: "red fox" }))).toEqual([]);
    // the teacher's gallery holds every image of the class (artifactsOwnedBy), filtered alike
    expect(ids(await as(viewers.teacher).runs.gallery({ prompt: "red fox" }))).toEqual([foxImage.id]);
    expect(await outcome(() => as(viewers.owner).runs.gallery({ prompt: "x".repeat(201) }))).toBe("BAD_REQUEST");

    // a batch: N runs of the caller's with successive seeds and one batch id; the prompt filter finds only the viewer's images
    expect(await as(viewers.owner).runs.batchLimit()).toEqual({ maxBatchCount: 8 });
    const batch = await as(viewers.owner).runs.enqueueBatch({ workflow: graphOf(), count: 3 });
    expect(batch.runs).toHaveLength(3);
    const runs = await Promise.all(batch.runs.map((r) => as(viewers.owner).runs.get({ id: r.runId })));
    expect(runs.map((r) => r.batchId)).toEqual([batch.batchId, batch.batchId, batch.batchId]);
    expect(runs.every((r) => r.ownerId === viewers.owner.id)).toBe(true);
    const seedsOf = (snapshot: string) =>
      (JSON.parse(snapshot) as { nodes: { id: string; params: { seed?: number } }[] }).nodes.find((n) => n.id === "seed")?.params.seed;
    expect(runs.map((r) => seedsOf(r.workflowSnapshot))).toEqual([7, 8, 9]);
    expect(await outcome(() => as(viewers.other).runs.get({ id: batch.runs[0].runId }))).toBe("NOT_FOUND");
    const tooMany = await as(viewers.owner)
      .runs.enqueueBatch({ workflow: graphOf(), count: 9 })
      .then(
        () => null,
        (e: unknown) => e as TRPCError,
      );
    expect(tooMany?.code).toBe("BAD_REQUEST");
    expect(tooMany?.message).toBe("Run ×N: runs per batch limit exceeded: 9 asked for, the limit is 8 (set UNCLIP_MAX_BATCH_COUNT to raise it)");
  });

  it("refuses a student's sixth waiting run with 429 naming the cap (UNCLIP_MAX_QUEUED_PER_USER)", async () => {
    const v: Viewer = { id: (await addUser("capped", "student", "capped-password")).id, name: "capped", role: "student" };
    delete process.env.UNCLIP_MAX_QUEUED_PER_USER;
    resetEnv();
    const caller = appRouter.createCaller(contextFor(createServices(), v));
    // "Run ×N" offers no more than the cap, and a batch past it is refused whole: nothing is queued
    expect(await caller.runs.batchLimit()).toEqual({ maxBatchCount: 5 });
    const batch = await caller.runs.enqueueBatch({ workflow: graphOf(), count: 6 }).then(
      () => null,
      (e: unknown) => e as TRPCError,
    );
    expect(batch?.code).toBe("TOO_MANY_REQUESTS");
    expect(batch?.message).toContain("queued runs per user limit exceeded: 6 asked for, the limit is 5");
    expect((await caller.runs.pending()).standing).toHaveLength(0);
    for (let i = 0; i < 5; i++) await caller.runs.enqueue({ workflow: graphOf() });
    const err = await caller.runs.enqueue({ workflow: graphOf() }).then(
      () => null,
      (e: unknown) => e as TRPCError,
    );
    expect(err?.code).toBe("TOO_MANY_REQUESTS");
    expect(err?.message).toBe(
      "you have too many runs waiting: queued runs per user limit exceeded: 6 asked for, the limit is 5 (set UNCLIP_MAX_QUEUED_PER_USER to raise it)",
    );
    const standing = await caller.runs.pending();
    expect(standing.standing).toHaveLength(5);
    // the others' runs ahead are counted, never shown
    expect(standing.pending.every((r) => r.ownerId === v.id)).toBe(true);
  });
});
