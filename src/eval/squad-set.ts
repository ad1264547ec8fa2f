/**
 * The squad-dev evaluation set (../shared/eval/squad-dev, see its README): one plain-text
 * document per article in `docs/`, and `questions.jsonl`, one question a line with its gold
 * document and the [start, end) character span of the gold paragraph in that file.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';

export const squadQuestionSchema = z.object({
  id: z.string(),
  question: z.string().min(1),
  answers: z.array(z.string()),
  impossible: z.boolean(),
  doc: z.string(),
  paragraph: z.number().int(),
  span: z.tuple([z.number().int(), z.number().int()]),
});
export type SquadQuestion = z.infer<typeof squadQuestionSchema>;

export interface SquadSet {
  dir: string;
  /** File names in docs/, sorted. */
  docs: string[];
  questions: SquadQuestion[];
}

export async function loadSquadSet(dir: string): Promise<SquadSet> {
  const docs = (await fs.readdir(path.join(dir, 'docs'))).filter((f) => f.endsWith('.txt')).sort();
  const lines = (await fs.readFile(path.join(dir, 'questions.jsonl'), 'utf8')).split('\n').filter((l) => l.trim() !== '');
  const questions = lines.map((line, i) => {
    const parsed = squadQuestionSchema.safeParse(JSON.parse(line));
    if (!parsed.success) throw new Error(`questions.jsonl line ${i + 1}: ${parsed.error.issues.map((x) => `${x.path.join('.')}: ${x.message}`).join('; ')}`);
    return parsed.data;
  });
  return { dir, docs, questions };
}

/**
 * The questions to ask: the answerable ones, every `every`-th of them (a fixed, deterministic
 * sample), at most `limit`.
 */
export function pickQuestions(all: SquadQuestion[], opts: { every: number; limit: number | undefined }): SquadQuestion[] {
  const answerable = all.filter((q) => !q.impossible);
  const sampled = answerable.filter((_, i) => i % opts.every === 0);
  return opts.limit === undefined ? sampled : sampled.slice(0, opts.limit);
}
