/**
 * The deployment files, checked with what can check them without a container engine or a
 * cluster (docs/deploy.md says what is not checked): the Dockerfile's structure and its CMD and
 * HEALTHCHECK run for real against the built server; the compose files against the Compose
 * JSON Schema; the Kubernetes manifests against the Kubernetes OpenAPI schemas
 * (kubernetes-models); fly.toml parsed as TOML; the Grafana dashboard's PromQL parsed with
 * Prometheus' own grammar and every metric it names scraped from a running server. Every
 * SWITCHBOARD_* variable set anywhere must be a real setting with a valid value.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { parser as promql } from '@prometheus-io/lezer-promql';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { Copy, DockerfileParser, type Instruction } from 'dockerfile-ast';
import { parse as parseToml } from 'smol-toml';
import { parseAllDocuments } from 'yaml';
import { resolveSettings } from '../../src/settings/resolve.js';
import { SETTINGS } from '../../src/settings/table.js';
import { findBinary, removeDir, requireBinary, tempDir } from '../helpers/brokers/common.js';

const ROOT = resolve(import.meta.dirname, '../..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const require = createRequire(import.meta.url);

type Json = Record<string, unknown>;

/** Every document of a YAML file; merge keys (`<<:`) resolved as Compose and kubectl do. */
function yamlDocuments(path: string): Json[] {
  return parseAllDocuments(read(path), { merge: true }).map((doc) => {
    assert.deepEqual(doc.errors, [], `${path} parses as YAML`);
    return doc.toJS() as Json;
  });
}

function at(value: unknown, ...path: (string | number)[]): unknown {
  let v = value;
  for (const key of path) v = (v as Record<string | number, unknown> | undefined)?.[key];
  return v;
}

const SETTING_ENV = new Set<string>(Object.values(SETTINGS).map((row) => row.env));
/** Variables of the image or the runtime that are not settings but may be set beside them. */
const OTHER_ENV = new Set(['NODE_ENV', 'NODE_OPTIONS']);

/** Each variable is a setting's (or a known non-setting) and the settings resolve without error. */
function assertRealSettings(env: Record<string, unknown>, where: string): void {
  const text: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    assert.ok(
      SETTING_ENV.has(name) || OTHER_ENV.has(name),
      `${where}: ${name} is an environment variable of docs/settings.md`,
    );
    if (SETTING_ENV.has(name)) text[name] = String(value);
  }
  assert.doesNotThrow(() => resolveSettings(SETTINGS, { env: text }), `${where}: values are valid`);
}

/** Instructions of each build stage, in order. */
function dockerStages(): { name: string | null; instructions: Instruction[] }[] {
  const stages: { name: string | null; instructions: Instruction[] }[] = [];
  for (const instruction of DockerfileParser.parse(read('Dockerfile')).getInstructions()) {
    if (instruction.getKeyword() === 'FROM') {
      const stage = /\bAS\s+(\S+)\s*$/i.exec(instruction.getArgumentsContent() ?? '')?.[1];
      stages.push({ name: stage ?? null, instructions: [] });
    }
    stages.at(-1)?.instructions.push(instruction);
  }
  return stages;
}

function jsonArgs(instruction: Instruction | undefined, after = ''): string[] {
  const content = instruction?.getArgumentsContent() ?? '';
  const json = content.slice(content.indexOf(after) + after.length).trim();
  const args: unknown = JSON.parse(json);
  assert.ok(Array.isArray(args), 'exec form');
  return args.map((a) => {
    assert.equal(typeof a, 'string');
    return String(a);
  });
}

const runtime = () => dockerStages().at(-1)!;
const last = (keyword: string) =>
  runtime()
    .instructions.filter((i) => i.getKeyword() === keyword)
    .at(-1);

