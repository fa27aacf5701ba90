"use client";
/**
 * A lesson played on the live editor: "Step k of N", the step's text, its question (predict, then
 * see), its action (run, or run up to a node), its experiment, Back / Next and Reset lesson. On
 * entering a step the panel loads the step's workflow if it changed, sets its parameters,
 * highlights its nodes and opens the view it names; locked parameters snap back when edited.
 * Runs are traced (the lesson turns "Trace runs" on), so the views have data.
 */
import Link from "next/link";
import { useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore } from "react";
import type { Lesson, LessonStep, ParamSetting } from "../../nodes/core/lessons/schema";
import type { Workflow } from "../../nodes/core/workflow";
import { useClassroom } from "../editor/teach/classroom";
import { useTeachRequest } from "../editor/teach/teachRequest";
import { isExecutable } from "../../nodes/core/graphRules";
import { useGraph } from "../editor/state/graphStore";
import { useRuns } from "../editor/state/runStore";
import { useUi } from "../editor/state/uiStore";
import { errorMessage, useTRPCClient, validationErrorsOf } from "../trpc/client";
import { runToWorkflow, sourceAt, workflowOf } from "./lib/lessonGraph";
import { EMPTY_PROGRESS, type LessonProgress, parseAllProgress, progressOf, progressSnapshot, subscribeProgress, writeProgress } from "./lib/progress";
import { useProgressSource } from "./lib/useProgressSource";
import { Markdown } from "./Markdown";

type RunState = { state: "idle" } | { state: "running" } | { state: "done"; ms: number } | { state: "failed"; message: string };

const button =
  "rounded border border-slate-600 px-3 py-1 text-xs text-slate-100 outline-none hover:bg-slate-800 focus-visible:ring-2 focus-visible:ring-sky-400 disabled:opacity-40";

function applySettings(settings: readonly ParamSetting[] | undefined): void {
  for (const s of settings ?? []) useGraph.getState().setParam(s.node, s.param, s.value);
}

/** Wait for a run to end, from the editor's live run store (fed by the event stream). */
function waitForRun(runId: string): Promise<RunState> {
  return new Promise((resolve) => {
    const check = (): boolean => {
      const r = useRuns.getState().runs[runId];
      if (!r || r.status === "queued" || r.status === "running") return false;
      unsubscribe();
      resolve(r.status === "finished" ? { state: "done", ms: r.ms ?? 0 } : { state: "failed", message: r.error?.message ?? `the run ${r.status}` });
      return true;
    };
    const unsubscribe = useRuns.subscribe(() => void check());
    check();
  });
}

function useLessonRunner() {
  const client = useTRPCClient();
  return useCallback(
    async (to: string | null): Promise<RunState> => {
      const g = useGraph.getState();
      g.drawRandomSeeds();
      const whole = useGraph.getState().toWorkflow();
      const port = to ? g.catalog.get(whole.nodes.find((x) => x.id === to)?.type ?? "")?.outputs[0]?.name : undefined;
      if (to && !port) return { state: "failed", message: `the node "${to}" has no output to run up to` };
      const wf: Workflow = to && port ? runToWorkflow(whole, to, port) : whole;
      try {
        const { runId } = await client.runs.enqueue.mutate({ workflow: wf, workflowId: null, options: { previewEvery: 5, trace: true } });
        useRuns.getState().queued(
          runId,
          wf.nodes.filter((n) => isExecutable(g.catalog.get(n.type))).map((n) => n.id),
        );
        return await waitForRun(runId);
      } catch (err) {
        const problems = validationErrorsOf(err);
        if (problems) useUi.getState().setProblems(problems);
        return { state: "failed", message: problems ? problems.map((p) => p.message).join("; ") : errorMessage(err) };
      }
    },
    [client],
  );
}

function showView(step: LessonStep): void {
  if (!step.show) return;
  useUi.getState().setTeachOpen(true);
  useGraph.getState().selectOnly(step.show.node);
  useTeachRequest.getState().show({ nodeId: step.show.node, view: step.show.view, step: step.show.step });
}

function Question({ step, index, chosen, onChoose }: { step: LessonStep; index: number; chosen: number | undefined; onChoose: (k: number) => void }) {
  const q = step.question!;
  return (
    <fieldset className="space-y-1.5 rounded border border-slate-700 p-2" data-testid="lesson-question">
      <legend className="px-1 text-[11px] font-semibold text-amber-200 uppercase">Predict, then see</legend>
      <Markdown>{q.prompt}</Markdown>
      {q.choices.map((c, k) => (
        <label key={k} className="flex items-start gap-2 text-[13px]">
          <input type="radio" name={`q-${index}`} checked={chosen === k} onChange={() => onChoose(k)} className="mt-1 accent-sky-400" />
          <span className={chosen !== undefined && k === q.answer ? "text-emerald-300" : ""}>{c}</span>
        </label>
      ))}
      {chosen !== undefined && (
        <div className="rounded bg-slate-800/70 p-2 text-[12px]" data-testid="lesson-answer">
          <p className={chosen === q.answer ? "text-emerald-300" : "text-amber-200"}>
            {chosen === q.answer ? "Right." : `Not quite: the answer is “${q.choices[q.answer]}”.`}
          </p>
          <Markdown>{q.explanation}</Markdown>
          {step.action && <p className="text-slate-400">Now run it and compare.</p>}
        </div>
      )}
    </fieldset>
  );
}

