/**
 * Progress on stderr: a bar per stage on a terminal (cli-progress), one line per finished
 * stage otherwise (logs, CI). Silenced by --quiet.
 */
import cliProgress from "cli-progress";
import type { ProgressEvent } from "../../server/unclip/progress";

const LABELS: Record<string, string> = {
  text_encoder: "text encoder",
  image_encoder: "image encoder",
  prior: "prior",
  text_proj: "text_proj",
  decoder: "decoder",
  super_res: "super-res",
};

/** A stage's progress; `unclip run` reports nodes, whose ids stand in for stage names. */
export type ProgressUpdate = Omit<ProgressEvent, "stage"> & { stage: string };

export function createProgressReporter(quiet: boolean): { onProgress: (e: ProgressUpdate) => void; stop: () => void } {
  if (quiet) return { onProgress: () => {}, stop: () => {} };
  const tty = Boolean(process.stderr.isTTY);
  let bar: cliProgress.SingleBar | null = null;
  let started = 0;
  const stop = () => {
    bar?.stop();
    bar = null;
  };
  return {
    stop,
    onProgress(e) {
      const label = (LABELS[e.stage] ?? e.stage).padEnd(13);
      if (e.step === 0) {
        started = performance.now();
        if (tty) {
          stop();
          bar = new cliProgress.SingleBar(
            { format: `${label} |{bar}| {value}/{total} steps | t={t} | {duration_formatted}`, stream: process.stderr, hideCursor: true },
            cliProgress.Presets.shades_classic,
          );
          bar.start(e.steps, 0, { t: "-" });
        }
        return;
      }
      if (tty) bar?.update(e.step, { t: e.timestep ?? "-" });
      if (e.step === e.steps) {
        if (tty) stop();
        else process.stderr.write(`${label} ${e.steps}/${e.steps} steps  ${((performance.now() - started) / 1000).toFixed(2)} s\n`);
      }
    },
  };
}
