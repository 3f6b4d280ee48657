// Renames every internal value and node to a short id. Exporters write long, path-like names that can take 5-10%
// of a model's bytes; after int8 that share quadruples. The graph's own inputs and outputs keep their names.
// Every name field it visits is written afterwards, empty ones too (setField), as this pass has always done.
import { subgraphs } from './graph.js';
import { setField, type GraphProto, type ModelProto } from './proto.js';

export function compactNames(model: ModelProto): void {
  const keep = new Set([...model.graph.input, ...model.graph.output].map((v) => v.name));
  const names = new Map<string, string>();
  let next = 0;
  const rename = (name: string): string => {
    if (!name || keep.has(name)) return name;
    let short = names.get(name);
    while (short === undefined || keep.has(short)) {
      short = `v${(next++).toString(36)}`;
      if (!keep.has(short)) names.set(name, short);
    }
    return short;
  };
  renameGraph(model.graph, rename);
}

function renameGraph(graph: GraphProto, rename: (name: string) => string): void {
  for (const v of [...graph.input, ...graph.output, ...graph.valueInfo]) setField(v, 'name', rename(v.name));
  for (const t of graph.initializer) setField(t, 'name', rename(t.name));
  for (const s of graph.sparseInitializer) if (s.values) setField(s.values, 'name', rename(s.values.name));
  for (const q of graph.quantizationAnnotation) setField(q, 'tensorName', rename(q.tensorName));
  for (const node of graph.node) {
    node.input = node.input.map(rename);
    node.output = node.output.map(rename);
    setField(node, 'name', rename(node.name ? `node:${node.name}` : ''));
    for (const a of node.attribute) if (node.opType === 'Constant' && a.t) setField(a.t, 'name', '');
    for (const sub of subgraphs(node)) renameGraph(sub.graph, rename);
  }
}
