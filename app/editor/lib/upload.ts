/** Upload a picture for an image parameter; answers the stored name (the server's content hash). */
export async function uploadImage(file: File): Promise<string> {
  const form = new FormData();
  form.append("file", file);
  const res = await fetch("/api/uploads", { method: "POST", body: form });
  const body = (await res.json().catch(() => ({}))) as { name?: string; error?: string };
  if (!res.ok || !body.name) throw new Error(body.error ?? `upload failed (${res.status})`);
  return body.name;
}
