import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';

/**
 * A renderer for the subset of Helm's Go templates that deploy/helm/tams uses, so a test can render the
 * chart with its default values where Helm cannot be installed. Supported: `{{ }}` with `{{-`/`-}}`
 * trimming and comments; pipelines with `|`; parentheses; `.`, `$`, field paths (`.Values.a.b`,
 * `$.Release.Name`), string/number/bool literals; `if`/`else`/`end`, `range`/`end` (dot is the item),
 * `define`/`include`; functions include, toYaml, nindent, indent, quote, default, required, b64enc,
 * printf (%s %d %v), trunc, trimSuffix, contains, eq, ne, not, and, or. Anything else is an error, never silently
 * rendered: a template that uses more needs this renderer extended (or Helm). Stricter than Helm in
 * one way: printing a value the values do not have is an error (Helm prints nothing), to catch typos.
 */

type Node =
  | { kind: 'text'; text: string }
  | { kind: 'action'; pipe: string }
  | { kind: 'if'; pipe: string; then: Node[]; else: Node[] }
  | { kind: 'range'; pipe: string; body: Node[] }
  | { kind: 'define'; name: string; body: Node[] };

interface Scope {
  readonly dot: unknown;
  readonly root: unknown;
  readonly defines: Map<string, Node[]>;
}

export interface RenderedChart {
  /** Every rendered Kubernetes object, in file order. */
  readonly objects: Record<string, unknown>[];
  /** The rendered text of each template file. */
  readonly files: ReadonlyMap<string, string>;
}

/** Renders the chart at `chartDir` with its values.yaml (merged with `overrides`). */
export function renderChart(
  chartDir: string,
  release = { Name: 'tams', Namespace: 'media' },
  overrides: Record<string, unknown> = {},
): RenderedChart {
  const chart = parse(readFileSync(join(chartDir, 'Chart.yaml'), 'utf8')) as Record<string, unknown>;
  const values = merge(parse(readFileSync(join(chartDir, 'values.yaml'), 'utf8')) ?? {}, overrides);
  const root = {
    Values: values,
    Release: { ...release, Service: 'Helm' },
    Chart: { Name: chart.name, Version: chart.version, AppVersion: chart.appVersion },
  };
  const dir = join(chartDir, 'templates');
  const names = readdirSync(dir).sort();
  const defines = new Map<string, Node[]>();
  const parsed = new Map<string, Node[]>();
  for (const name of names) {
    if (!name.endsWith('.yaml') && !name.endsWith('.tpl')) continue;
    const nodes = parseTemplate(readFileSync(join(dir, name), 'utf8'), name);
    for (const n of nodes) if (n.kind === 'define') defines.set(n.name, n.body);
    parsed.set(name, nodes);
  }
  const files = new Map<string, string>();
  const objects: Record<string, unknown>[] = [];
  for (const [name, nodes] of parsed) {
    if (name.startsWith('_') || !name.endsWith('.yaml')) continue;
    const text = renderNodes(nodes, { dot: root, root, defines }, name);
    files.set(name, text);
    for (const doc of text.split(/^---\s*$/m)) {
      if (!doc.trim()) continue;
      let object: unknown;
      try {
        object = parse(doc);
      } catch (error) {
        throw new Error(`${name} rendered invalid YAML: ${(error as Error).message}\n${doc}`);
      }
      if (object !== null) objects.push(object as Record<string, unknown>);
    }
  }
  return { objects, files };
}

function merge(base: unknown, over: unknown): unknown {
  if (!isMap(base) || !isMap(over)) return over === undefined ? base : over;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = merge(base[k], v);
  return out;
}

const isMap = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

// ---- parsing ----

