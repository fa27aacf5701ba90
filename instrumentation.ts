/**
 * Runs once when the server starts: migrate the database, mark runs a dead process left
 * "running" as interrupted, and resume the queue — before the first request arrives.
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { getServices } = await import("./server/services");
  await getServices();
}