describe('Dockerfile', () => {
  it('builds in a stage with every dependency and runs from a later stage that copies its output', () => {
    const stages = dockerStages();
    assert.ok(stages.length >= 2, 'multi-stage');
    const build = stages[0]!;
    const builds = build.instructions.map((i) => i.getArgumentsContent() ?? '').join('\n');
    assert.match(builds, /npm ci\b/);
    assert.match(builds, /npm run build\b/);
    assert.match(builds, /npm prune --omit=dev\b/, 'dev dependencies are dropped before the copy');
    const copies = runtime().instructions.filter((i): i is Copy => i instanceof Copy);
    for (const path of ['/app/node_modules', '/app/dist', '/app/package.json'])
      assert.ok(
        copies.some(
          (c) =>
            c.getFlags().some((f) => f.getName() === 'from' && f.getValue() === build.name) &&
            c.getArguments().some((a) => a.getValue() === path),
        ),
        `runtime copies ${path} from the build stage`,
      );
    assert.ok(
      !runtime().instructions.some((i) => /npm (ci|install)\b/.test(i.getArgumentsContent() ?? '')),
      'runtime installs nothing',
    );
  });

  it('runs as a user that is not root, stops with SIGTERM and keeps its data dir on a volume', () => {
    const user = last('USER')?.getArgumentsContent() ?? 'root';
    assert.ok(!/^(root|0)(:|$)/.test(user), `USER ${user}`);
    assert.equal(last('STOPSIGNAL')?.getArgumentsContent(), 'SIGTERM');
    const env = runtime()
      .instructions.filter((i) => i.getKeyword() === 'ENV')
      .map((i) => i.getArgumentsContent() ?? '')
      .join(' ');
    const dataDir = /SWITCHBOARD_DATA_DIR=(\S+)/.exec(env)?.[1];
    assert.ok(dataDir, 'SWITCHBOARD_DATA_DIR is set');
    assert.deepEqual(jsonArgs(last('VOLUME')), [dataDir]);
    assertRealSettings(
      Object.fromEntries([...env.matchAll(/(\w+)=(\S+)/g)].map((m) => [m[1]!, m[2]!])),
      'Dockerfile ENV',
    );
  });

  it('ignores the host node_modules, dist and data but none of the files the build copies', () => {
    const ignored = read('.dockerignore')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'));
    for (const path of ['node_modules', 'dist', 'data', '.git']) assert.ok(ignored.includes(path));
    const sources = dockerStages()[0]!
      .instructions.filter((i) => i.getKeyword() === 'COPY')
      .flatMap((i) => i.getArguments().slice(0, -1))
      .map((a) => a.getValue().replace(/\/$/, ''));
    assert.ok(sources.length > 0);
    for (const source of sources) {
      assert.ok(existsSync(join(ROOT, source)), `${source} exists`);
      assert.ok(
        !ignored.some((p) => source === p || source.startsWith(`${p}/`)),
        `${source} is not ignored`,
      );
    }
  });

  describe('its CMD and HEALTHCHECK, run against the built server', () => {
    let dir = '';
    let server: ChildProcess | null = null;
    let port = 0;
    const healthcheck = () => jsonArgs(last('HEALTHCHECK'), 'CMD');
    const runCheck = () => {
      const [cmd, ...args] = healthcheck();
      assert.equal(cmd, 'node');
      return spawnSync(process.execPath, args, {
        env: { ...process.env, PORT: String(port) },
        timeout: 20_000,
      }).status;
    };

    before(async () => {
      const [cmd, ...args] = jsonArgs(last('CMD'));
      assert.equal(cmd, 'node');
      assert.ok(
        existsSync(join(ROOT, args[0]!)),
        `${args[0]} is in the build output (npm run build)`,
      );
      dir = tempDir('docker-cmd');
      server = spawn(process.execPath, [...args, '--port', '0', '--store', 'memory:'], {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'inherit'],
        env: {
          ...process.env,
          PORT: '',
          SWITCHBOARD_DATA_DIR: join(dir, 'data'),
          SWITCHBOARD_LOG_FORMAT: 'json',
        },
      });
      port = await new Promise<number>((res, rej) => {
        const t = setTimeout(() => rej(new Error('the server did not start')), 30_000);
        createInterface({ input: server!.stdout! }).on('line', (line) => {
          const entry = JSON.parse(line) as { msg?: string; port?: number };
          if (entry.msg === 'listening' && entry.port) {
            clearTimeout(t);
            res(entry.port);
          }
        });
      });
    });

    after(async () => {
      if (server && server.exitCode === null) {
        await new Promise((res) => {
          server!.once('exit', res);
          server!.kill('SIGTERM');
        });
      }
      removeDir(dir);
    });

    it('serves /healthz and /readyz from the command the image runs', async () => {
      assert.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200);
      assert.equal((await fetch(`http://127.0.0.1:${port}/readyz`)).status, 200);
    });

    it('passes the image health check while the server runs and fails it once it has drained', async () => {
      assert.equal(runCheck(), 0);
      const exited = new Promise<number | null>((res) => server!.once('exit', res));
      server!.kill('SIGTERM');
      assert.equal(await exited, 0, 'SIGTERM drains and exits 0');
      assert.equal(runCheck(), 1);
    });
  });
});

