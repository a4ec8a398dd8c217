/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-member-access,
   @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-call,
   @typescript-eslint/no-unsafe-return -- rendered Kubernetes objects are untyped YAML; the assertions are their type checks */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../lib/config/config.js';
import { renderChart } from './helm-render.js';

/**
 * deploy/helm/tams rendered with its default values (Helm is not installable here: test/operations/
 * helm-render.ts renders the template subset the chart uses) and checked against the shapes Kubernetes
 * expects and the rules of issue 17: probes, selectors that match, who may talk to whom.
 */

type Obj = Record<string, any>;

const chartDir = new URL('../../deploy/helm/tams', import.meta.url).pathname;
const { objects } = renderChart(chartDir);
/** The chart creating its own Secret (secrets.create), with the values that path requires. */
const SECRET_VALUES = {
  TAMS_DATABASE_URL: 'postgres://tams:pw@db.internal:5432/tams',
  TAMS_REDIS_URL: 'redis://:pw@redis.internal:6379',
  TAMS_INTERNAL_SECRET: 'an-internal-secret-of-at-least-32-characters',
  AWS_ACCESS_KEY_ID: 'key',
  AWS_SECRET_ACCESS_KEY: 'secret',
};
const creating = renderChart(chartDir, undefined, {
  secrets: { existingSecret: '', create: true, values: SECRET_VALUES },
}).objects as Obj[];

const all = objects as Obj[];
const ofKind = (kind: string): Obj[] => all.filter((o) => o.kind === kind);
const named = (kind: string, suffix: string): Obj => {
  const found = ofKind(kind).find((o) => (o.metadata.name as string).endsWith(suffix));
  if (!found) throw new Error(`no ${kind} named *${suffix} in the rendered chart`);
  return found;
};
/** Whether a label selector (matchLabels and In expressions) selects the given labels. */
function selects(selector: Obj, labels: Record<string, string>): boolean {
  const byLabels = Object.entries((selector.matchLabels ?? {}) as Record<string, string>).every(
    ([k, v]) => labels[k] === v,
  );
  const byExpressions = ((selector.matchExpressions ?? []) as Obj[]).every(
    (e) => e.operator === 'In' && (e.values as string[]).includes(labels[e.key as string]!),
  );
  return byLabels && byExpressions;
}
const podLabels = (component: string): Record<string, string> =>
  named('Deployment', `-${component}`).spec.template.metadata.labels as Record<string, string>;
const ROLES = ['gateway', 'media', 'analytics'];

