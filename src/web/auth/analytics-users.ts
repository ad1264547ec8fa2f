/**
 * The users the analytics filter by user lists: id and name, from the account store (analytics
 * itself keeps only the internal id). Admins only: a signed-in member gets undefined (the select
 * is not shown and `?user=` is refused); with sign-in off (AUTH=off with accounts) everyone may.
 */
import type { AnalyticsUser } from '../../../templates/analytics-filters.ts';
import { signedInUser } from './current-user.ts';

export type AnalyticsUsers = () => AnalyticsUser[] | undefined;

export function analyticsUsers(list: () => ReadonlyArray<{ id: string; name: string }>): AnalyticsUsers {
  return () => {
    const u = signedInUser();
    if (u && u.role !== 'admin') return undefined;
    return list()
      .map(({ id, name }) => ({ id, name }))
      .sort((a, b) => a.name.localeCompare(b.name));
  };
}
