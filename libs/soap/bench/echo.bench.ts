/**
 * SOAP echo over HTTP vs a bare Fastify JSON route, same process layout, same run: the server
 * runs in a child process, this process drives it with 16 concurrent keep-alive connections
 * for ~5 s per route, and prints requests/s of each and their ratio.
 *
 *   pnpm exec tsx libs/soap/bench/echo.bench.ts
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import http from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { text } from '@mesh/xml';
import { soapEndpoint } from '@mesh/soap';

const CONCURRENCY = 16;
/** Per route in total, split into alternating rounds so background load affects both alike. */
const SECONDS = 5;
const ROUNDS = 4;
const ECHO = 'urn:ihe:iti:2007:RegistryStoredQuery';

async function serve(): Promise<void> {
  const spoolDir = await mkdtemp(join(tmpdir(), 'soap-echo-'));
  const app = Fastify();
  await app.register(soapEndpoint, {
    path: '/soap',
    spoolDir,
    operations: [
      {
        transaction: 'ITI-18',
        action: ECHO,
        responseAction: `${ECHO}Response`,
        handler: (req) =>
          Promise.resolve({ body: `<t:Echo xmlns:t="urn:test">${text(req.body) ?? ''}</t:Echo>` }),
      },
    ],
  });
  app.post('/bare', (req) => ({ echo: (req.body as { msg: string }).msg }));
  const addr = await app.listen({ port: 0, host: '127.0.0.1' });
  process.send?.({ addr });
  // CPU time of the server, asked for around each load phase: a measure that background load
  // on the machine distorts much less than requests/s.
  process.on('message', () => process.send?.({ cpu: process.cpuUsage() }));
  process.on('disconnect', () => {
    void app.close().then(() => rm(spoolDir, { recursive: true, force: true }));
  });
}

const soapBody = Buffer.from(
  `<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope" xmlns:wsa="http://www.w3.org/2005/08/addressing">` +
    `<env:Header><wsa:Action env:mustUnderstand="true">${ECHO}</wsa:Action>` +
    `<wsa:MessageID>urn:uuid:0d3c2b1a-0000-4000-8000-000000000001</wsa:MessageID>` +
    `<wsa:ReplyTo><wsa:Address>http://www.w3.org/2005/08/addressing/anonymous</wsa:Address></wsa:ReplyTo>` +
    `<wsa:To>http://127.0.0.1/soap</wsa:To></env:Header>` +
    `<env:Body><t:Ping xmlns:t="urn:test">hello</t:Ping></env:Body></env:Envelope>`,
);
const jsonBody = Buffer.from(JSON.stringify({ msg: 'hello' }));

function one(agent: http.Agent, url: URL, body: Buffer, contentType: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, {
      method: 'POST',
      agent,
      headers: { 'content-type': contentType, 'content-length': String(body.length) },
    });
    req.on('response', (res) => {
      res.on('data', () => undefined);
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function load(
  url: URL,
  body: Buffer,
  contentType: string,
  seconds: number,
): Promise<{ n: number; ms: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  // Warm-up (JIT, connections).
  for (let i = 0; i < 50; i++) await one(agent, url, body, contentType);
  let n = 0;
  const end = performance.now() + seconds * 1000;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < end) {
        const status = await one(agent, url, body, contentType);
        if (status !== 200) throw new Error(`HTTP ${status}`);
        n++;
      }
    }),
  );
  const ms = performance.now() - start;
  agent.destroy();
  return { n, ms };
}

function serverCpu(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    child.once('message', (m) => {
      const c = (m as { cpu: NodeJS.CpuUsage }).cpu;
      resolve(c.user + c.system);
    });
    child.send('cpu');
  });
}

async function main(): Promise<void> {
  const child: ChildProcess = fork(new URL(import.meta.url).pathname, ['serve'], { stdio: 'inherit' });
  const addr = await new Promise<string>((resolve) =>
    child.once('message', (m) => resolve((m as { addr: string }).addr)),
  );
  try {
    console.log(
      `node ${process.version}, ${CONCURRENCY} concurrent keep-alive connections, ${SECONDS} s per route`,
    );
    const total = { bare: { n: 0, ms: 0, cpu: 0 }, soap: { n: 0, ms: 0, cpu: 0 } };
    for (let r = 0; r < ROUNDS; r++) {
      let c0 = await serverCpu(child);
      const b = await load(new URL('/bare', addr), jsonBody, 'application/json', SECONDS / ROUNDS);
      let c1 = await serverCpu(child);
      total.bare.cpu += c1 - c0;
      c0 = c1;
      const s = await load(
        new URL('/soap', addr),
        soapBody,
        `application/soap+xml; charset=UTF-8; action="${ECHO}"`,
        SECONDS / ROUNDS,
      );
      c1 = await serverCpu(child);
      total.soap.cpu += c1 - c0;
      for (const [k, v] of [
        ['bare', b],
        ['soap', s],
      ] as const) {
        total[k].n += v.n;
        total[k].ms += v.ms;
      }
      console.log(
        `round ${r + 1}: bare ${((b.n * 1000) / b.ms).toFixed(0)} req/s, soap ${((s.n * 1000) / s.ms).toFixed(0)} req/s`,
      );
    }
    const bare = (total.bare.n * 1000) / total.bare.ms;
    const soap = (total.soap.n * 1000) / total.soap.ms;
    console.log(`bare Fastify JSON route : ${bare.toFixed(0).padStart(7)} req/s`);
    console.log(`SOAP 1.2 echo (WS-A)    : ${soap.toFixed(0).padStart(7)} req/s`);
    console.log(`SOAP / bare ratio       : ${(soap / bare).toFixed(2)}`);
    // Warm-up requests are included in the CPU totals; they are few (50 per round).
    const cpuPer = (k: 'bare' | 'soap'): number => total[k].cpu / (total[k].n + 50 * ROUNDS);
    console.log(
      `server CPU per request : bare ${cpuPer('bare').toFixed(0)} us, soap ${cpuPer('soap').toFixed(0)} us ` +
        `(ratio ${(cpuPer('soap') / cpuPer('bare')).toFixed(2)})`,
    );
  } finally {
    child.disconnect();
  }
}

if (process.argv[2] === 'serve') await serve();
else await main();
