/** A small HTTPS client for tests: JSON in, status + parsed body out, trusting the cluster CA. */
import https from 'node:https';

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  body: any;
}

export class TestClient {
  private readonly agent: https.Agent;

  constructor(
    readonly baseUrl: string,
    readonly ca: string,
    readonly token?: string,
  ) {
    this.agent = new https.Agent({ ca, keepAlive: true, maxSockets: 256 });
  }

  request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
    const url = new URL(path, this.baseUrl);
    const payload = body === undefined ? undefined : typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
    const h: Record<string, string> = { Accept: 'application/json', ...headers };
    if (payload !== undefined && !h['Content-Type']) h['Content-Type'] = 'application/json';
    if (this.token) h.Authorization = `Bearer ${this.token}`;
    return new Promise((resolve, reject) => {
      const req = https.request(url, { method, headers: h, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: any = undefined;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {
            parsed = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body: parsed });
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }

  get = (path: string, headers?: Record<string, string>) => this.request('GET', path, undefined, headers);
  post = (path: string, body: unknown, headers?: Record<string, string>) => this.request('POST', path, body, headers);
  put = (path: string, body: unknown, headers?: Record<string, string>) => this.request('PUT', path, body, headers);
  patch = (path: string, body: unknown, type: string) => this.request('PATCH', path, body, { 'Content-Type': type });
  delete = (path: string, body?: unknown) => this.request('DELETE', path, body);

  /** Opens a watch and collects events until `until` returns true or the timeout passes. */
  watch(path: string, until: (events: any[]) => boolean, timeoutMs = 5000, headers: Record<string, string> = {}): Promise<any[]> {
    const url = new URL(path, this.baseUrl);
    const h: Record<string, string> = { Accept: 'application/json', ...headers };
    if (this.token) h.Authorization = `Bearer ${this.token}`;
    return new Promise((resolve, reject) => {
      const events: any[] = [];
      let buf = '';
      const req = https.request(url, { method: 'GET', headers: h, agent: false, ca: this.ca }, (res) => {
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buf += chunk;
          let i;
          while ((i = buf.indexOf('\n')) >= 0) {
            const line = buf.slice(0, i);
            buf = buf.slice(i + 1);
            if (line.trim()) events.push(JSON.parse(line));
          }
          if (until(events)) {
            clearTimeout(timer);
            req.destroy();
            resolve(events);
          }
        });
        res.on('end', () => {
          clearTimeout(timer);
          resolve(events);
        });
      });
      const timer = setTimeout(() => {
        req.destroy();
        resolve(events);
      }, timeoutMs);
      req.on('error', (e) => {
        if ((e as NodeJS.ErrnoException).code !== 'ECONNRESET') reject(e);
      });
      req.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
