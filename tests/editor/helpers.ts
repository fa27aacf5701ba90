import { catalog } from "../../nodes/registry";
import { templateByName } from "../../nodes/core/templates";
import { workflowToGraph } from "../../app/editor/lib/convert";
import { indexCatalog, type GraphDoc } from "../../app/editor/lib/types";

export const CATALOG_LIST = catalog();
export const CATALOG = indexCatalog(CATALOG_LIST);

export function textToImageGraph(): GraphDoc {
  return workflowToGraph(templateByName("Text to image")!, CATALOG);
}
