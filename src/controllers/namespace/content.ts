/**
 * Deletes everything inside a namespace, resource by resource, and reports what is left.
 * Always against the API server, never a cache: a namespace is finalized on this report,
 * and a cache that has not yet seen an object would let it outlive its namespace.
 */
import { RESOURCES, qualifiedResource, type ResourceInfo } from '../../api/resources.js';
import type { Client } from '../../client/client.js';
import { isApiError } from '../../machinery/errors.js';
import type { ContentReport } from './conditions.js';

/** Every namespaced resource that can be listed and deleted. */
export const namespacedResources = (): ResourceInfo[] =>
  RESOURCES.filter((r) => r.namespaced && r.verbs.includes('list') && r.verbs.includes('delete'));

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * One pass: delete each resource's objects in the namespace (a collection DELETE where the
 * resource has one), then list what remains. Objects with a grace period (pods on a node)
 * or finalizers stay for a while after their DELETE; they show up in `remaining`.
 */
export async function deleteContent(client: Client, ns: string): Promise<ContentReport> {
  const report: ContentReport = { remaining: new Map(), finalizers: new Map(), failures: [] };
  for (const info of namespacedResources()) {
    const api = client.resource(info.plural, info.group);
    const name = qualifiedResource(info);
    try {
      // Background: dependents in the namespace are deleted by this same pass anyway, and
      // a foreground delete would keep owners around until the garbage collector is done.
      if (info.verbs.includes('deletecollection')) {
        await client.transport.request('DELETE', api.collectionPath(ns), { propagationPolicy: 'Background' });
      } else {
        for (const o of (await api.list(ns)).items) {
          await api.delete(ns, o.metadata.name, { propagationPolicy: 'Background' }).catch((err) => {
            if (!(isApiError(err) && err.code === 404)) throw err;
          });
        }
      }
    } catch (err) {
      report.failures.push(`${name}: ${message(err)}`);
    }
    try {
      const left = (await api.list(ns)).items;
      if (left.length) report.remaining.set(name, left.length);
      for (const o of left) for (const f of o.metadata?.finalizers ?? []) report.finalizers.set(f, (report.finalizers.get(f) ?? 0) + 1);
    } catch (err) {
      report.failures.push(`${name}: ${message(err)}`);
    }
  }
  return report;
}
