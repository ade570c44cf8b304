/** networking.k8s.io/v1 Ingress and IngressClass. */

import { int32, oneOf, pkg, ref, refs, req, str, strs, type TypeDef } from './dsl.js';

const { type, kind } = pkg('networking.v1');

export const networkingTypes: TypeDef[] = [
  kind('Ingress', 'HTTP(S) routing rules from outside the cluster to services, by host and path.', {
    spec: ref('IngressSpec', 'Routing rules and TLS settings.'),
    status: ref('IngressStatus', 'Addresses the ingress is served on.'),
  }),
  type('IngressSpec', 'Routing rules and TLS settings of an ingress.', {
    defaultBackend: ref('IngressBackend', 'Where requests matching no rule go.'),
    ingressClassName: str('IngressClass naming the controller that serves this ingress.'),
    rules: refs('IngressRule', 'Host rules; requests matching none go to the default backend.'),
    tls: refs('IngressTLS', 'TLS certificates by host.'),
  }),
  type('IngressBackend', 'Where matching requests are sent; set exactly one of service and resource.', {
    resource: ref('core.v1.TypedLocalObjectReference', 'An object of another kind in the same namespace.'),
    service: ref('IngressServiceBackend', 'A service port.'),
  }),
  type('IngressServiceBackend', 'A port of a service in the ingress\'s namespace.', {
    name: req(str('Name of the service.')),
    port: ref('ServiceBackendPort', 'Port of the service.'),
  }),
  type('ServiceBackendPort', 'A service port by name or number; set one.', {
    name: str('Port name.'),
    number: int32('Port number.'),
  }),
  type('IngressRule', 'Routing for one host (or all hosts).', {
    host: str('Host name to match, may start with "*." for one label; empty matches every host.'),
    http: ref('HTTPIngressRuleValue', 'Path rules for the host.'),
  }),
  type('HTTPIngressRuleValue', 'Path rules of a host.', {
    paths: req(refs('HTTPIngressPath', 'Paths and their backends.')),
  }),
  type('HTTPIngressPath', 'One path rule.', {
    backend: req(ref('IngressBackend', 'Where matching requests go.')),
    path: str('Path to match, starting with "/".'),
    pathType: req(
      oneOf(
        ['Exact', 'Prefix', 'ImplementationSpecific'],
        'Exact matches the path only; Prefix matches it by "/"-separated elements.',
      ),
    ),
  }),
  type('IngressTLS', 'TLS settings for a set of hosts.', {
    hosts: strs('Hosts the certificate is for; must match rule hosts.'),
    secretName: str('Secret of type kubernetes.io/tls holding the certificate and key.'),
  }),
  type('IngressStatus', 'Observed state of an ingress.', {
    loadBalancer: ref('IngressLoadBalancerStatus', 'Addresses the ingress is served on.'),
  }),
  type('IngressLoadBalancerStatus', 'Addresses of an ingress.', {
    ingress: refs('IngressLoadBalancerIngress', 'The addresses.'),
  }),
  type('IngressLoadBalancerIngress', 'One address of an ingress.', {
    hostname: str('DNS name.'),
    ip: str('IP address.'),
    ports: refs('IngressPortStatus', 'State of each port.'),
  }),
  type('IngressPortStatus', 'State of one port of an ingress.', {
    error: str('Problem with the port, CamelCase.'),
    port: req(int32('Port number.')),
    protocol: req(oneOf(['TCP', 'UDP', 'SCTP'], 'Protocol of the port.')),
  }),

  kind('IngressClass', 'A kind of ingress and the controller that implements it.', {
    spec: ref('IngressClassSpec', 'The controller and its parameters.'),
  }),
  type('IngressClassSpec', 'Controller of an ingress class.', {
    controller: str('Name of the controller, e.g. orch.io/ingress. Cannot be changed.'),
    parameters: ref('IngressClassParametersReference', 'Object holding extra configuration for the controller.'),
  }),
  type('IngressClassParametersReference', 'An object with controller configuration.', {
    apiGroup: str('API group of the kind.'),
    kind: req(str('Kind of the object.')),
    name: req(str('Name of the object.')),
    namespace: str('Namespace of the object, with scope Namespace.'),
    scope: oneOf(['Cluster', 'Namespace'], 'Whether the object is cluster-scoped or namespaced. Defaults to Cluster.'),
  }),
];
