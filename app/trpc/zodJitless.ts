/**
 * zod compiles object parsers with `new Function` when the page allows eval, and finds out by
 * trying once: under the editor's Content-Security-Policy (no 'unsafe-eval') that probe is itself
 * a reported CSP violation. Telling zod up front not to compile keeps the editor violation-free.
 */
import { z } from "zod";

z.config({ jitless: true });
