/**
 * Nodes: taints the scheduler must be able to evaluate, resource quantities in status,
 * and the pod CIDRs and provider ID, which are fixed once assigned.
 */
import type { Node } from 'kubernetes-types/core/v1.js';
import { fe, type FieldError } from '../field-errors.js';
import { CIDR_MSG, isCIDR, isLabelValue, isQualifiedName } from './formats.js';
import { arr, deepEqual, entries, idx, invalidEach, isObj, key } from './helpers.js';
import { validateObjectMeta } from './object-meta.js';
import { parseQuantity, QUANTITY_FORMAT_MSG, signOf } from './quantity.js';

const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

function taints(node: Node): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  arr(node.spec?.taints).forEach((t, i) => {
    const p = idx('spec.taints', i);
    if (!isObj(t)) {
      errs.push(fe.invalid(p, t, 'must be a taint'));
      return;
    }
    errs.push(...invalidEach(`${p}.key`, t.key, isQualifiedName(String(t.key ?? ''))));
    if (t.value) {
      const msgs = isLabelValue(String(t.value));
      if (msgs.length > 0) errs.push(fe.invalid(`${p}.value`, t.value, msgs.join(';')));
    }
    if (!t.effect) errs.push(fe.required(`${p}.effect`));
    else if (!TAINT_EFFECTS.includes(t.effect)) errs.push(fe.notSupported(`${p}.effect`, t.effect, TAINT_EFFECTS));
    const k = `${t.key}/${t.effect}`;
    if (seen.has(k)) errs.push({ ...fe.duplicate(p, t), detail: 'taints must be unique by key and effect pair' });
    seen.add(k);
  });
  return errs;
}

function resources(node: Node): FieldError[] {
  const errs: FieldError[] = [];
  for (const list of ['capacity', 'allocatable'] as const) {
    for (const [name, v] of entries(node.status?.[list])) {
      const q = parseQuantity(v);
      const p = key(`status.${list}`, name);
      if (!q) errs.push(fe.invalid(p, v, QUANTITY_FORMAT_MSG));
      else if (signOf(q) < 0) errs.push(fe.invalid(p, v, 'must be greater than or equal to 0'));
    }
  }
  return errs;
}

export function validateNode(node: Node): FieldError[] {
  const errs = validateObjectMeta(node.metadata, { namespaced: false, nameRule: 'subdomain' });
  errs.push(...taints(node), ...resources(node));
  const cidrs = arr(node.spec?.podCIDRs);
  cidrs.forEach((c, i) => {
    if (typeof c !== 'string' || !isCIDR(c)) errs.push(fe.invalid(idx('spec.podCIDRs', i), c, CIDR_MSG));
  });
  if (node.spec?.podCIDR && cidrs.length > 0 && cidrs[0] !== node.spec.podCIDR) {
    errs.push(fe.invalid('spec.podCIDRs', cidrs, 'must match podCIDR as the first entry'));
  }
  return errs;
}

/** Status writes come from the agent; only the quantities and addresses are checked. */
export function validateNodeStatus(node: Node): FieldError[] {
  const errs = resources(node);
  const seen = new Set<string>();
  arr(node.status?.addresses).forEach((a, i) => {
    const k = `${a?.type}/${a?.address}`;
    if (seen.has(k)) errs.push(fe.duplicate(idx('status.addresses', i), a));
    seen.add(k);
  });
  return errs;
}

/** The node IPAM controller assigns pod CIDRs once; moving them would strand running pods. */
export function validateNodeUpdate(node: Node, old: Node): FieldError[] {
  const errs: FieldError[] = [];
  const oldCidrs = arr(old.spec?.podCIDRs);
  if (oldCidrs.length > 0 && !deepEqual(arr(node.spec?.podCIDRs), oldCidrs)) {
    errs.push(fe.forbidden('spec.podCIDRs', 'node updates may not change podCIDR except from "" to valid'));
  }
  if (old.spec?.providerID && old.spec.providerID !== node.spec?.providerID) {
    errs.push(fe.forbidden('spec.providerID', 'node updates may not change providerID except from "" to valid'));
  }
  return errs;
}
