"use client";
/**
 * One widget per declared widget hint. The node component picks the widget from the catalog
 * (ParamSpec.widget), never from the node type.
 */
import { useQuery } from "@tanstack/react-query";
import { useRef, useState } from "react";
import { useTRPC } from "../../trpc/client";
import { randomSeed } from "../../../nodes/core/seeds";
import { exampleFileOf } from "../../../nodes/core/examples";
import type { SeedMode } from "../lib/types";
import { borderFor, FIELD, fieldId, rangeOf, type WidgetProps } from "./common";
import { NumberField } from "./NumberField";
import { uploadImage } from "../lib/upload";

export function NumberWidget(p: WidgetProps<number>) {
  return <NumberField {...p} id={fieldId(p.nodeId, p.param.name)} />;
}

export function SliderWidget(p: WidgetProps<number>) {
  const { min = 0, max = 1 } = rangeOf(p.param);
  return (
    <div className="flex items-center gap-1.5">
      <input
        type="range"
        aria-label={`${p.param.label} slider`}
        className="nodrag nowheel h-1.5 min-w-0 flex-1 cursor-pointer accent-sky-400"
        min={min}
        max={max}
        step={p.param.step ?? (max - min) / 100}
        value={Math.min(max, Math.max(min, Number(p.value) || 0))}
        onChange={(e) => p.onChange(Number(e.target.value))}
      />
      <NumberField {...p} id={fieldId(p.nodeId, p.param.name)} className="w-14 flex-none" />
    </div>
  );
}

export function TextWidget(p: WidgetProps<string> & { placeholder?: string }) {
  return (
    <input
      id={fieldId(p.nodeId, p.param.name)}
      type="text"
      className={`${FIELD} ${borderFor(p.invalid)} w-full`}
      value={p.value ?? ""}
      placeholder={p.placeholder}
      spellCheck={false}
      onChange={(e) => p.onChange(e.target.value)}
    />
  );
}

export function TextareaWidget(p: WidgetProps<string> & { rows: number }) {
  return (
    <textarea
      id={fieldId(p.nodeId, p.param.name)}
      rows={p.rows}
      className={`${FIELD} ${borderFor(p.invalid)} w-full resize-none leading-snug`}
      value={p.value ?? ""}
      onChange={(e) => p.onChange(e.target.value)}
    />
  );
}

export function SelectWidget(p: WidgetProps<string>) {
  const options = p.param.options ?? [];
  return (
    <select
      id={fieldId(p.nodeId, p.param.name)}
      className={`${FIELD} ${borderFor(p.invalid)} w-full py-1`}
      value={p.value ?? ""}
      onChange={(e) => p.onChange(e.target.value)}
    >
      {!options.includes(p.value) && <option value={p.value}>{String(p.value)}</option>}
      {options.map((o) => (
        <option key={o} value={o}>
          {o}
        </option>
      ))}
    </select>
  );
}

export function ToggleWidget(p: WidgetProps<boolean>) {
  const on = Boolean(p.value);
  return (
    <button
      id={fieldId(p.nodeId, p.param.name)}
      type="button"
      role="switch"
      aria-checked={on}
      className={`nodrag relative h-4 w-7 flex-none rounded-full outline-none transition-colors focus-visible:ring-2 focus-visible:ring-sky-400 ${on ? "bg-sky-500" : "bg-slate-600"} ${p.invalid ? "ring-2 ring-red-500" : ""}`}
      onClick={() => p.onChange(!on)}
    >
      <span className={`absolute top-0.5 h-3 w-3 rounded-full bg-white transition-all ${on ? "left-3.5" : "left-0.5"}`} />
    </button>
  );
}

export function SeedWidget(p: WidgetProps<number> & { mode: SeedMode; onMode(m: SeedMode): void }) {
  const random = p.mode === "randomize";
  return (
    <div className="flex items-center gap-1">
      <NumberField {...p} id={fieldId(p.nodeId, p.param.name)} className="w-auto min-w-0 flex-1" />
      <button
        type="button"
        className="nodrag flex-none rounded border border-slate-700 px-1 text-xs leading-5 text-slate-300 outline-none hover:border-slate-500 hover:text-white focus-visible:ring-2 focus-visible:ring-sky-400"
        aria-label={`New random ${p.param.label.toLowerCase()}`}
        title="Draw a new random seed now"
        onClick={() => p.onChange(randomSeed())}
      >
        ⟳
      </button>
      <button
        type="button"
        aria-pressed={random}
        aria-label={`${p.param.label}: ${random ? "randomize before every run" : "fixed"}`}
        title={random ? "A new seed is drawn before every run (click for fixed)" : "The seed stays as it is (click to randomize before every run)"}
        className={`nodrag w-[52px] flex-none rounded border px-1 text-[10px] leading-5 uppercase tracking-wide outline-none focus-visible:ring-2 focus-visible:ring-sky-400 ${
          random ? "border-amber-400/70 bg-amber-400/15 text-amber-200" : "border-slate-700 text-slate-400 hover:border-slate-500"
        }`}
        onClick={() => p.onMode(random ? "fixed" : "randomize")}
      >
        {random ? "random" : "fixed"}
      </button>
    </div>
  );
}

