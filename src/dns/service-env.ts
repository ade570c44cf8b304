/**
 * The Service environment variables the kubelet gives every container (Docker-links
 * style), built as pkg/kubelet's getServiceEnvVarMap and envvars.FromServices do:
 *
 * - Services without a cluster IP (headless, ExternalName, not yet allocated) give none.
 * - The pod's own namespace contributes every Service, when enableServiceLinks (default
 *   true); the `kubernetes` Service in `default` is always added, unless a Service of the
 *   same name in the pod's namespace takes its place.
 * - Per Service NAME (upper-cased, `-` -> `_`): NAME_SERVICE_HOST, NAME_SERVICE_PORT (the
 *   first port), NAME_SERVICE_PORT_<PORTNAME> for each named port, NAME_PORT (the first
 *   port as proto://ip:port), and per port NAME_PORT_<port>_<PROTO> with _PROTO, _PORT,
 *   _ADDR.
 */
import type { EnvVar, Service } from 'kubernetes-types/core/v1.js';

const MASTER_SERVICE_NAMESPACE = 'default';
const MASTER_SERVICES = new Set(['kubernetes']);

export interface ServiceEnvOptions {
  /** pod.spec.enableServiceLinks (defaulted to true by the API). */
  enableServiceLinks?: boolean;
}

/** `my-nginx` -> `MY_NGINX` (the kubelet's makeEnvVariableName). */
export function envVarName(name: string): string {
  return name.replaceAll('-', '_').toUpperCase();
}

const hasClusterIp = (s: Service) => !!s.spec?.clusterIP && s.spec.clusterIP !== 'None';

/**
 * The variables for a pod in `namespace`, given the cluster's Services (any namespaces:
 * the filtering is done here). Sorted by Service name so that the result is stable.
 */
export function serviceEnvVars(services: readonly Service[], namespace: string, opts: ServiceEnvOptions = {}): EnvVar[] {
  const links = opts.enableServiceLinks ?? true;
  const chosen = new Map<string, Service>();
  for (const svc of services) {
    if (!hasClusterIp(svc)) continue;
    const name = svc.metadata?.name ?? '';
    const ns = svc.metadata?.namespace ?? '';
    if (ns === MASTER_SERVICE_NAMESPACE && MASTER_SERVICES.has(name)) {
      if (!chosen.has(name)) chosen.set(name, svc);
    } else if (ns === namespace && links) {
      chosen.set(name, svc);
    }
  }
  // The kubelet collects the variables into a map, so a repeated name keeps the last value.
  const vars = new Map<string, string>();
  for (const name of [...chosen.keys()].sort()) for (const v of envForService(chosen.get(name)!)) vars.set(v.name, v.value!);
  return [...vars].map(([name, value]) => ({ name, value }));
}

function envForService(svc: Service): EnvVar[] {
  const ip = svc.spec!.clusterIP!;
  const prefix = envVarName(svc.metadata!.name!);
  const ports = svc.spec?.ports ?? [];
  const out: EnvVar[] = [{ name: `${prefix}_SERVICE_HOST`, value: ip }];
  if (ports.length) {
    out.push({ name: `${prefix}_SERVICE_PORT`, value: String(ports[0].port) });
    for (const p of ports) if (p.name) out.push({ name: `${prefix}_SERVICE_PORT_${envVarName(p.name)}`, value: String(p.port) });
  }
  const hostPort = (port: number) => (ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`);
  ports.forEach((p, i) => {
    const proto = p.protocol || 'TCP';
    const url = `${proto.toLowerCase()}://${hostPort(p.port)}`;
    if (i === 0) out.push({ name: `${prefix}_PORT`, value: url });
    const pp = `${prefix}_PORT_${p.port}_${proto.toUpperCase()}`;
    out.push({ name: pp, value: url }, { name: `${pp}_PROTO`, value: proto.toLowerCase() }, { name: `${pp}_PORT`, value: String(p.port) }, { name: `${pp}_ADDR`, value: ip });
  });
  return out;
}
