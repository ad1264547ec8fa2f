/**
 * The filter selects of the analytics pages (overview and Quality): collection, user (admins) and
 * channel, each its own GET form (so it works without scripts; /static/analytics.js submits it on
 * change) that keeps the range and drops the other filters: one filter at a time, because each has
 * its own aggregate buckets (src/analytics/buckets.ts). Names are user text, escaped like all values.
 */
import type { AnalyticsSummary } from '../src/contracts/analytics-summary.ts';
import { CHANNELS, type Channel } from '../src/contracts/channel.ts';
import type { CollectionView } from '../src/ports/collection-service.ts';
import { html, type SafeHtml } from '../src/web/html.ts';

/** What each channel means, for the channel select and the note under the heading. */
export const CHANNEL_LABELS: Record<Channel, string> = {
  web: 'Web pages',
  api: 'API (/api/ask)',
  openai: 'OpenAI API (/v1)',
  mcp: 'MCP',
};

/** A user the user filter lists: internal id and the name people see. */
export interface AnalyticsUser {
  id: string;
  name: string;
}

/** What the filter forms keep and show as chosen. */
export type FilterState = Pick<AnalyticsSummary, 'range' | 'collection' | 'user' | 'channel'>;

/** The collection select: all, or one collection (answers asked over it or citing it); keeps the range. */
export function collectionFilter(s: FilterState, collections: readonly CollectionView[], action = '/analytics'): SafeHtml {
  return html`<form class="collection-filter" method="get" action="${action}">
  <input type="hidden" name="range" value="${s.range}">
  <label for="analytics-collection" class="small">Collection</label>
  <select id="analytics-collection" name="collection">
    <option value=""${s.collection ? '' : html` selected`}>All collections</option>
    ${collections.map((c) => html`<option value="${c.id}"${c.id === s.collection ? html` selected` : ''}>${c.name}</option>`)}
  </select>
  <button type="submit" class="secondary small">Show</button>
</form>`;
}

/** The user select (admins): everyone, or the answers one user asked; keeps the range. */
export function userFilter(s: FilterState, users: readonly AnalyticsUser[], action = '/analytics'): SafeHtml {
  return html`<form class="collection-filter user-filter" method="get" action="${action}">
  <input type="hidden" name="range" value="${s.range}">
  <label for="analytics-user" class="small">User</label>
  <select id="analytics-user" name="user">
    <option value=""${s.user ? '' : html` selected`}>All users</option>
    ${users.map((u) => html`<option value="${u.id}"${u.id === s.user ? html` selected` : ''}>${u.name}</option>`)}
  </select>
  <button type="submit" class="secondary small">Show</button>
</form>`;
}

/** The channel select: every channel, or the answers that came through one; keeps the range, drops the other filters. */
export function channelFilter(s: FilterState, action = '/analytics'): SafeHtml {
  return html`<form class="collection-filter channel-filter" method="get" action="${action}">
  <input type="hidden" name="range" value="${s.range}">
  <label for="analytics-channel" class="small" title="Choosing a channel clears the collection and user filters">Channel</label>
  <select id="analytics-channel" name="channel">
    <option value=""${s.channel ? '' : html` selected`}>All channels</option>
    ${CHANNELS.map((c) => html`<option value="${c}"${c === s.channel ? html` selected` : ''}>${CHANNEL_LABELS[c]}</option>`)}
  </select>
  <button type="submit" class="secondary small">Show</button>
</form>`;
}

/** The line under the heading naming a channel filter, or ''. */
export function channelNote(channel: string | null | undefined): SafeHtml | '' {
  const label = CHANNEL_LABELS[channel as Channel] as string | undefined;
  if (!channel || label === undefined) return '';
  return html`<p class="muted small channel-note">Answers that came through ${label}${channel === 'web' ? ' (and those recorded before channels were kept)' : ''}, and the votes on them. One filter at a time: a channel replaces the collection and user filters.</p>`;
}
