import assert from 'node:assert/strict';
import { test } from 'node:test';
import { callGraphHtml, CallGraphResult, graphSummary, renderDot } from '../../extension/src/callGraphRender';

// DOT as heatlens.analysis.callgraph.to_dot writes it: a ran function filled, a never-ran one dashed, a taken edge bold
const DOT = `digraph heatlens_callgraph {
  rankdir=LR;
  node [shape=box, fontname="Helvetica"];
  "prog.main" [label="main\\nprog.py:10\\n1.2s, 1 calls", style=filled, fillcolor="0.0 0.90 1.0"];
  "prog.never" [label="never <&>\\nprog.py:3", style=dashed, color=grey50, fontcolor=grey50];
  "prog.main" -> "prog.work" [penwidth=2, label="1.1s"];
  "prog.never" -> "prog.work" [style=dotted];
}
`;

const graph = (extra: Partial<CallGraphResult> = {}): CallGraphResult => ({
  runId: 4, name: 'run 4: prog.py', root: '/w', merged: true, exactCalls: true, truncated: false,
  nodes: [
    { id: 'prog.main', kind: 'function', file: '/w/prog.py', line: 10, qualname: 'main', ran: true, calls: 1, selfTime: 0.1, totalTime: 1.2 },
    { id: 'prog.never', kind: 'function', file: '/w/prog.py', line: 3, qualname: 'never', ran: false, calls: null, selfTime: 0, totalTime: 0 },
    { id: 'prog', kind: 'module', file: '/w/prog.py', line: 1, qualname: '<module>', ran: null, calls: null, selfTime: 0, totalTime: 0 },
  ],
  edges: [{ caller: 'prog.main', callee: 'prog.never', static: true, observed: false, time: 0 }],
  neverRan: ['prog.never'], dot: DOT, ...extra,
});

test('Graphviz (WebAssembly) lays out the server DOT: one clickable group per node, styles kept, text escaped', async () => {
  const svg = await renderDot(DOT);
  assert.ok(svg.startsWith('<svg'), svg.slice(0, 80)); // no XML prolog: it is inlined into HTML
  const titles = [...svg.matchAll(/<g id="node\d+" class="node">\s*<title>([^<]*)<\/title>/g)].map((m) => m[1]).sort();
  assert.deepEqual(titles, ['prog.main', 'prog.never', 'prog.work']);
  assert.match(svg, /stroke-dasharray/); // the never-ran node is dashed
  assert.match(svg, /stroke-width="2"/); // the taken edge is bold
  assert.ok(svg.includes('never &lt;&amp;&gt;'), 'labels are XML-escaped');
  assert.ok(svg.includes('1.1s'));
});

test('summary counts functions that ran and never ran, with the caveat of sampled runs', () => {
  assert.equal(graphSummary(graph()), '2 functions: 1 ran, 1 never ran; 1 calls, 0 taken');
  assert.match(graphSummary(graph({ exactCalls: false, truncated: true })), /never seen in samples; .*large project/);
});

test('the page: strict CSP with a nonce, the svg inline, the title escaped', () => {
  const html = callGraphHtml(graph({ name: 'run 4: <x>' }), '<svg id="s"></svg>', 'vscode-resource:', 'N0NCE');
  assert.match(html, /default-src 'none';.*script-src 'nonce-N0NCE';/);
  assert.ok(html.includes('<script nonce="N0NCE">'));
  assert.ok(html.includes('<div id="graph"><svg id="s"></svg></div>'));
  assert.ok(html.includes('run 4: &lt;x&gt;') && !html.includes('<x>'));
});
