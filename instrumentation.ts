/**
 * Runs once when the server starts: migrate the database, mark runs a dead process left
 * "running" as interrupted, and resume the queue — before the first request arrives.
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { getEnv } = await import("./server/env");
  const { dataDirProblem } = await import("./server/startupChecks");
  let env: ReturnType<typeof getEnv>;
  try {
    env = getEnv(); // e.g. UNCLIP_AUTH=off with a network HOST is refused here
  } catch (err) {
    console.error(`unclip: ${(err as Error).message}`);
    process.exit(1);
  }
  const problem = dataDirProblem(env);
  if (problem) {
    // one line, then stop: serving requests that can only fail would be worse
    console.error(problem);
    process.exit(1);
  }
  const { getServices } = await import("./server/services");
  await getServices();
  if (env.authMode === "class") {
    // the session secret is made (or read) and the account tables checked before the first sign-in
    const { getAuth } = await import("./server/auth/auth");
    await getAuth();
    console.log(`class mode: sign-in required (${env.host === "127.0.0.1" ? "UNCLIP_AUTH=on" : `HOST=${env.host}`})`);
  }
}
