/** Queue, exchange and topic names, in one place; a prefix from config keeps deployments apart. */
export const QUEUES = { answerRequests: 'answer.requests', ingestJobs: 'ingest.jobs' } as const;
/** `answer.cancels`: fanout; the web announces an answer nobody waits for, the worker holding it stops. */
export const EXCHANGES = { ingestEvents: 'ingest.events', indexUpdates: 'index.updates', answerCancels: 'answer.cancels' } as const;
export const TOPICS = { qa: 'qa', votes: 'votes', qaScored: 'qa.scored', deadLetter: 'analytics.dead' } as const;
export const GROUPS = { analytics: 'analytics' } as const;

export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];
export type ExchangeName = (typeof EXCHANGES)[keyof typeof EXCHANGES];
export type TopicName = (typeof TOPICS)[keyof typeof TOPICS];
