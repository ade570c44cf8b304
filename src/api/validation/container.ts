/**
 * Containers and init containers: names, images, policies, ports, env, probes,
 * lifecycle hooks, resources and volume mounts.
 */
import type {
  Container,
  ContainerPort,
  EnvFromSource,
  EnvVar,
  LifecycleHandler,
  Probe,
  VolumeMount,
} from 'kubernetes-types/core/v1.js';
import { fe, type FieldError } from '../field-errors.js';
import {
  isConfigMapKey,
  isDNS1123Label,
  isDNS1123Subdomain,
  isEnvVarName,
  isHTTPHeaderName,
  isValidPortName,
  isValidPortNum,
} from './formats.js';
import { arr, idx, invalidEach, isInt, isObj, nonEmptyString, nonNegative, notFound, type Obj } from './helpers.js';
import { validateResources } from './resources.js';
import { validateFieldRef, validateLocalPath } from './volumes.js';

const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'];
const TERMINATION_MESSAGE_POLICIES = ['File', 'FallbackToLogsOnError'];
const MOUNT_PROPAGATION = ['None', 'HostToContainer', 'Bidirectional'];
const ENV_FIELD_PATHS = [
  'metadata.name',
  'metadata.namespace',
  'metadata.uid',
  'spec.nodeName',
  'spec.serviceAccountName',
  'status.hostIP',
  'status.hostIPs',
  'status.podIP',
  'status.podIPs',
];
const RESOURCE_FIELD_REFS = [
  'limits.cpu',
  'limits.ephemeral-storage',
  'limits.memory',
  'requests.cpu',
  'requests.ephemeral-storage',
  'requests.memory',
];

/** An IntOrString port: a number in range or an IANA service name. */
export function validatePortNumOrName(v: unknown, path: string): FieldError[] {
  if (typeof v === 'number') return invalidEach(path, v, isValidPortNum(v));
  if (typeof v === 'string') return invalidEach(path, v, isValidPortName(v));
  return [fe.invalid(path, v ?? '', 'must be an integer or a port name')];
}

export function validateProtocol(v: unknown, path: string): FieldError[] {
  if (!v) return [fe.required(path)];
  return typeof v === 'string' && PROTOCOLS.includes(v) ? [] : [fe.notSupported(path, v, PROTOCOLS)];
}

function validatePorts(ports: readonly ContainerPort[] | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  const seen = new Set<string>();
  arr(ports).forEach((port, i) => {
    const p = idx(path, i);
    if (!isObj(port)) {
      errs.push(fe.invalid(p, port, 'must be a container port'));
      return;
    }
    if (port.name) {
      errs.push(...invalidEach(`${p}.name`, port.name, isValidPortName(String(port.name))));
      if (names.has(port.name)) errs.push(fe.duplicate(`${p}.name`, port.name));
      names.add(port.name);
    }
    if (!port.containerPort) errs.push(fe.required(`${p}.containerPort`));
    else errs.push(...invalidEach(`${p}.containerPort`, port.containerPort, isValidPortNum(port.containerPort)));
    if (port.hostPort) errs.push(...invalidEach(`${p}.hostPort`, port.hostPort, isValidPortNum(port.hostPort)));
    errs.push(...validateProtocol(port.protocol, `${p}.protocol`));
    // Kubernetes only warns here; a repeated port+protocol is always a mistake and would
    // make the agent's port mapping ambiguous, so orch refuses it.
    const k = `${port.containerPort}/${port.protocol}`;
    if (seen.has(k)) errs.push(fe.duplicate(`${p}.containerPort`, port.containerPort));
    seen.add(k);
  });
  return errs;
}

function validateKeyRef(ref: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (!nonEmptyString(ref.name)) errs.push(fe.required(`${path}.name`));
  else errs.push(...invalidEach(`${path}.name`, ref.name, isDNS1123Subdomain(ref.name)));
  if (!nonEmptyString(ref.key)) errs.push(fe.required(`${path}.key`));
  else errs.push(...invalidEach(`${path}.key`, ref.key, isConfigMapKey(ref.key)));
  return errs;
}

