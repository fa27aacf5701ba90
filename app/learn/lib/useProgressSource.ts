"use client";
/**
 * Decides where lesson progress lives for this page (app/learn/lib/progress.ts): on the server
 * for a signed-in user when accounts exist (class mode), in the browser otherwise.
 */
import { useQuery } from "@tanstack/react-query";
import { useEffect } from "react";
import { useTRPC, useTRPCClient } from "../../trpc/client";
import { keepProgressInBrowser, keepProgressOnServer, type LessonProgress } from "./progress";

export function useProgressSource(): void {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const me = useQuery(trpc.account.me.queryOptions());
  const signedIn = me.data?.mode === "class" && me.data.user !== null;
  // read once per page: afterwards the page's own saves are the newer truth
  const stored = useQuery({ ...trpc.lessons.progress.queryOptions(), enabled: signedIn, staleTime: Infinity, refetchOnWindowFocus: false });
  const failed = me.isError;
  const personal = me.data !== undefined && !signedIn;
  const data = stored.data;
  const storedFailed = stored.isError;
  useEffect(() => {
    if (failed || personal) {
      keepProgressInBrowser();
      return;
    }
    if (!signedIn || (!data && !storedFailed)) return;
    const all: Record<string, LessonProgress> = {};
    for (const [id, p] of Object.entries(data ?? {})) all[id] = { step: p.step, furthest: p.furthest, done: p.done, answers: p.answers };
    keepProgressOnServer(all, {
      save: (lessonId, p) => client.lessons.saveProgress.mutate({ lessonId, step: p.step, furthest: p.furthest, done: p.done, answers: p.answers }),
      reset: (lessonId) => client.lessons.resetProgress.mutate({ lessonId }),
    });
  }, [client, data, failed, personal, signedIn, storedFailed]);
}
