/**
 * The database as the API sees it: the repositories of workflows, runs and artifacts, handed to
 * every procedure in the tRPC context (`ctx.db`), so no router reaches for a global client.
 */
import * as artifacts from "./artifacts";
import * as runs from "./runs";
import * as workflows from "./workflows";

export const repositories = { workflows, runs, artifacts };
export type Repositories = typeof repositories;
