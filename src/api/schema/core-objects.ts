/** core/v1: the remaining core kinds (Namespace, Node, Service, Endpoints, config, events). */

import {
  bool,
  int32,
  int64,
  intOrString,
  mapOf,
  microTime,
  oneOf,
  pkg,
  quantities,
  ref,
  refs,
  req,
  str,
  strMap,
  strs,
  time,
  type TypeDef,
} from './dsl.js';

const { type, kind } = pkg('core.v1');

const conditionStatus = oneOf(['True', 'False', 'Unknown'], 'Whether the condition holds.');
const base64Map = (description: string) => mapOf({ kind: 'string', format: 'byte' }, description);

export const coreObjectTypes: TypeDef[] = [
  type('ObjectReference', 'Points at another object, possibly at a field of it.', {
    apiVersion: str('API version of the object.'),
    fieldPath: str('A field inside the object, e.g. spec.containers{web} for one container.'),
    kind: str('Kind of the object.'),
    name: str('Name of the object.'),
    namespace: str('Namespace of the object.'),
    resourceVersion: str('Version of the object the reference was made from.'),
    uid: str('UID of the object.'),
  }),

  kind('Namespace', 'A scope for names; most objects live in exactly one namespace.', {
    spec: ref('NamespaceSpec', 'Desired state of the namespace.'),
    status: ref('NamespaceStatus', 'Observed state of the namespace.'),
  }),
  type('NamespaceSpec', 'Desired state of a namespace.', {
    finalizers: strs('Finalizers that must run before the namespace is removed from storage.'),
  }),
  type('NamespaceStatus', 'Observed state of a namespace.', {
    conditions: refs('NamespaceCondition', 'Conditions, mostly about progress of deletion.'),
    phase: oneOf(['Active', 'Terminating'], 'Lifecycle phase of the namespace.'),
  }),
  type('NamespaceCondition', 'One condition of a namespace.', {
    lastTransitionTime: time('When status last changed.'),
    message: str('Human-readable detail.'),
    reason: str('CamelCase reason for the last transition.'),
    status: req(conditionStatus),
    type: req(str('Condition type.')),
  }),

  kind('Node', 'A machine that runs pods, registered by its node agent.', {
    spec: ref('NodeSpec', 'Configuration of the node.'),
    status: ref('NodeStatus', 'Most recently observed state of the node.'),
  }),
  type('NodeSpec', 'Configuration of a node.', {
    configSource: ref('NodeConfigSource', 'Deprecated: dynamic kubelet configuration.'),
    externalID: str('Deprecated; not used.'),
    podCIDR: str('Pod IP range assigned to the node.'),
    podCIDRs: strs('Pod IP ranges assigned to the node, at most one per family; the first equals podCIDR.'),
    providerID: str('Id of the node at the cloud provider, <provider>://<id>.'),
    taints: refs('Taint', 'Taints repelling pods that do not tolerate them.'),
    unschedulable: bool('Keep new pods off the node (cordon).'),
  }),
  type('NodeConfigSource', 'Deprecated: source of a dynamic kubelet configuration.', {
    configMap: ref('ConfigMapNodeConfigSource', 'ConfigMap holding the configuration.'),
  }),
  type('ConfigMapNodeConfigSource', 'Deprecated: a ConfigMap holding kubelet configuration.', {
    kubeletConfigKey: req(str('Key holding the configuration.')),
    name: req(str('Name of the ConfigMap.')),
    namespace: req(str('Namespace of the ConfigMap.')),
    resourceVersion: str('Version of the ConfigMap.'),
    uid: str('UID of the ConfigMap.'),
  }),
  type('Taint', 'Marks a node so that pods without a matching toleration are repelled.', {
    effect: req(oneOf(['NoSchedule', 'PreferNoSchedule', 'NoExecute'], 'What happens to pods that do not tolerate the taint.')),
    key: req(str('Taint key.')),
    timeAdded: time('When a NoExecute taint was added.'),
    value: str('Taint value.'),
  }),
  type('NodeStatus', 'Observed state of a node.', {
    addresses: refs('NodeAddress', 'Addresses of the node.'),
    allocatable: quantities('Resources available to pods, capacity minus system reservations.'),
    capacity: quantities('Total resources of the node: cpu, memory, pods, ephemeral-storage.'),
    conditions: refs('NodeCondition', 'Conditions such as Ready, MemoryPressure and DiskPressure.'),
    config: ref('NodeConfigStatus', 'Deprecated: state of dynamic kubelet configuration.'),
    daemonEndpoints: ref('NodeDaemonEndpoints', 'Ports of daemons on the node.'),
    features: ref('NodeFeatures', 'Optional features the node implements.'),
    images: refs('ContainerImage', 'Images present on the node.'),
    nodeInfo: ref('NodeSystemInfo', 'Versions and ids reported by the node.'),
    phase: str('Deprecated; not set.'),
    runtimeHandlers: refs('NodeRuntimeHandler', 'Runtime handlers the node offers.'),
    volumesAttached: refs('AttachedVolume', 'Volumes attached to the node.'),
    volumesInUse: strs('Volumes in use (mounted) on the node.'),
  }),
  type('NodeAddress', 'One address of a node.', {
    address: req(str('The address.')),
    type: req(oneOf(['Hostname', 'InternalIP', 'ExternalIP', 'InternalDNS', 'ExternalDNS'], 'Kind of address.')),
  }),
  type('NodeCondition', 'One condition of a node.', {
    lastHeartbeatTime: time('When the node last reported this condition.'),
    lastTransitionTime: time('When status last changed.'),
    message: str('Human-readable detail.'),
    reason: str('CamelCase reason for the last transition.'),
    status: req(conditionStatus),
    type: req(str('Condition type, e.g. Ready.')),
  }),
  type('NodeConfigStatus', 'Deprecated: state of dynamic kubelet configuration.', {
    active: ref('NodeConfigSource', 'Configuration in use.'),
    assigned: ref('NodeConfigSource', 'Configuration the node was asked to use.'),
    error: str('Problem applying the configuration.'),
    lastKnownGood: ref('NodeConfigSource', 'Configuration to fall back to.'),
  }),
  type('NodeDaemonEndpoints', 'Ports of daemons on a node.', {
    kubeletEndpoint: ref('DaemonEndpoint', 'Port of the node agent\'s API.'),
  }),
  type('DaemonEndpoint', 'A port of a daemon.', {
    Port: req(int32('Port number.')),
  }),
  type('NodeFeatures', 'Optional features a node implements.', {
    supplementalGroupsPolicy: bool('Whether the node honours pod supplementalGroupsPolicy.'),
  }),
  type('ContainerImage', 'An image present on a node.', {
    names: strs('Names and digests of the image.'),
    sizeBytes: int64('Size of the image in bytes.'),
  }),
  type('NodeSystemInfo', 'Versions and ids reported by a node.', {
    architecture: req(str('CPU architecture, e.g. amd64.')),
    bootID: req(str('Id of the current boot.')),
    containerRuntimeVersion: req(str('Runtime name and version, e.g. containerd://1.7.0.')),
    kernelVersion: req(str('Kernel version (uname -r).')),
    kubeProxyVersion: req(str('Deprecated: service proxy version.')),
    kubeletVersion: req(str('Node agent version.')),
    machineID: req(str('Machine id from /etc/machine-id.')),
    operatingSystem: req(str('Operating system, e.g. linux.')),
    osImage: req(str('OS image from /etc/os-release.')),
    swap: ref('NodeSwapStatus', 'Swap memory of the node.'),
    systemUUID: req(str('System UUID from the firmware.')),
  }),
  type('NodeSwapStatus', 'Swap memory of a node.', {
    capacity: int64('Total swap in bytes.'),
  }),
  type('NodeRuntimeHandler', 'A runtime handler the node offers.', {
    features: ref('NodeRuntimeHandlerFeatures', 'Features of the handler.'),
    name: str('Handler name; empty for the default.'),
  }),
  type('NodeRuntimeHandlerFeatures', 'Features of a runtime handler.', {
    recursiveReadOnlyMounts: bool('Whether recursive read-only mounts work.'),
    userNamespaces: bool('Whether pods can have user namespaces.'),
  }),
  type('AttachedVolume', 'A volume attached to a node.', {
    devicePath: req(str('Where the device shows up on the node.')),
    name: req(str('Name of the volume.')),
  }),

  kind('Service', 'A stable virtual address and DNS name in front of a set of pods.', {
    spec: ref('ServiceSpec', 'Desired behaviour of the service.'),
    status: ref('ServiceStatus', 'Observed state, e.g. the load balancer address.'),
  }),
  type('ServiceSpec', 'Desired behaviour of a service.', {
    allocateLoadBalancerNodePorts: bool('Whether LoadBalancer services get node ports. Defaults to true.'),
    clusterIP: str('Virtual IP of the service; allocated when empty, "None" for a headless service.'),
    clusterIPs: strs('Virtual IPs, at most one per family; the first equals clusterIP.'),
    externalIPs: strs('Extra IPs on which nodes accept traffic for the service.'),
    externalName: str('DNS name returned as a CNAME for type ExternalName.'),
    externalTrafficPolicy: oneOf(
      ['Cluster', 'Local'],
      'Local sends external traffic only to endpoints on the receiving node, keeping the client IP.',
    ),
    healthCheckNodePort: int32('Node port answering health checks for externalTrafficPolicy Local.'),
    internalTrafficPolicy: oneOf(['Cluster', 'Local'], 'Local sends in-cluster traffic only to endpoints on the same node.'),
    ipFamilies: strs('IP families of the service: IPv4, IPv6.'),
    ipFamilyPolicy: oneOf(
      ['SingleStack', 'PreferDualStack', 'RequireDualStack'],
      'How many IP families the service gets.',
    ),
    loadBalancerClass: str('Load balancer implementation for type LoadBalancer; the default one when unset.'),
    loadBalancerIP: str('Deprecated: requested load balancer IP.'),
    loadBalancerSourceRanges: strs('Client CIDRs allowed through the load balancer.'),
    ports: refs('ServicePort', 'Ports the service exposes.'),
    publishNotReadyAddresses: bool('Publish endpoints of pods that are not ready.'),
    selector: strMap('Pods with these labels become the endpoints; without a selector endpoints are managed by hand.'),
    sessionAffinity: oneOf(['ClientIP', 'None'], 'ClientIP keeps sending a client to the same endpoint. Defaults to None.'),
    sessionAffinityConfig: ref('SessionAffinityConfig', 'Settings of session affinity.'),
    trafficDistribution: str('Preference for how traffic is spread over endpoints, e.g. PreferClose.'),
    type: oneOf(
      ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'],
      'How the service is exposed. Defaults to ClusterIP.',
    ),
  }),
  type('ServicePort', 'One port of a service.', {
    appProtocol: str('Application protocol, e.g. http or kubernetes.io/h2c.'),
    name: str('Port name; required when the service has more than one port.'),
    nodePort: int32('Port on every node for NodePort and LoadBalancer services; allocated when unset.'),
    port: req(int32('Port the service listens on.')),
    protocol: oneOf(['TCP', 'UDP', 'SCTP'], 'Transport protocol. Defaults to TCP.'),
    targetPort: intOrString('Pod port (number or named container port) traffic goes to. Defaults to port.'),
  }),
  type('SessionAffinityConfig', 'Settings of session affinity.', {
    clientIP: ref('ClientIPConfig', 'Settings of ClientIP affinity.'),
  }),
  type('ClientIPConfig', 'Settings of ClientIP affinity.', {
    timeoutSeconds: int32('How long affinity lasts. Defaults to 10800 (3 hours).'),
  }),
  type('ServiceStatus', 'Observed state of a service.', {
    conditions: refs('meta.v1.Condition', 'Conditions of the service.'),
    loadBalancer: ref('LoadBalancerStatus', 'The load balancer, if any.'),
  }),
  type('LoadBalancerStatus', 'State of a load balancer.', {
    ingress: refs('LoadBalancerIngress', 'Addresses of the load balancer.'),
  }),
  type('LoadBalancerIngress', 'One load balancer address.', {
    hostname: str('DNS name of the load balancer.'),
    ip: str('IP of the load balancer.'),
    ipMode: oneOf(['VIP', 'Proxy'], 'VIP delivers traffic with the load balancer IP as destination; Proxy rewrites it.'),
    ports: refs('PortStatus', 'State of each port.'),
  }),
  type('PortStatus', 'State of one port of a load balancer.', {
    error: str('Problem with the port, CamelCase.'),
    port: req(int32('Port number.')),
    protocol: req(oneOf(['TCP', 'UDP', 'SCTP'], 'Protocol of the port.')),
  }),

  kind('Endpoints', 'The addresses behind a service (legacy form; see EndpointSlice).', {
    subsets: refs('EndpointSubset', 'Groups of addresses sharing the same ports.'),
  }),
  type('EndpointSubset', 'Addresses that all serve the same ports.', {
    addresses: refs('EndpointAddress', 'Ready addresses.'),
    notReadyAddresses: refs('EndpointAddress', 'Addresses not ready yet.'),
    ports: refs('EndpointPort', 'Ports of the addresses.'),
  }),
  type('EndpointAddress', 'One endpoint address.', {
    hostname: str('Hostname of the endpoint.'),
    ip: req(str('IP of the endpoint.')),
    nodeName: str('Node hosting the endpoint.'),
    targetRef: ref('ObjectReference', 'Object behind the endpoint, usually a pod.'),
  }),
  type('EndpointPort', 'One port of endpoint addresses.', {
    appProtocol: str('Application protocol.'),
    name: str('Name matching the service port.'),
    port: req(int32('Port number.')),
    protocol: oneOf(['TCP', 'UDP', 'SCTP'], 'Transport protocol. Defaults to TCP.'),
  }),

  kind('ConfigMap', 'Non-secret configuration data as key/value pairs.', {
    binaryData: base64Map('Binary values, base64 encoded; keys may not repeat those of data.'),
    data: strMap('UTF-8 values by key.'),
    immutable: bool('When true, data cannot change; only deletion is allowed.'),
  }),
  kind('Secret', 'Sensitive data such as passwords, tokens or keys.', {
    data: base64Map('Values by key, base64 encoded.'),
    immutable: bool('When true, data cannot change; only deletion is allowed.'),
    stringData: strMap('Write-only plain-text values merged into data on write.'),
    type: str('Type used to check the content, e.g. Opaque or kubernetes.io/tls. Defaults to Opaque.'),
  }),
  kind('ServiceAccount', 'An identity for processes running in pods.', {
    automountServiceAccountToken: bool('Whether pods of this account get a token mounted; pods can override.'),
    imagePullSecrets: refs('LocalObjectReference', 'Registry credentials added to pods of this account.'),
    secrets: refs('ObjectReference', 'Deprecated: secrets pods of this account may use.'),
  }),

  kind('Event', 'A report of something that happened to an object.', {
    action: str('What was done or failed, e.g. Binding.'),
    count: int32('How many times the event occurred.'),
    eventTime: microTime('When the event first occurred, with microseconds.'),
    firstTimestamp: time('When the event was first seen.'),
    involvedObject: req(ref('ObjectReference', 'The object the event is about.')),
    lastTimestamp: time('When the event was last seen.'),
    message: str('Human-readable description.'),
    reason: str('Short CamelCase reason, e.g. Scheduled or BackOff.'),
    related: ref('ObjectReference', 'A second object involved, if any.'),
    reportingComponent: str('Controller that emitted the event, e.g. orch.io/scheduler.'),
    reportingInstance: str('Id of the controller instance.'),
    series: ref('EventSeries', 'Data about a series of repeated events.'),
    source: ref('EventSource', 'Component and host that reported the event.'),
    type: oneOf(['Normal', 'Warning'], 'Severity of the event.'),
  }),
  type('EventSeries', 'A series of repeated events.', {
    count: int32('Occurrences so far.'),
    lastObservedTime: microTime('When the last occurrence was seen.'),
  }),
  type('EventSource', 'Where an event came from.', {
    component: str('Reporting component.'),
    host: str('Node name the event came from.'),
  }),

  type('TopologySelectorTerm', 'A topology domain requirement; all expressions must match.', {
    matchLabelExpressions: refs('TopologySelectorLabelRequirement', 'Label requirements, ANDed.'),
  }),
  type('TopologySelectorLabelRequirement', 'A topology label and its allowed values.', {
    key: req(str('Label key.')),
    values: req(strs('Allowed values; any one matches.')),
  }),
];
