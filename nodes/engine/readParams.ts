/**
 * Parameters as a runner sees them: every declared parameter present (missing ones take their
 * default) and checked against its schema, so runners never see a value the editor would refuse.
 */
import { InputError } from "../../server/errors";
import type { NodeDeclaration } from "../core/types";

export function readParams<T extends object>(decl: NodeDeclaration, raw: Record<string, unknown>): T {
  const out: Record<string, unknown> = {};
  for (const spec of decl.params) {
    const value = raw[spec.name] === undefined ? spec.default : raw[spec.name];
    const parsed = spec.schema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new InputError("bad_param", `${decl.title}: ${spec.label} (${spec.name}): ${issue.message}`, { parameter: spec.name });
    }
    out[spec.name] = parsed.data;
  }
  return out as T;
}
