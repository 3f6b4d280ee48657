// The "bring your own" box: dropped or picked files paired up (.onnx with its .npy), and the list of the user's
// models: quantizing, ready (a checkbox, the variants made, the quantizer's message) or failed (the message, next
// to the model's name).
import { kib } from './controls.js';
import type { DroppedModel } from './files.js';

export type Entry =
  | { id: string; state: 'reading'; npy?: string }
  | { id: string; state: 'ready'; model: DroppedModel }
  | { id: string; state: 'failed'; npy?: string; error: { code: string; message: string } };

const $ = (id: string) => document.getElementById(id)!;
const isOnnx = (f: File) => /\.onnx$/i.test(f.name);
const isNpy = (f: File) => /\.npy$/i.test(f.name);
const stem = (name: string) => name.replace(/\.[^.]*$/, '');

/** Pairs each .onnx with the .npy of the same name (or the only .npy when one model came); the rest is a problem. */
export function pairFiles(files: readonly File[]): { pairs: [File, File | undefined][]; problems: string[] } {
  const models = files.filter(isOnnx);
  const npys = files.filter(isNpy);
  const problems = files.filter((f) => !isOnnx(f) && !isNpy(f)).map((f) => `${f.name}: expected an .onnx model or a .npy file of sample inputs`);
  const used = new Set<File>();
  const pairs = models.map((m): [File, File | undefined] => {
    const npy = npys.find((n) => stem(n.name) === stem(m.name)) ?? (models.length === 1 ? npys[0] : undefined);
    if (npy) used.add(npy);
    return [m, npy];
  });
  for (const n of npys) if (!used.has(n)) problems.push(`${n.name}: drop it together with the .onnx model it holds inputs for`);
  return { pairs, problems };
}

/** Calls `onFiles` with what was dropped on the box or picked with its file input. */
export function initDropzone(onFiles: (files: File[]) => void): void {
  const drop = $('drop');
  const input = $('file') as HTMLInputElement;
  drop.addEventListener('dragover', (e) => {
    e.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    onFiles([...(e.dataTransfer?.files ?? [])]);
  });
  input.addEventListener('change', () => {
    onFiles([...(input.files ?? [])]);
    input.value = ''; // picking the same file again is a new change
  });
}

export function showFileProblems(problems: readonly string[]): void {
  $('file-errors').replaceChildren(...problems.map((p) => Object.assign(document.createElement('li'), { textContent: p })));
}

function describe(entry: Entry, unticked: ReadonlySet<string>): HTMLLIElement {
  const li = document.createElement('li');
  li.dataset.model = entry.id;
  li.dataset.state = entry.state;
  const name = document.createElement('label');
  if (entry.state === 'ready') {
    const box = Object.assign(document.createElement('input'), { type: 'checkbox', value: entry.id, checked: !unticked.has(entry.id) });
    name.append(box, ' ');
  }
  name.append(Object.assign(document.createElement('strong'), { textContent: entry.id }));
  const meta = Object.assign(document.createElement('span'), { className: 'meta' });
  const remove = Object.assign(document.createElement('button'), { type: 'button', className: 'small remove', textContent: 'remove' });
  li.append(name, meta, remove);
  if (entry.state === 'reading') meta.textContent = `checking and quantizing in a worker…${entry.npy ? ` (samples: ${entry.npy})` : ''}`;
  if (entry.state === 'failed') {
    meta.textContent = entry.npy ? `with ${entry.npy}` : '';
    li.append(Object.assign(document.createElement('p'), { className: 'message error', textContent: `${entry.error.code}: ${entry.error.message}` }));
  }
  if (entry.state === 'ready') {
    const { source, inputs, npy } = entry.model;
    const signature = inputs.map((i) => `${i.name} ${i.dtype}[${i.dims?.join(', ') ?? '?'}]`).join(', ');
    meta.textContent = `${source.variants.map((v) => `${v.variant} ${kib(v.bytes)}`).join(' · ')} — ${signature} — ${npy ? `samples from ${npy}` : 'inputs made from the signature'}`;
    if (source.quantizeError) {
      const only = source.variants.length === 1 ? ' Only the fp32 file is compared.' : '';
      li.append(Object.assign(document.createElement('p'), { className: 'message', textContent: `The quantizer: ${source.quantizeError}.${only}` }));
    }
  }
  return li;
}

/** Renders the list; `onRemove(id)` when a model's remove button is pressed. */
export function showEntries(entries: Iterable<Entry>, onRemove: (id: string) => void): void {
  const boxes = [...$('dropped').querySelectorAll<HTMLInputElement>('input[type=checkbox]')];
  const unticked = new Set(boxes.filter((b) => !b.checked).map((b) => b.value)); // a re-render keeps the user's choice
  const items = [...entries].map((entry) => {
    const li = describe(entry, unticked);
    li.querySelector('button.remove')!.addEventListener('click', () => onRemove(entry.id));
    return li;
  });
  $('dropped').replaceChildren(...items);
}

/** Ids of the dropped models whose box is ticked. */
export function selectedDropped(): string[] {
  return [...$('dropped').querySelectorAll<HTMLInputElement>('input[type=checkbox]')].filter((i) => i.checked).map((i) => i.value);
}
