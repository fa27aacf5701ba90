/** Search over the node catalog for the add-node palette, optionally limited to nodes a dangling wire fits. */
import type { CatalogNode, PortType } from "../../../nodes/core/types";
import { compatiblePort } from "./ports";

/** A wire dropped on the canvas: from an output (needs a node with a matching input) or from an input. */
export interface DanglingWire {
  nodeId: string;
  handle: string;
  /** Which side of the existing node the wire starts from. */
  from: "output" | "input";
  type: PortType;
}

export interface PaletteEntry {
  decl: CatalogNode;
  /** The port of the new node the dangling wire will attach to. */
  port?: string;
}

function score(decl: CatalogNode, words: string[]): number {
  const title = decl.title.toLowerCase();
  const hay = `${title} ${decl.category.toLowerCase()} ${decl.type.toLowerCase()} ${decl.description.toLowerCase()}`;
  let total = 0;
  for (const w of words) {
    if (title.startsWith(w)) total += 8;
    else if (title.split(/\s+/).some((t) => t.startsWith(w))) total += 5;
    else if (title.includes(w)) total += 3;
    else if (hay.includes(w)) total += 1;
    else return -1;
  }
  return total;
}

export function searchCatalog(catalog: readonly CatalogNode[], query: string, wire?: DanglingWire | null): PaletteEntry[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  const entries: (PaletteEntry & { score: number; index: number })[] = [];
  catalog.forEach((decl, index) => {
    let port: string | undefined;
    if (wire) {
      const p = compatiblePort(decl, wire.from === "output" ? "input" : "output", wire.type);
      if (!p) return;
      port = p.name;
    }
    const s = words.length ? score(decl, words) : 0;
    if (s < 0) return;
    entries.push({ decl, port, score: s, index });
  });
  entries.sort((a, b) => b.score - a.score || a.index - b.index);
  return entries.map(({ decl, port }) => ({ decl, port }));
}
