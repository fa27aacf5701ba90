/**
 * Warnings: settings that are allowed but probably not meant. They never block a run; they are
 * drawn on the nodes and listed under Problems. Generic like the rest of the editor: the rules
 * name parameters, never node types.
 *
 * - A node with classifier-free guidance off whose own or directly fed guidance scale is above 1
 *   (the scale then does nothing), and the reverse: guidance on while every such scale is at most
 *   1 (the extra unguided pass is wasted work) — unless another node of the graph guides: diffusers
 *   has one flag that guides every stage when any is guided, so a prior at scale 1 beside a guided
 *   decoder keeps its flag on to give diffusers' numbers (the default toy model's templates do).
 * - A number outside the range its widget offers (`min`/`max` of the declaration, the recommended
 *   range) but inside what the schema accepts (the hard limits, which are errors).
 */
import type { CatalogParam } from "../../../nodes/core/types";
import type { Catalog, GraphDoc } from "./types";

export interface Warning {
  code: "guidance_mismatch" | "outside_recommended";
  nodeId: string;
  param: string;
  message: string;
}

const FLAG = "classifierFreeGuidance";
const SCALE = "guidanceScale";

/** The hard limits of a number parameter: its JSON Schema bounds. */
function hardRange(p: CatalogParam): { min?: number; max?: number } {
  const s = (p.jsonSchema ?? {}) as { minimum?: number; maximum?: number };
  return { min: s.minimum, max: s.maximum };
}

export function graphWarnings(doc: GraphDoc, catalog: Catalog): Warning[] {
  const out: Warning[] = [];
  const byId = new Map(doc.nodes.map((n) => [n.id, n]));
  const titleOf = (id: string) => {
    const n = byId.get(id);
    return n ? (n.data.title ?? catalog.get(n.data.type)?.title ?? id) : id;
  };

  // the guidance scales a node's flag governs: its own and those of the nodes it feeds directly
  const scalesServed = (n: GraphDoc["nodes"][number]) => {
    const governed = [n.id, ...doc.edges.filter((e) => e.source === n.id).map((e) => e.target)].filter((id, i, all) => all.indexOf(id) === i);
    return governed
      .map((id) => ({ id, scale: byId.get(id)?.data.params[SCALE], mode: byId.get(id)?.data.mode }))
      .filter((s): s is { id: string; scale: number; mode: undefined } => typeof s.scale === "number" && !s.mode);
  };
  // whether some node guides: its flag on, serving a scale above 1
  const graphGuides = doc.nodes.some((n) => n.data.params[FLAG] === true && !n.data.mode && scalesServed(n).some((s) => s.scale > 1));

  for (const n of doc.nodes) {
    const decl = catalog.get(n.data.type);
    if (!decl) continue;
    // recommended ranges
    for (const p of decl.params) {
      const v = n.data.params[p.name];
      if (typeof v !== "number" || (p.min === undefined && p.max === undefined)) continue;
      const hard = hardRange(p);
      const outsideHard = (hard.min !== undefined && v < hard.min) || (hard.max !== undefined && v > hard.max);
      const outsideSoft = (p.min !== undefined && v < p.min) || (p.max !== undefined && v > p.max);
      if (outsideSoft && !outsideHard) {
        out.push({
          code: "outside_recommended",
          nodeId: n.id,
          param: p.name,
          message: `${p.label} ${v} is outside the recommended ${p.min ?? "…"}–${p.max ?? "…"}`,
        });
      }
    }
    // guidance flag against the scales it governs: its own and those of the nodes it feeds directly
    if (typeof n.data.params[FLAG] !== "boolean" || n.data.mode) continue;
    const on = n.data.params[FLAG];
    const scales = scalesServed(n);
    if (!scales.length) continue;
    if (!on) {
      for (const s of scales.filter((x) => x.scale > 1)) {
        const where = s.id === n.id ? "" : ` in ${titleOf(s.id)}`;
        const msg = `classifier-free guidance is off in ${titleOf(n.id)}, so the guidance scale ${s.scale}${where} has no effect`;
        out.push({ code: "guidance_mismatch", nodeId: n.id, param: FLAG, message: msg });
        if (s.id !== n.id) out.push({ code: "guidance_mismatch", nodeId: s.id, param: SCALE, message: msg });
      }
    } else if (scales.every((x) => x.scale <= 1) && !graphGuides) {
      out.push({
        code: "guidance_mismatch",
        nodeId: n.id,
        param: FLAG,
        message: `classifier-free guidance is on in ${titleOf(n.id)} but every guidance scale it serves is at most 1: the extra pass without the text is wasted`,
      });
    }
  }
  return out;
}
