/** The voting port: thumbs up/down on an answer (src/asking/vote-service.ts produces it to the event log). */
export interface VoteService {
  vote(answerId: string, vote: 'up' | 'down'): Promise<void>;
}
