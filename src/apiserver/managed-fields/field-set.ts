/**
 * Sets of field paths, the unit of server-side apply's ownership: which fields of an
 * object a manager set. A path is a list of elements, each one of
 *   `f:<name>`    a field of a map or struct,
 *   `k:<json>`    the item of an associative list with these key values (containers by name),
 *   `v:<json>`    the item of a set-like list of primitives (finalizers).
 * A set is kept flat (paths joined into strings) because every operation apply needs is a
 * set operation; `toFieldsV1`/`fromFieldsV1` convert to and from the nested `fieldsV1`
 * form stored in metadata.managedFields, where `.` marks a node that is itself a member
 * (a list item owned as a whole, besides its fields).
 */

export type PathElement = string;
export type Path = readonly PathElement[];

/** Elements never contain a newline: names are validated and k:/v: values are JSON text. */
const SEP = '\n';

export const joinPath = (p: Path): string => p.join(SEP);
export const splitPath = (s: string): PathElement[] => (s === '' ? [] : s.split(SEP));

export class FieldSet {
  private readonly paths: Set<string>;

  constructor(paths: Iterable<string> = []) {
    this.paths = new Set(paths);
  }

  static of(paths: Path[]): FieldSet {
    return new FieldSet(paths.map(joinPath));
  }

  get size(): number {
    return this.paths.size;
  }

  add(path: Path): void {
    this.paths.add(joinPath(path));
  }

  has(path: Path | string): boolean {
    return this.paths.has(typeof path === 'string' ? path : joinPath(path));
  }

  delete(path: Path | string): void {
    this.paths.delete(typeof path === 'string' ? path : joinPath(path));
  }

  /** Paths as joined strings (use splitPath for elements). */
  keys(): IterableIterator<string> {
    return this.paths.values();
  }

  union(other: FieldSet): FieldSet {
    return new FieldSet([...this.paths, ...other.paths]);
  }

  difference(other: FieldSet): FieldSet {
    return new FieldSet([...this.paths].filter((p) => !other.paths.has(p)));
  }

  intersection(other: FieldSet): FieldSet {
    return new FieldSet([...this.paths].filter((p) => other.paths.has(p)));
  }

  /** Whether `path` or any path below it is a member. */
  touches(path: string): boolean {
    if (this.paths.has(path)) return true;
    const prefix = path + SEP;
    for (const p of this.paths) if (p.startsWith(prefix)) return true;
    return false;
  }

  /** The nested `fieldsV1` form. */
  toFieldsV1(): Record<string, unknown> {
    interface Node {
      member: boolean;
      children: Map<string, Node>;
    }
    const root: Node = { member: false, children: new Map() };
    for (const p of this.paths) {
      let node = root;
      for (const el of splitPath(p)) {
        let next = node.children.get(el);
        if (!next) node.children.set(el, (next = { member: false, children: new Map() }));
        node = next;
      }
      node.member = true;
    }
    const render = (n: Node): Record<string, unknown> => {
      const out: Record<string, unknown> = {};
      if (n.member && n.children.size > 0) out['.'] = {};
      for (const k of [...n.children.keys()].sort()) out[k] = render(n.children.get(k)!);
      return out;
    };
    return render(root);
  }

  /** Reads the nested `fieldsV1` form; anything malformed is skipped, not fatal. */
  static fromFieldsV1(v: unknown): FieldSet {
    const set = new FieldSet();
    const walk = (node: unknown, path: PathElement[]) => {
      if (node === null || typeof node !== 'object' || Array.isArray(node)) return;
      const entries = Object.entries(node as Record<string, unknown>);
      if (entries.length === 0) {
        if (path.length) set.add(path);
        return;
      }
      for (const [k, child] of entries) {
        if (k === '.') set.add(path);
        else if (/^[fkvi]:/.test(k)) walk(child, [...path, k]);
      }
    };
    walk(v, []);
    return set;
  }
}

/** How a path is shown to people: `.spec.template.spec.containers[name="web"].image`. */
export function describePath(path: Path): string {
  let out = '';
  for (const el of path) {
    const body = el.slice(2);
    if (el.startsWith('f:')) out += `.${body}`;
    else if (el.startsWith('k:')) {
      const keys = JSON.parse(body) as Record<string, unknown>;
      out += `[${Object.entries(keys).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}]`;
    } else if (el.startsWith('v:')) out += `[=${body}]`;
    else out += `[${body}]`;
  }
  return out;
}
