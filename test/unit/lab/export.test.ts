// The lab report's exports: CSV (RFC 4180), JSON without timings, the schema check, and the rerun link.
import { describe, expect, test } from 'vitest';
import { CSV_COLUMNS, checkReport, configFromSearch, rerunLink, toCsv, toJson } from '../../../demo/lab/export.js';
import { DEFAULT_CONFIG, type LabConfig, type LabReport, type LabRow } from '../../../demo/lab/types.js';

function row(over: Partial<LabRow> = {}): LabRow {
  return {
    variant: 'fp32', backend: 'wasm', threads: 1, batch: 1, bytes: 814840, loadMs: { cold: 120.5, warm: 30 }, firstMs: 3.25,
    p50Ms: 0.5, p95Ms: 0.9, perSecond: 2000, runs: 40, agreement: null, timings: [0.4, 0.5, 0.6], ...over,
  };
}

function report(): LabReport {
  return {
    schema: 'edge-infer-lab/1',
    createdAt: '2025-01-02T03:04:05.000Z',
    device: { userAgent: 'Chrome', hardwareConcurrency: 2, crossOriginIsolated: true, wasmThreads: 2, webgpu: { available: false, reason: 'no adapter' }, webnn: false },
    config: { ...DEFAULT_CONFIG },
    stopped: false,
    models: [
      {
        model: 'digits', bundled: true,
        inputs: [{ name: 'pixels', dtype: 'float32', dims: ['batch', 784] }],
        outputs: [{ name: 'probabilities', dtype: 'float32', dims: ['batch', 10] }],
        rows: [
          row({ quality: { kind: 'accuracy', accuracy: 0.969, samples: 2000, confusion: [[1, 0], [0, 1]] } }),
          row({ variant: 'int8-dynamic', bytes: 206208, agreement: { maxAbsDiff: 0.002, cosine: 0.99999, top1: 1 } }),
          row({ backend: 'webgpu', threads: 0, loadMs: { cold: null, warm: null }, firstMs: null, p50Ms: null, p95Ms: null, perSecond: null, runs: 0, error: { code: 'backend-unavailable', message: 'no adapter, sorry' } }),
        ],
        recommendation: { text: 'fp32 on wasm (1 thread)', pick: { variant: 'fp32', backend: 'wasm', threads: 1 } },
        detail: { 'fp32/wasm-1': { kind: 'accuracy' } },
      },
      {
        model: 'my "model", v2.onnx', bundled: false, inputs: [], outputs: [],
        rows: [row({ quality: { kind: 'mae', horizons: [{ months: 24, mae: 0.9, windows: 60 }, { months: 12, mae: 0.5, windows: 72 }] } }), row({ quality: { kind: 'frames', agreement: 0.99, frames: 240 } })],
        recommendation: { text: 'nothing ran: a\nb' },
      },
    ],
  };
}