describe('the Helm chart rendered with its default values', () => {
  it('renders Kubernetes objects: apiVersion, kind, metadata.name and the chart labels', () => {
    expect(all.length).toBeGreaterThan(15);
    for (const o of all) {
      expect(o.apiVersion, JSON.stringify(o).slice(0, 200)).toMatch(
        /^([a-z0-9.]+\/)?v\d+((alpha|beta)\d+)?$/,
      );
      expect(o.kind).toMatch(/^[A-Z]\w+$/);
      expect(o.metadata.name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
      expect(o.metadata.labels['app.kubernetes.io/instance']).toBe('tams');
    }
    const kinds = new Set(all.map((o) => o.kind));
    for (const kind of [
      'Deployment',
      'Service',
      'HorizontalPodAutoscaler',
      'PodDisruptionBudget',
      'NetworkPolicy',
      'ServiceAccount',
      'Job',
      'ServiceMonitor',
    ])
      expect(kinds).toContain(kind);
  });

  it('runs one Deployment per role, selecting its own pods, probed on /health and /ready, hardened', () => {
    for (const role of ROLES) {
      const d = named('Deployment', `-${role}`);
      expect(selects(d.spec.selector, podLabels(role))).toBe(true);
      for (const other of ROLES.filter((r) => r !== role))
        expect(selects(d.spec.selector, podLabels(other))).toBe(false);
      const pod = d.spec.template.spec;
      expect(pod.automountServiceAccountToken).toBe(false);
      expect(pod.securityContext.runAsNonRoot).toBe(true);
      const [c] = pod.containers as Obj[];
      expect(c!.args).toEqual(['serve', '--role', role]);
      expect(c!.livenessProbe.httpGet).toEqual({ path: '/health', port: 'http' });
      expect(c!.readinessProbe.httpGet).toEqual({ path: '/ready', port: 'http' });
      expect(c!.ports).toEqual([{ name: 'http', containerPort: 8000 }]);
      expect(c!.resources.limits.memory).toBeTruthy();
      expect(c!.securityContext.readOnlyRootFilesystem).toBe(true);
      const mounts = (c!.volumeMounts as Obj[]).map((m) => m.name);
      for (const m of mounts) expect((pod.volumes as Obj[]).map((v) => v.name)).toContain(m);
    }
    // The gateway's replica count belongs to its HPA.
    expect(named('Deployment', '-gateway').spec.replicas).toBeUndefined();
    expect(named('Deployment', '-media').spec.replicas).toBe(2);
  });

  it('takes every secret from the existing Secret by default, or from the one it creates', () => {
    expect(ofKind('Secret')).toEqual([]);
    const envOf = (objs: Obj[]) =>
      objs.find((o) => o.kind === 'Deployment' && o.metadata.name.endsWith('-gateway'))!.spec.template.spec
        .containers[0].env as Obj[];
    const keys = envOf(all)
      .filter((e) => e.valueFrom)
      .map((e) => e.valueFrom.secretKeyRef);
    expect(keys.map((r) => r.key).sort()).toEqual(Object.keys(SECRET_VALUES).sort());
    for (const r of keys) expect(r.name).toBe('tams-secrets');

    const secret = creating.find((o) => o.kind === 'Secret')!;
    expect(Object.keys(secret.data).sort()).toEqual(Object.keys(SECRET_VALUES).sort());
    for (const e of envOf(creating).filter((x) => x.valueFrom))
      expect(e.valueFrom.secretKeyRef.name).toBe(secret.metadata.name);
    expect(Buffer.from(secret.data.TAMS_INTERNAL_SECRET as string, 'base64').toString()).toBe(
      SECRET_VALUES.TAMS_INTERNAL_SECRET,
    );
    // No default secrets: creating one without its values fails the render, naming the value.
    expect(() =>
      renderChart(chartDir, undefined, { secrets: { existingSecret: '', create: true, values: {} } }),
    ).toThrow(/secrets\.values\.TAMS_DATABASE_URL/);
  });

  it('gives the gateway its subgraphs’ Service URLs', () => {
    const env = named('Deployment', '-gateway').spec.template.spec.containers[0].env as Obj[];
    for (const e of env) expect(e.value === undefined || typeof e.value === 'string').toBe(true);
    const value = (name: string) => env.find((e) => e.name === name)?.value as string;
    const services = ofKind('Service').map((s) => s.metadata.name as string);
    for (const role of ['media', 'analytics']) {
      const url = new URL(value(`TAMS_${role.toUpperCase()}_URL`));
      expect(services).toContain(url.hostname);
      expect(url.port).toBe('8000');
    }
  });

  it('gives every container an environment the store’s configuration accepts', () => {
    const secret = creating.find((o) => o.kind === 'Secret')!;
    const containers = creating
      .filter((o) => o.kind === 'Deployment' || o.kind === 'Job')
      .map((o) => o.spec.template.spec.containers[0]);
    for (const c of containers as Obj[]) {
      const env = Object.fromEntries(
        (c.env as Obj[]).map((e) => [
          e.name,
          e.valueFrom
            ? Buffer.from(secret.data[e.valueFrom.secretKeyRef.key] as string, 'base64').toString()
            : (e.value as string),
        ]),
      );
      const config = loadConfig(env);
      expect(config.http.port).toBe(8000);
      expect(config.database.kind).toBe('postgres');
    }
  });

  it('gives each Service, PDB and the HPA a target that exists', () => {
    for (const s of ofKind('Service')) {
      const role = (s.metadata.name as string).split('-').at(-1)!;
      expect(selects({ matchLabels: s.spec.selector }, podLabels(role))).toBe(true);
      expect(s.spec.ports[0].targetPort).toBe('http');
    }
    for (const p of ofKind('PodDisruptionBudget')) {
      const role = (p.metadata.name as string).split('-').at(-1)!;
      expect(selects(p.spec.selector, podLabels(role))).toBe(true);
    }
    const hpa = ofKind('HorizontalPodAutoscaler')[0]!;
    expect(hpa.spec.scaleTargetRef).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: named('Deployment', '-gateway').metadata.name,
    });
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
    const monitor = ofKind('ServiceMonitor')[0]!;
    for (const s of ofKind('Service')) expect(selects(monitor.spec.selector, s.metadata.labels)).toBe(true);
    expect(monitor.spec.endpoints[0]).toMatchObject({ port: 'http', path: '/metrics' });
  });

  it('migrates before install and upgrade with `tams migrate`, after its Secret and ServiceAccount exist', () => {
    const job = ofKind('Job')[0]!;
    expect(job.metadata.annotations['helm.sh/hook']).toBe('pre-install,pre-upgrade');
    const pod = job.spec.template.spec;
    expect(pod.restartPolicy).toBe('Never');
    expect(pod.containers[0].args).toEqual(['migrate']);
    const weight = (o: Obj) => Number(o.metadata.annotations?.['helm.sh/hook-weight']);
    for (const dependency of [creating.find((o) => o.kind === 'Secret')!, named('ServiceAccount', 'tams')])
      expect(weight(dependency)).toBeLessThan(weight(job));
  });

  it('lets only the gateway be reached from outside, the subgraphs only from the gateway, and data only from the pods', () => {
    const policies = ofKind('NetworkPolicy');
    const applying = (labels: Record<string, string>) =>
      policies.filter((p) => selects(p.spec.podSelector, labels));
    const ingressOf = (labels: Record<string, string>) =>
      applying(labels).flatMap((p) => (p.spec.ingress ?? []) as Obj[]);
    const migrate = ofKind('Job')[0]!.spec.template.metadata.labels as Record<string, string>;
    // Every pod of the release is under a default deny of both directions.
    for (const labels of [...ROLES.map(podLabels), migrate])
      expect(
        applying(labels).some((p) => !p.spec.ingress && !p.spec.egress && p.spec.policyTypes.length === 2),
      ).toBe(true);
    // The gateway: open to any source on 8000 (a rule without `from`).
    expect(ingressOf(podLabels('gateway')).some((r) => !r.from)).toBe(true);
    // The subgraphs: every ingress rule names its sources: the gateway's pods or the monitoring namespace.
    for (const role of ['media', 'analytics']) {
      const rules = ingressOf(podLabels(role));
      expect(rules.length).toBeGreaterThan(0);
      for (const rule of rules) {
        expect(rule.from).toBeDefined();
        for (const peer of rule.from as Obj[]) {
          if (peer.podSelector) expect(selects(peer.podSelector, podLabels('gateway'))).toBe(true);
          else expect(peer.namespaceSelector.matchLabels['kubernetes.io/metadata.name']).toBe('monitoring');
          expect(peer.ipBlock).toBeUndefined();
        }
      }
      expect(rules.some((r) => (r.from as Obj[]).some((p) => p.podSelector))).toBe(true);
    }
    // PostgreSQL and Redis egress is granted to the release's pods (and so the migration Job) only.
    const dataPorts = (labels: Record<string, string>) =>
      applying(labels)
        .flatMap((p) => (p.spec.egress ?? []) as Obj[])
        .filter((r) => r.to?.some((t: Obj) => t.ipBlock))
        .flatMap((r) => (r.ports as Obj[]).map((port) => port.port as number));
    for (const labels of [...ROLES.map(podLabels), migrate])
      expect(dataPorts(labels)).toEqual(expect.arrayContaining([5432, 6379]));
    for (const p of policies)
      expect(p.spec.podSelector.matchLabels['app.kubernetes.io/instance']).toBe('tams');
  });

  it('traces only when given a collector: the OTEL_* settings the store accepts, and egress to it', () => {
    const envOf = (objs: Obj[]) =>
      Object.fromEntries(
        objs
          .filter((o) => o.kind === 'Deployment')
          .flatMap((o) => o.spec.template.spec.containers[0].env as Obj[])
          .filter((e) => !e.valueFrom)
          .map((e) => [e.name as string, e.value as string]),
      );
    expect(Object.keys(envOf(all)).filter((name) => name.startsWith('OTEL_'))).toEqual([]);
    const traced = renderChart(chartDir, undefined, {
      tracing: { otlpEndpoint: 'http://otel-collector.monitoring:4318' },
    }).objects as Obj[];
    const env = envOf(traced);
    expect(env.OTEL_EXPORTER_OTLP_ENDPOINT).toBe('http://otel-collector.monitoring:4318');
    const config = loadConfig({ ...env, TAMS_DATABASE_URL: SECRET_VALUES.TAMS_DATABASE_URL });
    expect(config.tracing).toMatchObject({
      endpoint: expect.stringContaining('otel-collector'),
      sampler: 'parentbased_traceidratio',
      ratio: 0.1,
    });
    const egressPorts = traced
      .filter((o) => o.kind === 'NetworkPolicy')
      .flatMap((p) => (p.spec.egress ?? []) as Obj[])
      .flatMap((r) => ((r.ports ?? []) as Obj[]).map((port) => port.port as number));
    expect(egressPorts).toContain(4318);
  });
});
