"use client";
/**
 * Files dropped on the canvas do what the place they land on says: an image dropped on a node
 * with an image parameter becomes that parameter (one undo step); a PNG that carries a workflow
 * (or a workflow JSON file) opens in a new tab, leaving the current workflow as it was, and any
 * other image becomes a new image-loading node there.
 */
import { workflowTextFromPng } from "./lib/pngText";
import { uploadImage } from "./lib/upload";
import { useGraph } from "./state/graphStore";
import { useUi } from "./state/uiStore";

const IMAGE_TYPES = ["image/png", "image/jpeg", "image/webp"];

/** The node type to create for a loose picture: the first with an image parameter and no inputs. */
function imageNodeType(): { type: string; param: string } | null {
  for (const decl of useGraph.getState().catalog.values()) {
    const p = decl.params.find((x) => x.widget === "image");
    if (p && decl.inputs.length === 0) return { type: decl.type, param: p.name };
  }
  return null;
}

export async function dropFiles(
  files: File[],
  on: { nodeId: string | null; at: { x: number; y: number } },
  openFile: (file: File, how: { newTab: boolean }) => Promise<boolean>,
): Promise<void> {
  const file = files[0];
  if (!file) return;
  const notify = (text: string, tone: "error" | "success") => useUi.getState().notify(text, tone);
  const isImage = IMAGE_TYPES.includes(file.type);
  const g = useGraph.getState();
  const node = on.nodeId ? g.nodes.find((n) => n.id === on.nodeId) : undefined;
  const imageParam = node && g.catalog.get(node.data.type)?.params.find((p) => p.widget === "image");
  try {
    if (node && imageParam && isImage) {
      const name = await uploadImage(file);
      useGraph.getState().setParam(node.id, imageParam.name, name);
      return notify(`${file.name} is now the image of ${node.data.title ?? g.catalog.get(node.data.type)?.title ?? node.id}`, "success");
    }
    if (isImage) {
      const png = file.type === "image/png" && workflowTextFromPng(new Uint8Array(await file.arrayBuffer())) !== null;
      if (!png) {
        const target = imageNodeType();
        if (!target) return notify("No node type here loads images.", "error");
        const name = await uploadImage(file);
        const id = useGraph.getState().addNode(target.type, on.at);
        // the new node and its picture: two steps, so undo first clears the picture, then the node
        if (id) useGraph.getState().setParam(id, target.param, name);
        return;
      }
    }
    await openFile(file, { newTab: true });
  } catch (err) {
    notify(`${file.name}: ${(err as Error).message}`, "error");
  }
}
