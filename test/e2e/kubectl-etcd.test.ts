import { kubectlSuite } from './kubectl-suite.js';

kubectlSuite('etcd');
