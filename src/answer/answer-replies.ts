/**
 * The replies of one answer on the asker's reply queue (contracts/answer.ts): `sources`, `reading`,
 * coalesced `token`s, then `done` or `error`. They leave in the order they were sent, each after the one
 * before, so a failed reply means every later one fails too (the broker is away).
 */
import { ANSWER_CONTRACT_VERSION, type AnswerReply } from '../contracts/answer.ts';
import type { MessageBus } from '../ports/message-bus.ts';
import { TokenCoalescer } from './token-coalescer.ts';

/** A reply without the fields every reply of one answer shares. */
export type ReplyBody = AnswerReply extends infer R ? (R extends AnswerReply ? Omit<R, 'v' | 'answerId'> : never) : never;

export class AnswerReplies {
  private chain: Promise<void> = Promise.resolve();
  private seq = 0;
  private failed: { err: unknown } | undefined;

  constructor(
    private readonly bus: MessageBus,
    private readonly replyTo: string,
    private readonly answerId: string,
  ) {}

  /** Sends one reply after those before it; resolves once it went out. */
  send(body: ReplyBody): Promise<void> {
    this.chain = this.chain.then(() => this.bus.reply(this.replyTo, this.answerId, { v: ANSWER_CONTRACT_VERSION, answerId: this.answerId, ...body }));
    return this.chain;
  }

  /**
   * Generated text, coalesced into numbered `token` replies. Tokens are not awaited (generation
   * does not wait on the broker); the first one that fails is recorded and `onUndeliverable` is told
   * once, so the caller stops generating text nobody can receive.
   */
  tokens(onUndeliverable: (err: unknown) => void): TokenCoalescer {
    return new TokenCoalescer((text) => this.sendLater({ type: 'token', seq: this.seq++, text }, onUndeliverable));
  }

  /**
   * Sends one reply in order without waiting for it (from inside generation, like the tokens); the
   * first failure is recorded and `onUndeliverable` is told once.
   */
  sendLater(body: ReplyBody, onUndeliverable: (err: unknown) => void): void {
    this.send(body).catch((err: unknown) => {
      if (this.failed) return;
      this.failed = { err };
      onUndeliverable(err);
    });
  }

  /** The failure of a token reply, if one failed: then no later reply can be delivered either. */
  get undeliverable(): { err: unknown } | undefined {
    return this.failed;
  }
}
