/** The text `podgate demo` prints once it listens: the exact ssh line first, then more to try. */
export interface DemoWhere {
  ssh: { host: string; port: number };
  key: string;
  pod: string;
  metrics: { host: string; port: number } | null;
  log: string;
  kubeconfigOut: string | null;
  apiUrl: string;
}

function hostForUrl(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

export function demoInstructions(w: DemoWhere): string[] {
  const host = w.ssh.host === '0.0.0.0' ? '127.0.0.1' : w.ssh.host === '::' ? '::1' : w.ssh.host;
  const opts = `-i ${w.key} -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null`;
  const ssh = `ssh ${opts} -p ${w.ssh.port}`;
  const lines = [
    `podgate demo is running: SSH on ${hostForUrl(host)}:${w.ssh.port}, Kubernetes API emulator at ${w.apiUrl}`,
    '',
    'Try:',
    `  ${ssh} demo+${w.pod}@${host}`,
    '',
    'More:',
    `  ${ssh} demo+${w.pod}@${host} 'hostname; id; echo exit status follows; exit 3'`,
    `  ${ssh} demo@${host} pods`,
    `  ${ssh} demo@${host} logs ${w.pod} --tail 5`,
    `  sftp ${opts} -P ${w.ssh.port} demo+${w.pod}@${host}`,
  ];
  if (w.kubeconfigOut !== null) lines.push(`  kubectl --kubeconfig ${w.kubeconfigOut} get pods -A`);
  if (w.metrics !== null) lines.push(`  curl http://${hostForUrl(w.metrics.host)}:${w.metrics.port}/metrics`);
  lines.push('', `Audit log (one line per event; --log-format json for JSON): ${w.log}. Stop with Ctrl-C.`);
  return lines;
}
