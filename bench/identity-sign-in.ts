/**
 * How long signing in takes, in-process (no network): the whole OpenID dance
 * (authorization request, provider's sign-in page, code, token request through
 * app.inject, ID token checks, session) for a demo persona, and the same with
 * an email and password (argon2id dominates). Run: npx tsx bench/identity-sign-in.ts
 */
import { performance } from 'node:perf_hooks';
import { createTestPlatform } from '../test/helpers/platform.ts';
import { FormBrowser } from '../test/helpers/browser.ts';
import { createCitizen, signInWithPassword } from '../test/helpers/identity.ts';

const N = Number(process.env.N ?? 30);
const p = await createTestPlatform();
await createCitizen(p, { email: 'bench@example.sg' });
const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return `median ${s[Math.floor(s.length / 2)]!.toFixed(1)} ms, p90 ${s[Math.floor(s.length * 0.9)]!.toFixed(1)} ms (n=${s.length})`;
};
try {
  for (const [label, run] of [
    ['demo persona (no password)', async (b: FormBrowser) => { await b.get('/sign-in'); return b.post('/demo/sign-in', { persona: 'tan-ah-kow' }); }],
    ['email and password', (b: FormBrowser) => signInWithPassword(b, 'bench@example.sg', 'correct horse battery')],
  ] as const) {
    await run(new FormBrowser(p.app)); // warm up
    const times: number[] = [];
    for (let i = 0; i < N; i++) {
      const b = new FormBrowser(p.app);
      const t0 = performance.now();
      const page = await run(b);
      times.push(performance.now() - t0);
      if (page.url !== '/my-applications') throw new Error(`${label}: ended at ${page.url}`);
    }
    console.log(`${label}: ${stats(times)} for the whole sign-in (${p.config.database.dialect})`);
  }
} finally {
  await p.close();
}
