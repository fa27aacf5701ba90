"use client";
import type { CatalogParam } from "../../nodes/core/types";
import { useGraph } from "./state/graphStore";
import type { SeedMode } from "./lib/types";
import { fieldId, type WidgetProps } from "./widgets/common";
import { ImageWidget, ModelWidget, NumberWidget, SeedWidget, SelectWidget, SliderWidget, TextareaWidget, TextWidget, ToggleWidget } from "./widgets/Widgets";

interface Props {
  nodeId: string;
  param: CatalogParam;
  value: unknown;
  seedMode: SeedMode;
  invalid: boolean;
  /** An input port of the same name is connected and overrides this parameter. */
  overridden: boolean;
  /** A node made only of text (a note) gives its text area more room. */
  roomy?: boolean;
  /** Taken from a wire ("Convert to input"): the row offers the way back. */
  converted?: boolean;
  /** May become an input (no input of its name exists already). */
  convertible?: boolean;
}

const CONVERT =
  "flex-none rounded px-1 text-[11px] leading-none text-slate-500 opacity-0 outline-none hover:bg-slate-800 hover:text-slate-200 focus-visible:opacity-100 focus-visible:ring-2 focus-visible:ring-sky-400 group-hover:opacity-100";

/** One parameter: its label and the widget its declaration asks for. */
export function ParamRow({ nodeId, param, value, seedMode, invalid, overridden, roomy, converted = false, convertible = false }: Props) {
  const setParam = useGraph((s) => s.setParam);
  const setParamInput = useGraph((s) => s.setParamInput);
  const setSeedMode = useGraph((s) => s.setSeedMode);
  if (converted) {
    return (
      <div className="group flex h-7 items-center gap-2 px-2.5" data-param={param.name} data-converted>
        <span className="w-[84px] flex-none truncate text-[11px] text-slate-500">{param.label}</span>
        <span className="min-w-0 flex-1 truncate text-[11px] italic text-slate-500">{overridden ? "from its input" : "input: connect a wire"}</span>
        <button
          type="button"
          className={`${CONVERT} opacity-100`}
          aria-label={`Convert ${param.label} to a widget`}
          title="Back to a widget (the wire into it is removed)"
          onClick={() => setParamInput(nodeId, param.name, false)}
        >
          ⇠
        </button>
      </div>
    );
  }
  const toInput = convertible ? (
    <button
      type="button"
      className={CONVERT}
      aria-label={`Convert ${param.label} to an input`}
      title="Convert to input: take this value from a wire (a primitive node), still checked by this parameter's limits"
      onClick={() => setParamInput(nodeId, param.name, true)}
    >
      ⇢
    </button>
  ) : null;
  const common = { nodeId, param, invalid, onChange: (v: unknown) => setParam(nodeId, param.name, v) };
  const id = fieldId(nodeId, param.name);
  const label = (
    <label
      htmlFor={id}
      className={`truncate text-[11px] ${invalid ? "font-semibold text-red-300" : "text-slate-400"}`}
      title={param.description ?? param.label}
    >
      {param.label}
    </label>
  );
  if (overridden) {
    return (
      <div className="flex h-7 items-center gap-2 px-2.5" data-param={param.name}>
        <span className="w-[84px] flex-none truncate text-[11px] text-slate-500">{param.label}</span>
        <span className="text-[11px] italic text-slate-500">from its input</span>
      </div>
    );
  }
  // each widget narrows the value type; the catalog guarantees the widget matches the schema
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const anyCommon: Omit<WidgetProps<any>, "value"> = common;
  let widget: React.ReactNode;
  switch (param.widget) {
    case "slider":
      widget = <SliderWidget {...anyCommon} value={value as number} />;
      break;
    case "number":
      widget = <NumberWidget {...anyCommon} value={value as number} />;
      break;
    case "seed":
      widget = <SeedWidget {...anyCommon} value={value as number} mode={seedMode} onMode={(m) => setSeedMode(nodeId, param.name, m)} />;
      break;
    case "select":
      widget = <SelectWidget {...anyCommon} value={value as string} />;
      break;
    case "model":
      widget = <ModelWidget {...anyCommon} value={value as string} />;
      break;
    case "toggle":
      return (
        <div className="group flex h-7 items-center justify-between gap-2 px-2.5" data-param={param.name}>
          {label}
          <span className="flex items-center gap-1">
            <ToggleWidget {...anyCommon} value={value as boolean} />
            {toInput}
          </span>
        </div>
      );
    case "textarea":
      return (
        <div className="group flex flex-col gap-0.5 px-2.5 py-1" data-param={param.name}>
          <div className="flex items-center justify-between">
            {label}
            {toInput}
          </div>
          <TextareaWidget {...anyCommon} value={value as string} rows={roomy ? 6 : 3} />
        </div>
      );
    case "image":
      widget = <ImageWidget {...anyCommon} value={value as string} />;
      break;
    case "file":
      widget = <TextWidget {...anyCommon} value={value as string} placeholder="uploaded file name" />;
      break;
    default:
      widget = <TextWidget {...anyCommon} value={value as string} />;
  }
  return (
    <div className="group flex h-7 items-center gap-2 px-2.5" data-param={param.name}>
      <div className="flex w-[84px] flex-none">{label}</div>
      <div className="min-w-0 flex-1">{widget}</div>
      {toInput}
    </div>
  );
}
