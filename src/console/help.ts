/** The console's `help`: docs/contract.md §3's table, in the words a user needs. */
export const HELP_TEXT = `podgate bastion console

  ssh USER@bastion                 (with a terminal) who you are, and a picker of the pods you may enter
  ssh USER@bastion pods [NS]       the pods you may exec into (all allowed namespaces without NS)
  ssh USER@bastion logs TARGET [-f] [--tail N] [--since DURATION] [--previous] [--timestamps] [--container C]
                                   the container's log; -f follows until you disconnect
  ssh USER@bastion whoami          your SSH user, the Kubernetes identity podgate acts as, allowed namespaces
  ssh USER@bastion help            this text
  ssh USER@bastion sessions        your live sessions: ID, target, state (attached, detached, watched), started, idle
  ssh -t USER@bastion attach ID    re-attach a detached session: the screen as it was, then live
  ssh -t USER@bastion watch ID     a read-only view of a live session (yours, or others' with allow.watch)

  ssh USER+POD[.NAMESPACE][+CONTAINER]@bastion [COMMAND]   a shell or command in a container
  TARGET = POD | WORKLOAD | KIND~NAME, then [.NAMESPACE] [+CONTAINER]; KIND = deploy, sts, ds, rs, job, pod
`;
