/**
 * Kubernetes name rules (apimachinery validation): DNS-1123 labels (namespaces, containers)
 * and DNS-1123 subdomains (pods, workloads). Each returns null when valid, else why not.
 */
const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function dns1123LabelError(value: string): string | null {
  if (value.length === 0) return 'must not be empty';
  if (value.length > 63) return 'must be at most 63 characters';
  if (!LABEL.test(value)) return 'must consist of lower case letters, digits and \'-\', and start and end with a letter or digit';
  return null;
}

export function dns1123SubdomainError(value: string): string | null {
  if (value.length === 0) return 'must not be empty';
  if (value.length > 253) return 'must be at most 253 characters';
  if (!SUBDOMAIN.test(value)) return 'must consist of lower case letters, digits, \'-\' and \'.\', and start and end with a letter or digit';
  return null;
}
