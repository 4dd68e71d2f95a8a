// The call-graph view's content, pure (no vscode import, so the tests run it): the `heatlens/callgraph`
// payload's types, DOT -> SVG with Graphviz compiled to WebAssembly (@hpcc-js/wasm-graphviz, bundled into
// the extension: nothing is fetched), and the page around the SVG.
export interface CallGraphNode {
  id: string;
  kind: 'function' | 'class' | 'module' | 'external';
  file: string;
  line: number;
  qualname: string;
  ran: boolean | null;
  calls: number | null;
  selfTime: number;
  totalTime: number;
}

export interface CallGraphEdge {
  caller: string;
  callee: string;
  static: boolean;
  observed: boolean;
  time: number;
}

export interface CallGraphResult {
  runId: number;
  name: string;
  root: string;
  merged: boolean;
  exactCalls: boolean;
  truncated: boolean;
  nodes: CallGraphNode[];
  edges: CallGraphEdge[];
  neverRan: string[];
  dot: string;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

/** Graphviz's SVG without its XML prolog and doctype, ready to inline into HTML. */
export function inlineSvg(svg: string): string {
  const start = svg.indexOf('<svg');
  return start >= 0 ? svg.slice(start) : svg;
}

/** DOT -> SVG with Graphviz compiled to WebAssembly (loaded on first use only: it is ~800 kB). */
export async function renderDot(dot: string): Promise<string> {
  const { Graphviz } = await import('@hpcc-js/wasm-graphviz');
  const graphviz = await Graphviz.load();
  return inlineSvg(graphviz.dot(dot));
}

/** One line under the title: what ran, what never ran, and how sure that is. */
export function graphSummary(g: CallGraphResult): string {
  const funcs = g.nodes.filter((n) => n.kind === 'function');
  const ran = funcs.filter((n) => n.ran).length;
  const taken = g.edges.filter((e) => e.observed).length;
  const never = g.exactCalls ? 'never ran' : 'never seen in samples';
  return `${funcs.length} functions: ${ran} ran, ${g.neverRan.length} ${never}; ${g.edges.length} calls, ${taken} taken` +
    (g.truncated ? ' (large project: showing what ran and its neighbours)' : '');
}

export function callGraphHtml(g: CallGraphResult, svg: string, cspSource: string, n: string): string {
  return `<!DOCTYPE html><html><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src ${cspSource} data:; style-src ${cspSource} 'unsafe-inline'; script-src 'nonce-${n}';">
<style>
body { font-family: var(--vscode-font-family); color: var(--vscode-foreground); }
#graph svg { max-width: none; height: auto; }
#graph { display: inline-block; background: #fff; border-radius: 4px; padding: 4px; } /* Graphviz draws black on white: readable in every theme */
#graph g.node { cursor: pointer; }
#graph g.node:hover polygon, #graph g.node:hover path { stroke-width: 2.5; }
.legend span { margin-right: 14px; }
.hot { background: hsl(0, 80%, 75%); color: #000; padding: 0 4px; }
.never { border: 1px dashed grey; color: grey; padding: 0 4px; }
</style></head><body>
<h2>Call graph: ${escapeHtml(g.name)}</h2>
<p id="summary">${escapeHtml(graphSummary(g))}</p>
<p class="legend"><span class="hot">ran (redder = more time)</span><span class="never">never ran</span><span><b>bold edge</b>: taken (time)</span><span>dotted: static only</span><span style="color: #48f">blue: run-time only</span></p>
<div id="graph">${svg}</div>
<script nonce="${n}">(function () {
  const vscode = acquireVsCodeApi();
  document.getElementById('graph').addEventListener('click', (e) => {
    const node = e.target instanceof Element ? e.target.closest('g.node') : null;
    const title = node ? node.querySelector('title') : null;
    if (title) vscode.postMessage({ type: 'open', id: title.textContent });
  });
})();</script>
</body></html>`;
}
