// A small typed REST client for tests and the demo: every call returns status, headers and JSON.
export interface ApiResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

export interface Api {
  token: string | undefined;
  request<T = unknown>(method: string, path: string, body?: unknown, init?: { raw?: string; token?: string | null }): Promise<ApiResponse<T>>;
  get<T = unknown>(path: string): Promise<ApiResponse<T>>;
  post<T = unknown>(path: string, body?: unknown): Promise<ApiResponse<T>>;
  del<T = unknown>(path: string): Promise<ApiResponse<T>>;
  /** Like request, but throws unless the status is 2xx; returns the body. */
  ok<T = unknown>(method: string, path: string, body?: unknown): Promise<T>;
}

export function createApi(baseUrl: string, token?: string): Api {
  const api: Api = {
    token,
    async request<T>(method: string, path: string, body?: unknown, init: { raw?: string; token?: string | null } = {}) {
      const headers: Record<string, string> = {};
      const bearer = init.token === undefined ? api.token : init.token;
      if (bearer) headers.authorization = `Bearer ${bearer}`;
      let payload: string | undefined;
      if (init.raw !== undefined) payload = init.raw;
      else if (body !== undefined) payload = JSON.stringify(body);
      if (payload !== undefined) headers['content-type'] = 'application/json';
      const res = await fetch(`${baseUrl}/api/v1${path}`, { method, headers, body: payload });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        // keep text
      }
      return { status: res.status, headers: res.headers, body: parsed as T };
    },
    get: (path) => api.request('GET', path),
    post: (path, body) => api.request('POST', path, body ?? {}),
    del: (path) => api.request('DELETE', path),
    async ok<T>(method: string, path: string, body?: unknown) {
      const res = await api.request<T>(method, path, body);
      if (res.status < 200 || res.status > 299) {
        throw new Error(`${method} ${path} → ${res.status}: ${JSON.stringify(res.body)}`);
      }
      return res.body;
    },
  };
  return api;
}
