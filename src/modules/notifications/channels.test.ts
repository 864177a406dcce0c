/** The SMS gateway adapter's reading of answers, and phone numbers. */
import { describe, expect, it } from 'vitest';
import { HttpSmsProvider, normalisePhone, SendFailure } from './channels.ts';

const answering = (status: number, body = '{"id":"gw-1"}') => (async () => new Response(body, { status })) as unknown as typeof fetch;
const provider = (f: typeof fetch) => new HttpSmsProvider({ url: 'https://sms.example/messages', token: 't', sender: 'GovSG' }, f);
const failure = async (p: Promise<unknown>) => { try { await p; } catch (e) { return e as SendFailure; } throw new Error('no failure'); };
const msg = { id: 'n-1', to: '+6591234567', body: 'hi' };

describe('HTTP SMS gateway', () => {
  it('reads the provider id from a 2xx answer', async () => {
    await expect(provider(answering(201)).send(msg)).resolves.toBe('gw-1');
    await expect(provider(answering(200, 'ok')).send(msg)).resolves.toBeNull();
  });

  it('treats 4xx as permanent, except 408 and 429; 5xx and no answer as temporary', async () => {
    expect((await failure(provider(answering(400, 'bad number')).send(msg))).permanent).toBe(true);
    expect((await failure(provider(answering(429)).send(msg))).permanent).toBe(false);
    expect((await failure(provider(answering(408)).send(msg))).permanent).toBe(false);
    expect((await failure(provider(answering(503)).send(msg))).permanent).toBe(false);
    const down = (async () => { throw new TypeError('fetch failed'); }) as unknown as typeof fetch;
    const f = await failure(provider(down).send(msg));
    expect([f.permanent, f.message]).toEqual([false, 'SMS provider unreachable: fetch failed']);
  });
});

it('accepts Singapore mobile numbers and international ones, nothing else', () => {
  expect(normalisePhone('9123 4567')).toBe('+6591234567');
  expect(normalisePhone('+65 8123-4567')).toBe('+6581234567');
  expect(normalisePhone('+44 7700 900123')).toBe('+447700900123');
  expect(normalisePhone('6123 4567')).toBeNull(); // a Singapore landline
  expect(normalisePhone('+65 612345')).toBeNull();
  expect(normalisePhone('call me')).toBeNull();
});