export function LessonPanel({ lesson }: { lesson: Lesson }) {
  const ready = useGraph((s) => s.catalog.size > 0);
  const projector = useClassroom((s) => s.projector);
  useProgressSource();
  // null while the server renders and until the page knows where progress lives (browser or account)
  const raw = useSyncExternalStore(subscribeProgress, progressSnapshot, () => null);
  const loaded = raw !== null;
  const progress = useMemo(() => progressOf(parseAllProgress(raw ?? ""), lesson.id, lesson.steps.length), [raw, lesson]);
  const [runs, setRuns] = useState<{ key: string; state: RunState } | null>(null);
  const [skipped, setSkipped] = useState<number | null>(null);
  /** Bumped by Reset lesson, so step 1 is entered afresh even when the student is on it. */
  const [epoch, setEpoch] = useState(0);
  const loadedSource = useRef<string | null>(null);
  /** True while a step is being entered: its own loading and settings are not edits to undo. */
  const entering = useRef(false);
  const runTo = useLessonRunner();
  const n = lesson.steps.length;
  const index = progress.step;
  const step = lesson.steps[index];

  const save = useCallback((p: LessonProgress) => writeProgress(lesson.id, p), [lesson.id]);
  // a run's state belongs to the step (and reset) it was started in
  const stepKey = `${index}:${epoch}`;
  const run: RunState = runs?.key === stepKey ? runs.state : { state: "idle" };
  const setRun = (state: RunState) => setRuns({ key: stepKey, state });

  // entering a step: its graph, parameters and view
  useEffect(() => {
    if (!ready || !loaded) return;
    entering.current = true;
    const { source, from } = sourceAt(lesson, index);
    const key = `${from}:${JSON.stringify(source)}`;
    if (loadedSource.current !== key) {
      loadedSource.current = key;
      const wf = workflowOf(source, lesson.id);
      useGraph.getState().load(wf, { id: null, name: `Lesson: ${lesson.title}` }, { saved: true });
      useRuns.getState().clearOutputs();
      useUi.getState().setProblems([]);
      useUi.getState().requestFit();
      // every setting up to this step applies, so opening a lesson in the middle gives the same graph
      for (let i = from + 1; i < index; i++) applySettings(lesson.steps[i].set);
    }
    useUi.getState().setTraceRuns(true);
    useUi.getState().setTeachOpen(true);
    applySettings(lesson.steps[index].set);
    // the lesson's own settings are not the student's unsaved work: leaving asks nothing
    useGraph.getState().markSaved({ id: null, name: `Lesson: ${lesson.title}` });
    entering.current = false;
    showView(lesson.steps[index]);
  }, [ready, loaded, lesson, index, epoch]);

  // locked parameters go back to the lesson's value when edited: the step's own setting, else the
  // value the parameter had once the step's graph was there (never "undefined" before it loads)
  useEffect(() => {
    const locks = step?.lock ?? [];
    if (!locks.length) return;
    const key = (node: string, param: string) => `${node}.${param}`;
    const wanted = new Map<string, unknown>((step.set ?? []).map((s) => [key(s.node, s.param), s.value]));
    const enforce = (nodes: ReturnType<typeof useGraph.getState>["nodes"]) => {
      for (const l of locks) {
        const value = nodes.find((x) => x.id === l.node)?.data.params[l.param];
        if (value === undefined) continue;
        const k = key(l.node, l.param);
        if (!wanted.has(k)) wanted.set(k, value);
        else if (value !== wanted.get(k)) {
          // on the next task: a field that just committed the edit must render it before it is undone,
          // or it would keep showing the edited text over the restored value
          const restore = wanted.get(k);
          setTimeout(() => {
            useGraph.getState().setParam(l.node, l.param, restore);
            useUi.getState().notify(`This step keeps ${l.node} → ${l.param} at ${String(restore)}.`);
          }, 0);
        }
      }
    };
    return useGraph.subscribe((s) => {
      if (!entering.current) enforce(s.nodes);
    });
  }, [step]);

  const go = (to: number) => {
    if (to < 0 || to >= n) return;
    const unanswered = to > index && step.question && progress.answers[index] === undefined;
    setSkipped(unanswered ? index : null);
    save({ ...progress, step: to, furthest: Math.max(progress.furthest, to), done: progress.done || (to === n - 1 && index === n - 2) });
  };

  const perform = async (experiment = false) => {
    if (experiment) applySettings(step.experiment?.set);
    if (experiment && !step.experiment?.run) return;
    setRun({ state: "running" });
    const r = await runTo(step.action?.kind === "runTo" ? step.action.node : null);
    setRun(r);
    if (r.state === "done") showView(step);
  };

  const reset = () => {
    loadedSource.current = null;
    setSkipped(null);
    useTeachRequest.getState().clear();
    save({ ...EMPTY_PROGRESS, answers: {} });
    setEpoch((e) => e + 1);
  };

  const highlight = useMemo(
    () =>
      (step?.highlight ?? [])
        .map((id) => `.react-flow__node[data-id=${JSON.stringify(id)}]{outline:3px solid #facc15;outline-offset:3px;border-radius:8px}`)
        .join("\n"),
    [step],
  );

  if (!step) return null;
  const skippedQ = skipped !== null ? lesson.steps[skipped]?.question : undefined;
  return (
    <aside
      className="flex w-[360px] flex-none flex-col border-r border-slate-800 bg-slate-900"
      aria-label="Lesson"
      data-testid="lesson-panel"
      // after hydration only: the server cannot know this browser's setting
      data-projector={loaded && projector ? "" : undefined}
    >
      {highlight && <style>{highlight}</style>}
      <header className="flex-none border-b border-slate-800 px-3 py-2">
        <Link href="/learn" className="text-[11px] text-sky-300 hover:underline">
          ← All lessons
        </Link>
        <h1 className="text-sm font-semibold text-slate-100">{lesson.title}</h1>
        <p className="text-[12px] text-slate-400" data-testid="lesson-step">
          Step {index + 1} of {n}
        </p>
        <div className="mt-1 h-1 w-full rounded bg-slate-800" aria-hidden>
          <div className="h-1 rounded bg-sky-400" style={{ width: `${((index + 1) / n) * 100}%` }} />
        </div>
      </header>
      <div className="min-h-0 flex-1 space-y-3 overflow-y-auto px-3 py-3 text-slate-200">
        {skippedQ && (
          <div className="rounded border border-amber-800 bg-amber-950/40 p-2 text-[12px]" data-testid="lesson-skipped-answer">
            <p className="text-amber-200">
              You skipped the question of step {skipped! + 1}. The answer: “{skippedQ.choices[skippedQ.answer]}”.
            </p>
            <Markdown>{skippedQ.explanation}</Markdown>
          </div>
        )}
        <h2 className="text-[15px] font-semibold text-slate-50" data-testid="lesson-step-title">
          {step.title}
        </h2>
        <Markdown>{step.text}</Markdown>
        {step.lock?.length ? (
          <p className="text-[11px] text-slate-400">Locked in this step: {step.lock.map((l) => `${l.node} → ${l.param}`).join(", ")}</p>
        ) : null}
        {step.question && (
          <Question
            step={step}
            index={index}
            chosen={progress.answers[index]}
            onChoose={(k) => save({ ...progress, answers: { ...progress.answers, [index]: k } })}
          />
        )}
        {step.action && (
          <div className="flex items-center gap-2">
            <button
              type="button"
              className={`${button} border-sky-600 bg-sky-900/40`}
              disabled={run.state === "running"}
              onClick={() => void perform()}
              data-testid="lesson-action"
            >
              ▶ {step.action.label ?? (step.action.kind === "run" ? "Run" : `Run up to ${step.action.node}`)}
            </button>
            <span
              className="text-[12px] text-slate-400"
              data-testid="lesson-run-state"
              data-state={run.state}
              data-ms={run.state === "done" ? run.ms : undefined}
            >
              {run.state === "running" ? "running…" : run.state === "done" ? `done in ${(run.ms / 1000).toFixed(1)} s` : run.state === "failed" ? "" : ""}
            </span>
          </div>
        )}
        {run.state === "failed" && <p className="text-[12px] text-red-300">The run failed: {run.message}</p>}
        {step.experiment && (
          <div className="space-y-1.5 rounded border border-emerald-900 p-2" data-testid="lesson-experiment">
            <p className="text-[11px] font-semibold text-emerald-300 uppercase">Experiment</p>
            <Markdown>{step.experiment.prompt}</Markdown>
            {(step.experiment.set?.length || step.experiment.run) && (
              <button
                type="button"
                className={button}
                disabled={run.state === "running"}
                onClick={() => void perform(true)}
                data-testid="lesson-experiment-try"
              >
                Try it{step.experiment.set?.length ? `: ${step.experiment.set.map((s) => `${s.param} = ${String(s.value)}`).join(", ")}` : ""}
                {step.experiment.run ? " and run" : ""}
              </button>
            )}
          </div>
        )}
      </div>
      <footer className="flex flex-none items-center gap-2 border-t border-slate-800 px-3 py-2">
        <button type="button" className={button} onClick={() => go(index - 1)} disabled={index === 0}>
          Back
        </button>
        {index < n - 1 ? (
          <button type="button" className={`${button} border-sky-600`} onClick={() => go(index + 1)}>
            Next
          </button>
        ) : (
          <Link href="/learn" className={`${button} border-emerald-600`} onClick={() => save({ ...progress, done: true })}>
            Finish
          </Link>
        )}
        <div className="flex-1" />
        <button type="button" className={button} onClick={reset}>
          Reset lesson
        </button>
      </footer>
    </aside>
  );
}
