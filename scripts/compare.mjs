// npm run compare: the lab's matrix in headless Chromium, the same engine as the lab page (demo/index.html).
//   npm run compare -- [--model file.onnx [--inputs file.npy]] ... [--models digits,vad] [--backends wasm,webgpu]
//     [--variants fp32,int8-dynamic] [--batches 1,16] [--runs 20-400] [--budget 2000] [--no-quality]
//     [--json out.json] [--csv out.csv]
// Without --model it compares the bundled models. Prints the table and one recommendation per model. Exit codes:
// 0 done, 2 bad arguments or a bad model/inputs file (the message names its code), 1 anything else.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { chromium } from 'playwright-core';
import { createServer } from 'vite';
import { parseCompareArgs, printTable } from './compare-format.mjs';

const usage = 'usage: npm run compare -- [--model file.onnx [--inputs file.npy]] ... [--models ids] [--backends wasm,webgpu,...] ' +
  '[--variants ...] [--batches 1,16,64] [--runs MIN-MAX] [--budget MS] [--no-quality] [--json out.json] [--csv out.csv]';

let args;
try {
  args = parseCompareArgs(process.argv.slice(2));
} catch (error) {
  console.error(`error ${error.code ?? 'options-invalid'}: ${error.message}\n${usage}`);
  process.exit(2);
}
if (args.help) {
  console.log(usage);
  process.exit(0);
}

for (const file of args.models.flatMap((m) => [m.file, m.inputs]).filter(Boolean)) {
  if (!existsSync(file)) {
    console.error(`error file-not-found: ${file} does not exist`);
    process.exit(2);
  }
}

// Before a browser starts: an unknown id would otherwise surface only after the known models were measured.
const bundled = JSON.parse(readFileSync('models/manifest.json', 'utf8')).models.map((m) => m.id);
const unknownIds = (args.config.models ?? []).filter((id) => !bundled.includes(id));
if (unknownIds.length > 0) {
  console.error(`error model-unknown: not in the manifest: ${unknownIds.join(', ')} (bundled: ${bundled.join(', ')})`);
  process.exit(2);
}

const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const flags = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'];
const webgpu = ['--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-vulkan=swiftshader', '--use-webgpu-adapter=swiftshader', '--disable-vulkan-surface'];

const server = await createServer({ configFile: 'vite.config.ts', server: { port: 0, hmr: false }, logLevel: 'error' });
await server.listen();
const base = `http://127.0.0.1:${server.httpServer.address().port}`;
const browser = await chromium.launch({ executablePath, args: [...flags, ...webgpu], headless: true });
let code = 0;
try {
  const page = await browser.newPage();
  page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
  await page.goto(`${base}/demo/`);
  await page.waitForFunction(() => window.edgeInferLab !== undefined, undefined, { timeout: 120_000 });
  await page.evaluate(() => window.edgeInferLab.ready);
  for (const model of args.models) {
    const files = [{ name: basename(model.file), b64: readFileSync(model.file).toString('base64') }];
    if (model.inputs) files.push({ name: basename(model.inputs), b64: readFileSync(model.inputs).toString('base64') });
    const failed = await page.evaluate(async (files) => {
      const toFile = ({ name, b64 }) => new File([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], name);
      try {
        await window.edgeInferLab.addModel(toFile(files[0]), files[1] && toFile(files[1]));
        return undefined;
      } catch (error) {
        return { code: String(error?.code ?? 'lab-failed'), message: String(error?.message ?? error) };
      }
    }, files);
    if (failed) throw Object.assign(new Error(`${model.file}: ${failed.message}`), { code: failed.code, exit: 2 });
  }
  // Progress on stderr: one live line on a terminal, a line every 5 s in a log.
  let printedAt = 0;
  await page.exposeFunction('compareProgress', (line) => {
    if (process.stderr.isTTY) process.stderr.write(`\r\x1b[K${line}`);
    else if (Date.now() - printedAt > 5000) (printedAt = Date.now()), process.stderr.write(`${line}\n`);
  });
  const { report, json, csv, problems } = await page.evaluate(async (config) => {
    const report = await window.edgeInferLab.run(config, (p) => void window.compareProgress(`${p.done}/${p.total} ${p.model}: ${p.cell} (${p.phase})`));
    const { toCsv, toJson, checkReport } = await import('/demo/lab/export.ts');
    return { report, json: toJson(report), csv: toCsv(report), problems: checkReport(report) };
  }, args.config);
  if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
  if (problems.length > 0) throw new Error(`the report does not match its schema: ${problems.join('; ')}`);
  printTable(report, (line) => console.log(line));
  if (args.json) writeFileSync(args.json, json);
  if (args.csv) writeFileSync(args.csv, csv);
  const failedModels = report.models.filter((m) => m.rows.every((r) => r.error));
  if (failedModels.length > 0) {
    const first = failedModels[0].rows[0]?.error;
    throw Object.assign(new Error(`nothing ran for ${failedModels.map((m) => m.model).join(', ')}: ${first?.message ?? 'no rows'}`), {
      code: first?.code ?? 'lab-failed', exit: first?.code === 'inputs-unsupported' || first?.code === 'npy-mismatch' ? 2 : 1,
    });
  }
} catch (error) {
  console.error(`error ${error.code ?? 'lab-failed'}: ${error.message}`);
  code = error.exit ?? 1;
} finally {
  await browser.close();
  await server.close();
}
process.exit(code);
