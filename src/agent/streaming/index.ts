export { NodeStreamingServer, parseLogOptions, type NodeStreamingServerOptions } from './node-server.js';
export { CriContainerLocator, type ContainerLocator, type LogFile } from './locator.js';
export { STREAMING_CERT_ANNOTATION, selfSignedStreamingCert } from './tls.js';
export { CriLogParser, parseCriLine, streamCriLog, type LogOptions } from './cri-log.js';
