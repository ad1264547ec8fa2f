/**
 * Builds the evaluation sets of bench/multilingual-retrieval.ts, in squad-dev's layout
 * (src/eval/squad-set.ts), from the German translation in bench/data/squad-dev-de.json:
 *   de     German articles (each the German title and its translated paragraphs) and German questions
 *   de-en  the same German questions over squad-dev's 16 English articles (cross-lingual), gold
 *          spans those of squad-dev
 *   en     the original English questions over the English articles (the same questions' baseline)
 *   de+en  the German questions over a mixed collection: the German articles (named de-*.txt) beside
 *          the 16 English ones, whose 800 chunks are the distractors the small German set lacks
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { loadSquadSet, type SquadQuestion, type SquadSet } from '../src/eval/squad-set.ts';

const translationSchema = z.object({
  about: z.string(),
  paragraphs: z.array(
    z.object({
      doc: z.string(),
      paragraph: z.number().int(),
      title: z.string(),
      text: z.string(),
      questions: z.array(z.object({ id: z.string(), question: z.string(), answers: z.array(z.string()) })),
    }),
  ),
});
export type Translation = z.infer<typeof translationSchema>;

export async function loadTranslation(file: string): Promise<Translation> {
  const t = translationSchema.parse(JSON.parse(await fs.readFile(file, 'utf8')));
  for (const p of t.paragraphs) {
    for (const q of p.questions) {
      const missing = q.answers.filter((a) => !p.text.includes(a));
      if (missing.length > 0) throw new Error(`${file}: answer(s) of ${q.id} not in the German paragraph: ${missing.join(' | ')}`);
    }
  }
  return t;
}

async function writeSet(dir: string, docs: Map<string, string>, questions: SquadQuestion[]): Promise<SquadSet> {
  await fs.mkdir(path.join(dir, 'docs'), { recursive: true });
  for (const [name, text] of docs) await fs.writeFile(path.join(dir, 'docs', name), text);
  await fs.writeFile(path.join(dir, 'questions.jsonl'), questions.map((q) => JSON.stringify(q)).join('\n') + '\n');
  return loadSquadSet(dir);
}

/**
 * German articles and questions; each paragraph's span computed as the file is put together. With
 * `english`, the English articles join the collection and the German files are named de-*.txt.
 */
export async function germanSet(t: Translation, dir: string, english?: SquadSet): Promise<SquadSet> {
  const docs = new Map<string, string>();
  const questions: SquadQuestion[] = [];
  const prefix = english ? 'de-' : '';
  for (const p of t.paragraphs) {
    const doc = prefix + p.doc;
    const head = docs.get(doc) ?? `${p.title}\n\n`;
    const start = head.length;
    docs.set(doc, `${head}${p.text}\n\n`);
    for (const q of p.questions) {
      questions.push({ ...q, impossible: false, doc, paragraph: p.paragraph, span: [start, start + p.text.length] });
    }
  }
  for (const name of english?.docs ?? []) docs.set(name, await fs.readFile(path.join(english!.dir, 'docs', name), 'utf8'));
  return writeSet(dir, docs, questions);
}

/** The translated questions (language 'de') or the originals ('en') over the English articles. */
export async function englishDocsSet(t: Translation, english: SquadSet, language: 'de' | 'en', dir: string): Promise<SquadSet> {
  const byId = new Map(english.questions.map((q) => [q.id, q]));
  const questions = t.paragraphs.flatMap((p) =>
    p.questions.map((q) => {
      const original = byId.get(q.id);
      if (!original) throw new Error(`question ${q.id} is not in ${english.dir}`);
      // Gold span and answers stay squad-dev's: the answer is in the English article.
      return language === 'en' ? original : { ...original, question: q.question };
    }),
  );
  const docs = new Map<string, string>();
  for (const name of english.docs) docs.set(name, await fs.readFile(path.join(english.dir, 'docs', name), 'utf8'));
  return writeSet(dir, docs, questions);
}
