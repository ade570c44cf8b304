/**
 * The garbage collector: deletes objects whose owners are gone, and carries out the
 * foreground and orphan deletion policies of owners.
 *
 * The ownership graph is the informer caches themselves, indexed two ways: by uid, and by
 * the uids an object names as owners ("who are my dependents" is one index lookup). The
 * queue holds uids; sync(uid) judges that one object, either as a dependent (are its
 * owners still there?) or as an owner being deleted (foreground: are its blocking
 * dependents gone? orphan: have they all let go of it?).
 *
 * Caches lag, and differently per resource: a dependent may be seen before the owner it
 * was created right after. So an owner is only ever judged absent on the API server's
 * word (a live GET, uid compared), and an object is only ever deleted or changed after a
 * live read of it.
 */
import type { OwnerReference } from 'kubernetes-types/meta/v1.js';
import type { ResourceInfo } from '../../api/resources.js';
import type { Client } from '../../client/client.js';
import type { Informer } from '../../client/informer.js';
import type { ResourceClient } from '../../client/resource-client.js';
import { WorkQueue, runWorkers } from '../../client/work-queue.js';
import { isApiError } from '../../machinery/errors.js';
import type { Logger } from '../../machinery/log.js';
import type { Controller, ControllerContext } from '../types.js';
import { AbsentOwners } from './absent-owners.js';
import {
  FOREGROUND,
  ORPHAN,
  blockingDependents,
  collectedResources,
  decide,
  isDeletingDependents,
  ownerNamespace,
  ownerStateOf,
  resolveOwner,
  unblocked,
  withoutRefs,
  type Decision,
  type Meta,
  type OwnerState,
} from './ownership.js';
import { patchMetadata } from './patch-metadata.js';

interface Obj {
  metadata: Meta & { name: string; resourceVersion?: string };
}

interface Watched {
  info: ResourceInfo;
  informer: Informer<Obj>;
  api: ResourceClient<Obj>;
}

interface Found {
  w: Watched;
  obj: Obj;
}

const UID_INDEX = 'garbage-collector/uid';
const OWNER_INDEX = 'garbage-collector/owner-uids';
const indexers = {
  [UID_INDEX]: (o: Obj) => (o.metadata?.uid ? [o.metadata.uid] : []),
  [OWNER_INDEX]: (o: Obj) => (o.metadata?.ownerReferences ?? []).map((r) => r.uid),
};

const refsJson = (refs: readonly OwnerReference[] | undefined) => JSON.stringify(refs ?? []);
/** An object the collector has work on when it is being deleted. */
const awaitsCollector = (m: Meta) => Boolean(m.deletionTimestamp) && (m.finalizers ?? []).some((f) => f === FOREGROUND || f === ORPHAN);

export class GarbageCollector implements Controller {
  readonly name = 'garbage-collector';
  private readonly queue = new WorkQueue();
  private readonly client: Client;
  private readonly watched: Watched[] = [];
  private readonly byResource = new Map<ResourceInfo, Watched>();
  private readonly absent = new AbsentOwners();
  private readonly log: Logger;
  private readonly workers: number;

  constructor(ctx: ControllerContext) {
    this.client = ctx.client;
    this.log = ctx.log.child({ controller: this.name });
    this.workers = ctx.config.workers;
    for (const info of collectedResources()) {
      const w: Watched = {
        info,
        informer: ctx.informers.informer<Obj>(info.plural, info.group, indexers),
        api: ctx.client.resource<Obj>(info.plural, info.group),
      };
      this.watched.push(w);
      this.byResource.set(info, w);
      w.informer.on({
        add: (o) => {
          if (o.metadata.ownerReferences?.length || awaitsCollector(o.metadata)) this.queue.add(o.metadata.uid!);
        },
        update: (old, o) => {
          const m = o.metadata;
          const om = old.metadata;
          const refsChanged = refsJson(om.ownerReferences) !== refsJson(m.ownerReferences);
          if (refsChanged || Boolean(om.deletionTimestamp) !== Boolean(m.deletionTimestamp) || JSON.stringify(om.finalizers ?? []) !== JSON.stringify(m.finalizers ?? []))
            this.queue.add(m.uid!);
          // An owner waiting in the foreground may have been waiting for this reference.
          if (refsChanged) for (const r of om.ownerReferences ?? []) this.queue.add(r.uid);
        },
        delete: (o) => {
          const m = o.metadata;
          for (const d of this.dependents(w, o)) this.queue.add(d.obj.metadata.uid!);
          // Only an owner waiting on its dependents (foreground, orphan) cares that one went;
          // waking every owner on each pod deletion costs O(pods) per deletion.
          for (const r of m.ownerReferences ?? []) {
            const owner = this.findByUid(r.uid);
            if (owner && awaitsCollector(owner.obj.metadata)) this.queue.add(r.uid);
          }
        },
      });
    }
  }

