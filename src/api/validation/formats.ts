/**
 * String format checks with Kubernetes' wording (apimachinery util/validation, as of
 * v1.30). Each returns the list of problems, empty when the value is valid, so callers
 * wrap them into field errors at the path they are checking.
 */
import { isIPv6 } from 'node:net';

const maxLen = (n: number): string => `must be no more than ${n} characters`;

/** Go's RegexError: examples are joined the way Kubernetes prints them, double space and all. */
function regexError(msg: string, fmt: string, ...examples: string[]): string {
  if (examples.length === 0) return `${msg} (regex used for validation is '${fmt}')`;
  return `${msg} (e.g. ${examples.map((e) => `'${e}', `).join(' or ')}regex used for validation is '${fmt}')`;
}

const dns1123LabelFmt = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const dns1123SubdomainFmt = `${dns1123LabelFmt}(\\.${dns1123LabelFmt})*`;
const dns1035LabelFmt = '[a-z]([-a-z0-9]*[a-z0-9])?';
const qualifiedNameFmt = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const labelValueFmt = `(${qualifiedNameFmt})?`;
const configMapKeyFmt = '[-._a-zA-Z0-9]+';
const envVarNameFmt = '[-._a-zA-Z][-._a-zA-Z0-9]*';
const percentFmt = '[0-9]+%';
const httpHeaderNameFmt = '[-A-Za-z0-9]+';
const wildcardSubdomainFmt = `\\*\\.${dns1123SubdomainFmt}`;

const anchored = (fmt: string): RegExp => new RegExp(`^${fmt}$`);
const dns1123LabelRe = anchored(dns1123LabelFmt);
const dns1123SubdomainRe = anchored(dns1123SubdomainFmt);
const dns1035LabelRe = anchored(dns1035LabelFmt);
const qualifiedNameRe = anchored(qualifiedNameFmt);
const labelValueRe = anchored(labelValueFmt);
const configMapKeyRe = anchored(configMapKeyFmt);
const envVarNameRe = anchored(envVarNameFmt);
const percentRe = anchored(percentFmt);
const httpHeaderNameRe = anchored(httpHeaderNameFmt);
const wildcardSubdomainRe = anchored(wildcardSubdomainFmt);

const dns1123LabelMsg =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";
const dns1123SubdomainMsg =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
const dns1035LabelMsg =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character";
const qualifiedNameMsg =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";

export function isDNS1123Label(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 63) errs.push(maxLen(63));
  if (!dns1123LabelRe.test(v)) {
    // A valid subdomain of legal length can only have failed on its dots.
    if (dns1123SubdomainRe.test(v)) errs.push('must not contain dots');
    else errs.push(regexError(dns1123LabelMsg, dns1123LabelFmt, 'my-name', '123-abc'));
  }
  return errs;
}

export function isDNS1123Subdomain(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 253) errs.push(maxLen(253));
  if (!dns1123SubdomainRe.test(v)) errs.push(regexError(dns1123SubdomainMsg, dns1123SubdomainFmt, 'example.com'));
  return errs;
}

export function isDNS1035Label(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 63) errs.push(maxLen(63));
  if (!dns1035LabelRe.test(v)) errs.push(regexError(dns1035LabelMsg, dns1035LabelFmt, 'my-name', 'abc-123'));
  return errs;
}

export function isWildcardDNS1123Subdomain(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 253) errs.push(maxLen(253));
  if (!wildcardSubdomainRe.test(v)) {
    errs.push(
      regexError(
        "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character",
        wildcardSubdomainFmt,
        '*.example.com',
      ),
    );
  }
  return errs;
}

