/**
 * Registry mirrors and plain-HTTP registries, configured k3s-style in a `registries.yaml`:
 *
 *     mirrors:
 *       docker.io:
 *         endpoint: ["http://127.0.0.1:5000"]
 *     configs:
 *       "127.0.0.1:5000":
 *         tls: { insecure_skip_verify: true }
 *
 * rendered as containerd 1.6 `config_path` files: `<config_path>/<host>/hosts.toml` (mirror
 * `*` becomes `_default`). Credentials (`configs.<host>.auth`) have no place in hosts.toml;
 * they go into the CRI plugin's `registry.configs` section of containerd's config.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { tomlString } from './containerd-config.js';

/** The YAML parser is loaded when a registries file is read: most nodes have none (~3 MB RSS). */
const parseYaml = (text: string): unknown => (createRequire(import.meta.url)('yaml') as typeof import('yaml')).parse(text);

export interface RegistryMirror {
  /** Endpoints tried in order before the registry itself; `http://` means plain HTTP. */
  endpoint: string[];
}

export interface RegistryTls {
  ca_file?: string;
  cert_file?: string;
  key_file?: string;
  insecure_skip_verify?: boolean;
}

export interface RegistryAuth {
  username?: string;
  password?: string;
  auth?: string;
  identity_token?: string;
}

export interface RegistryConfig {
  tls?: RegistryTls;
  auth?: RegistryAuth;
}

/** The parsed, validated registries.yaml. */
export interface RegistriesConfig {
  /** Keyed by registry host (`docker.io`, `127.0.0.1:5000`) or `*` for every registry. */
  mirrors: Record<string, RegistryMirror>;
  /** Keyed by endpoint host (`host[:port]`). */
  configs: Record<string, RegistryConfig>;
}

export class RegistriesConfigError extends Error {
  override name = 'RegistriesConfigError';
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`${source}: ${problems.join('; ')}`);
  }
}

const HOST = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?)(:\d{1,5})?$/;
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reads and validates a registries.yaml; all problems are reported together. */
export function parseRegistriesYaml(text: string, source = 'registries.yaml'): RegistriesConfig {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new RegistriesConfigError(source, [`not valid YAML: ${(err as Error).message.split('\n')[0]}`]);
  }
  return validateRegistries(doc ?? {}, source);
}

export function validateRegistries(doc: unknown, source = 'registries'): RegistriesConfig {
  const problems: string[] = [];
  const out: RegistriesConfig = { mirrors: {}, configs: {} };
  if (!isObject(doc)) throw new RegistriesConfigError(source, ['want a mapping with "mirrors" and/or "configs"']);
  for (const key of Object.keys(doc)) if (key !== 'mirrors' && key !== 'configs') problems.push(`unknown key ${JSON.stringify(key)} (want mirrors, configs)`);

  const mirrors = doc.mirrors ?? {};
  if (!isObject(mirrors)) problems.push('mirrors: want a mapping of registry host to { endpoint: [...] }');
  else {
    for (const [host, m] of Object.entries(mirrors)) {
      const at = `mirrors.${JSON.stringify(host)}`;
      if (host !== '*' && !HOST.test(host)) problems.push(`${at}: ${JSON.stringify(host)} is not a registry host (want host or host:port, or "*")`);
      if (!isObject(m)) {
        problems.push(`${at}: want { endpoint: [URL, ...] }`);
        continue;
      }
      for (const key of Object.keys(m)) {
        if (key === 'rewrite') problems.push(`${at}.rewrite: rewrites are not supported by containerd 1.6; remove it`);
        else if (key !== 'endpoint') problems.push(`${at}: unknown key ${JSON.stringify(key)}`);
      }
      const endpoints = m.endpoint ?? [];
      if (!Array.isArray(endpoints) || endpoints.length === 0) {
        problems.push(`${at}.endpoint: want a non-empty list of URLs`);
        continue;
      }
      const list: string[] = [];
      endpoints.forEach((e, i) => {
        const url = normaliseEndpoint(e);
        if (!url) problems.push(`${at}.endpoint[${i}]: ${JSON.stringify(e)} is not an http:// or https:// URL`);
        else list.push(url);
      });
      out.mirrors[host] = { endpoint: list };
    }
  }

  const configs = doc.configs ?? {};
  if (!isObject(configs)) problems.push('configs: want a mapping of registry host to { tls, auth }');
  else {
    for (const [host, c] of Object.entries(configs)) {
      const at = `configs.${JSON.stringify(host)}`;
      if (!HOST.test(host)) problems.push(`${at}: ${JSON.stringify(host)} is not a registry host (want host or host:port)`);
      if (!isObject(c)) {
        problems.push(`${at}: want { tls: {...}, auth: {...} }`);
        continue;
      }
      const cfg: RegistryConfig = {};
      for (const key of Object.keys(c)) if (key !== 'tls' && key !== 'auth') problems.push(`${at}: unknown key ${JSON.stringify(key)} (want tls, auth)`);
      if (c.tls !== undefined) {
        if (!isObject(c.tls)) problems.push(`${at}.tls: want a mapping`);
        else {
          const tls: RegistryTls = {};
          for (const [k, v] of Object.entries(c.tls)) {
            if (k === 'insecure_skip_verify') {
              if (typeof v !== 'boolean') problems.push(`${at}.tls.insecure_skip_verify: want true or false`);
              else tls.insecure_skip_verify = v;
            } else if (k === 'ca_file' || k === 'cert_file' || k === 'key_file') {
              if (typeof v !== 'string' || !path.isAbsolute(v)) problems.push(`${at}.tls.${k}: want an absolute path`);
              else tls[k] = v;
            } else problems.push(`${at}.tls: unknown key ${JSON.stringify(k)} (want ca_file, cert_file, key_file, insecure_skip_verify)`);
          }
          if (Boolean(tls.cert_file) !== Boolean(tls.key_file)) problems.push(`${at}.tls: cert_file and key_file go together`);
          cfg.tls = tls;
        }
      }
      if (c.auth !== undefined) {
        if (!isObject(c.auth)) problems.push(`${at}.auth: want a mapping`);
        else {
          const auth: RegistryAuth = {};
          for (const [k, v] of Object.entries(c.auth)) {
            if (k !== 'username' && k !== 'password' && k !== 'auth' && k !== 'identity_token') problems.push(`${at}.auth: unknown key ${JSON.stringify(k)}`);
            else if (typeof v !== 'string') problems.push(`${at}.auth.${k}: want a string`);
            else auth[k] = v;
          }
          cfg.auth = auth;
        }
      }
      out.configs[host] = cfg;
    }
  }
  if (problems.length) throw new RegistriesConfigError(source, problems);
  return out;
}

