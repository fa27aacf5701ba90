/**
 * Every symbol and term the teaching views and lessons use, defined once: /learn/glossary lists
 * them and the views show a definition when a symbol is hovered (app/editor/teach/Term.tsx).
 * Browser-safe data; `symbol` is how the views write it, `formula` (KaTeX) is optional.
 */
export interface GlossaryEntry {
  id: string;
  /** How the term is written in the views: "ᾱ_t", "guidance scale". */
  term: string;
  /** Other spellings the views use, for the lookup by text. */
  aliases?: string[];
  /** One or two plain sentences (shown on hover, so no Markdown). */
  definition: string;
  /** A formula in TeX, shown on the glossary page. */
  formula?: string;
}

export const GLOSSARY: readonly GlossaryEntry[] = [
  {
    id: "alpha-bar",
    term: "ᾱ_t",
    aliases: ["ᾱ", "alpha bar", "alphas_cumprod"],
    definition:
      "How much of the clean signal is left at timestep t: the product of (1 − β) over all steps up to t. 1 at t = 0 (clean), near 0 at the last timestep (almost pure noise).",
    formula: String.raw`\bar\alpha_t = \prod_{s \le t} (1 - \beta_s),\quad x_t = \sqrt{\bar\alpha_t}\,x_0 + \sqrt{1-\bar\alpha_t}\,\varepsilon`,
  },
  {
    id: "beta",
    term: "β_t",
    aliases: ["β", "beta"],
    definition:
      "The variance of the noise added by the single forward step from t − 1 to t. The noise schedule is the list of β_t over the training timesteps.",
    formula: String.raw`q(x_t \mid x_{t-1}) = \mathcal N\!\left(\sqrt{1-\beta_t}\,x_{t-1},\ \beta_t I\right)`,
  },
  {
    id: "beta-tilde",
    term: "β̃_t",
    aliases: ["β̃", "beta tilde", "posterior variance"],
    definition:
      "The variance of the true reverse step when x₀ is known (the posterior variance). It is a little smaller than β_t; a sampler adds noise of a variance between β̃_t and β_t at each step.",
    formula: String.raw`\tilde\beta_t = \frac{1-\bar\alpha_{t-1}}{1-\bar\alpha_t}\,\beta_t`,
  },
  {
    id: "sigma",
    term: "σ_t",
    aliases: ["σ", "sigma"],
    definition: "The standard deviation of the fresh noise a sampling step adds: σ_t = √(variance), e.g. √β̃_t. It is 0 on the last step.",
    formula: String.raw`x_{t-1} = a_t\,\hat x_0 + b_t\,x_t + \sigma_t z,\quad z \sim \mathcal N(0, I)`,
  },
  {
    id: "step-coefficients",
    term: "a_t, b_t",
    aliases: ["a_t", "b_t", "z"],
    definition:
      "The weights of one sampling step: the next sample mixes the predicted clean image (a_t) and the current sample (b_t), plus fresh noise z scaled by σ_t. The scheduler computes them from ᾱ.",
    formula: String.raw`a_t = \frac{\sqrt{\bar\alpha_{t-1}}\,\beta_t}{1-\bar\alpha_t},\quad b_t = \frac{\sqrt{1-\beta_t}\,(1-\bar\alpha_{t-1})}{1-\bar\alpha_t}`,
  },
  {
    id: "epsilon",
    term: "ε",
    aliases: ["epsilon", "noise"],
    definition: "Gaussian noise (mean 0, variance 1 per value): what is mixed into a clean image to make x_t in training.",
  },
  {
    id: "epsilon-hat",
    term: "ε̂",
    aliases: ["ε̂_θ", "predicted noise", "epsilon hat"],
    definition: "The noise the model predicts is in x_t. From it the sampler computes the predicted clean image x̂₀ and the next sample.",
    formula: String.raw`\hat\varepsilon = \varepsilon_\theta(x_t, t, c)`,
  },
  {
    id: "x-t",
    term: "x_t",
    aliases: ["sample", "noisy sample"],
    definition: "The noisy sample at timestep t: what the sampler holds between steps. It starts as pure noise and ends as the picture (or embedding).",
  },
  {
    id: "x-0",
    term: "x₀",
    aliases: ["x̂₀", "x0", "predicted x0", "predicted clean image"],
    definition:
      "The clean image (or embedding) with no noise. x̂₀ is the model's current guess of it, computed from x_t and ε̂; early guesses are blurry averages, later ones sharp.",
    formula: String.raw`\hat x_0 = \frac{x_t - \sqrt{1-\bar\alpha_t}\,\hat\varepsilon}{\sqrt{\bar\alpha_t}}`,
  },
  {
    id: "timestep",
    term: "timestep",
    aliases: ["t"],
    definition:
      "The position t in the noise schedule, from 0 (clean) to the last training timestep (999, pure noise). A sampler visits a few of them, from high to low.",
  },
  {
    id: "noise-schedule",
    term: "noise schedule",
    aliases: ["schedule", "squaredcos_cap_v2", "cosine schedule"],
    definition: "The list of β_t (and so ᾱ_t) over the training timesteps: how fast noise is added. unCLIP uses the cosine schedule (squaredcos_cap_v2).",
  },
  {
    id: "variance",
    term: "variance / learned_range",
    aliases: ["learned_range", "learned variance", "variance type", "fixed_small_log"],
    definition:
      "How much noise a step adds. fixed_small_log uses β̃_t; learned_range lets the model choose, per value, a point between β̃_t (0) and β_t (1) in log space — the learned variance fraction.",
    formula: String.raw`\log\sigma_t^2 = v \log\beta_t + (1-v)\log\tilde\beta_t`,
  },
  {
    id: "cfg",
    term: "classifier-free guidance",
    aliases: ["guidance", "CFG", "guided"],
    definition:
      "Running the model twice per step, with and without the conditioning, and pushing the result away from the unconditional prediction: guided = uncond + s · (cond − uncond).",
    formula: String.raw`\hat\varepsilon = \hat\varepsilon_u + s\,(\hat\varepsilon_c - \hat\varepsilon_u)`,
  },
  {
    id: "guidance-scale",
    term: "guidance scale",
    aliases: ["s", "scale"],
    definition:
      "The s in classifier-free guidance. 0 gives the unconditional prediction, 1 the conditional one, above 1 exaggerates what the prompt adds (sharper, truer to the prompt, less varied).",
  },
  {
    id: "conditional",
    term: "conditional",
    aliases: ["cond", "c", "ε_c"],
    definition: "The model's prediction given the conditioning (the prompt's embeddings): the 'with the prompt' half of classifier-free guidance.",
  },
  {
    id: "unconditional",
    term: "unconditional",
    aliases: ["uncond", "u", "ε_u"],
    definition:
      "The model's prediction with an empty conditioning (the empty prompt, a zero image embedding): the 'without the prompt' half of classifier-free guidance.",
  },
  {
    id: "cond-minus-uncond",
    term: "cond − uncond",
    aliases: ["difference"],
    definition: "The conditional minus the unconditional prediction: what the prompt adds at this step. Guidance multiplies it by the scale.",
  },
  {
    id: "clip-text-embedding",
    term: "CLIP text embedding",
    aliases: ["text embedding", "z_t"],
    definition:
      "The vector the CLIP text encoder makes from a prompt's tokens (one per prompt, plus one hidden state per token). Sentences with similar meaning get nearby vectors.",
  },
  {
    id: "clip-image-embedding",
    term: "CLIP image embedding",
    aliases: ["image embedding", "z_i"],
    definition:
      "The vector CLIP's image encoder makes from a picture, in the same space as text embeddings. The prior predicts one from text; variations read it off a picture.",
  },
  {
    id: "prior",
    term: "prior",
    definition:
      "A diffusion model over CLIP space: from the text embedding (and token states) it samples a CLIP image embedding of one picture the prompt could describe.",
  },
  {
    id: "text-proj",
    term: "text_proj",
    aliases: ["text proj", "Text Proj"],
    definition:
      "unCLIP's projection that turns the image embedding and the text embedding into the decoder's conditioning: extra tokens for its attention and an addition to its timestep embedding.",
  },
  {
    id: "decoder",
    term: "decoder",
    definition:
      "The diffusion UNet that paints the small picture (64 px in Karlo, 32 px in the toy model) from noise, conditioned on the image embedding through text_proj.",
  },
  {
    id: "super-resolution",
    term: "super-resolution",
    aliases: ["super-res", "super_res_first", "super_res_last"],
    definition:
      "A second diffusion model that paints the large picture conditioned on the small one upscaled. super_res_first runs every step but the last; super_res_last runs only the last.",
  },
  {
    id: "scheduler",
    term: "scheduler",
    definition:
      "The rule that turns the model's prediction at one timestep into the sample at the next (here unCLIP's scheduler), and chooses which timesteps to visit.",
  },
  {
    id: "latents",
    term: "latents",
    aliases: ["starting noise"],
    definition: "The noise a sampler starts from (x_T), drawn from the seed. The same latents with the same settings give the same picture.",
  },
  {
    id: "seed",
    term: "seed",
    definition:
      "The number that fixes the random noise (starting latents and each step's fresh noise). Same seed, same picture; another seed, another picture of the same prompt.",
  },
];

/** The terms issue #23 asks to be defined (tests check each has an entry). */
export const REQUIRED_TERMS = [
  "ᾱ",
  "β",
  "β̃",
  "σ",
  "ε",
  "ε̂",
  "x_t",
  "x₀",
  "timestep",
  "noise schedule",
  "learned_range",
  "classifier-free guidance",
  "guidance scale",
  "conditional",
  "unconditional",
  "CLIP text embedding",
  "CLIP image embedding",
  "prior",
  "text_proj",
  "decoder",
  "super-resolution",
  "scheduler",
  "latents",
  "seed",
] as const;

/** The entry for a term, by id, term or alias (exact match first, then case-insensitive). */
export function glossaryEntry(key: string): GlossaryEntry | undefined {
  const exact = GLOSSARY.find((e) => e.id === key || e.term === key || e.aliases?.includes(key));
  if (exact) return exact;
  const k = key.toLowerCase();
  return GLOSSARY.find((e) => e.term.toLowerCase() === k || e.aliases?.some((a) => a.toLowerCase() === k));
}
