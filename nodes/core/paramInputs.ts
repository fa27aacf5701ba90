/**
 * Parameters converted to inputs ("Convert to input"): a node lists the parameters it takes from
 * wires in its optional `paramInputs`. Each becomes a required input port of the same name, typed
 * from the parameter's schema (whole numbers INT, other numbers FLOAT, true/false BOOLEAN, text and
 * choices STRING), so a primitive node can feed it. The value that arrives is still parsed by the
 * parameter's own schema, so its limits and choices apply as if it had been typed in.
 * Browser-safe: the editor draws the ports from the same rules the server checks.
 */
import { z } from "zod";
import type { DataType, ParamSpec, PortSpec, Widget } from "./types";

/** The port type of a parameter, from its widget and JSON Schema (what the catalog sends). */
export function paramPortType(p: { widget: Widget; jsonSchema: unknown }): DataType {
  if (p.widget === "toggle") return "BOOLEAN";
  const type = typeof p.jsonSchema === "object" && p.jsonSchema !== null ? (p.jsonSchema as { type?: unknown }).type : undefined;
  if (type === "integer") return "INT";
  if (type === "number") return "FLOAT";
  if (type === "boolean") return "BOOLEAN";
  return "STRING";
}

/** The port type of a declared parameter (server side: from its zod schema). */
export function specPortType(p: ParamSpec): DataType {
  return paramPortType({ widget: p.widget, jsonSchema: z.toJSONSchema(p.schema, { io: "input", unrepresentable: "any" }) });
}

/** Parameters that may become inputs: those without an input of the same name already (seed, steps, prompt…). */
export function convertibleParams<P extends { name: string }>(decl: { inputs: readonly PortSpec[]; params: readonly P[] }): P[] {
  return decl.params.filter((p) => !decl.inputs.some((i) => i.name === p.name));
}

/**
 * The declaration as this node uses it: each converted parameter added as a required input.
 * Names that are not convertible parameters are left out here (the graph rules report them).
 */
export function withParamInputs<D extends { inputs: readonly PortSpec[]; params: readonly { name: string; label: string }[] }>(
  decl: D,
  converted: readonly string[] | undefined,
  typeOf: (p: D["params"][number]) => DataType,
): D {
  if (!converted?.length) return decl;
  const ok = convertibleParams(decl).filter((p) => converted.includes(p.name));
  if (!ok.length) return decl;
  const ports: PortSpec[] = ok.map((p) => ({
    name: p.name,
    type: typeOf(p),
    label: p.label,
    description: `The parameter "${p.label}", taken from a wire; its own limits still apply.`,
  }));
  return { ...decl, inputs: [...decl.inputs, ...ports] };
}
