export default function Home() {
  return (
    <main className="p-8">
      <h1 className="text-2xl font-semibold">unCLIP Studio</h1>
      <p className="mt-2 text-slate-400">The editor is loading…</p>
    </main>
  );
}
