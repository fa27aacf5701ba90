"use client";
/** Lesson text: Markdown with $inline$ and $$display$$ formulas (KaTeX). No raw HTML is rendered. */
import ReactMarkdown from "react-markdown";
import rehypeKatex from "rehype-katex";
import remarkMath from "remark-math";
import "katex/dist/katex.min.css";

export function Markdown({ children }: { children: string }) {
  return (
    <div className="lesson-markdown space-y-2 text-[13px] leading-relaxed [&_a]:text-sky-300 [&_a]:underline [&_code]:font-mono [&_em]:italic [&_li]:ml-4 [&_ol]:list-decimal [&_strong]:font-semibold [&_ul]:list-disc">
      <ReactMarkdown remarkPlugins={[remarkMath]} rehypePlugins={[rehypeKatex]}>
        {children}
      </ReactMarkdown>
    </div>
  );
}
