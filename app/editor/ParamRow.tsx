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
}

/** One parameter: its label and the widget its declaration asks for. */
export function ParamRow({ nodeId, param, value, seedMode, invalid, overridden, roomy }: Props) {
  const setParam = useGraph((s) => s.setParam);
  const setSeedMode = useGraph((s) => s.setSeedMode);
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
        <div className="flex h-7 items-center justify-between gap-2 px-2.5" data-param={param.name}>
          {label}
          <ToggleWidget {...anyCommon} value={value as boolean} />
        </div>
      );
    case "textarea":
      return (
        <div className="flex flex-col gap-0.5 px-2.5 py-1" data-param={param.name}>
          {label}
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
    <div className="flex h-7 items-center gap-2 px-2.5" data-param={param.name}>
      <div className="flex w-[84px] flex-none">{label}</div>
      <div className="min-w-0 flex-1">{widget}</div>
    </div>
  );
}