function validateEnv(env: readonly EnvVar[] | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  arr(env).forEach((ev, i) => {
    const p = idx(path, i);
    if (!isObj(ev)) {
      errs.push(fe.invalid(p, ev, 'must be an environment variable'));
      return;
    }
    if (!nonEmptyString(ev.name)) errs.push(fe.required(`${p}.name`));
    else errs.push(...invalidEach(`${p}.name`, ev.name, isEnvVarName(ev.name)));
    if (ev.valueFrom === undefined || ev.valueFrom === null) return;
    const from = ev.valueFrom;
    const vp = `${p}.valueFrom`;
    const sources = ['fieldRef', 'resourceFieldRef', 'configMapKeyRef', 'secretKeyRef'].filter((k) => isObj((from as Obj)[k]));
    if (ev.value) errs.push(fe.invalid(vp, '', 'may not be specified when `value` is not empty'));
    if (sources.length === 0) {
      errs.push(fe.invalid(vp, '', 'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`'));
      return;
    }
    if (sources.length > 1) {
      errs.push(fe.invalid(vp, '', 'may not have more than one field specified at a time'));
      return;
    }
    if (from.fieldRef) errs.push(...validateFieldRef(from.fieldRef, ENV_FIELD_PATHS, `${vp}.fieldRef`));
    if (from.configMapKeyRef) errs.push(...validateKeyRef(from.configMapKeyRef, `${vp}.configMapKeyRef`));
    if (from.secretKeyRef) errs.push(...validateKeyRef(from.secretKeyRef, `${vp}.secretKeyRef`));
    if (from.resourceFieldRef) {
      const r = from.resourceFieldRef.resource;
      const rp = `${vp}.resourceFieldRef.resource`;
      if (!nonEmptyString(r)) errs.push(fe.required(rp));
      else if (!RESOURCE_FIELD_REFS.includes(r) && !/^(limits|requests)\.hugepages-/.test(r)) {
        errs.push(fe.notSupported(rp, r, RESOURCE_FIELD_REFS));
      }
    }
  });
  return errs;
}

function validateEnvFrom(list: readonly EnvFromSource[] | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  arr(list).forEach((ef, i) => {
    const p = idx(path, i);
    if (!isObj(ef)) {
      errs.push(fe.invalid(p, ef, 'must be an env source'));
      return;
    }
    if (ef.prefix) errs.push(...invalidEach(`${p}.prefix`, ef.prefix, isEnvVarName(ef.prefix)));
    const sources = (['configMapRef', 'secretRef'] as const).filter((k) => isObj(ef[k]));
    if (sources.length === 0) errs.push(fe.invalid(p, '', 'must specify one of: `configMapRef` or `secretRef`'));
    else if (sources.length > 1) errs.push(fe.invalid(p, '', 'may not have more than one field specified at a time'));
    else {
      const ref = (ef as Obj)[sources[0]];
      const np = `${p}.${sources[0]}.name`;
      if (!nonEmptyString(ref.name)) errs.push(fe.required(np));
      else errs.push(...invalidEach(np, ref.name, isDNS1123Subdomain(ref.name)));
    }
  });
  return errs;
}

