/** discovery.k8s.io/v1 EndpointSlice. */

import { bool, int32, oneOf, pkg, ref, refs, req, str, strMap, strs, type TypeDef } from './dsl.js';

const { type, kind } = pkg('discovery.v1');

export const discoveryTypes: TypeDef[] = [
  kind('EndpointSlice', 'A subset of the endpoints of a service; the service proxy routes to them.', {
    addressType: req(oneOf(['IPv4', 'IPv6', 'FQDN'], 'Kind of the addresses in this slice. Cannot be changed.')),
    endpoints: req(refs('Endpoint', 'Endpoints of the slice, at most 1000.')),
    ports: refs('EndpointPort', 'Ports every endpoint of the slice serves; empty means all ports.'),
  }),
  type('Endpoint', 'One backend of a service.', {
    addresses: req(strs('Addresses of the endpoint; the proxy uses the first.')),
    conditions: ref('EndpointConditions', 'Readiness of the endpoint.'),
    deprecatedTopology: strMap('Deprecated topology labels; use zone and nodeName.'),
    hints: ref('EndpointHints', 'Hints for topology-aware routing.'),
    hostname: str('Hostname of the endpoint, used in DNS.'),
    nodeName: str('Node hosting the endpoint.'),
    targetRef: ref('core.v1.ObjectReference', 'Object behind the endpoint, usually a pod.'),
    zone: str('Zone of the endpoint.'),
  }),
  type('EndpointConditions', 'Readiness of an endpoint.', {
    ready: bool('The endpoint can take new traffic; false while terminating.'),
    serving: bool('Like ready, but stays true while a ready pod terminates.'),
    terminating: bool('The endpoint is terminating.'),
  }),
  type('EndpointHints', 'Where an endpoint should be used.', {
    forNodes: refs('ForNode', 'Nodes that should use this endpoint.'),
    forZones: refs('ForZone', 'Zones that should use this endpoint.'),
  }),
  type('ForZone', 'A zone a hint applies to.', {
    name: req(str('Zone name.')),
  }),
  type('ForNode', 'A node a hint applies to.', {
    name: req(str('Node name.')),
  }),
  type('EndpointPort', 'A port served by the endpoints of a slice.', {
    appProtocol: str('Application protocol, e.g. http.'),
    name: str('Name matching the service port; empty for a single unnamed port.'),
    port: int32('Port number; empty means all ports.'),
    protocol: oneOf(['TCP', 'UDP', 'SCTP'], 'Transport protocol. Defaults to TCP.'),
  }),
];
