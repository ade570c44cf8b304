/**
 * Pod and PodSpec defaults (pkg/apis/core/v1/defaults.go), plus the two fields admission
 * plugins fill on Pods: the service account and requests copied from limits.
 * PodSpec defaults apply to templates too, so a Deployment's stored template equals the
 * one its ReplicaSets store and rollbacks can compare them.
 */
import type {
  Container,
  HTTPGetAction,
  LifecycleHandler,
  Pod,
  PodSpec,
  PodTemplateSpec,
  Probe,
  Volume,
} from 'kubernetes-types/core/v1.js';
import { defaultPullPolicy } from './image.js';
import { each, isObj, setIfUnset, type Obj } from './util.js';

/** 0644: readable by all, writable by none of the pod's users but root. */
const DEFAULT_FILE_MODE = 0o644;

function defaultHTTPGet(a: HTTPGetAction | undefined): void {
  if (!isObj(a)) return;
  setIfUnset(a, 'path', '/');
  setIfUnset(a, 'scheme', 'HTTP');
}

export function defaultProbe(p: Probe | undefined): void {
  if (!isObj(p)) return;
  // Zero means unset: Kubernetes defaults these as int32 fields whose zero value is absent.
  if (!p.timeoutSeconds) p.timeoutSeconds = 1;
  if (!p.periodSeconds) p.periodSeconds = 10;
  if (!p.successThreshold) p.successThreshold = 1;
  if (!p.failureThreshold) p.failureThreshold = 3;
  defaultHTTPGet(p.httpGet);
}

function defaultFieldRef(ref: Obj | undefined): void {
  if (isObj(ref)) setIfUnset(ref, 'apiVersion', 'v1');
}

export function defaultContainer(c: Container): void {
  if (!isObj(c)) return;
  setIfUnset(c, 'imagePullPolicy', defaultPullPolicy(c.image));
  setIfUnset(c, 'terminationMessagePath', '/dev/termination-log');
  setIfUnset(c, 'terminationMessagePolicy', 'File');
  // Go always serializes this struct, so Kubernetes shows `resources: {}`.
  if (c.resources === undefined || c.resources === null) c.resources = {};
  each(c.ports, (port) => setIfUnset(port, 'protocol', 'TCP'));
  each(c.env, (e) => defaultFieldRef(e.valueFrom?.fieldRef));
  defaultProbe(c.livenessProbe);
  defaultProbe(c.readinessProbe);
  defaultProbe(c.startupProbe);
  for (const hook of [c.lifecycle?.postStart, c.lifecycle?.preStop] as (LifecycleHandler | undefined)[]) {
    if (isObj(hook)) defaultHTTPGet(hook.httpGet);
  }
}

export function defaultVolume(v: Volume): void {
  if (!isObj(v)) return;
  const sources = Object.keys(v).filter((k) => k !== 'name' && isObj((v as Obj)[k]));
  if (sources.length === 0) v.emptyDir = {};
  if (isObj(v.secret)) setIfUnset(v.secret, 'defaultMode', DEFAULT_FILE_MODE);
  if (isObj(v.configMap)) setIfUnset(v.configMap, 'defaultMode', DEFAULT_FILE_MODE);
  if (isObj(v.hostPath)) setIfUnset(v.hostPath, 'type', '');
  if (isObj(v.downwardAPI)) {
    setIfUnset(v.downwardAPI, 'defaultMode', DEFAULT_FILE_MODE);
    each(v.downwardAPI.items, (it) => defaultFieldRef(it.fieldRef));
  }
  if (isObj(v.projected)) {
    setIfUnset(v.projected, 'defaultMode', DEFAULT_FILE_MODE);
    each(v.projected.sources, (src) => {
      each(src.downwardAPI?.items, (it) => defaultFieldRef(it.fieldRef));
      if (isObj(src.serviceAccountToken)) setIfUnset(src.serviceAccountToken, 'expirationSeconds', 3600);
    });
  }
}

/** Defaults for every PodSpec, whether in a Pod or in a template. */
export function defaultPodSpec(spec: PodSpec | undefined): void {
  if (!isObj(spec)) return;
  setIfUnset(spec, 'dnsPolicy', 'ClusterFirst');
  setIfUnset(spec, 'restartPolicy', 'Always');
  setIfUnset(spec, 'terminationGracePeriodSeconds', 30);
  setIfUnset(spec, 'schedulerName', 'default-scheduler');
  if (spec.securityContext === undefined || spec.securityContext === null) spec.securityContext = {};
  // v1 conversion keeps the deprecated serviceAccount field mirroring serviceAccountName.
  if (spec.serviceAccountName && !spec.serviceAccount) spec.serviceAccount = spec.serviceAccountName;
  if (spec.serviceAccount && !spec.serviceAccountName) spec.serviceAccountName = spec.serviceAccount;
  each(spec.containers, defaultContainer);
  each(spec.initContainers, defaultContainer);
  each(spec.ephemeralContainers, (c) => defaultContainer(c as Container));
  each(spec.volumes, defaultVolume);
}

/** With host networking a container port is a host port. */
function defaultHostNetworkPorts(containers: Container[] | undefined): void {
  each(containers, (c) => each(c.ports, (p) => {
    if (!p.hostPort) p.hostPort = p.containerPort;
  }));
}

/** Requests default to limits, on Pods only: templates keep what the user wrote. */
function defaultRequestsFromLimits(containers: Container[] | undefined): void {
  each(containers, (c) => {
    const limits = c.resources?.limits;
    if (!isObj(limits) || !isObj(c.resources)) return;
    const requests = isObj(c.resources.requests) ? c.resources.requests : (c.resources.requests = {});
    for (const [k, v] of Object.entries(limits)) if (!(k in requests)) requests[k] = v;
  });
}

export function defaultPod(pod: Pod): void {
  if (!isObj(pod.spec)) return;
  const spec = pod.spec;
  defaultPodSpec(spec);
  defaultRequestsFromLimits(spec.containers);
  defaultRequestsFromLimits(spec.initContainers);
  setIfUnset(spec, 'enableServiceLinks', true);
  if (spec.hostNetwork === true) {
    defaultHostNetworkPorts(spec.containers);
    defaultHostNetworkPorts(spec.initContainers);
  }
  // The ServiceAccount admission plugin's default, applied here because orch has no
  // admission chain; the plugin's token volume is the agent's business.
  if (!spec.serviceAccountName) {
    spec.serviceAccountName = 'default';
    spec.serviceAccount = 'default';
  }
}

export function defaultPodTemplateSpec(tpl: PodTemplateSpec | undefined): void {
  if (isObj(tpl)) defaultPodSpec(tpl.spec);
}
