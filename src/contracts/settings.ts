/**
 * Sampling and retrieval settings a person chooses for an answer. The ranges are part of the
 * product: the API answers 400 naming the field and its range when a value falls outside.
 */
import { z } from 'zod';

export const SETTING_RANGES = {
  temperature: { min: 0, max: 2, default: 0.2, help: 'Randomness of word choice: 0 always picks the likeliest word, higher is more varied.' },
  topK: { min: 1, max: 100, default: 40, help: 'Only the K likeliest next words are considered.' },
  topP: { min: 0, max: 1, default: 0.9, help: 'Only the likeliest words whose probabilities add up to P are considered.' },
  maxTokens: { min: 1, max: 2048, default: 256, help: 'Longest answer, in tokens (about 3/4 of a word each).' },
  k: { min: 1, max: 20, default: 4, help: 'How many passages from your documents the answer is based on.' },
  repeatPenalty: { min: 1, max: 2, default: 1.1, help: 'Discourages repeating the same words; 1 means off.' },
} as const;

const ranged = (name: keyof typeof SETTING_RANGES, integer: boolean) => {
  const r = SETTING_RANGES[name];
  const base = z.number({ invalid_type_error: `${name} must be a number` });
  const n = integer ? base.int(`${name} must be a whole number`) : base;
  return n
    .min(r.min, `${name} must be between ${r.min} and ${r.max}`)
    .max(r.max, `${name} must be between ${r.min} and ${r.max}`)
    .default(r.default);
};

export const settingsSchema = z
  .object({
    temperature: ranged('temperature', false),
    topK: ranged('topK', true),
    topP: ranged('topP', false),
    maxTokens: ranged('maxTokens', true),
    k: ranged('k', true),
    repeatPenalty: ranged('repeatPenalty', false),
    seed: z.number().int('seed must be a whole number').min(0).max(2 ** 32 - 1).optional(),
  })
  .strict();

export type Settings = z.infer<typeof settingsSchema>;

export const DEFAULT_SETTINGS: Settings = settingsSchema.parse({});
