/** Readable, unique node and link ids ("prior_2", "l17"): they appear in error messages. */
export function uniqueId(base: string, taken: ReadonlySet<string>): string {
  const stem = base.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 40) || "node";
  if (!taken.has(stem)) return stem;
  for (let i = 2; ; i++) {
    const id = `${stem}_${i}`;
    if (!taken.has(id)) return id;
  }
}

/** A short id stem for a node type: "unclip.text_encoder" → "text_encoder". */
export function idStem(nodeType: string): string {
  return nodeType.split(".").pop() || "node";
}

export function nextLinkId(taken: ReadonlySet<string>): string {
  let i = taken.size + 1;
  while (taken.has(`l${i}`)) i++;
  return `l${i}`;
}