/** The one action of a probe or a lifecycle hook. */
function validateHandler(h: Obj, kinds: readonly string[], path: string): FieldError[] {
  const present = kinds.filter((k) => h[k] !== undefined && h[k] !== null);
  if (present.length === 0) return [fe.required(path, 'must specify a handler type')];
  const errs = present.slice(1).map((k) => fe.forbidden(`${path}.${k}`, 'may not specify more than 1 handler type'));
  const kind = present[0];
  const a = h[kind];
  const p = `${path}.${kind}`;
  if (!isObj(a)) return [...errs, fe.invalid(p, a, 'must be an object')];
  switch (kind) {
    case 'exec':
      if (arr(a.command).length === 0) errs.push(fe.required(`${p}.command`));
      break;
    case 'httpGet':
      if (!nonEmptyString(a.path)) errs.push(fe.required(`${p}.path`));
      errs.push(...validatePortNumOrName(a.port, `${p}.port`));
      if (!['HTTP', 'HTTPS'].includes(a.scheme)) errs.push(fe.notSupported(`${p}.scheme`, a.scheme, ['HTTP', 'HTTPS']));
      for (const hdr of arr(a.httpHeaders as Obj[])) {
        errs.push(...invalidEach(`${p}.httpHeaders`, hdr?.name, isHTTPHeaderName(String(hdr?.name ?? ''))));
      }
      break;
    case 'tcpSocket':
      errs.push(...validatePortNumOrName(a.port, `${p}.port`));
      break;
    case 'grpc':
      errs.push(...invalidEach(`${p}.port`, a.port, isValidPortNum(a.port)));
      break;
    case 'sleep':
      errs.push(...nonNegative(`${p}.seconds`, a.seconds));
      break;
  }
  return errs;
}

function validateProbe(probe: Probe | undefined, path: string, successMustBeOne: boolean): FieldError[] {
  if (probe === undefined || probe === null) return [];
  if (!isObj(probe)) return [fe.invalid(path, probe, 'must be a probe')];
  const errs = validateHandler(probe, ['exec', 'httpGet', 'tcpSocket', 'grpc'], path);
  for (const f of ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold'] as const) {
    errs.push(...nonNegative(`${path}.${f}`, probe[f]));
  }
  if (successMustBeOne && probe.successThreshold !== undefined && probe.successThreshold !== 1) {
    errs.push(fe.invalid(`${path}.successThreshold`, probe.successThreshold, 'must be 1'));
  }
  return errs;
}

function validateLifecycle(lc: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const hook of ['postStart', 'preStop']) {
    const h = lc[hook] as LifecycleHandler | undefined;
    if (h === undefined || h === null) continue;
    errs.push(...validateHandler(isObj(h) ? h : {}, ['exec', 'httpGet', 'tcpSocket', 'sleep'], `${path}.${hook}`));
  }
  return errs;
}

function validateVolumeMounts(mounts: readonly VolumeMount[] | undefined, volumes: ReadonlySet<string>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const paths = new Set<string>();
  arr(mounts).forEach((m, i) => {
    const p = idx(path, i);
    if (!isObj(m)) {
      errs.push(fe.invalid(p, m, 'must be a volume mount'));
      return;
    }
    if (!nonEmptyString(m.name)) errs.push(fe.required(`${p}.name`));
    else if (!volumes.has(m.name)) errs.push(notFound(`${p}.name`, m.name));
    if (!nonEmptyString(m.mountPath)) errs.push(fe.required(`${p}.mountPath`));
    else if (paths.has(m.mountPath)) errs.push(fe.invalid(`${p}.mountPath`, m.mountPath, 'must be unique'));
    else paths.add(m.mountPath);
    if (m.subPath) errs.push(...validateLocalPath(m.subPath, `${p}.subPath`));
    if (m.subPath && m.subPathExpr) {
      errs.push(fe.invalid(`${p}.subPathExpr`, m.subPathExpr, 'subPathExpr and subPath are mutually exclusive'));
    }
    if (m.mountPropagation !== undefined && !MOUNT_PROPAGATION.includes(m.mountPropagation)) {
      errs.push(fe.notSupported(`${p}.mountPropagation`, m.mountPropagation, MOUNT_PROPAGATION));
    }
  });
  return errs;
}

function validateEnum(v: unknown, allowed: readonly string[], path: string): FieldError[] {
  if (!v) return [fe.required(path)];
  return typeof v === 'string' && allowed.includes(v) ? [] : [fe.notSupported(path, v, allowed)];
}

