/**
 * Publishes thumbs up/down to the `votes` topic, keyed by answer id so re-votes stay in order,
 * with the voter's internal id when sign-in is on.
 * The vote is handed to the event log and not awaited: the log buffers and retries while Kafka is
 * unreachable, and a person's vote must not wait on (or fail because of) analytics being down.
 */
import { randomUUID } from 'node:crypto';
import { EVENT_VERSION, type VoteEvent } from '../contracts/analytics.ts';
import { TOPICS } from '../contracts/names.ts';
import { errorMessage } from '../errors.ts';
import { logger as componentLogger, type Logger } from '../log.ts';
import type { EventLog } from '../ports/event-log.ts';
import type { VoteService } from '../ports/vote-service.ts';

export function createVoteService(events: EventLog, log: Logger = componentLogger('votes')): VoteService {
  return {
    vote(answerId, vote, userId) {
      const event: VoteEvent = { v: EVENT_VERSION, eventId: randomUUID(), answerId, vote, ...(userId ? { userId } : {}), at: Date.now() };
      events.produce(TOPICS.votes, answerId, event).catch((err: unknown) => log.error({ answerId, eventId: event.eventId, err: errorMessage(err) }, 'vote event lost'));
      return Promise.resolve();
    },
  };
}