/** A label for each setting a package may recommend (`models.list` → `pipelineDefaults`). */
const DEFAULT_NAMES = {
  priorGuidanceScale: "prior guidance",
  decoderGuidanceScale: "decoder guidance",
  priorNumInferenceSteps: "prior steps",
  decoderNumInferenceSteps: "decoder steps",
  superResNumInferenceSteps: "super-res steps",
} as const;
type PackageDefaults = Partial<Record<keyof typeof DEFAULT_NAMES, number>>;

/**
 * The option's tooltip: every component, graphs with their precision ("decoder int8"), then the
 * package's own defaults where it sets any ("recommended: prior guidance 1"), so whoever switches
 * packages sees which settings the weights were tuned for.
 */
function modelTitle(components: readonly string[], precision: Readonly<Record<string, string>>, defaults: PackageDefaults): string {
  const parts = components.map((c) => (precision[c] ? `${c} ${precision[c]}` : c)).join(", ");
  const recommended = (Object.keys(DEFAULT_NAMES) as (keyof PackageDefaults)[]).flatMap((k) =>
    defaults[k] === undefined ? [] : [`${DEFAULT_NAMES[k]} ${defaults[k]}`],
  );
  return recommended.length ? `${parts}; recommended: ${recommended.join(", ")}` : parts;
}

export function ModelWidget(p: WidgetProps<string>) {
  const trpc = useTRPC();
  const models = useQuery(trpc.models.list.queryOptions());
  const list = models.data ?? [];
  const known = list.some((m) => m.name === p.value);
  return (
    <select
      id={fieldId(p.nodeId, p.param.name)}
      className={`${FIELD} ${borderFor(p.invalid || (models.isSuccess && !known))} w-full py-1`}
      value={p.value ?? ""}
      onChange={(e) => p.onChange(e.target.value)}
    >
      {!known && <option value={p.value}>{p.value ? `${p.value} (not found)` : "choose a package…"}</option>}
      {list.map((m) => (
        <option key={m.name} value={m.name} disabled={Boolean(m.error)} title={m.error ?? modelTitle(m.components, m.componentPrecision, m.pipelineDefaults)}>
          {m.name}
          {m.error ? " (unusable)" : m.precision ? ` · ${m.precision}` : ""}
        </option>
      ))}
    </select>
  );
}

export function ImageWidget(p: WidgetProps<string>) {
  const input = useRef<HTMLInputElement>(null);
  const [preview, setPreview] = useState<string | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const choose = async (file: File | undefined) => {
    if (!file) return;
    setStatus("uploading…");
    try {
      const name = await uploadImage(file);
      setPreview(URL.createObjectURL(file));
      setStatus(null);
      p.onChange(name);
    } catch (err) {
      setStatus((err as Error).message);
    }
  };
  // a shipped example is served by Next from public/examples: show it and its file name
  const example = p.value ? exampleFileOf(p.value) : null;
  const thumbnail = preview ?? (example ? `/examples/${example}` : null);
  // one row (thumbnail, name, button) so the node stays the size the layout expects
  return (
    <div className="flex items-center gap-1" title={status ?? undefined}>
      {/* eslint-disable-next-line @next/next/no-img-element -- blob URL of the chosen upload (a local file) or a 64 px example; the Next image optimizer has nothing to add */}
      {thumbnail && <img src={thumbnail} alt={example ? "example" : "uploaded"} className="h-6 w-6 flex-none rounded object-cover" />}
      <span
        className={`min-w-0 flex-1 truncate rounded border px-1.5 py-0.5 text-xs ${borderFor(p.invalid || !p.value || (status !== null && status !== "uploading…"))} ${status && status !== "uploading…" ? "text-amber-300" : "text-slate-300"}`}
        title={p.value}
        data-upload-name={p.value}
        role={status && status !== "uploading…" ? "alert" : undefined}
      >
        {status ?? example ?? (p.value ? `${p.value.slice(0, 6)}…${p.value.slice(-4)}` : "none")}
      </span>
      <button
        type="button"
        className="nodrag flex-none rounded border border-slate-600 bg-slate-800 px-2 text-xs leading-5 outline-none hover:bg-slate-700 focus-visible:ring-2 focus-visible:ring-sky-400"
        onClick={() => input.current?.click()}
      >
        Choose…
      </button>
      <input
        ref={input}
        type="file"
        accept="image/png,image/jpeg,image/webp"
        className="hidden"
        aria-label={`${p.param.label} file`}
        onChange={(e) => void choose(e.target.files?.[0])}
      />
    </div>
  );
}
