// The executor thread's entry file (executorThread.ts starts a Worker on it). A Worker needs a
// file Node can load by itself: the server's TypeScript modules are not (and under `next start`
// they are not in the bundle either), so this registers tsx's loader, as bin/unclip.mjs does for
// the CLI, and then loads the thread's real main module from the sources.
import { register } from "tsx/esm/api";

register();
await import("./thread.ts");
