import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../gateway/logger.js';
import type { RunningService } from '../../gateway/service.js';
import { startService } from '../../gateway/service.js';
import { loadConfig } from '../../lib/config/config.js';
import { bearer } from '../support/admin-token.js';
import { runCli } from '../support/cli.js';
import { untilActiveSubscriptions } from '../support/metrics.js';
import { codeBlocks, gqlBodies, section, shellVariable } from './readme-text.js';

/**
 * README.md followed top to bottom by a new user on one fresh store (`npm start`): the token, the first
 * GraphQL session, the live subscription script, then the REST walkthrough. The requests, ids and
 * expected status codes are read from the README itself, so following it in order must work.
 */

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'tams-readme-'));
let service: RunningService;
let token: string;

beforeAll(async () => {
  service = await startService(loadConfig({ TAMS_DATA_DIR: dir, TAMS_PORT: '0' }), 'embedded', {
    log: createLogger('silent'),
    version: 'test',
  });
});
afterAll(async () => {
  await service?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function gql<T>(body: { query: string }): Promise<T> {
  const response = await fetch(service.graphqlUrl, {
    method: 'POST',
    headers: { ...bearer(token), 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const result = (await response.json()) as { data?: T; errors?: unknown[] };
  expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
  return result.data!;
}

const rest = (method: string, path: string, body?: unknown) =>
  fetch(`${service.url}${path}`, {
    method,
    headers: { ...bearer(token), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

const MEDIA = Buffer.from('a transport stream, as ffmpeg would write it '.repeat(500));

async function upload(url: string, contentType: string): Promise<void> {
  const put = await fetch(url, { method: 'PUT', headers: { 'content-type': contentType }, body: MEDIA });
  expect(put.status).toBe(201);
}

describe('README.md, followed in order on one store', () => {
  it('A token first: the first start says how, and the CLI prints one', async () => {
    expect(service.notes.join('\n')).toContain(
      'tams token create --scopes read,write,delete,admin --user admin',
    );
    const anonymous = await fetch(`${service.url}/service`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer realm="tams", Basic realm="tams"/);
    const [block] = codeBlocks(section('A token first'), 'sh');
    const args = /npx tams (token create [^)]*)\)/.exec(block!)![1]!.split(' ');
    const created = await runCli(args, { TAMS_DATA_DIR: dir });
    expect(created.code, created.stderr).toBe(0);
    token = created.stdout.trim();
    expect(token).toMatch(/^tams_[\w-]{43}$/);
  });

  const session = codeBlocks(section('A first GraphQL session'), 'sh')[0]!;
  const [putFlow, allocate, , list] = gqlBodies(session);
  const graphqlFlow = /putFlow\(id: "([^"]+)"/.exec(putFlow!.query)![1]!;

  it('A first GraphQL session: create, allocate, upload, register, list', async () => {
    expect(gqlBodies(session)).toHaveLength(4);
    expect(await gql(putFlow!)).toEqual({ putFlow: { created: true } });
    const { allocateStorage } = await gql<{
      allocateStorage: { mediaObjects: { objectId: string; putUrl: { url: string; contentType: string } }[] };
    }>(allocate!);
    const [object] = allocateStorage.mediaObjects;
    await upload(object!.putUrl.url, object!.putUrl.contentType);
    const register = gqlBodies(session)[2]!.query.replace('<objectId from step 2>', object!.objectId);
    expect(await gql({ query: register })).toEqual({ addSegments: { failed: [] } });
    const { flow } = await gql<{
      flow: {
        timerange: string;
        stats: { segmentCount: number };
        segments: { nodes: { objectId: string }[] };
      };
    }>(list!);
    expect(flow.timerange).toBe('[1700000000:0_1700000010:0)');
    expect(flow.stats.segmentCount).toBe(1);
    expect(flow.segments.nodes.map((s) => s.objectId)).toEqual([object!.objectId]);
  });

  it('Analytics: the query answers what the README shows', async () => {
    const text = section('Analytics');
    const [query] = gqlBodies(codeBlocks(text, 'sh')[0]!);
    const answer = JSON.parse(codeBlocks(text, 'json')[0]!) as { data: unknown };
    expect(await gql(query!)).toEqual(answer.data);
  });

  it('Watching a flow live: the script prints the flow after a change', async () => {
    const text = section('Watching a flow live');
    const script = codeBlocks(text, 'js')[0]!.replace(
      'ws://127.0.0.1:8000/',
      service.url.replace(/^http/, 'ws') + '/',
    );
    const flowArg = /node watch\.mjs (\S+)`/.exec(text)![1]!;
    expect(flowArg).toBe(graphqlFlow);
    // Beside the repository's node_modules, as the README says (.scratch/ is ignored by git).
    mkdirSync(join(REPO, '.scratch'), { recursive: true });
    const file = join(REPO, '.scratch', `readme-watch-${process.pid}.mjs`);
    writeFileSync(file, script);
    const child = spawn(process.execPath, [file, flowArg], { env: { ...process.env, TOKEN: token } });
    try {
      let output = '';
      let errors = '';
      child.stderr.on('data', (d: Buffer) => (errors += d.toString()));
      const printed = new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => {
          output += d.toString();
          if (output.includes('\n')) resolve(output);
        });
        child.once('exit', (code) => reject(new Error(`watch.mjs exited with ${code}: ${errors}`)));
      });
      await untilActiveSubscriptions(service.url, 1);
      const change = JSON.parse(/`gql '(.*)'`/.exec(text)![1]!) as { query: string };
      await gql(change);
      const event = JSON.parse((await printed).split('\n')[0]!) as { flowUpdated: { label: string } };
      expect(event.flowUpdated.label).toBe(/label: \\?"([^"\\]+)\\?"/.exec(change.query)![1]);
    } finally {
      child.kill();
      rmSync(file, { force: true });
    }
  });

  it('The same with the TAMS 7.0 REST API: its own flow, the status codes it states', async () => {
    const block = codeBlocks(section('The same with the TAMS 7.0 REST API'), 'sh')[0]!;
    const [flow, source] = [shellVariable(block, 'F'), shellVariable(block, 'S')];
    expect(flow).not.toBe(graphqlFlow);
    const body = {
      id: flow,
      source_id: source,
      format: 'urn:x-nmos:format:video',
      codec: 'video/h264',
      container: 'video/mp2t',
      label: 'Studio B camera 2',
      essence_parameters: { frame_width: 1920, frame_height: 1080, frame_rate: { numerator: 25 } },
    };
    expect(block).toContain(JSON.stringify(body.essence_parameters).replace(/,/g, ', ').replace(/:/g, ': '));

    expect(block).toMatch(/201 with the flow \(204 when it already existed/);
    expect((await rest('PUT', `/flows/${flow}`, body)).status).toBe(201);
    expect((await rest('PUT', `/flows/${flow}`, body)).status).toBe(204);
    expect(await (await rest('GET', `/sources/${source}`)).json()).toMatchObject({ id: source });

    expect(block).toMatch(/Allocate storage \(201\)/);
    const storage = await rest('POST', `/flows/${flow}/storage`, { limit: 2 });
    expect(storage.status).toBe(201);
    const { media_objects: objects } = (await storage.json()) as {
      media_objects: { object_id: string; put_url: { url: string; 'content-type': string } }[];
    };
    for (const o of objects) await upload(o.put_url.url, o.put_url['content-type']);

    const timerange = /"timerange": "([^"]+)"/.exec(block)![1]!;
    expect(block).toMatch(
      /as a segment \(201\)\. Registering a second segment over the same time is refused \(400/,
    );
    expect(
      (await rest('POST', `/flows/${flow}/segments`, { object_id: objects[0]!.object_id, timerange })).status,
    ).toBe(201);
    const overlap = await rest('POST', `/flows/${flow}/segments`, {
      object_id: objects[1]!.object_id,
      timerange,
    });
    expect(overlap.status).toBe(400);

    const query = /segments\?(timerange=\S+)"/.exec(block)![1]!;
    const listed = await rest('GET', `/flows/${flow}/segments?${query}`);
    expect(listed.status).toBe(200);
    const segments = (await listed.json()) as { object_id: string; get_urls: { url: string }[] }[];
    expect(segments.map((s) => s.object_id)).toEqual([objects[0]!.object_id]);
    const download = await fetch(segments[0]!.get_urls[0]!.url); // no token: the URL is signed
    expect(Buffer.from(await download.arrayBuffer()).equals(MEDIA)).toBe(true);

    expect(block).toMatch(/Delete the flow \(204/);
    expect((await rest('DELETE', `/flows/${flow}`)).status).toBe(204);
    expect((await rest('GET', `/flows/${flow}`)).status).toBe(404);
    expect((await rest('GET', `/sources/${source}`)).status).toBe(404);
    // The GraphQL session's flow is untouched.
    expect((await rest('GET', `/flows/${graphqlFlow}`)).status).toBe(200);
  });
});