/** Checks common to every container; `init` adds the init-container rules. */
function validateContainer(c: Container, volumes: ReadonlySet<string>, path: string, init: boolean): FieldError[] {
  const errs: FieldError[] = [];
  if (!nonEmptyString(c.name)) errs.push(fe.required(`${path}.name`));
  else errs.push(...invalidEach(`${path}.name`, c.name, isDNS1123Label(c.name)));
  if (!nonEmptyString(c.image)) errs.push(fe.required(`${path}.image`));
  errs.push(...validateEnum(c.terminationMessagePolicy, TERMINATION_MESSAGE_POLICIES, `${path}.terminationMessagePolicy`));
  errs.push(...validateEnum(c.imagePullPolicy, PULL_POLICIES, `${path}.imagePullPolicy`));
  errs.push(...validatePorts(c.ports, `${path}.ports`));
  errs.push(...validateEnv(c.env, `${path}.env`));
  errs.push(...validateEnvFrom(c.envFrom, `${path}.envFrom`));
  errs.push(...validateVolumeMounts(c.volumeMounts, volumes, `${path}.volumeMounts`));
  errs.push(...validateResources(c.resources, `${path}.resources`));

  // A restartable ("sidecar") init container runs beside the app, so it may have what a
  // regular container has; a run-to-completion init container may not.
  const sidecar = init && c.restartPolicy === 'Always';
  if (init && c.restartPolicy !== undefined && c.restartPolicy !== 'Always') {
    errs.push(fe.notSupported(`${path}.restartPolicy`, c.restartPolicy, ['Always']));
  }
  if (!init && c.restartPolicy !== undefined) {
    errs.push(fe.forbidden(`${path}.restartPolicy`, 'may not be set for non-init containers'));
  }
  if (init && !sidecar) {
    for (const f of ['lifecycle', 'livenessProbe', 'readinessProbe', 'startupProbe'] as const) {
      if (c[f] !== undefined && c[f] !== null) {
        errs.push(fe.forbidden(`${path}.${f}`, 'may not be set for init containers without restartPolicy=Always'));
      }
    }
    return errs;
  }
  if (c.lifecycle !== undefined && c.lifecycle !== null) {
    errs.push(...validateLifecycle(isObj(c.lifecycle) ? c.lifecycle : {}, `${path}.lifecycle`));
  }
  errs.push(...validateProbe(c.livenessProbe, `${path}.livenessProbe`, true));
  errs.push(...validateProbe(c.readinessProbe, `${path}.readinessProbe`, false));
  errs.push(...validateProbe(c.startupProbe, `${path}.startupProbe`, true));
  return errs;
}

/** Host ports are shared by all containers of a pod: the same one twice cannot bind. */
function hostPortConflicts(containers: readonly Container[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  containers.forEach((c, ci) => {
    arr(c?.ports).forEach((port, pi) => {
      if (!isObj(port) || !isInt(port.hostPort) || port.hostPort === 0) return;
      const k = `${port.hostIP ?? ''}/${port.protocol}/${port.hostPort}`;
      if (seen.has(k)) errs.push(fe.duplicate(`${idx(path, ci)}.ports[${pi}].hostPort`, k));
      seen.add(k);
    });
  });
  return errs;
}

export function validateContainers(
  containers: readonly Container[] | undefined,
  initContainers: readonly Container[] | undefined,
  volumes: ReadonlySet<string>,
  specPath: string,
): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  const check = (list: readonly Container[], path: string, init: boolean): void => {
    list.forEach((c, i) => {
      const p = idx(path, i);
      if (!isObj(c)) {
        errs.push(fe.invalid(p, c, 'must be a container'));
        return;
      }
      errs.push(...validateContainer(c, volumes, p, init));
      if (nonEmptyString(c.name)) {
        if (names.has(c.name)) errs.push(fe.duplicate(`${p}.name`, c.name));
        names.add(c.name);
      }
    });
    errs.push(...hostPortConflicts(list, path));
  };
  const regular = arr(containers);
  if (regular.length === 0) errs.push(fe.required(`${specPath}.containers`));
  check(regular, `${specPath}.containers`, false);
  check(arr(initContainers), `${specPath}.initContainers`, true);
  return errs;
}
