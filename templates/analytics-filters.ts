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

interface SelectForm {
  /** Extra form class beside `collection-filter`. */
  kind: string;
  name: 'collection' | 'user' | 'channel';
  label: string;
  labelTitle?: string;
  all: string;
  chosen: string | null | undefined;
  options: ReadonlyArray<{ value: string; text: string }>;
}

/** One filter form: a select of `options` (plus "all"), keeping the range. */
function selectForm(f: SelectForm, range: string, action: string): SafeHtml {
  const title = f.labelTitle === undefined ? '' : html` title="${f.labelTitle}"`;
  return html`<form class="collection-filter${f.kind}" method="get" action="${action}">
  <input type="hidden" name="range" value="${range}">
  <label for="analytics-${f.name}" class="small"${title}>${f.label}</label>
  <select id="analytics-${f.name}" name="${f.name}">
    <option value=""${f.chosen ? '' : html` selected`}>${f.all}</option>
    ${f.options.map((o) => html`<option value="${o.value}"${o.value === f.chosen ? html` selected` : ''}>${o.text}</option>`)}
  </select>
  <button type="submit" class="secondary small">Show</button>
</form>`;
}

/** The collection select: all, or one collection (answers asked over it or citing it); keeps the range. */
export function collectionFilter(s: FilterState, collections: readonly CollectionView[], action = '/analytics'): SafeHtml {
  const options = collections.map((c) => ({ value: c.id, text: c.name }));
  return selectForm({ kind: '', name: 'collection', label: 'Collection', all: 'All collections', chosen: s.collection, options }, s.range, action);
}

/** The user select (admins): everyone, or the answers one user asked; keeps the range. */
export function userFilter(s: FilterState, users: readonly AnalyticsUser[], action = '/analytics'): SafeHtml {
  const options = users.map((u) => ({ value: u.id, text: u.name }));
  return selectForm({ kind: ' user-filter', name: 'user', label: 'User', all: 'All users', chosen: s.user, options }, s.range, action);
}

/** The channel select: every channel, or the answers that came through one; keeps the range, drops the other filters. */
export function channelFilter(s: FilterState, action = '/analytics'): SafeHtml {
  const options = CHANNELS.map((c) => ({ value: c, text: CHANNEL_LABELS[c] }));
  return selectForm({
    kind: ' channel-filter', name: 'channel', label: 'Channel', labelTitle: 'Choosing a channel clears the collection and user filters',
    all: 'All channels', chosen: s.channel, options,
  }, s.range, action);
}

/** The line under the heading naming a channel filter, or ''. */
export function channelNote(channel: string | null | undefined): SafeHtml | '' {
  const label = CHANNEL_LABELS[channel as Channel] as string | undefined;
  if (!channel || label === undefined) return '';
  return html`<p class="muted small channel-note">Answers that came through ${label}${channel === 'web' ? ' (and those recorded before channels were kept)' : ''}, and the votes on them. One filter at a time: a channel replaces the collection and user filters.</p>`;
}
