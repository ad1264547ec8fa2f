/** Entrypoint: an answer worker (retrieval + generation), a competing consumer of answer.requests. */
import { startAnswerWorker } from '../app/roles/answer-worker.ts';
import { runRole } from './run-role.ts';

runRole('answer-worker', startAnswerWorker);
