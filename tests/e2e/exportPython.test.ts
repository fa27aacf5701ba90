/**
 * Workflow → Export → Python (diffusers) in Chromium: the downloaded script calls UnCLIPPipeline
 * with what the canvas shows (parsed by Python's ast), and a graph with no diffusers equivalent
 * gets a notice naming its nodes instead of a file. Built app, real server, Debian's Chromium.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { browserSkipReason, node, openEditor, useAppAndBrowser } from "./browser";

const skip = browserSkipReason();
const suite = skip ? describe.skip : describe;

/** The keyword arguments of the script's `pipe(...)` call, as Python reads them. */
function callArguments(script: string): Record<string, unknown> {
  const parser = String.raw`
import ast, json, sys
call = next(n for n in ast.walk(ast.parse(sys.stdin.read())) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "pipe")
print(json.dumps({k.arg: (k.value.id if isinstance(k.value, ast.Name) else ast.literal_eval(k.value)) for k in call.keywords}))
`;
  return JSON.parse(execFileSync("python3", ["-c", parser], { input: script, encoding: "utf8" })) as Record<string, unknown>;
}

suite(`Export → Python (diffusers) in the browser${skip ? ` [skipped: ${skip}]` : ""}`, () => {
  const env = useAppAndBrowser();

  const menu = async (page: Page, label: string, item: string) => {
    await page.getByRole("button", { name: label, exact: true }).click();
    await page.getByRole("menuitem", { name: item, exact: true }).click();
  };

  it("downloads a script whose pipeline call carries the canvas's prompt, steps, guidance and seed", async () => {
    const page = await openEditor(env.browser, env.server.url);
    await node(page, "tokenizer").locator("textarea").fill("a small green triangle");
    await node(page, "decoder").locator('[data-param="guidanceScale"] input[type="number"]').fill("6.5");
    await node(page, "decoder").locator('[data-param="guidanceScale"] input[type="number"]').press("Tab");
    const [download] = await Promise.all([page.waitForEvent("download"), menu(page, "Workflow", "Export → Python (diffusers)")]);
    expect(download.suggestedFilename()).toMatch(/\.py$/);
    const script = readFileSync(await download.path(), "utf8");
    expect(script).toContain("from diffusers import UnCLIPPipeline");
    expect(callArguments(script)).toEqual({
      prompt: "a small green triangle",
      num_images_per_prompt: 1,
      prior_num_inference_steps: 25,
      decoder_num_inference_steps: 25,
      super_res_num_inference_steps: 7,
      prior_guidance_scale: 1, // the default toy package's own (its _pipeline_defaults), which the template starts from
      decoder_guidance_scale: 6.5,
      generator: "generator",
    });
    await page.close();
  });

  it("names the nodes with no diffusers equivalent instead of writing a file", async () => {
    const page = await openEditor(env.browser, env.server.url);
    await menu(page, "Templates", "Prompt interpolation");
    await page
      .getByRole("dialog")
      .getByRole("button", { name: "Discard" })
      .click({ timeout: 2000 })
      .catch(() => undefined);
    await page.locator('[data-testid="node-interpolate"]').waitFor();
    let downloaded = false;
    page.on("download", () => (downloaded = true));
    await menu(page, "Workflow", "Export → Python (diffusers)");
    await expect.poll(() => page.getByTestId("notices").textContent()).toMatch(/\(interpolate\) has no diffusers equivalent/);
    expect(downloaded).toBe(false);
    await page.close();
  });
});
