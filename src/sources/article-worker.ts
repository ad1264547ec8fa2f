/**
 * Worker-thread entry for article-extractor.ts: reads the page file, writes the article (or nothing)
 * to the output file, and posts whether it did. Nothing here runs on the web's event loop.
 */
import fs from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { articleHtml } from './article-html.ts';

const { input, output, url } = workerData as { input: string; output: string; url: string };
const article = articleHtml(fs.readFileSync(input, 'utf8'), url);
if (article !== undefined) fs.writeFileSync(output, article);
parentPort?.postMessage({ article: article !== undefined });
