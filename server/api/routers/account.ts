/**
 * The signed-in person (the toolbar's name, the menu's sign-out) and, for teachers, the class:
 * its accounts, adding students in bulk with one-time passwords, resetting and removing.
 * Sign-in itself is Better Auth's, under /api/auth.
 */
import { z } from "zod";
import { InputError } from "../../errors";
import { addStudents, generatePassword, listUsers, removeUser, setPassword, Username } from "../../auth/users";
import { publicProcedure, router, teacherProcedure } from "../trpc";
import type { Context } from "../trpc";

function classModeOnly(ctx: Context): void {
  if (ctx.services.env.authMode !== "class") {
    throw new InputError("personal_mode", "there are no accounts in personal mode (start with UNCLIP_AUTH=on or a network HOST)");
  }
}

export const accountRouter = router({
  /** Open to everyone: the mode, and who is signed in (null when nobody is). */
  me: publicProcedure.query(({ ctx }) => ({
    mode: ctx.services.env.authMode,
    user: ctx.viewer ? { id: ctx.viewer.id, name: ctx.viewer.name, role: ctx.viewer.role } : null,
  })),
  users: teacherProcedure.query(async ({ ctx }) => {
    classModeOnly(ctx);
    return (await listUsers()).map(({ username, role, createdAt, sessions }) => ({ username, role, createdAt, sessions }));
  }),
  /** Names pasted one per line (or comma-separated); each student gets a password shown once. */
  addStudents: teacherProcedure.input(z.object({ names: z.string().max(20_000) })).mutation(({ ctx, input }) => {
    classModeOnly(ctx);
    return addStudents(input.names.split(/[\n,]/));
  }),
  resetPassword: teacherProcedure.input(z.object({ username: Username })).mutation(async ({ ctx, input }) => {
    classModeOnly(ctx);
    const password = generatePassword();
    await setPassword(input.username, password);
    return { username: input.username, password };
  }),
  removeUser: teacherProcedure.input(z.object({ username: Username })).mutation(async ({ ctx, input }) => {
    classModeOnly(ctx);
    if (input.username === ctx.viewer?.name) throw new InputError("bad_user", "you cannot remove yourself", { parameter: "username" });
    await removeUser(input.username);
    return { removed: input.username };
  }),
});