function parseTemplate(source: string, file: string): Node[] {
  const parts: ({ text: string } | { action: string })[] = [];
  let at = 0;
  while (at < source.length) {
    const open = source.indexOf('{{', at);
    if (open < 0) {
      parts.push({ text: source.slice(at) });
      break;
    }
    const close = source.indexOf('}}', open);
    if (close < 0) throw new Error(`${file}: unclosed {{ at offset ${open}`);
    let text = source.slice(at, open);
    let inner = source.slice(open + 2, close);
    if (inner.startsWith('-')) {
      text = text.replace(/\s+$/, '');
      inner = inner.slice(1);
    }
    let next = close + 2;
    if (inner.endsWith('-')) {
      inner = inner.slice(0, -1);
      const rest = /^\s*/.exec(source.slice(next))![0];
      next += rest.length;
    }
    parts.push({ text }, { action: inner.trim() });
    at = next;
  }
  let i = 0;
  const block = (endings: readonly string[]): { nodes: Node[]; ended: string } => {
    const nodes: Node[] = [];
    while (i < parts.length) {
      const part = parts[i++]!;
      if ('text' in part) {
        if (part.text) nodes.push({ kind: 'text', text: part.text });
        continue;
      }
      const a = part.action;
      if (a.startsWith('/*')) continue;
      const word = a.split(/\s+/)[0]!;
      if (endings.includes(word)) return { nodes, ended: word };
      if (word === 'if') {
        const then = block(['else', 'end']);
        const otherwise = then.ended === 'else' ? block(['end']).nodes : [];
        nodes.push({ kind: 'if', pipe: a.slice(2).trim(), then: then.nodes, else: otherwise });
      } else if (word === 'range') {
        nodes.push({ kind: 'range', pipe: a.slice(5).trim(), body: block(['end']).nodes });
      } else if (word === 'define') {
        const name = JSON.parse(a.slice(6).trim()) as string;
        nodes.push({ kind: 'define', name, body: block(['end']).nodes });
      } else if (['else', 'end', 'with', 'template', 'block'].includes(word) || a.startsWith('$')) {
        throw new Error(`${file}: "{{ ${a} }}" is not supported by this renderer (or is misplaced)`);
      } else nodes.push({ kind: 'action', pipe: a });
    }
    if (endings.length) throw new Error(`${file}: missing {{ end }}`);
    return { nodes, ended: '' };
  };
  return block([]).nodes;
}

// ---- evaluation ----

function renderNodes(nodes: readonly Node[], scope: Scope, file: string): string {
  let out = '';
  for (const node of nodes) {
    switch (node.kind) {
      case 'text':
        out += node.text;
        break;
      case 'define':
        break;
      case 'action':
        out += print(evalPipe(node.pipe, scope, file), node.pipe, file);
        break;
      case 'if':
        out += renderNodes(truthy(evalPipe(node.pipe, scope, file)) ? node.then : node.else, scope, file);
        break;
      case 'range': {
        const items = evalPipe(node.pipe, scope, file);
        const list = Array.isArray(items) ? items : isMap(items) ? Object.values(items) : [];
        for (const item of list) out += renderNodes(node.body, { ...scope, dot: item }, file);
        break;
      }
    }
  }
  return out;
}

function print(value: unknown, pipe: string, file: string): string {
  if (value === undefined || value === null)
    throw new Error(`${file}: {{ ${pipe} }} has no value (missing from values.yaml?)`);
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
    return String(value);
  throw new Error(`${file}: {{ ${pipe} }} is a map or list: use toYaml`);
}

function truthy(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (isMap(v)) return Object.keys(v).length > 0;
  return true;
}

type Token = string | Token[];

function tokenize(source: string, file: string): Token[] {
  const stack: Token[][] = [[]];
  const re = /\s*("(?:[^"\\]|\\.)*"|\(|\)|\||[^\s()|]+)/gy;
  let m: RegExpExecArray | null;
  while ((m = re.exec(source)) !== null) {
    const t = m[1]!;
    if (t === '(') stack.push([]);
    else if (t === ')') {
      const group = stack.pop();
      if (!group || stack.length === 0) throw new Error(`${file}: unbalanced ) in ${source}`);
      stack.at(-1)!.push(group);
    } else stack.at(-1)!.push(t);
    if (re.lastIndex >= source.length) break;
  }
  if (stack.length !== 1) throw new Error(`${file}: unbalanced ( in ${source}`);
  return stack[0]!;
}

