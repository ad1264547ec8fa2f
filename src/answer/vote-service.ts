/** Publishes thumbs up/down to the `votes` topic, keyed by answer id so re-votes stay in order. */
import { randomUUID } from 'node:crypto';
import { EVENT_VERSION, type VoteEvent } from '../contracts/analytics.ts';
import { TOPICS } from '../contracts/names.ts';
import type { EventLog } from '../ports/event-log.ts';
import type { VoteService } from '../web/services.ts';

export function createVoteService(events: EventLog): VoteService {
  return {
    async vote(answerId, vote) {
      const event: VoteEvent = { v: EVENT_VERSION, eventId: randomUUID(), answerId, vote, at: Date.now() };
      await events.produce(TOPICS.votes, answerId, event);
    },
  };
}
