/** The voting port: thumbs up/down on an answer (src/asking/vote-service.ts produces it to the event log). */
export interface VoteService {
  /** `userId`: the voter's internal id (absent: sign-in off). */
  vote(answerId: string, vote: 'up' | 'down', userId?: string): Promise<void>;
}
