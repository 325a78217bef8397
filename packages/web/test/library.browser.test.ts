import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { makeImage } from '../../server/test/helpers/images.ts';
import { makeWav } from '../../server/test/helpers/media.ts';
import { chromiumMissing, dropFiles, SQLITE, signIn, startWebFixture, type WebFixture } from './helpers.ts';

const missing = await chromiumMissing();
const MEDIA = path.resolve(import.meta.dirname, '../../server/test/spec-examples/media');

describe.skipIf(missing || SQLITE.length === 0)('the web library in Chromium', () => {
  let web: WebFixture;
  beforeAll(async () => {
    web = await startWebFixture();
  }, 180_000);
  afterAll(async () => web?.dispose());

  it('signs in, takes three dropped files, renames, tags, filters, collects, deletes and signs out', { timeout: 180_000 }, async () => {
    const { page, problems, dialogs } = await web.page();
    onTestFailed(async () => {
      await page.screenshot({ path: path.join(web.shots, 'failure.png') });
      console.log('on failure:', problems, dialogs, await page.locator('body').innerText());
    });
    // The app's own prompts and confirmations are answered as a person would.
    page.on('dialog', (dialog) => {
      if (dialog.type() === 'prompt') void dialog.accept(dialog.message().startsWith('New name') ? 'Favourites' : 'Moodboard');
      else if (dialog.type() === 'confirm') void dialog.accept();
      else void dialog.dismiss();
    });

    const scripts: string[] = [];
    page.on('request', (request) => {
      if (request.resourceType() === 'script') scripts.push(request.url());
    });
    // A wrong secret is refused with a clear message, and nothing is stored.
    await page.goto(`${web.baseURL}/`);
    await page.getByLabel('API key').fill(web.server.key.id);
    await page.getByLabel('API secret').fill('sk_wrong');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('not accepted');

    await web.server.container.keys.create({ team: web.server.key.teamId, project: 'second' });
    await signIn(page, web.baseURL, web.server.key);
    await page.getByText('The library is empty').waitFor();
    expect(await page.evaluate(() => Object.keys(localStorage).length)).toBe(0);
    // The secret is kept in the tab, never in the address.
    expect(page.url()).not.toContain(web.server.key.secret);

    await dropFiles(page, [
      { name: 'picture.png', type: 'image/png', bytes: await makeImage('png', 320, 200, { seed: 77 }) },
      { name: 'voice.wav', type: 'audio/wav', bytes: makeWav(300_000, 5) },
      { name: 'model.glb', type: 'model/gltf-binary', bytes: await readFile(path.join(MEDIA, 'model.glb')) },
      // Refused by the server: its row says why, and the others carry on.
      { name: 'broken.png', type: 'image/png', bytes: Buffer.from('not a picture at all') },
    ]);
    const uploads = page.getByRole('region', { name: 'Uploads' });
    await uploads.getByText('Uploads: 3 of 4 imported, 1 failed').waitFor({ timeout: 90_000 });
    const refused = page.locator('.upload-row[data-upload-name="broken.png"]');
    expect(await refused.getAttribute('class')).toContain('state-failed');
    expect(await refused.locator('.error').textContent()).toBe('Unhandled image format');
    await uploads.getByRole('button', { name: 'Retry broken.png' }).waitFor();
    await page.locator('.card').nth(2).waitFor();
    expect(await page.locator('.card').count()).toBe(3);
    // The image's thumbnail has loaded (its bytes came through a signed link of this origin).
    const thumbnail = page.locator('.card[aria-label="picture.png"] img');
    await expect
      .poll(() =>
        thumbnail.evaluate((element) => {
          const image = element as unknown as { complete: boolean; naturalWidth: number };
          return image.complete && image.naturalWidth > 0;
        }),
      )
      .toBe(true);
    // It is a rendition sized for the tile (per pixel ratio; a small original gives only 1x), and
    // the browser drew the one it picked.
    const srcset = await thumbnail.getAttribute('srcset');
    expect(srcset).toMatch(/^\S+\/files\/file_\w+\?\S+ 1x/);
    const current = await thumbnail.evaluate((element) => (element as unknown as { currentSrc: string }).currentSrc);
    expect(srcset?.split(', ').map((entry) => entry.split(' ')[0])).toContain(current);
    await page.screenshot({ path: path.join(web.shots, 'library.png') });
    await uploads.screenshot({ path: path.join(web.shots, 'upload-panel.png') });

    // Open the image; the URL names it, so it can be bookmarked.
    await page.locator('.card[aria-label="picture.png"]').click();
    const detail = page.getByRole('dialog');
    await detail.getByRole('heading', { name: 'picture.png' }).waitFor();
    expect(new URL(page.url()).pathname).toMatch(/^\/assets\/asset_/);
    await page.screenshot({ path: path.join(web.shots, 'detail.png') });

    // Rename it, and tag it.
    await detail.getByRole('button', { name: 'Rename' }).click();
    await detail.getByLabel('Name').fill('hero.png');
    await detail.getByRole('button', { name: 'Save' }).click();
    await detail.getByRole('heading', { name: 'hero.png' }).waitFor();
    await detail.getByLabel('Add a tag').fill('favourite');
    await detail.getByLabel('Add a tag').press('Enter');
    await detail.getByRole('button', { name: 'Show assets tagged favourite' }).waitFor();

    // Filter by the tag: one asset, and the URL says so.
    await detail.getByRole('button', { name: 'Show assets tagged favourite' }).click();
    await expect.poll(() => page.locator('.card').count()).toBe(1);
    expect(new URL(page.url()).searchParams.getAll('tag')).toEqual(['favourite']);
    expect(await page.locator('.card').first().getAttribute('aria-label')).toBe('hero.png');
    // Back: the whole library again.
    await page.goBack();
    await page.goBack();
    await expect.poll(() => page.locator('.card').count()).toBe(3);

    // Search by name: the URL carries it too.
    await page.getByLabel('Search by name').fill('HER');
    await expect.poll(() => page.locator('.card').count()).toBe(1);
    expect(new URL(page.url()).searchParams.get('q')).toBe('HER');
    await page.getByLabel('Search by name').fill('');
    await expect.poll(() => page.locator('.card').count()).toBe(3);

    // three.js comes only with the first 3D asset opened: Enter on the model's card opens it.
    expect(scripts.some((url) => url.includes('Viewer3d'))).toBe(false);
    await page.getByRole('grid').focus();
    await page.keyboard.press('Home');
    for (let i = 0; i < 3 && (await page.locator('.card.active').getAttribute('aria-label')) !== 'model.glb'; i++) {
      await page.keyboard.press('ArrowRight');
    }
    await page.keyboard.press('Enter');
    await page.getByRole('dialog').getByRole('heading', { name: 'model.glb' }).waitFor();
    await expect.poll(() => scripts.some((url) => url.includes('Viewer3d'))).toBe(true);
    // A canvas, or (without WebGL in this Chromium) the model's render and a message.
    await page.locator('.viewer3d canvas, .viewer3d [role=alert]').first().waitFor();
    await page.screenshot({ path: path.join(web.shots, 'detail-3d.png') });
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'detached' });

    // Select two (click, then ctrl-click) and put them in a new collection.
    await page.locator('.card[aria-label="hero.png"] input[type=checkbox]').check();
    await page.locator('.card[aria-label="voice.wav"]').click({ modifiers: ['Control'] });
    const selection = page.getByRole('region', { name: 'Selected assets' });
    await selection.getByText('2 selected').waitFor();
    await selection.getByLabel('Collection for the selected assets').selectOption('__new');
    await selection.getByRole('button', { name: 'Add to collection' }).click();
    const sidebar = page.getByRole('navigation', { name: 'Collections' });
    // The sidebar's count follows.
    await sidebar.getByRole('button', { name: 'Moodboard 2 assets' }).waitFor();
    await sidebar.getByRole('button', { name: 'Moodboard 2 assets' }).click();
    await expect.poll(() => page.locator('.card').count()).toBe(2);
    // Renamed from the sidebar, it keeps its assets.
    await sidebar.getByRole('button', { name: 'Rename the collection Moodboard' }).click();
    await sidebar.getByRole('button', { name: 'Favourites 2 assets' }).waitFor();

    // Delete one from the keyboard: focus the grid, move to it, Delete asks, then it is gone.
    await page.getByRole('button', { name: 'All assets' }).click();
    await expect.poll(() => page.locator('.card').count()).toBe(3);
    await page.getByRole('grid').focus();
    await page.keyboard.press('Home');
    const first = await page.locator('.card').first().getAttribute('aria-label');
    await page.keyboard.press('Delete');
    await expect.poll(() => page.locator('.card').count()).toBe(2);
    expect(await page.locator('.card').evaluateAll((cards) => cards.map((card) => card.getAttribute('aria-label')))).not.toContain(first);
    expect(dialogs.filter((dialog) => dialog.startsWith('confirm'))).toHaveLength(1);
    // Deleting the collection leaves its assets in the project.
    await sidebar.getByRole('button', { name: 'Delete the collection Favourites' }).click();
    await page.getByText('No collections yet').waitFor();
    await expect.poll(() => page.locator('.card').count()).toBe(2);
    await page.screenshot({ path: path.join(web.shots, 'library-after.png') });
    // Down to a tablet's width the page still works: the sidebar goes above the grid.
    await page.setViewportSize({ width: 768, height: 1024 });
    await page.getByRole('grid').waitFor();
    await page.screenshot({ path: path.join(web.shots, 'library-tablet.png') });
    await page.setViewportSize({ width: 1280, height: 860 });

    // Another project of the team: the switcher lists it, and its library is its own.
    await page.getByLabel('Project').selectOption({ label: 'second' });
    await page.getByText('The library is empty').waitFor();
    await page.getByLabel('Project').selectOption({ label: 'main' });
    await expect.poll(() => page.locator('.card').count()).toBe(2);

    // Sign out: back to the form, nothing left in either storage.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    expect(await page.evaluate(() => sessionStorage.length + localStorage.length)).toBe(0);
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('uploads a folder from the picker, each file by its path in it, hidden files left out', { timeout: 90_000 }, async () => {
    const folder = path.join(web.shots, '..', 'set');
    await mkdir(path.join(folder, 'sub'), { recursive: true });
    await writeFile(path.join(folder, 'a.png'), await makeImage('png', 30, 20, { seed: 91 }));
    await writeFile(path.join(folder, 'sub', 'b.wav'), makeWav(50_000, 2));
    await writeFile(path.join(folder, '.DS_Store'), 'hidden');
    const key = await web.server.container.keys.create({ team: web.server.key.teamId, project: 'folders' });
    const { page, problems } = await web.page();
    await signIn(page, web.baseURL, key);
    await page.getByLabel('Folder to upload').setInputFiles(folder);
    const uploads = page.getByRole('region', { name: 'Uploads' });
    await uploads.getByText('Uploads: 2 of 2 imported').waitFor({ timeout: 60_000 });
    const names = await page.locator('.upload-row').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-upload-name')));
    expect(names.sort()).toEqual(['set/a.png', 'set/sub/b.wav']);
    await expect.poll(() => page.locator('.card').count()).toBe(2);
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('goes back to sign in, saying why, when the key is revoked mid-session', { timeout: 60_000 }, async () => {
    const key = await web.server.container.keys.create({ team: web.server.key.teamId, project: 'main' });
    const { page, problems } = await web.page();
    await signIn(page, web.baseURL, key);
    await web.server.container.keys.revoke(key.id);
    // The page is looked at again: the library refetches, and the API refuses the key. A look
    // while a fetch begun before the revocation is still in flight refetches nothing, so the
    // page is looked at again until the refusal shows (bounded, as a person would).
    const notice = page.getByText('Your API key no longer works');
    for (let look = 0; look < 30 && !(await notice.isVisible()); look++) {
      await page.evaluate(() =>
        (globalThis as unknown as { document: { dispatchEvent(event: Event): void } }).document.dispatchEvent(
          new Event('visibilitychange'),
        ),
      );
      await notice.waitFor({ timeout: 1000 }).catch(() => {});
    }
    await notice.waitFor();
    expect(await page.evaluate(() => sessionStorage.length + localStorage.length)).toBe(0);
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('renders names and tags as text: an SVG named like markup runs nothing', { timeout: 120_000 }, async () => {
    const name = '<img src=x onerror=alert(1)>';
    const client = new (await import('@assetd/sdk')).AssetdClient({
      baseURL: web.baseURL,
      apiKey: web.server.key.id,
      apiSecret: web.server.key.secret,
    });
    const svg = Buffer.from(
      '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40" onload="alert(2)"><script>alert(3)</script><rect width="40" height="40" fill="red"/></svg>',
    );
    const asset = await client.upload(new Blob([svg], { type: 'image/svg+xml' }), { name: 'x.svg' });
    await client.assets.update(asset.id, { name, tags: ['<script>alert(4)</script>'] });

    const { page, problems, dialogs } = await web.page();
    await page.addInitScript(() => {
      // Anything that runs would have to call one of these.
      (globalThis as { alerted?: number }).alerted = 0;
    });
    await signIn(page, web.baseURL, web.server.key);
    const card = page.locator(`.card[data-asset-id="${asset.id}"]`);
    await card.waitFor();
    expect(await card.locator('.card-name').textContent()).toBe(name);
    await card.click();
    await page.getByRole('dialog').getByRole('heading', { name }).waitFor();
    await page.getByRole('dialog').getByText('#<script>alert(4)</script>').waitFor();
    // Give anything injected a moment to fire.
    await page.waitForTimeout(500);
    expect(await page.locator('img[src="x"]').count()).toBe(0);
    expect(await page.locator('.layout script').count()).toBe(0);
    expect(dialogs).toEqual([]);
    expect(problems).toEqual([]);
    await page.screenshot({ path: path.join(web.shots, 'xss.png') });
    await page.context().close();
  });
});