/** A label key, annotation key or finalizer: `[dns-subdomain/]name`. */
export function isQualifiedName(v: string): string[] {
  const errs: string[] = [];
  const parts = v.split('/');
  let name: string;
  if (parts.length === 1) {
    name = parts[0];
  } else if (parts.length === 2) {
    const prefix = parts[0];
    name = parts[1];
    if (prefix.length === 0) errs.push('prefix part must be non-empty');
    else errs.push(...isDNS1123Subdomain(prefix).map((m) => `prefix part ${m}`));
  } else {
    return [
      `a qualified name ${regexError(qualifiedNameMsg, qualifiedNameFmt, 'MyName', 'my.name', '123-abc')} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ];
  }
  if (name.length === 0) errs.push('name part must be non-empty');
  else if (name.length > 63) errs.push(`name part ${maxLen(63)}`);
  if (!qualifiedNameRe.test(name)) {
    errs.push(`name part ${regexError(qualifiedNameMsg, qualifiedNameFmt, 'MyName', 'my.name', '123-abc')}`);
  }
  return errs;
}

export function isLabelValue(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 63) errs.push(maxLen(63));
  if (!labelValueRe.test(v)) {
    errs.push(
      regexError(
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
        labelValueFmt,
        'MyValue',
        'my_value',
        '12345',
      ),
    );
  }
  return errs;
}

function chdirPrefix(v: string): string[] {
  if (v === '.') return ["must not be '.'"];
  if (v === '..') return ["must not be '..'"];
  if (v.startsWith('..')) return ["must not start with '..'"];
  return [];
}

/** A key of a ConfigMap or Secret: it becomes a file name in volumes. */
export function isConfigMapKey(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 253) errs.push(maxLen(253));
  if (!configMapKeyRe.test(v)) {
    errs.push(
      regexError(
        "a valid config key must consist of alphanumeric characters, '-', '_' or '.'",
        configMapKeyFmt,
        'key.name',
        'KEY_NAME',
        'key-name',
      ),
    );
  }
  return [...errs, ...chdirPrefix(v)];
}

export function isEnvVarName(v: string): string[] {
  const errs: string[] = [];
  if (!envVarNameRe.test(v)) {
    errs.push(
      regexError(
        "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit",
        envVarNameFmt,
        'my.env-name',
        'MY_ENV.NAME',
        'MyEnvName1',
      ),
    );
  }
  return [...errs, ...chdirPrefix(v)];
}

/** An IANA_SVC_NAME: a named port. */
export function isValidPortName(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 15) errs.push(maxLen(15));
  if (!/^[-a-z0-9]+$/.test(v)) errs.push('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
  if (!/[a-z]/.test(v)) errs.push('must contain at least one letter (a-z)');
  if (v.includes('--')) errs.push('must not contain consecutive hyphens');
  if (v.startsWith('-') || v.endsWith('-')) errs.push('must not begin or end with a hyphen');
  return errs;
}

export const inclusiveRange = (lo: number, hi: number): string => `must be between ${lo} and ${hi}, inclusive`;

export function isValidPortNum(v: unknown): string[] {
  return typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 65535 ? [] : [inclusiveRange(1, 65535)];
}

export function isValidPercent(v: string): string[] {
  if (percentRe.test(v)) return [];
  return [regexError("a valid percent string must be a numeric string followed by an ending '%'", percentFmt, '1%', '93%')];
}

export function isHTTPHeaderName(v: string): string[] {
  if (httpHeaderNameRe.test(v)) return [];
  return [regexError("a valid HTTP header must consist of alphanumeric characters or '-'", httpHeaderNameFmt, 'X-Header-Name')];
}

// Leading zeros are refused, as Kubernetes does since 1.20-era IP parsing hardening:
// "010.1.1.1" means octal to some parsers and decimal to others.
const IPV4_OCTET = '(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';
const IPV4_RE = new RegExp(`^${IPV4_OCTET}(\\.${IPV4_OCTET}){3}$`);

export const isIPv4 = (v: string): boolean => IPV4_RE.test(v);
export const isIP = (v: string): boolean => isIPv4(v) || isIPv6(v);

export const IP_MSG = 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)';
export const CIDR_MSG = 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)';

export function isCIDR(v: string): boolean {
  const slash = v.indexOf('/');
  if (slash < 0) return false;
  const ip = v.slice(0, slash);
  const bits = v.slice(slash + 1);
  if (!/^(0|[1-9][0-9]*)$/.test(bits)) return false;
  const n = Number(bits);
  if (isIPv4(ip)) return n <= 32;
  return isIPv6(ip) && n <= 128;
}

/** `acme.io/foo`: a DNS subdomain, a slash, then an HTTP path (IngressClass controllers). */
export function isDomainPrefixedPath(v: string): string[] {
  const slash = v.indexOf('/');
  if (slash <= 0 || slash === v.length - 1) return ['must be a domain-prefixed path (such as "acme.io/foo")'];
  const errs = isDNS1123Subdomain(v.slice(0, slash));
  const pathFmt = "[A-Za-z0-9/\\-._~%!$&'()*+,;=:]+";
  if (!anchored(pathFmt).test(v.slice(slash + 1))) errs.push(regexError('Invalid path', pathFmt));
  return errs;
}

/**
 * Name rules: `prefix` is true for generateName, where a trailing dash is expected and
 * the random suffix will follow it.
 */
export type NameRule = 'subdomain' | 'label' | 'dns1035';

export function checkName(rule: NameRule, name: string, prefix: boolean): string[] {
  const v = prefix && name.length > 1 && name.endsWith('-') ? `${name.slice(0, -1)}a` : name;
  if (rule === 'label') return isDNS1123Label(v);
  if (rule === 'dns1035') return isDNS1035Label(v);
  return isDNS1123Subdomain(v);
}
