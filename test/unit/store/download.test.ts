// download() refuses anything but http(s) and blob URLs, whatever reached it (load() checks first; this is the backstop).
import { expect, test } from 'vitest';
import { EdgeInferError } from '../../../src/errors.js';
import { download } from '../../../src/store/download.js';

const options = (url: string) => ({
  url, offset: 0, total: undefined, signal: new AbortController().signal, retries: 0, backoffMs: 1, onData: async () => undefined,
});

test('javascript:, data:, file: and other schemes are options-invalid, before any request', async () => {
  for (const url of ['javascript:alert(1)', 'data:application/octet-stream;base64,AAAA', 'file:///etc/passwd', 'ftp://x/m.onnx', 'not a url']) {
    const error = await download(options(url)).catch((e: unknown) => e);
    expect(error, url).toBeInstanceOf(EdgeInferError);
    expect((error as EdgeInferError).code, url).toBe('options-invalid');
  }
});
