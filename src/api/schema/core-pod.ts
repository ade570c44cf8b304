/** core/v1: Pod, its spec and status, and the scheduling types (affinity, tolerations). */

import {
  arr,
  bool,
  int32,
  int64,
  oneOf,
  pkg,
  quantities,
  ref,
  refs,
  req,
  str,
  strMap,
  strs,
  T,
  time,
  type TypeDef,
} from './dsl.js';

const { type, kind } = pkg('core.v1');

const preferredTerms = 'Terms the scheduler favours, weighted; the node with the highest summed weight wins.';
const ignoredDuringExecution = 'Checked at scheduling time only; a running pod is not evicted when they stop holding.';

export const podTypes: TypeDef[] = [
  kind('Pod', 'A group of containers scheduled together on one node, sharing network and volumes.', {
    spec: ref('PodSpec', 'Desired behaviour of the pod.'),
    status: ref('PodStatus', 'Most recently observed state of the pod; written by the node agent.'),
  }),
  type('PodTemplateSpec', 'Template from which controllers create pods.', {
    metadata: ref('meta.v1.ObjectMeta', 'Labels and annotations given to each created pod.'),
    spec: ref('PodSpec', 'Spec of each created pod.'),
  }),
  type('PodSpec', 'Desired state of a pod: its containers, volumes and scheduling constraints.', {
    activeDeadlineSeconds: int64('Seconds the pod may be active before the system fails it.'),
    affinity: ref('Affinity', 'Node and inter-pod affinity rules for scheduling.'),
    automountServiceAccountToken: bool('Whether a service account token is mounted into the pod.'),
    containers: req(refs('Container', 'Containers of the pod; at least one.')),
    dnsConfig: ref('PodDNSConfig', 'Extra resolver settings merged into those chosen by dnsPolicy.'),
    dnsPolicy: oneOf(
      ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'],
      'How the pod\'s resolv.conf is built. Defaults to ClusterFirst (cluster DNS first).',
    ),
    enableServiceLinks: bool('Inject Docker-link style environment variables for Services. Defaults to true.'),
    ephemeralContainers: refs('EphemeralContainer', 'Debug containers added to the running pod.'),
    hostAliases: refs('HostAlias', 'Extra /etc/hosts entries.'),
    hostIPC: bool('Use the host\'s IPC namespace.'),
    hostNetwork: bool('Use the host\'s network namespace; ports are opened on the node itself.'),
    hostPID: bool('Use the host\'s PID namespace.'),
    hostUsers: bool('Use the host\'s user namespace; false gives the pod a user namespace of its own.'),
    hostname: str('Hostname of the pod; defaults to the pod name.'),
    imagePullSecrets: refs('LocalObjectReference', 'Secrets with registry credentials for pulling images.'),
    initContainers: refs('Container', 'Containers run to completion, in order, before the app containers start.'),
    nodeName: str('Node the pod is bound to; setting it skips the scheduler.'),
    nodeSelector: strMap('Labels a node must have for the pod to be scheduled there.'),
    os: ref('PodOS', 'Operating system the pod needs.'),
    overhead: quantities('Resources used by the pod sandbox itself, set from the RuntimeClass.'),
    preemptionPolicy: oneOf(['Never', 'PreemptLowerPriority'], 'Whether this pod may preempt lower-priority pods.'),
    priority: int32('Priority value, resolved from priorityClassName at admission.'),
    priorityClassName: str('Name of a PriorityClass giving the pod its priority.'),
    readinessGates: refs('PodReadinessGate', 'Extra conditions that must be True for the pod to be ready.'),
    resourceClaims: refs('PodResourceClaim', 'Dynamic resources (devices) the pod needs.'),
    resources: ref('ResourceRequirements', 'Resources for the pod as a whole, shared by its containers.'),
    restartPolicy: oneOf(
      ['Always', 'OnFailure', 'Never'],
      'Restart policy for the containers. Defaults to Always.',
    ),
    runtimeClassName: str('RuntimeClass that selects the container runtime handler.'),
    schedulerName: str('Scheduler that places the pod. Defaults to default-scheduler.'),
    schedulingGates: refs('PodSchedulingGate', 'While any gate remains, the pod is not scheduled.'),
    securityContext: ref('PodSecurityContext', 'Pod-wide security settings and defaults for containers.'),
    serviceAccount: str('Deprecated alias of serviceAccountName.'),
    serviceAccountName: str('ServiceAccount the pod runs as.'),
    setHostnameAsFQDN: bool('Set the kernel hostname to the fully qualified domain name.'),
    shareProcessNamespace: bool('Put all containers of the pod into one PID namespace.'),
    subdomain: str('Subdomain under which the pod gets a DNS name "<hostname>.<subdomain>.<ns>.svc".'),
    terminationGracePeriodSeconds: int64(
      'Seconds between the stop signal and a forced kill on deletion. Defaults to 30.',
    ),
    tolerations: refs('Toleration', 'Taints the pod tolerates.'),
    topologySpreadConstraints: refs('TopologySpreadConstraint', 'How pods are spread across nodes, zones or other domains.'),
    volumes: refs('Volume', 'Volumes the containers may mount.'),
  }),
  type('PodStatus', 'Observed state of a pod.', {
    conditions: refs('PodCondition', 'Conditions such as PodScheduled, Initialized, ContainersReady and Ready.'),
    containerStatuses: refs('ContainerStatus', 'One entry per app container.'),
    ephemeralContainerStatuses: refs('ContainerStatus', 'One entry per ephemeral container.'),
    hostIP: str('Primary IP of the node the pod runs on.'),
    hostIPs: refs('HostIP', 'IPs of the node, at most one per family; the first equals hostIP.'),
    initContainerStatuses: refs('ContainerStatus', 'One entry per init container.'),
    message: str('Why the pod is in this state, in words.'),
    nominatedNodeName: str('Node the pod is expected to land on after a preemption.'),
    observedGeneration: int64('metadata.generation this status was computed from.'),
    phase: oneOf(
      ['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown'],
      'Coarse lifecycle phase of the pod.',
    ),
    podIP: str('Primary IP of the pod.'),
    podIPs: refs('PodIP', 'IPs of the pod, at most one per family; the first equals podIP.'),
    qosClass: oneOf(['Guaranteed', 'Burstable', 'BestEffort'], 'Quality of service class derived from resources.'),
    reason: str('Short CamelCase reason for the state, e.g. Evicted.'),
    resize: str('Progress of an in-place resize: Proposed, InProgress, Deferred or Infeasible.'),
    resourceClaimStatuses: refs('PodResourceClaimStatus', 'Names of the ResourceClaims generated for the pod.'),
    startTime: time('When the node agent acknowledged the pod, before images were pulled.'),
  }),
  type('PodCondition', 'One condition of a pod.', {
    lastProbeTime: time('When the condition was last checked.'),
    lastTransitionTime: time('When status last changed.'),
    message: str('Human-readable detail.'),
    observedGeneration: int64('metadata.generation the condition was computed from.'),
    reason: str('CamelCase reason for the last transition.'),
    status: req(oneOf(['True', 'False', 'Unknown'], 'Whether the condition holds.')),
    type: req(str('Condition type, e.g. Ready or PodScheduled.')),
  }),
  type('PodIP', 'One IP address of a pod.', {
    ip: req(str('The address.')),
  }),
  type('HostIP', 'One IP address of the pod\'s node.', {
    ip: req(str('The address.')),
  }),
  type('PodResourceClaimStatus', 'The ResourceClaim created for one pod resource claim.', {
    name: req(str('Name of the entry in spec.resourceClaims.')),
    resourceClaimName: str('Name of the generated ResourceClaim; empty if none was needed.'),
  }),
  type('PodResourceClaim', 'A dynamic resource claim the pod uses, by name.', {
    name: req(str('Name containers use to refer to this claim.')),
    resourceClaimName: str('An existing ResourceClaim in the pod\'s namespace.'),
    resourceClaimTemplateName: str('A ResourceClaimTemplate from which a claim is created for this pod.'),
    source: ref('ClaimSource', 'Older form of naming the claim or template.'),
  }),
  type('ClaimSource', 'Names an existing ResourceClaim or a template; set exactly one.', {
    resourceClaimName: str('An existing ResourceClaim.'),
    resourceClaimTemplateName: str('A ResourceClaimTemplate.'),
  }),
  type('PodSchedulingGate', 'A gate that blocks scheduling until removed.', {
    name: req(str('Name of the gate.')),
  }),
  type('PodReadinessGate', 'An extra condition the pod needs for readiness.', {
    conditionType: req(str('Condition type in the pod\'s conditions that must be True.')),
  }),
  type('PodOS', 'Operating system of a pod.', {
    name: req(oneOf(['linux', 'windows'], 'Operating system name.')),
  }),
  type('HostAlias', 'Extra /etc/hosts entry.', {
    hostnames: strs('Names for the address.'),
    ip: req(str('IP address of the entry.')),
  }),
  type('PodDNSConfig', 'Resolver settings of a pod.', {
    nameservers: strs('Extra name server IPs.'),
    options: refs('PodDNSConfigOption', 'Resolver options, e.g. ndots.'),
    searches: strs('Extra search domains.'),
  }),
  type('PodDNSConfigOption', 'One resolver option.', {
    name: str('Option name.'),
    value: str('Option value.'),
  }),
  type('PodSecurityContext', 'Pod-wide security settings; container settings override them.', {
    appArmorProfile: ref('AppArmorProfile', 'Default AppArmor profile of the containers.'),
    fsGroup: int64('Group that owns volumes and is added to every container process.'),
    fsGroupChangePolicy: oneOf(
      ['OnRootMismatch', 'Always'],
      'When volume ownership is changed to fsGroup. Defaults to Always.',
    ),
    runAsGroup: int64('Default primary GID of container processes.'),
    runAsNonRoot: bool('Refuse to start containers that would run as UID 0.'),
    runAsUser: int64('Default UID of container processes.'),
    seLinuxChangePolicy: oneOf(
      ['MountOption', 'Recursive'],
      'How volumes are relabelled for SELinux: by mount option or by walking every file.',
    ),
    seLinuxOptions: ref('SELinuxOptions', 'Default SELinux context of the containers.'),
    seccompProfile: ref('SeccompProfile', 'Default seccomp profile of the containers.'),
    supplementalGroups: arr(T.int64, 'Extra GIDs for the first process of every container.'),
    supplementalGroupsPolicy: oneOf(
      ['Merge', 'Strict'],
      'Whether groups from the image\'s /etc/group are merged with supplementalGroups. Defaults to Merge.',
    ),
    sysctls: refs('Sysctl', 'Namespaced kernel parameters set for the pod.'),
    windowsOptions: ref('WindowsSecurityContextOptions', 'Windows-only settings.'),
  }),
  type('Sysctl', 'One kernel parameter.', {
    name: req(str('Parameter name, e.g. net.core.somaxconn.')),
    value: req(str('Value to set.')),
  }),
  type('Toleration', 'Lets the pod be scheduled onto (or stay on) nodes with a matching taint.', {
    effect: oneOf(
      ['NoSchedule', 'PreferNoSchedule', 'NoExecute'],
      'Taint effect to match; empty matches every effect.',
    ),
    key: str('Taint key to match; empty with operator Exists matches every taint.'),
    operator: oneOf(['Exists', 'Equal'], 'Exists matches any value; Equal needs value to match. Defaults to Equal.'),
    tolerationSeconds: int64('For NoExecute: how long the pod stays bound after the taint appears; unset means forever.'),
    value: str('Taint value to match with operator Equal.'),
  }),
  type('TopologySpreadConstraint', 'How matching pods are spread over a topology such as zones or nodes.', {
    labelSelector: ref('meta.v1.LabelSelector', 'Pods counted in each domain.'),
    matchLabelKeys: strs('Label keys whose values, taken from this pod, are added to the selector.'),
    maxSkew: req(int32('Largest allowed difference in matching pods between two domains.')),
    minDomains: int32('Minimum number of eligible domains; with fewer, the global minimum counts as 0.'),
    nodeAffinityPolicy: oneOf(['Honor', 'Ignore'], 'Whether nodeAffinity and nodeSelector limit the domains. Defaults to Honor.'),
    nodeTaintsPolicy: oneOf(['Honor', 'Ignore'], 'Whether node taints limit the domains. Defaults to Ignore.'),
    topologyKey: req(str('Node label whose values form the domains, e.g. topology.kubernetes.io/zone.')),
    whenUnsatisfiable: req(
      oneOf(['DoNotSchedule', 'ScheduleAnyway'], 'Whether a violation blocks scheduling or only lowers the score.'),
    ),
  }),
  type('Affinity', 'Scheduling affinity rules of a pod.', {
    nodeAffinity: ref('NodeAffinity', 'Which nodes the pod may or prefers to run on.'),
    podAffinity: ref('PodAffinity', 'Pods this pod should run near.'),
    podAntiAffinity: ref('PodAntiAffinity', 'Pods this pod should run away from.'),
  }),
  type('NodeAffinity', 'Node constraints by node labels and fields.', {
    preferredDuringSchedulingIgnoredDuringExecution: refs('PreferredSchedulingTerm', preferredTerms),
    requiredDuringSchedulingIgnoredDuringExecution: ref(
      'NodeSelector',
      `Nodes the pod may be scheduled to. ${ignoredDuringExecution}`,
    ),
  }),
  type('NodeSelector', 'Matches nodes by terms; any one term must match (terms are ORed).', {
    nodeSelectorTerms: req(refs('NodeSelectorTerm', 'The terms, ORed.')),
  }),
  type('NodeSelectorTerm', 'Requirements a node must meet; all must match (ANDed). An empty term matches nothing.', {
    matchExpressions: refs('NodeSelectorRequirement', 'Requirements on node labels.'),
    matchFields: refs('NodeSelectorRequirement', 'Requirements on node fields; only metadata.name is supported.'),
  }),
  type('NodeSelectorRequirement', 'One requirement on a node label or field.', {
    key: req(str('Label key or field path.')),
    operator: req(
      oneOf(['In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt'], 'How the key relates to the values.'),
    ),
    values: strs('Values for In and NotIn; a single integer for Gt and Lt; empty for Exists and DoesNotExist.'),
  }),
  type('PreferredSchedulingTerm', 'A weighted node preference.', {
    preference: req(ref('NodeSelectorTerm', 'Nodes the preference applies to.')),
    weight: req(int32('Weight from 1 to 100.')),
  }),
  type('PodAffinity', 'Co-location rules relative to other pods.', {
    preferredDuringSchedulingIgnoredDuringExecution: refs('WeightedPodAffinityTerm', preferredTerms),
    requiredDuringSchedulingIgnoredDuringExecution: refs(
      'PodAffinityTerm',
      `The pod must share a topology domain with pods matching every term. ${ignoredDuringExecution}`,
    ),
  }),
  type('PodAntiAffinity', 'Separation rules relative to other pods.', {
    preferredDuringSchedulingIgnoredDuringExecution: refs('WeightedPodAffinityTerm', preferredTerms),
    requiredDuringSchedulingIgnoredDuringExecution: refs(
      'PodAffinityTerm',
      `The pod must not share a topology domain with pods matching any term. ${ignoredDuringExecution}`,
    ),
  }),
  type('PodAffinityTerm', 'A set of pods and the topology domain in which they count.', {
    labelSelector: ref('meta.v1.LabelSelector', 'Pods the term is about.'),
    matchLabelKeys: strs('Label keys whose values, taken from this pod, are ANDed into labelSelector as In.'),
    mismatchLabelKeys: strs('Label keys whose values, taken from this pod, are ANDed into labelSelector as NotIn.'),
    namespaceSelector: ref('meta.v1.LabelSelector', 'Namespaces searched for the pods, by label; {} means all.'),
    namespaces: strs('Namespaces searched for the pods; empty with no namespaceSelector means this pod\'s namespace.'),
    topologyKey: req(str('Node label defining the domain, e.g. kubernetes.io/hostname.')),
  }),
  type('WeightedPodAffinityTerm', 'A weighted pod (anti-)affinity preference.', {
    podAffinityTerm: req(ref('PodAffinityTerm', 'The term.')),
    weight: req(int32('Weight from 1 to 100.')),
  }),
  kind('Binding', 'Binds a pod to a node; posted to pods/binding by the scheduler.', {
    target: req(ref('ObjectReference', 'The node to bind to (kind Node, name).')),
  }),
];
