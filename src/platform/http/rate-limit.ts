/**
 * Fixed-window rate limiting with counters in the database, so every Civitas
 * process shares them (nothing another node needs lives in process memory).
 */
import { sql } from 'kysely';
import { nowIso, type Db } from '../db/index.ts';

export interface RateLimitResult { allowed: boolean; count: number; retryAfterSeconds: number }

export async function hitRateLimit(db: Db, key: string, limit: number, windowMs: number, now: Date = new Date()): Promise<RateLimitResult> {
  const start = nowIso(now);
  const expired = nowIso(new Date(now.getTime() - windowMs));
  const { rows } = await sql<{ count: number; window_start: string }>`
    insert into rate_limits (key, window_start, count) values (${key}, ${start}, 1)
    on conflict (key) do update set
      count = case when rate_limits.window_start <= ${expired} then 1 else rate_limits.count + 1 end,
      window_start = case when rate_limits.window_start <= ${expired} then ${start} else rate_limits.window_start end
    returning count, window_start`.execute(db);
  const row = rows[0]!;
  const count = Number(row.count);
  const resetAt = new Date(row.window_start).getTime() + windowMs;
  return { allowed: count <= limit, count, retryAfterSeconds: Math.max(1, Math.ceil((resetAt - now.getTime()) / 1000)) };
}

export async function clearRateLimit(db: Db, key: string): Promise<void> {
  await db.deleteFrom('rate_limits').where('key', '=', key).execute();
}

/** Look without counting: is the limit already reached in the current window? (For limits that count failures only.) */
export async function peekRateLimit(db: Db, key: string, limit: number, windowMs: number, now: Date = new Date()): Promise<RateLimitResult> {
  const row = await db.selectFrom('rate_limits').select(['count', 'window_start']).where('key', '=', key).executeTakeFirst() as { count: number; window_start: string } | undefined;
  if (!row || Date.parse(row.window_start) + windowMs <= now.getTime()) return { allowed: true, count: 0, retryAfterSeconds: 0 };
  const count = Number(row.count);
  const resetAt = Date.parse(row.window_start) + windowMs;
  return { allowed: count < limit, count, retryAfterSeconds: Math.max(1, Math.ceil((resetAt - now.getTime()) / 1000)) };
}
