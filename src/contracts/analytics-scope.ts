/**
 * What an analytics read is restricted to, as one string (the stores and readers take it where they
 * took a collection id): a collection id (answers asked over it or citing it), `user:<id>` (the
 * answers one user asked, by internal id, and the votes on them), or `channel:<channel>` (the
 * answers that came through one channel, ./channel.ts; answers recorded before channels count as
 * `web`). Collection ids cannot hold a colon (./collection.ts), so the three never meet. On the
 * analytics HTTP API they are three parameters, `collection=<id>`, `user=<id>` and
 * `channel=<channel>`, one at a time: each scope has its own aggregate buckets, and combinations
 * would need buckets per combination.
 */
import { CHANNELS, type Channel } from './channel.ts';

const USER_PREFIX = 'user:';
const CHANNEL_PREFIX = 'channel:';

export const userScope = (userId: string): string => USER_PREFIX + userId;

export const channelScope = (channel: Channel): string => CHANNEL_PREFIX + channel;

/** The user id of a user scope; undefined for any other scope or none. */
export const userOfScope = (scope: string | undefined): string | undefined => (scope?.startsWith(USER_PREFIX) ? scope.slice(USER_PREFIX.length) : undefined);

/** The channel of a channel scope; undefined for any other scope or none. */
export const channelOfScope = (scope: string | undefined): Channel | undefined => {
  if (!scope?.startsWith(CHANNEL_PREFIX)) return undefined;
  const c = scope.slice(CHANNEL_PREFIX.length);
  return (CHANNELS as readonly string[]).includes(c) ? (c as Channel) : undefined;
};

/** The collection id of a collection scope; undefined for a user or channel scope or none. */
export const collectionOfScope = (scope: string | undefined): string | undefined =>
  scope === undefined || scope.startsWith(USER_PREFIX) || scope.startsWith(CHANNEL_PREFIX) ? undefined : scope;

/** The 400 message of a `channel` parameter that is not one of CHANNELS (a repeated one: the list). */
export const unknownChannelMessage = (value: unknown): string =>
  `Unknown channel "${(typeof value === 'string' ? value : JSON.stringify(value) ?? '').slice(0, 40)}": channel must be one of ${CHANNELS.join(', ')}.`;
