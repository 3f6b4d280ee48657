// CPU profiles of the page and its worker while bench/pages/runtime.html runs one mode, for finding where a call's
// time goes: `node bench/profile-runtime.mjs sdk [calls]` writes bench/results/<mode>-{page,worker0}.cpuprofile
// (open them in Chromium's DevTools, Performance panel) and prints, per thread, the busy time per call and the
// functions with the most self time per call. `node bench/profile-runtime.mjs ort-proxy` profiles onnxruntime-web's
// proxy worker the same way, for comparison. PROFILE_CASE=tiny picks the other model.
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { chromium } from 'playwright-core';
import { createServer } from 'vite';

const mode = process.argv[2] ?? 'sdk';
const calls = Number(process.argv[3] ?? 40000);
const caseId = process.env.PROFILE_CASE ?? 'digits';
const server = await createServer({ configFile: 'vite.config.ts', server: { port: 0, hmr: false }, logLevel: 'error' });
await server.listen();
const base = `http://127.0.0.1:${server.httpServer.address().port}`;
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox'], headless: true });
try {
  const page = await browser.newPage();
  const cdp = await page.context().newCDPSession(page);
  // Workers are reached through the page's session (not flattened): commands and answers travel as messages.
  const workers = [];
  const answers = new Map();
  let next = 1;
  cdp.on('Target.attachedToTarget', (e) => workers.push(e.sessionId));
  cdp.on('Target.receivedMessageFromTarget', (e) => {
    const m = JSON.parse(e.message);
    answers.get(m.id)?.(m.result);
  });
  const send = (sessionId, method, params = {}) => new Promise((resolve) => {
    const id = next++;
    answers.set(id, resolve);
    void cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method, params }) });
  });
  await cdp.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: false, flatten: false });
  await page.goto(`${base}/bench/pages/runtime.html?mode=${mode}&case=${caseId}&calls=${calls}`);
  await new Promise((r) => setTimeout(r, Number(process.env.PROFILE_WAIT_MS ?? 5000))); // past the load, into the timed calls
  const targets = [[undefined, 'page'], ...workers.map((w, i) => [w, `worker${i}`])];
  for (const [w] of targets) {
    const call = (method, params) => (w ? send(w, method, params) : cdp.send(method, params));
    await call('Profiler.enable');
    await call('Profiler.setSamplingInterval', { interval: 50 });
    await call('Profiler.start');
  }
  const callsBefore = await page.evaluate(() => window.benchCalls);
  await new Promise((r) => setTimeout(r, 2000));
  const done = (await page.evaluate(() => window.benchCalls)) - callsBefore;
  mkdirSync('bench/results', { recursive: true });
  console.log(`${mode} (${caseId}): ${done} calls in 2 s, ${(2000 / done).toFixed(3)} ms each; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  for (const [w, name] of targets) {
    const { profile } = w ? await send(w, 'Profiler.stop') : await cdp.send('Profiler.stop');
    writeFileSync(`bench/results/${mode}-${name}.cpuprofile`, JSON.stringify(profile));
    const times = selfTimes(profile);
    const busy = times.filter(([fn]) => !fn.startsWith('(idle)')).reduce((n, [, ms]) => n + ms, 0);
    console.log(`\n${mode} ${name}: busy ${(busy * 1000 / done).toFixed(1)} µs per call (self time, µs per call)`);
    for (const [fn, ms] of times.slice(0, Number(process.env.PROFILE_TOP ?? 20))) console.log(`${(ms * 1000 / done).toFixed(2).padStart(8)}  ${fn}`);
  }
} finally {
  await browser.close();
  await server.close();
}

function selfTimes(profile) {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  profile.samples.forEach((id, i) => {
    const { functionName, url, lineNumber } = nodes.get(id).callFrame;
    const key = `${functionName || '(anonymous)'} ${url.split('/').slice(-2).join('/')}:${lineNumber}`;
    self.set(key, (self.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  });
  return [...self].sort((a, b) => b[1] - a[1]);
}
