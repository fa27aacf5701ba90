import type { Metadata } from "next";
import Link from "next/link";
import { GLOSSARY } from "../../../nodes/core/glossary";
import { Markdown } from "../Markdown";

export const metadata: Metadata = { title: "Glossary · unCLIP Studio" };

/** Every symbol and term the teaching views use, from the one glossary module. */
export default function GlossaryPage() {
  return (
    <main className="mx-auto min-h-screen max-w-3xl bg-slate-950 px-6 py-8 text-slate-200">
      <nav className="mb-4 flex gap-4 text-[13px] text-sky-300">
        <Link href="/learn">Lessons</Link>
        <Link href="/">Editor</Link>
      </nav>
      <h1 className="text-2xl font-semibold text-slate-50">Glossary</h1>
      <p className="mt-1 text-[14px] text-slate-400">
        The symbols and terms of the teaching views. In the views, hover a dotted-underlined symbol for its definition.
      </p>
      <dl className="mt-6 space-y-4" data-testid="glossary">
        {GLOSSARY.map((e) => (
          <div key={e.id} id={e.id} className="rounded border border-slate-800 bg-slate-900 p-3" data-testid={`glossary-${e.id}`}>
            <dt className="text-[16px] font-semibold text-sky-200">
              {e.term}
              {e.aliases?.length ? <span className="ml-2 text-[12px] font-normal text-slate-500">also: {e.aliases.join(", ")}</span> : null}
            </dt>
            <dd className="mt-1 text-[14px] text-slate-300">{e.definition}</dd>
            {e.formula && (
              <dd className="mt-2 overflow-x-auto text-slate-100">
                <Markdown>{`$$\n${e.formula}\n$$`}</Markdown>
              </dd>
            )}
          </div>
        ))}
      </dl>
    </main>
  );
}
