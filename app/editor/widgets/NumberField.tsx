"use client";
import { useState } from "react";
import { borderFor, FIELD, isInteger, outOfHardRange, outOfRange, rangeOf, type WidgetProps } from "./common";

/**
 * A number input that keeps what is typed (so "1." or "-" can be on the way to a number) and
 * commits only numbers; values outside the declared range are kept but marked.
 */
export function NumberField({ param, value, onChange, invalid, id, className }: WidgetProps<number> & { id: string; className?: string }) {
  const [text, setText] = useState(String(value ?? ""));
  // a new value from outside replaces the text, unless the text already reads as it (adjusted while rendering, not in an effect)
  const [shown, setShown] = useState(value);
  if (!Object.is(shown, value)) {
    setShown(value);
    setText(Number(text) === value && text.trim() !== "" ? text : String(value ?? ""));
  }
  const { min, max } = rangeOf(param);
  const parsed = text.trim() === "" ? NaN : Number(text);
  // outside the widget's (recommended) range but inside the schema's hard limits: a warning, not an error
  const soft = Number.isFinite(parsed) && outOfRange(parsed, param) && !outOfHardRange(parsed, param);
  const bad = invalid || !Number.isFinite(parsed) || (outOfRange(parsed, param) && !soft);
  return (
    <input
      id={id}
      type="number"
      inputMode={isInteger(param) ? "numeric" : "decimal"}
      className={`${FIELD} ${soft && !bad ? "border-amber-400" : borderFor(bad)} tabular-nums ${className ?? "w-full"}`}
      data-soft-range={soft ? "outside" : undefined}
      value={text}
      min={min}
      max={max}
      step={param.step ?? (isInteger(param) ? 1 : "any")}
      aria-invalid={bad || undefined}
      title={min !== undefined || max !== undefined ? `${min ?? "−∞"} … ${max ?? "∞"}` : undefined}
      onChange={(e) => {
        setText(e.target.value);
        const n = Number(e.target.value);
        if (e.target.value.trim() !== "" && Number.isFinite(n)) onChange(n);
      }}
    />
  );
}
