/**
 * Cross-checks orch's .proto subset against the Go struct tags compiled into a kubectl binary,
 * which carry each field's protobuf number and JSON name/omitempty:
 *
 *   node --import tsx src/apiserver/protobuf/check-kubectl-tags.ts [/path/to/kubectl]
 *
 * For every field it looks for a tag `json:"…" protobuf:"<wire>,<number>,<opt|rep>,name=<name>…"`
 * whose JSON part agrees with the field's options: (always) means no omitempty, (inline) means
 * `json:",inline"`, a plain scalar or list means omitempty. Tags are matched by content only
 * (the binary does not say which struct a tag belongs to), so this catches wrong numbers and
 * wrong omitempty, not a field placed in the wrong message. Pointer-ness is not in the tags.
 * Exits non-zero when a field has no matching tag.
 */

import { readFile } from 'node:fs/promises';
import protobuf from 'protobufjs';
import { kubernetesProtobufRoot } from './decode.js';

const binary = process.argv[2] ?? '/usr/lib/google-cloud-sdk/bin/kubectl.1.32';
const text = (await readFile(binary)).toString('latin1');
// A struct tag: json first, then any other keys (patchStrategy, protobuf, …).
const tags = new Set((text.match(/json:"[^"]*"(?: [A-Za-z_]+:"[^"]*")*/g) ?? []).filter((t) => t.includes(' protobuf:"')));
// Messages with their own JSON form (see decode.ts): their fields have no JSON of their own.
const special = new Set(['.orch.meta.v1.Time', '.orch.meta.v1.MicroTime', '.orch.meta.v1.Duration', '.orch.meta.v1.FieldsV1', '.orch.util.intstr.IntOrString', '.orch.api.resource.Quantity']);

// The same schema the decoder parses.
const root = kubernetesProtobufRoot();

const wire = (f: protobuf.Field) => (f.map || f.resolvedType || f.type === 'string' || f.type === 'bytes' ? 'bytes' : 'varint');
let checked = 0;
let bad = 0;
const visit = (ns: protobuf.NamespaceBase): void => {
  for (const o of ns.nestedArray) {
    if (o instanceof protobuf.Type && !o.fullName.startsWith('.orch.runtime.') && !special.has(o.fullName)) {
      for (const f of o.fieldsArray) {
        const opts = f.options ?? {};
        // Upstream tags are not always exact about wire type and opt/rep (e.g. tolerations say
        // "bytes,22,opt"), and decoding does not depend on them: match number and name only.
        // An embedded struct may carry no name (`protobuf:"bytes,1,req"`).
        const re = new RegExp(`protobuf:"[a-z0-9]+,${f.id}(,(opt|rep|req))?(,name=${f.name}[",]|")`);
        const prefix = `protobuf:"${wire(f)},${f.id},${f.repeated || f.map ? 'rep' : 'opt'},name=${f.name}`;
        const candidates = [...tags].filter((t) => re.test(t));
        const jsonOk = (j: string): boolean => {
          if (opts['(inline)']) return j === ',inline';
          if (opts['(always)']) return j === f.name;
          if (opts['(ptr)'] || (f.resolvedType && !f.repeated && !f.map)) return j === f.name || j === `${f.name},omitempty`;
          return j === `${f.name},omitempty`;
        };
        checked++;
        if (!candidates.some((t) => jsonOk(/^json:"([^"]*)"/.exec(t)?.[1] ?? ''))) {
          bad++;
          console.log(`${o.fullName.slice(1)}.${f.name} = ${f.id}: ${candidates.length ? `JSON differs: ${candidates.join(' | ')}` : `no tag ${prefix}`}`);
        }
      }
    }
    if (o instanceof protobuf.Namespace) visit(o);
  }
};
visit(root);
console.log(`${checked} fields checked against ${binary}: ${bad} without a matching tag`);
process.exitCode = bad ? 1 : 0;