  async run(signal: AbortSignal): Promise<void> {
    await runWorkers(this.queue, this.workers, (uid) => this.sync(uid), signal, (uid, err) =>
      this.log.debug({ uid, err: (err as Error).message }, 'sync failed; will retry'),
    );
  }

  /** Judges the object with this uid (if the caches still hold it). */
  async sync(uid: string): Promise<void> {
    const found = this.findByUid(uid);
    if (!found) return;
    const m = found.obj.metadata;
    if (m.deletionTimestamp) {
      // Orphan first: the orphan finalizer promises the dependents survive, whatever else.
      if (m.finalizers?.includes(ORPHAN)) await this.orphanDependents(found);
      else if (isDeletingDependents(m)) await this.deleteDependents(found);
      // Otherwise: on its way out; its dependents are judged once it is gone.
      return;
    }
    if (!m.ownerReferences?.length) return;
    if ((await this.judge(found.w, m)).action === 'keep') return;

    // Act on the object as it is now, not as the cache remembers it: it may have been
    // adopted by a new owner or replaced meanwhile.
    let latest: Obj;
    try {
      latest = await found.w.api.get(m.namespace, m.name);
    } catch (err) {
      if (isApiError(err) && err.code === 404) return;
      throw err;
    }
    if (latest.metadata.uid !== uid || latest.metadata.deletionTimestamp) return;
    const decision = await this.judge(found.w, latest.metadata);
    await this.carryOut(found.w, latest, decision);
  }

  private async judge(w: Watched, m: Meta): Promise<Decision> {
    const states = new Map<string, OwnerState>();
    for (const r of m.ownerReferences ?? []) states.set(r.uid, await this.ownerState(w.info, m.namespace, r));
    const deps = this.dependents(w, { metadata: m as Obj['metadata'] });
    return decide(m, states, { count: deps.length, anyDeletingDependents: deps.some((d) => isDeletingDependents(d.obj.metadata)) });
  }

  private async carryOut(w: Watched, obj: Obj, d: Decision): Promise<void> {
    const { namespace: ns, name, uid } = obj.metadata;
    const log = this.log.child({ resource: w.info.plural, object: ns ? `${ns}/${name}` : name });
    if (d.action === 'keep') return;
    if (d.action === 'remove-refs') {
      log.info({ owners: d.uids }, 'removing references to absent or deleting owners');
      await patchMetadata(w.api, ns, name, uid!, (m) => {
        const refs = withoutRefs(m.ownerReferences, d.uids);
        return refs && { ownerReferences: refs.length ? refs : null };
      });
      return;
    }
    if (d.unblock) {
      await patchMetadata(w.api, ns, name, uid!, (m) => {
        const refs = unblocked(m.ownerReferences);
        return refs && { ownerReferences: refs };
      });
    }
    log.info({ propagationPolicy: d.policy }, 'deleting object whose owners are gone');
    try {
      await w.api.delete(ns, name, { propagationPolicy: d.policy, preconditions: { uid } });
    } catch (err) {
      // Gone already, or a new object under the name (uid precondition): nothing of ours.
      if (isApiError(err) && (err.code === 404 || err.code === 409)) return;
      throw err;
    }
  }

