/**
 * Runs once when the server starts: migrate the database, mark runs a dead process left
 * "running" as interrupted, and resume the queue — before the first request arrives.
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { getEnv } = await import("./server/env");
  const { dataDirProblem } = await import("./server/startupChecks");
  const problem = dataDirProblem(getEnv());
  if (problem) {
    // one line, then stop: serving requests that can only fail would be worse
    console.error(problem);
    process.exit(1);
  }
  const { getServices } = await import("./server/services");
  await getServices();
}
