// The noise thread's entry file (noisePrefetch.ts starts a Worker on it). As for the executor
// thread's boot.mjs: a Worker needs a file Node loads by itself, so this registers tsx's loader
// and then loads the thread's module from the sources.
import { register } from "tsx/esm/api";

register();
await import("./noiseWorker.ts");
