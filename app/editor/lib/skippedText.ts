/**
 * One line for the end of a run that skipped nodes: which were bypassed (and what stood in for
 * their outputs), which were muted, and which did not run because they need a muted node.
 */
import type { SkippedNode } from "../../../nodes/core/nodeModes";

export function skippedText(skipped: readonly SkippedNode[], titleOf: (id: string) => string): string {
  const parts: string[] = [];
  const bypassed = skipped.filter((s) => s.reason === "bypass");
  if (bypassed.length) {
    const each = bypassed.map((s) => {
      const via = Object.entries(s.via ?? {}).map(([port, from]) => (from ? `${port} ← ${titleOf(from.node)}.${from.port}` : `${port} ← nothing`));
      return via.length ? `${titleOf(s.nodeId)} (${via.join(", ")})` : titleOf(s.nodeId);
    });
    parts.push(`bypassed ${each.join("; ")}`);
  }
  const muted = skipped.filter((s) => s.reason === "mute").map((s) => titleOf(s.nodeId));
  if (muted.length) parts.push(`muted ${muted.join(", ")}`);
  const needing = skipped.filter((s) => s.reason === "muted-input").map((s) => titleOf(s.nodeId));
  if (needing.length) parts.push(`not run (need a muted node): ${needing.join(", ")}`);
  return parts.join(" · ");
}
