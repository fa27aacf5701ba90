"use client";
import { useState, type FormEvent } from "react";
import { safeNext, signIn } from "../account/session";

export function LoginForm() {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    setBusy(true);
    setError(null);
    const text = (name: string) => {
      const v = form.get(name);
      return typeof v === "string" ? v : "";
    };
    const failed = await signIn(text("username"), text("password"));
    setBusy(false);
    if (failed) setError(failed);
    else window.location.assign(safeNext(new URLSearchParams(window.location.search).get("next")));
  }

  const field =
    "w-full rounded-md border border-slate-700 bg-slate-950 px-3 py-2 text-sm text-slate-100 outline-none focus-visible:border-sky-400 focus-visible:ring-2 focus-visible:ring-sky-400/40";
  return (
    <form onSubmit={(e) => void submit(e)} className="w-80 space-y-4 rounded-lg border border-slate-800 bg-slate-900 p-6" aria-label="Sign in">
      <h1 className="text-lg font-semibold text-sky-300">unCLIP Studio</h1>
      <label className="block space-y-1 text-sm text-slate-300">
        <span>Username</span>
        <input name="username" autoComplete="username" required maxLength={32} autoFocus className={field} />
      </label>
      <label className="block space-y-1 text-sm text-slate-300">
        <span>Password</span>
        <input name="password" type="password" autoComplete="current-password" required maxLength={128} className={field} />
      </label>
      {error && (
        <p role="alert" className="text-sm text-red-300">
          {error}
        </p>
      )}
      <button
        type="submit"
        disabled={busy}
        className="w-full rounded-md bg-sky-500 px-4 py-2 text-sm font-semibold text-slate-950 outline-none hover:bg-sky-400 focus-visible:ring-2 focus-visible:ring-sky-200 disabled:opacity-60"
      >
        Sign in
      </button>
    </form>
  );
}
