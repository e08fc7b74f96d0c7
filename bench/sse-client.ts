import { request, type ClientRequest } from 'node:http';

export interface Frame {
  id?: string;
  data: { type: string; event?: { sequence: number }; [k: string]: unknown };
  receivedAt: number;
}

/**
 * A minimal SSE reader over node:http, cheap enough to hold a thousand streams in one process:
 * splits the body into frames, parses each `data:` as JSON and hands it over with its arrival time.
 */
export class SseClient {
  private req: ClientRequest | null = null;
  status = 0;

  constructor(
    private readonly url: string,
    private readonly cookie: string,
    private readonly onFrame: (frame: Frame) => void,
  ) {}

  open(headers: Record<string, string> = {}): Promise<void> {
    return new Promise((resolve, reject) => {
      const req = request(this.url, { headers: { cookie: this.cookie, accept: 'text/event-stream', ...headers } }, (res) => {
        this.status = res.statusCode ?? 0;
        res.setEncoding('utf8');
        let buffer = '';
        res.on('data', (chunk: string) => {
          const receivedAt = performance.now();
          buffer += chunk;
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            let id: string | undefined;
            let data = '';
            for (const line of block.split('\n')) {
              if (line.startsWith('id: ')) id = line.slice(4);
              else if (line.startsWith('data: ')) data += line.slice(6);
            }
            if (data) this.onFrame({ id, data: JSON.parse(data), receivedAt });
          }
        });
        resolve();
      });
      req.on('error', reject);
      req.end();
      this.req = req;
    });
  }

  close(): void {
    this.req?.destroy();
  }
}
