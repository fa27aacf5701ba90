/**
 * Next calls register() once when the server starts. The work is Node-only (files, database,
 * ONNX), so it lives in server/startup.ts, imported only in the Node.js runtime.
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME === "nodejs") {
    const { startServer } = await import("./server/startup");
    await startServer();
  }
}
