"use client";
/**
 * The teacher's Class page: the accounts, students added in bulk (pasted names → one-time
 * passwords to print), a password reset and removal. Students get 403 from every call here.
 */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { errorMessage, useTRPC } from "../trpc/client";

const BUTTON = "rounded-md border border-slate-700 px-2.5 py-1 text-sm text-slate-200 hover:bg-slate-800 disabled:opacity-50";

export function ClassPage() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const users = useQuery(trpc.account.users.queryOptions());
  const [names, setNames] = useState("");
  const [issued, setIssued] = useState<{ username: string; password: string }[]>([]);
  const [error, setError] = useState<string | null>(null);
  const refresh = () => void queryClient.invalidateQueries({ queryKey: trpc.account.users.queryKey() });
  const onError = (err: unknown) => setError(errorMessage(err));
  const add = useMutation(
    trpc.account.addStudents.mutationOptions({
      onSuccess: (made) => {
        setIssued(made);
        setNames("");
        setError(null);
        refresh();
      },
      onError,
    }),
  );
  const reset = useMutation(trpc.account.resetPassword.mutationOptions({ onSuccess: (r) => setIssued([r]), onError }));
  const remove = useMutation(trpc.account.removeUser.mutationOptions({ onSuccess: refresh, onError }));

  return (
    <main className="mx-auto max-w-3xl space-y-6 p-6 text-slate-200">
      <header className="flex items-center justify-between">
        <h1 className="text-xl font-semibold text-sky-300">Class</h1>
        <Link href="/" className={BUTTON}>
          Back to the editor
        </Link>
      </header>
      {error && (
        <p role="alert" className="text-sm text-red-300">
          {error}
        </p>
      )}
      <section className="space-y-2">
        <h2 className="font-semibold">Add students</h2>
        <label className="block text-sm text-slate-400">
          Usernames, one per line (or separated by commas)
          <textarea
            value={names}
            onChange={(e) => setNames(e.target.value)}
            rows={5}
            className="mt-1 w-full rounded-md border border-slate-700 bg-slate-950 p-2 font-mono text-sm text-slate-100"
          />
        </label>
        <button type="button" className={BUTTON} disabled={add.isPending || names.trim() === ""} onClick={() => add.mutate({ names })}>
          Add students
        </button>
      </section>
      {issued.length > 0 && (
        <section className="space-y-2 rounded-md border border-amber-700/60 bg-amber-950/20 p-3">
          <h2 className="font-semibold">Passwords to hand out (shown once)</h2>
          <table className="w-full text-sm" aria-label="One-time passwords">
            <tbody>
              {issued.map((u) => (
                <tr key={u.username}>
                  <td className="py-0.5 pr-4">{u.username}</td>
                  <td className="font-mono">{u.password}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <button type="button" className={BUTTON} onClick={() => window.print()}>
            Print
          </button>
        </section>
      )}
      <section className="space-y-2">
        <h2 className="font-semibold">Accounts</h2>
        <table className="w-full text-sm" aria-label="Accounts">
          <tbody>
            {(users.data ?? []).map((u) => (
              <tr key={u.username} className="border-t border-slate-800" data-user={u.username}>
                <td className="py-1 pr-4">{u.username}</td>
                <td className="pr-4 text-slate-400">{u.role}</td>
                <td className="pr-4 text-slate-500">
                  {u.sessions} session{u.sessions === 1 ? "" : "s"}
                </td>
                <td className="flex justify-end gap-1 py-1">
                  <button type="button" className={BUTTON} onClick={() => reset.mutate({ username: u.username })}>
                    Reset password
                  </button>
                  {u.role === "student" && (
                    <button
                      type="button"
                      className={BUTTON}
                      onClick={() => {
                        if (window.confirm(`Remove ${u.username}? Their sessions end; their work stays.`)) remove.mutate({ username: u.username });
                      }}
                    >
                      Remove
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </main>
  );
}