/** The Compose formats the schema names, as compose-go defines them. */
function composeValidator() {
  const ajv = new Ajv2019({ allErrors: true });
  ajv.addFormat('duration', /^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$/);
  ajv.addFormat(
    'ports',
    /^((\[[0-9a-fA-F:.]+\]|[0-9.]+|[\w.-]+):)?(\d+(-\d+)?:)?\d+(-\d+)?(\/(tcp|udp|sctp))?$/,
  );
  ajv.addFormat('expose', /^\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
  ajv.addFormat('subnet_ip_address', /^([0-9.]+|[0-9a-fA-F:]+)\/\d{1,3}$/);
  // This snapshot of the schema names its draft by a URL Ajv does not register (Ajv2019 is that
  // draft) and labels subschemas with draft-04 `id` strings, which Ajv 8 refuses; neither
  // constrains a document, so both are dropped.
  const schema = JSON.parse(read('deploy/schemas/compose-spec.json'), (key, value: unknown) =>
    key === 'id' && typeof value === 'string' ? undefined : value,
  ) as Json;
  delete schema.$schema;
  return ajv.compile(schema);
}

describe('compose files', () => {
  const files = readdirSync(join(ROOT, 'deploy/compose')).filter((f) => f.endsWith('.yaml'));
  const validate = composeValidator();

  it('are one node and a cluster', () => {
    assert.deepEqual(files.sort(), ['cluster.yaml', 'single-node.yaml']);
  });

  for (const file of files) {
    const path = `deploy/compose/${file}`;
    it(`${path} is valid against the Compose schema, builds the root Dockerfile and sets only real settings`, () => {
      const [doc] = yamlDocuments(path);
      assert.ok(validate(doc), JSON.stringify(validate.errors, null, 2));
      const services = doc!.services as Record<string, Json>;
      let built = 0;
      for (const [name, service] of Object.entries(services)) {
        for (const dep of Object.keys((service.depends_on as Json | undefined) ?? {}))
          assert.ok(dep in services, `${name} depends on a service of the file`);
        if (!service.build) continue;
        built++;
        const context = resolve(ROOT, 'deploy/compose', String(at(service, 'build', 'context')));
        assert.equal(context, ROOT);
        assert.ok(existsSync(join(context, String(at(service, 'build', 'dockerfile')))));
        assertRealSettings(service.environment as Json, `${path}: ${name}`);
        assert.equal(service.stop_signal, 'SIGTERM');
        const grace = Number(/^(\d+)s$/.exec(String(service.stop_grace_period))?.[1]);
        const drain = Number((service.environment as Json).SWITCHBOARD_SHUTDOWN_TIMEOUT) / 1000;
        assert.ok(
          grace > drain,
          `${name}: stop_grace_period ${grace}s is above the drain ${drain}s`,
        );
      }
      assert.ok(built > 0);
    });
  }

  it('single-node keeps the SQLite data dir on a named volume', () => {
    const [doc] = yamlDocuments('deploy/compose/single-node.yaml');
    const service = at(doc, 'services', 'switchboard') as Json;
    const dataDir = String(at(service, 'environment', 'SWITCHBOARD_DATA_DIR'));
    assert.ok((service.volumes as string[]).some((v) => v.endsWith(`:${dataDir}`)));
    assert.equal(at(service, 'environment', 'SWITCHBOARD_STORE'), undefined);
  });

  it('cluster runs three nodes on PostgreSQL and Redis behind nginx, each with its own node id', () => {
    const [doc] = yamlDocuments('deploy/compose/cluster.yaml');
    const services = doc!.services as Record<string, Json>;
    const nodes = Object.entries(services).filter(([, s]) => s.build);
    assert.equal(nodes.length, 3);
    const ids = nodes.map(([, s]) => at(s, 'environment', 'SWITCHBOARD_NODE_ID'));
    assert.equal(new Set(ids).size, 3);
    for (const [, s] of nodes) {
      assert.match(String(at(s, 'environment', 'SWITCHBOARD_STORE')), /^postgres:\/\/.*@postgres:/);
      assert.equal(at(s, 'environment', 'SWITCHBOARD_BUS'), 'redis://redis:6379');
    }
    assert.match(String(at(services, 'postgres', 'image')), /^postgres:/);
    assert.match(String(at(services, 'redis', 'image')), /^redis:/);
    const conf = (at(services, 'nginx', 'volumes') as string[])[0]!.split(':')[0]!;
    assert.ok(existsSync(join(ROOT, 'deploy/compose', conf)));
    const upstreams = [...read('deploy/compose/nginx.conf').matchAll(/server (\w+):8080/g)];
    assert.deepEqual(
      upstreams.map((m) => m[1]).sort(),
      nodes.map(([name]) => name).sort(),
      'nginx balances over exactly the nodes',
    );
  });
});

describe('deploy/compose/nginx.conf', () => {
  const locations = (conf: string) => conf.slice(conf.indexOf('  server {'));
  const nginx = requireBinary('nginx', ['/usr/sbin']);

  it('proxies exactly like deploy/nginx.conf, which test/deploy/nginx.test.ts runs for real', () => {
    assert.equal(
      locations(read('deploy/compose/nginx.conf')),
      locations(read('deploy/nginx.conf')),
    );
  });

  it('passes nginx -t with the node names pointed at loopback', { skip: nginx.skip }, () => {
    const dir = tempDir('nginx-compose');
    try {
      const conf = read('deploy/compose/nginx.conf')
        .replace(/server sb\d:8080/g, 'server 127.0.0.1:8080')
        .replace(/\/tmp\//g, `${dir}/`);
      writeFileSync(join(dir, 'nginx.conf'), conf);
      const r = spawnSync(nginx.path, ['-t', '-c', join(dir, 'nginx.conf'), '-p', dir], {
        encoding: 'utf8',
      });
      assert.equal(r.status, 0, r.stderr);
    } finally {
      removeDir(dir);
    }
  });
});

type Model = new (data: unknown) => { validate(): void };

/** The kubernetes-models class of an object (Kubernetes 1.27 OpenAPI), by apiVersion and kind. */
function modelOf(apiVersion: string, kind: string): Model {
  const module = require(`kubernetes-models/${apiVersion}/${kind}`) as Record<string, Model>;
  return module[kind]!;
}

describe('Kubernetes manifests', () => {
  const files = (yamlDocuments('deploy/k8s/kustomization.yaml')[0]!.resources as string[]).map(
    (f) => `deploy/k8s/${f}`,
  );
  const objects = files.flatMap((f) => yamlDocuments(f).map((o) => ({ file: f, o })));
  const byKind = (kind: string) => objects.find(({ o }) => o.kind === kind)?.o;

  it('kustomization.yaml lists every manifest of deploy/k8s', () => {
    const manifests = readdirSync(join(ROOT, 'deploy/k8s'))
      .filter((f) => f.endsWith('.yaml'))
      .filter((f) => !['kustomization.yaml', 'prometheus-adapter-values.yaml'].includes(f));
    assert.deepEqual(files.map((f) => f.slice('deploy/k8s/'.length)).sort(), manifests.sort());
  });

  it('validates every object against the Kubernetes OpenAPI schema of its kind', () => {
    const kinds = objects.map(({ o }) => o.kind).sort();
    assert.deepEqual(kinds, [
      'ConfigMap',
      'Deployment',
      'HorizontalPodAutoscaler',
      'PodDisruptionBudget',
      'Secret',
      'Service',
    ]);
    for (const { file, o } of objects) {
      const Kind = modelOf(String(o.apiVersion), String(o.kind));
      assert.doesNotThrow(() => new Kind(o).validate(), `${file} ${String(o.kind)}`);
    }
  });

  it('refuses a manifest with a wrong type, so the validation above can fail', () => {
    const deployment = structuredClone(byKind('Deployment'));
    (at(deployment, 'spec') as Json).replicas = 'three';
    assert.throws(() => new (modelOf('apps/v1', 'Deployment'))(deployment).validate());
  });

  it('probes /readyz and /healthz, sleeps in preStop and gives the drain time before SIGKILL', () => {
    const pod = at(byKind('Deployment'), 'spec', 'template', 'spec') as Json;
    const container = at(pod, 'containers', 0) as Json;
    assert.equal(at(container, 'readinessProbe', 'httpGet', 'path'), '/readyz');
    assert.equal(at(container, 'livenessProbe', 'httpGet', 'path'), '/healthz');
    const sleep = at(container, 'lifecycle', 'preStop', 'exec', 'command') as string[];
    assert.equal(sleep[0], 'sleep');
    const drain = Number(at(byKind('ConfigMap'), 'data', 'SWITCHBOARD_SHUTDOWN_TIMEOUT')) / 1000;
    assert.ok(
      Number(pod.terminationGracePeriodSeconds) > Number(sleep[1]) + drain,
      'grace period above preStop sleep + drain',
    );
    assert.equal(at(container, 'securityContext', 'allowPrivilegeEscalation'), false);
    assert.equal(at(pod, 'securityContext', 'runAsNonRoot'), true);
    assert.equal(container.args, undefined, 'the image CMD runs');
  });

  it('sets only real settings, from the ConfigMap, the Secret and the pod', () => {
    const container = at(byKind('Deployment'), 'spec', 'template', 'spec', 'containers', 0);
    const fromPod = Object.fromEntries(
      (at(container, 'env') as { name: string }[]).map((e) => [e.name, 'from-the-pod']),
    );
    const envFrom = (at(container, 'envFrom') as Json[]).map((e) =>
      String(at(e, 'configMapRef', 'name') ?? at(e, 'secretRef', 'name')),
    );
    assert.deepEqual(envFrom, ['switchboard', 'switchboard']);
    assertRealSettings(
      {
        ...(byKind('ConfigMap')!.data as Json),
        ...(byKind('Secret')!.stringData as Json),
        ...fromPod,
      },
      'deploy/k8s',
    );
    const ports = (at(container, 'ports') as { containerPort: number }[]).map(
      (p) => p.containerPort,
    );
    const metricsPort = Number(
      /:(\d+)$/.exec(String(at(byKind('ConfigMap'), 'data', 'SWITCHBOARD_METRICS_LISTEN')))?.[1],
    );
    assert.ok(ports.includes(metricsPort), 'the metrics listener is a container port');
  });

  it('scales on the connections gauge through a Prometheus adapter rule that serves it', () => {
    const metric = (at(byKind('HorizontalPodAutoscaler'), 'spec', 'metrics') as Json[]).find(
      (m) => m.type === 'Pods',
    );
    const name = String(at(metric, 'pods', 'metric', 'name'));
    assert.equal(name, 'switchboard_connections');
    assert.match(read('src/server/metrics.ts'), new RegExp(`name: '${name}'`));
    const [values] = yamlDocuments('deploy/k8s/prometheus-adapter-values.yaml');
    const rule = (at(values, 'rules', 'custom') as Json[]).find(
      (r) => at(r, 'name', 'as') === name,
    );
    assert.ok(rule, 'an adapter rule names the metric the HPA asks for');
    assert.match(String(rule.seriesQuery), new RegExp(`^${name}\\{`));
  });

  it(
    'builds with kubectl kustomize (offline)',
    { skip: findBinary('kubectl') ? false : 'kubectl not installed' },
    () => {
      const r = spawnSync('kubectl', ['kustomize', join(ROOT, 'deploy/k8s')], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      const kinds = parseAllDocuments(r.stdout).map((d) => (d.toJS() as Json).kind);
      assert.equal(kinds.length, objects.length);
    },
  );
});

describe('fly.toml', () => {
  const fly = parseToml(read('fly.toml')) as Json;

  it('serves the chat port over HTTPS, checks /readyz and drains on SIGTERM before the kill', () => {
    assert.equal(at(fly, 'build', 'dockerfile'), 'Dockerfile');
    assert.equal(at(fly, 'http_service', 'internal_port'), 8080);
    assert.equal(at(fly, 'http_service', 'force_https'), true);
    assert.equal(at(fly, 'http_service', 'checks', 0, 'path'), '/readyz');
    assert.equal(at(fly, 'kill_signal'), 'SIGTERM');
    const drain = Number(at(fly, 'env', 'SWITCHBOARD_SHUTDOWN_TIMEOUT')) / 1000;
    assert.ok(Number(fly.kill_timeout) > drain);
  });

  it('uses a NATS app on the private network as the bus, and only real settings', () => {
    assert.match(String(at(fly, 'env', 'SWITCHBOARD_BUS')), /^nats:\/\/[\w-]+\.internal:4222$/);
    assertRealSettings(fly.env as Json, 'fly.toml [env]');
    const metrics = Number(
      /:(\d+)$/.exec(String(at(fly, 'env', 'SWITCHBOARD_METRICS_LISTEN')))?.[1],
    );
    assert.equal(at(fly, 'metrics', 'port'), metrics);
  });
});

/** Metric names of every PromQL expression of the dashboard, failing on a parse error. */
function dashboardMetrics(dashboard: Json): Map<string, string> {
  const exprs: { where: string; expr: string }[] = [];
  for (const panel of dashboard.panels as Json[]) {
    if (panel.type === 'row') continue;
    const targets = (panel.targets as Json[] | undefined) ?? [];
    assert.ok(targets.length > 0, `panel "${String(panel.title)}" has a query`);
    for (const t of targets) exprs.push({ where: String(panel.title), expr: String(t.expr) });
  }
  for (const v of at(dashboard, 'templating', 'list') as Json[]) {
    const query = at(v, 'query', 'query');
    if (typeof query !== 'string') continue;
    const inner = /^label_values\((.+),\s*\w+\)$/.exec(query)?.[1];
    if (inner) exprs.push({ where: `variable ${String(v.name)}`, expr: inner });
  }
  const names = new Map<string, string>();
  for (const { where, expr } of exprs) {
    // Grafana fills $__rate_interval in before Prometheus sees the query.
    const query = expr.replaceAll('$__rate_interval', '5m');
    const tree = promql.parse(query);
    tree.iterate({
      enter: (node) => {
        assert.ok(!node.type.isError, `${where}: ${expr} parses as PromQL`);
        if (node.name === 'VectorSelector') {
          const id = node.node.getChild('Identifier');
          assert.ok(id, `${where}: ${expr} names its metric`);
          names.set(query.slice(id.from, id.to), where);
        }
      },
    });
  }
  return names;
}

/** Series names /metrics can show: each `# TYPE` family, with a histogram's suffixes. */
function exposedSeries(text: string): Set<string> {
  const series = new Set<string>();
  for (const [, name, type] of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    series.add(name!);
    if (type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) series.add(name! + s);
    if (type === 'summary') for (const s of ['_sum', '_count']) series.add(name! + s);
  }
  return series;
}

describe('Grafana dashboard', () => {
  const dashboard = JSON.parse(read('deploy/grafana/switchboard.json')) as Json;
  let dir = '';
  let server: ChildProcess | null = null;
  let metricsText = '';

  before(async () => {
    dir = tempDir('grafana');
    server = spawn(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'serve', '--port', '0'],
      {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'inherit'],
        env: {
          ...process.env,
          PORT: '',
          SWITCHBOARD_STORE: 'memory:',
          SWITCHBOARD_DATA_DIR: join(dir, 'data'),
          SWITCHBOARD_LOG_FORMAT: 'json',
        },
      },
    );
    const port = await new Promise<number>((res, rej) => {
      const t = setTimeout(() => rej(new Error('the server did not start')), 30_000);
      createInterface({ input: server!.stdout! }).on('line', (line) => {
        const entry = JSON.parse(line) as { msg?: string; port?: number };
        if (entry.msg === 'listening' && entry.port) {
          clearTimeout(t);
          res(entry.port);
        }
      });
    });
    metricsText = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  });

  after(async () => {
    if (server && server.exitCode === null) {
      await new Promise((res) => {
        server!.once('exit', res);
        server!.kill('SIGTERM');
      });
    }
    removeDir(dir);
  });

  it('names only metrics that a running server exposes on /metrics', () => {
    const exposed = exposedSeries(metricsText);
    assert.ok(exposed.has('switchboard_connections'), 'the scrape worked');
    const used = dashboardMetrics(dashboard);
    assert.ok(used.size >= 10);
    for (const [name, where] of used) assert.ok(exposed.has(name), `${where}: ${name} is exposed`);
  });

  it('charts every metric the server defines itself', () => {
    const own = [...read('src/server/metrics.ts').matchAll(/name: '(switchboard_\w+)'/g)].map(
      (m) => m[1]!,
    );
    assert.ok(own.length > 0);
    const used = new Set(dashboardMetrics(dashboard).keys());
    // A histogram is charted through its series (histogram_quantile of _bucket).
    const charted = (name: string) =>
      ['', '_bucket', '_sum', '_count'].some((suffix) => used.has(name + suffix));
    for (const name of own) assert.ok(charted(name), `${name} has a panel`);
  });

  it('has unique panel ids and a Prometheus data source variable', () => {
    const ids = (dashboard.panels as Json[]).map((p) => p.id);
    assert.equal(new Set(ids).size, ids.length);
    const ds = (at(dashboard, 'templating', 'list') as Json[]).find((v) => v.type === 'datasource');
    assert.equal(ds?.query, 'prometheus');
  });
});
