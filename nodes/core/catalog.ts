/**
 * The catalog the editor receives: declarations with each parameter's zod schema turned into
 * JSON Schema (browser-safe; the server passes its registered declarations).
 */
import { z } from "zod";
import type { CatalogNode, CatalogParam, NodeDeclaration, ParamSpec } from "./types";

function catalogParam({ schema, ...rest }: ParamSpec): CatalogParam {
  return { ...rest, jsonSchema: z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) };
}

export function catalogOf(declarations: readonly NodeDeclaration[]): CatalogNode[] {
  return declarations.map(({ params, cacheable: _cacheable, ...rest }) => ({
    ...rest,
    inputs: rest.inputs.map((p) => ({ ...p })),
    outputs: rest.outputs.map((p) => ({ ...p })),
    params: params.map(catalogParam),
  }));
}
