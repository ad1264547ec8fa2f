/**
 * A user's internal id as it travels on the answer request and the `qa` and `votes` events: the
 * account store's opaque, stable id (never the name people see, which can change and is personal).
 * Analytics keeps only this id; the web resolves it to a name from the account store when showing it.
 */
import { z } from 'zod';

export const userIdSchema = z.string().min(1).max(100).regex(/^[A-Za-z0-9_-]+$/, 'a user id is 1-100 letters, digits, _ or -');
export type UserId = z.infer<typeof userIdSchema>;
