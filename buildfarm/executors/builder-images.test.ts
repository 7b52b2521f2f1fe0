// Old builder images are removed when a worker starts: the current one and any a container
// still uses are kept. Tested on images of a repository of its own (the host's real builder
// images belong to running workers).
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { afterAll, describe, expect, it } from 'vitest';
import { dockerEngineAnswers, removeOldBuilderImages } from './docker.ts';

const docker = new Docker();
const engineAnswers = await dockerEngineAnswers(docker);
if (!engineAnswers && process.env.CI) throw new Error('CI is set but no Docker engine answers: .ci/run should have started dockerd.');

const repository = `windwalker-builder-test-${randomBytes(4).toString('hex')}`;

/** A FROM-scratch image holding one file, so each tag is an image of its own. */
async function buildTinyImage(tag: string): Promise<void> {
  const context = await mkdtemp(path.join(os.tmpdir(), 'ww-image-test-'));
  try {
    await writeFile(path.join(context, 'Dockerfile'), 'FROM scratch\nCOPY marker /marker\n');
    await writeFile(path.join(context, 'marker'), tag);
    const stream = await docker.buildImage({ context, src: ['Dockerfile', 'marker'] }, { t: tag, pull: false, rm: true });
    await new Promise((resolve, reject) => docker.modem.followProgress(stream, (error: Error | null) => (error ? reject(error) : resolve(null))));
  } finally {
    await rm(context, { recursive: true, force: true });
  }
}

describe.skipIf(!engineAnswers)('old builder images', () => {
  const containers: Docker.Container[] = [];
  afterAll(async () => {
    for (const container of containers) await container.remove({ force: true }).catch(() => {});
    for (const image of await docker.listImages({ filters: JSON.stringify({ reference: [repository] }) })) {
      await docker.getImage(image.Id).remove({ force: true }).catch(() => {});
    }
  });

  it('are removed unless current or used by a container, and only once a day old', async () => {
    const [current, old, inUse] = ['current', 'old', 'in-use'].map((name) => `${repository}:${name}`);
    for (const tag of [current, old, inUse]) await buildTinyImage(tag);
    containers.push(await docker.createContainer({ Image: inUse, Cmd: ['/marker'] }));

    // Built just now: younger than a day, nothing goes.
    expect(await removeOldBuilderImages(docker, { repository, keep: current })).toEqual([]);
    // A day later: the old one goes; the current one and the one a container uses stay.
    const dayLater = Date.now() + 25 * 60 * 60 * 1000;
    expect(await removeOldBuilderImages(docker, { repository, keep: current, now: dayLater })).toEqual([old]);
    const left = (await docker.listImages({ filters: JSON.stringify({ reference: [repository] }) })).flatMap((image) => image.RepoTags ?? []);
    expect(left.sort()).toEqual([current, inUse].sort());
  });
});
