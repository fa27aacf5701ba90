/**
 * What the executor needs, put together over the node library: the registry, a byte-bounded
 * output cache and the model host. The server (server/services.ts) stores images in the database;
 * the headless `unclip run` writes them into a folder. Nothing here touches the database.
 */
import { NODE_IMPLEMENTATIONS } from "../nodes/registry";
import { summarizeValue } from "../nodes/engine/inspectValue";
import { valueBytes } from "../nodes/engine/values";
import { OutputCache } from "./graph/cache";
import type { ExecutorServices } from "./graph/executor";
import { ModelHost } from "./graph/modelHost";
import { createRegistry } from "./graph/registry";
import { DEVICES, type Device } from "./runtime/device";

const DEFAULT_CACHE_MB = 1024;

/** UNCLIP_CACHE_MB (default 1024); anything that is not a number ≥ 0 means the default. */
export function cacheLimitBytes(env: Record<string, string | undefined> = process.env): number {
  const text = env.UNCLIP_CACHE_MB?.trim();
  const mb = text ? Number(text) : DEFAULT_CACHE_MB;
  return (Number.isFinite(mb) && mb >= 0 ? mb : DEFAULT_CACHE_MB) * 1024 * 1024;
}

/** UNCLIP_DEVICE when it names a device, else "auto". */
export function deviceFromEnv(env: Record<string, string | undefined> = process.env): Device {
  const d = env.UNCLIP_DEVICE?.trim() as Device | undefined;
  return d && DEVICES.includes(d) ? d : "auto";
}

export interface ExecutorServicesOptions {
  modelsDir: string;
  device?: Device;
  cacheBytes?: number;
  readUpload: ExecutorServices["readUpload"];
  saveImage: ExecutorServices["saveImage"];
  saveTrace?: ExecutorServices["saveTrace"];
}

export function createExecutorServices(o: ExecutorServicesOptions): ExecutorServices {
  return {
    registry: createRegistry(NODE_IMPLEMENTATIONS),
    cache: new OutputCache(o.cacheBytes ?? cacheLimitBytes()),
    models: new ModelHost(o.modelsDir, o.device ?? deviceFromEnv()),
    modelsDir: o.modelsDir,
    valueBytes,
    summarizeValue,
    readUpload: o.readUpload,
    saveImage: o.saveImage,
    saveTrace: o.saveTrace,
  };
}
