import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPlatform, type TestPlatform } from '../../../test/helpers/platform.ts';
import { FormBrowser, decode } from '../../../test/helpers/browser.ts';
import { payWithTestCard } from '../../../test/helpers/identity.ts';

let p: TestPlatform;
let b: FormBrowser;
let appUrl: string;
const pdf = (size = 2000) => Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(size, 32)]);

beforeAll(async () => {
  p = await createTestPlatform();
  b = new FormBrowser(p.app);
  await b.get('/sign-in');
  await b.post('/demo/sign-in', { persona: 'rajesh-kumar' });
  await b.get('/services/dog-licence/apply');
  appUrl = (await b.post('/services/dog-licence/applications')).url.replace(/\/pages\/owner$/, '');
  let page = await b.post(`${appUrl}/pages/owner`, { ownerName: 'Rajesh Kumar', ownerNric: 'T0123456G', 'ownerAddress-postalCode': '310123', 'ownerAddress-block': '123', 'ownerAddress-street': 'Toa Payoh Lorong 1', ownerMobile: '81234567' });
  expect(page.url).toBe(`${appUrl}/pages/dog`);
  page = await b.post(`${appUrl}/pages/dog`, { dogName: 'Bobo', dogBreed: 'Singapore Special', 'dogBirthDate-day': '1', 'dogBirthDate-month': '2', 'dogBirthDate-year': '2023', dogSex: 'male' });
  expect(page.url).toBe(`${appUrl}/pages/health`);
});
afterAll(async () => { await p?.close(); });

describe('file uploads', () => {
  it('refuses a file of the wrong type (by its content, whatever its name) and keeps the other answers', async () => {
    const page = await b.postMultipart(`${appUrl}/pages/health`, { sterilised: 'yes', microchipNumber: '900123456789012' },
      { vaccinationCertificate: { name: 'certificate.pdf', type: 'application/pdf', content: Buffer.from('MZ this is an executable') } });
    expect(page.status).toBe(422);
    expect(decode(page.html)).toContain('The selected file must be a PDF, JPG, PNG');
    expect(page.html).toContain('value="900123456789012"');
  });

  it('refuses a file over the question\'s size limit with a clear message', async () => {
    await b.get(`${appUrl}/pages/health`);
    const page = await b.postMultipart(`${appUrl}/pages/health`, { sterilised: 'yes', microchipNumber: '900123456789012' },
      { vaccinationCertificate: { name: 'big.pdf', type: 'application/pdf', content: pdf(6 * 1024 * 1024) } });
    expect(page.status).toBe(422);
    expect(decode(page.html)).toContain('The selected file must be smaller than 5 MB');
  });

  it('refuses a file over the platform limit (10 MB) without losing the page', async () => {
    await b.get(`${appUrl}/pages/health`);
    const page = await b.postMultipart(`${appUrl}/pages/health`, { sterilised: 'no', microchipNumber: '900123456789012' },
      { vaccinationCertificate: { name: 'huge.pdf', type: 'application/pdf', content: pdf(11 * 1024 * 1024) } });
    expect(page.status).toBe(422);
    expect(decode(page.html)).toContain('smaller than 5 MB');
  });

  it('stores an accepted file, keeps it when the page is sent again without one, and lets the owner download it', async () => {
    await b.get(`${appUrl}/pages/health`);
    let page = await b.postMultipart(`${appUrl}/pages/health`, { sterilised: 'yes', microchipNumber: '900123456789012' },
      { vaccinationCertificate: { name: 'vaccination.pdf', type: 'application/pdf', content: pdf() } });
    expect(page.url).toBe(`${appUrl}/check`);
    expect(decode(page.html)).toContain('vaccination.pdf');
    // change the microchip number only: the upload stays
    await b.get(`${appUrl}/pages/health?returnTo=check`);
    page = await b.postMultipart(`${appUrl}/pages/health?returnTo=check`, { sterilised: 'yes', microchipNumber: '900123456789099' }, {});
    expect(page.url).toBe(`${appUrl}/check`);
    expect(decode(page.html)).toContain('vaccination.pdf');
    expect(decode(page.html)).toContain('900123456789099');
    const row = await p.ctx.db.selectFrom('application_files').select(['id', 'type', 'size']).executeTakeFirstOrThrow();
    expect(row.type).toBe('application/pdf');
    const file = await p.app.inject({ url: `${appUrl}/files/${row.id}`, headers: { cookie: `civitas_session=${b.cookie('civitas_session')}` } });
    expect(file.statusCode).toBe(200);
    expect(file.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
    expect(file.headers['content-disposition']).toContain('vaccination.pdf');
  });

  it('sends the application with the upload', async () => {
    await b.get(`${appUrl}/check`);
    let page = await b.post(`${appUrl}/submit`, { declaration: 'yes' });
    // the dog licence has a fee: the application is sent when it is paid
    expect(page.url).toBe(`${appUrl}/pay`);
    page = await payWithTestCard(b, appUrl);
    expect(page.url).toBe(`${appUrl}/confirmation`);
  });
});
