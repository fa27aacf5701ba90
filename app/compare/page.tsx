import type { Metadata } from "next";
import { ApiProvider } from "../trpc/client";
import { Compare } from "./Compare";

export const metadata: Metadata = { title: "Compare · unCLIP Studio" };

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

/** Two images side by side and under a slider, with what differs between their workflows (?a=<image id>&b=<image id>). */
export default async function ComparePage({ searchParams }: Props) {
  const q = await searchParams;
  const one = (v: string | string[] | undefined) => (typeof v === "string" ? v : "");
  return (
    <ApiProvider>
      <Compare a={one(q.a)} b={one(q.b)} />
    </ApiProvider>
  );
}
