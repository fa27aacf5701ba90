"use client";
import { useMemo } from "react";
import { graphWarnings, type Warning } from "./lib/warnings";
import { useGraph } from "./state/graphStore";

/** The graph's current warnings (recomputed when the graph changes; cheap for graphs of this size). */
export function useWarnings(): Warning[] {
  const nodes = useGraph((s) => s.nodes);
  const edges = useGraph((s) => s.edges);
  const catalog = useGraph((s) => s.catalog);
  // positions and selection change nodes too; the warnings depend only on data, so key on that
  const dataKey = useMemo(() => nodes.map((n) => n.data), [nodes]);
  return useMemo(() => graphWarnings({ nodes, edges }, catalog), [dataKey, edges, catalog]); // eslint-disable-line react-hooks/exhaustive-deps -- `nodes` enters through dataKey
}
