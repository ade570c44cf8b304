/** The ingress controller: an HTTP(S) reverse proxy routing by Ingress to Service endpoints. */
export { IngressController, type IngressControllerOptions, type Listen } from './controller.js';
export { buildRoutes, lookupRoute, lookupTls, emptyRouteTable, type Backend, type Endpoint, type HostRoutes, type PathRoute, type Problem, type RouteTable, type TlsEntry } from './routes.js';
export { compilePath, matchesPath, comparePaths, normalizeHost, requestPath, matchesHost, type CompiledPath, type PathType } from './paths.js';
export { classFilterFor, servesIngress, ingressClassOf, DEFAULT_CLASS_ANNOTATION, LEGACY_CLASS_ANNOTATION, type ClassFilter } from './ingress-class.js';
export { selfSignedCertificate, DEFAULT_CERT_NAME, type KeyPair } from './tls.js';
