/**
 * What the web server does once at start, before the first request (called from
 * instrumentation.ts in the Node.js runtime only): refuse a bad environment or data directory with
 * one line, migrate the database, mark runs a dead process left "running" as interrupted, resume
 * the queue, and in class mode prepare the session secret and the account tables.
 */
import { getEnv } from "./env";
import { dataDirProblem } from "./startupChecks";

export async function startServer(): Promise<void> {
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
  const { getServices } = await import("./services");
  await getServices();
  if (env.authMode === "class") {
    const { getAuth } = await import("./auth/auth");
    await getAuth();
    console.log(`class mode: sign-in required (${env.host === "127.0.0.1" ? "UNCLIP_AUTH=on" : `HOST=${env.host}`})`);
  }
}
