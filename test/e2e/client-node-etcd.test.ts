import { clientNodeSuite } from './client-node-suite.js';

clientNodeSuite('etcd');