function evalPipe(source: string, scope: Scope, file: string): unknown {
  return evalTokens(tokenize(source, file), scope, file);
}

function evalTokens(tokens: Token[], scope: Scope, file: string): unknown {
  const commands: Token[][] = [[]];
  for (const t of tokens)
    if (t === '|') commands.push([]);
    else commands.at(-1)!.push(t);
  let piped: { value: unknown } | undefined;
  for (const command of commands) {
    if (command.length === 0) throw new Error(`${file}: empty command in a pipeline`);
    const [head, ...rest] = command;
    if (typeof head === 'string' && FUNCTIONS[head]) {
      const args = rest.map((a) => evalArg(a, scope, file));
      if (piped) args.push(piped.value);
      piped = { value: FUNCTIONS[head](args, scope, file) };
    } else {
      if (piped || rest.length)
        throw new Error(`${file}: "${String(head)}" is not a function this renderer knows`);
      piped = { value: evalArg(head!, scope, file) };
    }
  }
  return piped!.value;
}

function evalArg(token: Token, scope: Scope, file: string): unknown {
  if (Array.isArray(token)) return evalTokens(token, scope, file);
  if (token.startsWith('"')) return JSON.parse(token) as string;
  if (/^-?\d+(\.\d+)?$/.test(token)) return Number(token);
  if (token === 'true' || token === 'false') return token === 'true';
  if (token === '.') return scope.dot;
  if (token === '$') return scope.root;
  if (token.startsWith('.') || token.startsWith('$.')) {
    let value: unknown = token.startsWith('$') ? scope.root : scope.dot;
    for (const key of token.replace(/^\$/, '').slice(1).split('.'))
      value = isMap(value) ? value[key] : undefined;
    return value;
  }
  throw new Error(`${file}: cannot evaluate "${token}"`);
}

const empty = (v: unknown) => !truthy(v);

const FUNCTIONS: Record<string, (args: unknown[], scope: Scope, file: string) => unknown> = {
  include([name, dot], scope, file) {
    const body = scope.defines.get(String(name));
    if (!body) throw new Error(`${file}: include of undefined template ${String(name)}`);
    return renderNodes(body, { ...scope, dot }, `${file} > ${String(name)}`);
  },
  toYaml: ([v]) => (v === undefined || v === null ? '' : stringify(v).replace(/\n$/, '')),
  nindent: ([n, s]) => '\n' + indentBy(Number(n), String(s)),
  indent: ([n, s]) => indentBy(Number(n), String(s)),
  quote: ([v]) => JSON.stringify(v === undefined || v === null ? '' : scalar(v)),
  default: ([d, v]) => (empty(v) ? d : v),
  required([message, v], _scope, file) {
    if (empty(v)) throw new Error(`${file}: ${String(message)}`);
    return v;
  },
  b64enc: ([s]) => Buffer.from(String(s)).toString('base64'),
  printf: ([format, ...args]) => {
    let i = 0;
    return String(format).replace(/%[sdv]/g, () => String(args[i++]));
  },
  trunc: ([n, s]) => String(s).slice(0, Number(n)),
  trimSuffix: ([suffix, s]) =>
    String(s).endsWith(String(suffix)) ? String(s).slice(0, -String(suffix).length) : s,
  contains: ([part, s]) => String(s).includes(String(part)),
  eq: ([a, b]) => a === b,
  ne: ([a, b]) => a !== b,
  not: ([a]) => !truthy(a),
  and: (args) => args.every(truthy),
  or: (args) => args.some(truthy),
};

function scalar(v: unknown): string {
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw new Error(`quote of a map or list: ${JSON.stringify(v)}`);
}

function indentBy(n: number, s: string): string {
  const pad = ' '.repeat(n);
  return s
    .split('\n')
    .map((line) => (line ? pad + line : line))
    .join('\n');
}