  /**
   * What the reference points at. The cache answers only when it holds the owner (same
   * uid); a miss is confirmed with the API server, because the cache may simply not have
   * seen an owner created a moment ago.
   */
  private async ownerState(depInfo: ResourceInfo, depNs: string | undefined, ref: OwnerReference): Promise<OwnerState> {
    const info = resolveOwner(ref);
    if (!info) return 'unresolvable';
    const where = ownerNamespace(info, depInfo.namespaced ? depNs : undefined);
    if (!where) return 'absent';
    if (this.absent.has(ref.uid)) return 'absent';
    const w = this.byResource.get(info);
    const cached = w?.informer.get(where.namespace ? `${where.namespace}/${ref.name}` : ref.name);
    if (cached && cached.metadata.uid === ref.uid) return ownerStateOf(cached.metadata);
    let live: Obj;
    try {
      live = await (w?.api ?? this.client.resource<Obj>(info.plural, info.group)).get(where.namespace, ref.name);
    } catch (err) {
      if (!(isApiError(err) && err.code === 404)) throw err;
      this.absent.add(ref.uid);
      return 'absent';
    }
    if (live.metadata.uid !== ref.uid) {
      // The name now belongs to another object: the one referred to is gone for good.
      this.absent.add(ref.uid);
      return 'absent';
    }
    return ownerStateOf(live.metadata);
  }

  /** Foreground: delete the dependents; drop the finalizer once no blocking one is left. */
  private async deleteDependents({ w, obj }: Found): Promise<void> {
    const deps = this.dependents(w, obj);
    // Each dependent's own sync deletes it, seeing its owner waiting.
    for (const d of deps) if (!d.obj.metadata.deletionTimestamp || isDeletingDependents(d.obj.metadata)) this.queue.add(d.obj.metadata.uid!);
    if (blockingDependents(obj.metadata.uid!, deps.map((d) => d.obj)).length) return;
    await this.removeFinalizer(w, obj, FOREGROUND);
  }

  /** Orphan: remove the owner from its dependents' references, then let the owner go. */
  private async orphanDependents({ w, obj }: Found): Promise<void> {
    const ownerUid = obj.metadata.uid!;
    for (const d of this.dependents(w, obj)) {
      const dm = d.obj.metadata;
      await patchMetadata(d.w.api, dm.namespace, dm.name, dm.uid!, (m) => {
        const refs = withoutRefs(m.ownerReferences, [ownerUid]);
        return refs && { ownerReferences: refs.length ? refs : null };
      });
    }
    await this.removeFinalizer(w, obj, ORPHAN);
  }

  private async removeFinalizer(w: Watched, obj: Obj, finalizer: string): Promise<void> {
    const { namespace: ns, name, uid } = obj.metadata;
    this.log.info({ resource: w.info.plural, object: ns ? `${ns}/${name}` : name, finalizer }, 'removing finalizer');
    await patchMetadata(w.api, ns, name, uid!, (m) => {
      if (!m.finalizers?.includes(finalizer)) return undefined;
      const rest = m.finalizers.filter((f) => f !== finalizer);
      return { finalizers: rest.length ? rest : null };
    });
  }

  private findByUid(uid: string): Found | undefined {
    for (const w of this.watched) {
      const obj = w.informer.byIndex(UID_INDEX, uid)[0];
      if (obj) return { w, obj };
    }
    return undefined;
  }

  /**
   * Cached objects naming `owner` as an owner. A namespaced owner has dependents only in
   * its own namespace; a reference from elsewhere with the same uid is not to it.
   */
  private dependents(ownerW: Watched, owner: Obj): Found[] {
    const uid = owner.metadata.uid;
    if (!uid) return [];
    const ns = ownerW.info.namespaced ? owner.metadata.namespace : undefined;
    const out: Found[] = [];
    for (const w of this.watched) {
      for (const obj of w.informer.byIndex(OWNER_INDEX, uid)) {
        if (ns !== undefined && obj.metadata.namespace !== ns) continue;
        out.push({ w, obj });
      }
    }
    return out;
  }
}
