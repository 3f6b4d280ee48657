// Processors against the model they serve, when it loads: inputs and outputs that exist, shapes the pre-processor
// makes, inputs left without a value; and custom modules imported, so a broken one fails load(), not a predict().
import { EdgeInferError } from '../../errors.js';
import type { PostModule, PreModule, ProcessorSignature } from '../../processors/modules.js';
import { rowWidth } from '../../processors/rows.js';
import type { ImagePre, Processors } from '../../processors/spec.js';
import type { LoadRequest } from '../../rpc/protocol.js';
import type { ValueInfo } from '../../tensor.js';
import { importModule, moduleUrl, type LoadedModule } from './modules.js';

/** What predict() needs of a loaded model beyond its processors: its signature and imported modules. */
export interface Prepared {
  signature: ProcessorSignature;
  pre?: LoadedModule<PreModule['pre']>;
  post?: LoadedModule<PostModule['post']>;
}

/** Throws when the processors do not fit the model: `options-invalid` for the app's, `manifest-invalid` for the manifest's. */
export function checkFits(processors: Processors, inputs: readonly ValueInfo[], outputs: readonly ValueInfo[], id: string, fromManifest: boolean): void {
  const where = fromManifest ? `the manifest entry of model "${id}"` : `load() option processors of model "${id}"`;
  const fail = (what: string): never => {
    throw new EdgeInferError(fromManifest ? 'manifest-invalid' : 'options-invalid', `${where}: ${what}`, { model: id });
  };
  const { pre, post } = processors;
  const names = (list: readonly ValueInfo[]) => list.map((v) => v.name).join(', ');
  const input = (name: string, at: string) => inputs.find((i) => i.name === name) ?? fail(`${at} "${name}" is not an input of the model (it has ${names(inputs)})`);
  const onlyFloat = (info: ValueInfo) => {
    if (inputs.length > 1) fail(`pre fills one input, but the model has ${inputs.length} (${names(inputs)})`);
    if (info.dtype !== 'float32') fail(`pre makes float32, but input "${info.name}" is ${info.dtype}`);
  };
  if (pre?.type === 'image') {
    const info = input(pre.input, 'pre.input');
    onlyFloat(info);
    const dims = shapeOf(pre);
    const want = info.dims;
    if (want && (want.length !== dims.length || want.some((d, i) => typeof d === 'number' && d !== dims[i]))) {
      fail(`pre makes [${dims.join(', ')}] (${pre.layout}, ${pre.channels}, ${pre.width}×${pre.height}), but input "${pre.input}" is [${want.join(', ')}]`);
    }
  }
  if (pre?.type === 'tabular') {
    const info = input(pre.input, 'pre.input');
    onlyFloat(info);
    const width = rowWidth(pre, info) ?? fail(`pre.features, pre.mean or pre.std must say how many values a row has: input "${pre.input}" is [${info.dims?.join(', ')}]`);
    const d = info.dims;
    const fits = (dim: number | string | undefined) => typeof dim !== 'number' || dim === width;
    if (d && !(d.length === 1 && fits(d[0])) && !(d.length === 2 && fits(d[1]) && (typeof d[0] !== 'number' || d[0] === 1))) fail(`pre makes rows of ${width} values ([n, ${width}]), but input "${pre.input}" is [${d.join(', ')}]`);
  }
  if (pre?.type === 'audio') {
    if (input(pre.input, 'pre.input').dtype !== 'float32') fail(`pre.input "${pre.input}" must be float32`);
    const filled = [pre.input, ...Object.keys(pre.constants ?? {})];
    if (pre.state) {
      filled.push(input(pre.state.input, 'pre.state.input').name);
      if (!outputs.some((o) => o.name === pre.state!.output)) fail(`pre.state.output "${pre.state.output}" is not an output of the model (it has ${names(outputs)})`);
    }
    for (const name of Object.keys(pre.constants ?? {})) input(name, 'pre.constants');
    const left = inputs.filter((i) => !filled.includes(i.name));
    if (left.length > 0) fail(`pre leaves input(s) ${names(left)} without a value: name them in pre.state or pre.constants`);
    if (post?.type === 'module') fail('post: stream() frames are read by a classes or values post-processor, not a module');
  }
  if (!post || post.type === 'module') return;
  const out = outputs.find((o) => o.name === post.output) ?? fail(`post.output "${post.output}" is not an output of the model (it has ${names(outputs)})`);
  if (post.type !== 'values') return;
  const row = out.dims?.slice(1);
  const width = row?.every((d) => typeof d === 'number') ? (row as number[]).reduce((a, b) => a * b, 1) : undefined;
  for (const k of ['scale', 'offset'] as const) {
    const v = post[k];
    if (Array.isArray(v) && width !== undefined && v.length !== width) fail(`post.${k} has ${v.length} values, but a row of output "${post.output}" has ${width}`);
  }
}

function shapeOf(pre: ImagePre): number[] {
  const c = pre.channels === 'rgb' ? 3 : 1;
  return pre.layout === 'nchw' ? [1, c, pre.height, pre.width] : pre.layout === 'nhwc' ? [1, pre.height, pre.width, c] : [1, pre.width * pre.height * c];
}

/**
 * Imports the modules the processors name. A manifest's URLs are resolved against the manifest's (the app's came
 * resolved against the page's) and written back into `processors`, so the model's processors say where the code
 * came from. Origins: the page's, or `allowed` (which then includes the page's).
 */
export async function importModules(processors: Processors, signature: ProcessorSignature, request: LoadRequest, allowed: readonly string[] | undefined): Promise<Prepared> {
  const base = !request.processors && request.source.kind === 'manifest' ? request.source.manifest : undefined;
  const prepared: Prepared = { signature };
  const { pre, post } = processors;
  if (pre?.type === 'module') {
    const url = moduleUrl(pre, 'pre', request.id, base, allowed);
    processors.pre = { ...pre, url };
    prepared.pre = await importModule('pre', url, pre.options, request.id);
  }
  if (post?.type === 'module') {
    const url = moduleUrl(post, 'post', request.id, base, allowed);
    processors.post = { ...post, url };
    prepared.post = await importModule('post', url, post.options, request.id);
  }
  return prepared;
}