/** RFC 4180 parser for the test: fields, with quotes and line breaks inside quotes. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let rowCells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (cell += '"'), i++;
      else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') rowCells.push(cell), (cell = '');
    else if (c === '\r' && text[i + 1] === '\n') rowCells.push(cell), rows.push(rowCells), (rowCells = []), (cell = ''), i++;
    else cell += c;
  }
  return rows;
}

describe('toCsv', () => {
  test('a header, then one line per row of every model; null is an empty cell; quality is the one number', () => {
    const lines = parseCsv(toCsv(report()));
    expect(lines[0]).toEqual([...CSV_COLUMNS]);
    expect(lines).toHaveLength(1 + 5);
    const at = (line: string[], column: (typeof CSV_COLUMNS)[number]) => line[CSV_COLUMNS.indexOf(column)];
    expect(lines[1]).toEqual(['digits', 'fp32', 'wasm', '1', '1', '814840', '120.5', '30', '3.25', '0.5', '0.9', '2000', '40', '', '', '', '0.969', '']);
    expect([at(lines[2]!, 'maxAbsDiff'), at(lines[2]!, 'cosine'), at(lines[2]!, 'top1')]).toEqual(['0.002', '0.99999', '1']);
    expect([at(lines[3]!, 'p50Ms'), at(lines[3]!, 'loadColdMs'), at(lines[3]!, 'error')]).toEqual(['', '', 'backend-unavailable']);
    expect(at(lines[4]!, 'quality')).toBe('0.5'); // the 12-month MAE, wherever it is in the list
    expect(at(lines[5]!, 'quality')).toBe('0.99');
    for (const line of lines) expect(line).toHaveLength(CSV_COLUMNS.length);
  });

  test('a name with a comma and quotes is quoted, its quotes doubled', () => {
    const text = toCsv(report());
    expect(text).toContain('\r\n"my ""model"", v2.onnx",fp32,');
    expect(parseCsv(text)[4]![0]).toBe('my "model", v2.onnx');
    expect(text.endsWith('\r\n')).toBe(true);
  });
});

test('toJson: pretty JSON of the report without timings, which passes the schema check', () => {
  const text = toJson(report());
  expect(text).toContain('\n  "schema": "edge-infer-lab/1"');
  expect(text).not.toContain('timings');
  const back = JSON.parse(text) as LabReport;
  expect(back.models[0]!.rows[0]!.p50Ms).toBe(0.5);
  expect(back.models[0]!.detail).toEqual({ 'fp32/wasm-1': { kind: 'accuracy' } });
  expect(checkReport(back)).toEqual([]);
  expect(checkReport(report())).toEqual([]); // with timings too
});

describe('checkReport', () => {
  test('names the path of each problem', () => {
    const bad = JSON.parse(toJson(report())) as Record<string, any>;
    bad.schema = 'edge-infer-lab/2';
    bad.models[0].rows[1].p50Ms = '0.5';
    bad.models[0].rows[1].agreement.cosine = null; // NaN in the page becomes null in JSON
    bad.models[0].rows[2].variant = 'int4';
    bad.models[0].recommendation.pick.threads = '1';
    delete bad.models[1].rows[0].loadMs;
    bad.config.backends = ['wasm-1', 'cuda'];
    delete bad.stopped;
    expect(checkReport(bad).sort()).toEqual([
      'config.backends[1]: expected one of webgpu, webnn, wasm-1, wasm-n, got "cuda"',
      'models[0].recommendation.pick.threads: expected a finite number, got "1"',
      'models[0].rows[1].agreement.cosine: expected a finite number, got null',
      'models[0].rows[1].p50Ms: expected a number or null, got "0.5"',
      'models[0].rows[2].variant: expected one of fp32, int8-dynamic, int8-weights, got "int4"',
      'models[1].rows[0].loadMs: expected an object, got undefined',
      'schema: expected "edge-infer-lab/1", got "edge-infer-lab/2"',
      'stopped: expected a boolean, got undefined',
    ]);
  });

  test('anything but an object is one problem, not a throw', () => {
    for (const value of [null, 3, 'report', [], undefined]) expect(checkReport(value)).toHaveLength(1);
    expect(checkReport({}).length).toBeGreaterThan(3);
  });
});

describe('rerun link', () => {
  const config: LabConfig = { models: ['digits', 'vad'], backends: ['wasm-1'], variants: ['fp32', 'int8-weights'], batches: [1, 16], minRuns: 20, maxRuns: 400, budgetMs: 2000, quality: false };

  test('the config goes through the query string and back', () => {
    const link = rerunLink('/lab.html', config);
    expect(link).toBe('/lab.html?models=digits,vad&backends=wasm-1&variants=fp32,int8-weights&batches=1,16&runs=20-400&budget=2000&quality=0');
    expect(configFromSearch(link.slice(link.indexOf('?')))).toEqual(config);
    expect(configFromSearch(new URL(rerunLink('https://x.test/lab?debug=1&models=old#top', DEFAULT_CONFIG)).search)).toEqual(DEFAULT_CONFIG);
  });

  test('other parameters and the fragment of the base are kept; an old config is replaced', () => {
    const link = rerunLink('https://x.test/lab?debug=1&models=old&batches=9#top', config);
    const url = new URL(link);
    expect(url.searchParams.get('debug')).toBe('1');
    expect(url.searchParams.getAll('models')).toEqual(['digits,vad']);
    expect(url.searchParams.getAll('batches')).toEqual(['1,16']);
    expect(url.hash).toBe('#top');
  });

  test('invalid values are left out, unknown backends and variants dropped, nothing throws', () => {
    expect(configFromSearch('?models=digits,,vad,digits&backends=wasm-1,cuda,webgpu&variants=int4,fp32&batches=1,0,-3,2.5,x,16,99999&runs=20-400&budget=2000&quality=1'))
      .toEqual({ models: ['digits', 'vad'], backends: ['wasm-1', 'webgpu'], variants: ['fp32'], batches: [1, 16], minRuns: 20, maxRuns: 400, budgetMs: 2000, quality: true });
    expect(configFromSearch('backends=cuda&variants=&batches=0&runs=400-20&budget=-5&quality=maybe')).toEqual({});
    expect(configFromSearch('runs=abc&budget=Infinity')).toEqual({});
    expect(configFromSearch('runs=50')).toEqual({ minRuns: 50, maxRuns: 50 });
    expect(configFromSearch('%E0%A4%A&models=%')).toEqual({ models: ['%'] });
    expect(configFromSearch('')).toEqual({});
  });
});
