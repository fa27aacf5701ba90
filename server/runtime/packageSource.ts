/**
 * Which diffusers model a package was made from, for "Export → Python (diffusers)": the hub id in
 * model_index.json's `_name_or_path`, where diffusers keeps it. A local path (or anything else)
 * says nothing another machine could load, so it counts as unknown. python/'s exporter scrubs the
 * key, so its packages are unknown and the exported script gets a placeholder.
 */
const HUB_ID = /^[\w.-]+\/[\w.-]+$/;

export function packageSource(index: Record<string, unknown>): string | null {
  const v = index._name_or_path;
  return typeof v === "string" && HUB_ID.test(v) ? v : null;
}