/** k3s semantics: an endpoint without a scheme is https. Returns undefined if invalid. */
function normaliseEndpoint(e: unknown): string | undefined {
  if (typeof e !== 'string' || !e) return undefined;
  const withScheme = /^[a-z]+:\/\//i.test(e) ? e : `https://${e}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    return undefined;
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !url.host || url.search || url.hash || url.username) return undefined;
  return `${url.protocol}//${url.host}${url.pathname === '/' ? '' : url.pathname.replace(/\/$/, '')}`;
}

/** The registry's own address containerd falls back to after the mirrors. */
function upstreamServer(host: string): string | undefined {
  if (host === '*') return undefined;
  if (host === 'docker.io') return 'https://registry-1.docker.io';
  return `https://${host}`;
}

function tlsLines(tls: RegistryTls | undefined, indent: string): string[] {
  if (!tls) return [];
  const lines: string[] = [];
  if (tls.insecure_skip_verify) lines.push(`${indent}skip_verify = true`);
  if (tls.ca_file) lines.push(`${indent}ca = ${tomlString(tls.ca_file)}`);
  if (tls.cert_file && tls.key_file) lines.push(`${indent}client = [[${tomlString(tls.cert_file)}, ${tomlString(tls.key_file)}]]`);
  return lines;
}

/** Directory name under config_path for a registry host (`*` is containerd's `_default`). */
export const hostsDirName = (host: string) => (host === '*' ? '_default' : host);

/** hosts.toml per directory name, for every mirrored or configured registry. */
export function renderRegistryHosts(config: RegistriesConfig): Map<string, string> {
  const files = new Map<string, string>();
  const hosts = new Set([...Object.keys(config.mirrors), ...Object.keys(config.configs)]);
  for (const host of [...hosts].sort()) {
    const lines = ['# Generated by orch from registries.yaml.'];
    const server = upstreamServer(host);
    if (server) lines.push(`server = ${tomlString(server)}`);
    lines.push(...tlsLines(config.configs[host]?.tls, ''));
    const endpoints = config.mirrors[host]?.endpoint ?? [];
    for (const endpoint of endpoints) {
      const endpointHost = new URL(endpoint).host;
      lines.push('', `[host.${tomlString(endpoint)}]`, '  capabilities = ["pull", "resolve"]', ...tlsLines(config.configs[endpointHost]?.tls, '  '));
    }
    // containerd 1.6.20 rejects a hosts.toml without any [host] table ("invalid `host` tree")
    // and silently falls back to defaults, so a registry with TLS settings only gets itself
    // as its one host.
    if (endpoints.length === 0 && server) {
      lines.push('', `[host.${tomlString(server)}]`, '  capabilities = ["pull", "resolve"]', ...tlsLines(config.configs[host]?.tls, '  '));
    }
    files.set(hostsDirName(host), `${lines.join('\n')}\n`);
  }
  return files;
}

/** The CRI `registry.configs.<host>.auth` sections for containerd's config ('' if none). */
export function renderRegistryAuthToml(config: RegistriesConfig): string {
  const parts: string[] = [];
  for (const [host, c] of Object.entries(config.configs).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (!c.auth || Object.keys(c.auth).length === 0) continue;
    parts.push(`\n  [plugins."io.containerd.grpc.v1.cri".registry.configs.${tomlString(host)}.auth]`);
    for (const [k, v] of Object.entries(c.auth)) {
      const key = k === 'identity_token' ? 'identitytoken' : k;
      parts.push(`    ${key} = ${tomlString(v)}`);
    }
  }
  return parts.length ? `${parts.join('\n')}\n` : '';
}

/** Replaces the hosts directory's contents with the rendered files. */
export async function writeRegistryHosts(dir: string, config: RegistriesConfig): Promise<void> {
  await fs.promises.rm(dir, { recursive: true, force: true });
  await fs.promises.mkdir(dir, { recursive: true, mode: 0o700 });
  for (const [name, text] of renderRegistryHosts(config)) {
    await fs.promises.mkdir(path.join(dir, name), { recursive: true });
    await fs.promises.writeFile(path.join(dir, name, 'hosts.toml'), text);
  }
}

/** Reads a registries.yaml from disk (a missing file is an error naming the path). */
export async function loadRegistriesFile(file: string): Promise<RegistriesConfig> {
  let text: string;
  try {
    text = await fs.promises.readFile(file, 'utf8');
  } catch (err) {
    throw new RegistriesConfigError(file, [`cannot read: ${(err as Error).message}`]);
  }
  return parseRegistriesYaml(text, file);
}
