import { clientNodeSuite } from './client-node-suite.js';

clientNodeSuite('sqlite');
