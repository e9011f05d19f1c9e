// PGOPTIONS for a client tool's session (`-c name=value` pairs), under both runtimes.

/** `-c name=value` pairs for PGOPTIONS; names and values are our constants, checked anyway. */
export function renderPgOptions(options: Record<string, string>): string {
  return Object.entries(options)
    .map(([k, v]) => {
      if (!/^[a-z_]+$/.test(k) || !/^[A-Za-z0-9_.]+$/.test(v)) throw new Error(`invalid server setting ${k}=${v}`);
      return `-c ${k}=${v}`;
    })
    .join(' ');
}
