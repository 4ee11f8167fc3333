# cluster.sh: a single-node Slurm cluster of the test's own (sourced; needs
# $T, a temporary directory, and skip/fail from the caller).  Debian's
# slurm-wlm and munge: munged on a socket in $T, slurmctld and slurmd in the
# foreground with a generated slurm.conf (partitions test, the default, and
# other, both on this node), state, spool, pid and log files in $T, free
# ports.  cluster_stop stops them by pid (the caller's EXIT trap).
# Only slurmctld failing to start is a skip; a node that never comes up is
# a failure.

CLUSTER_PIDS=""

cluster_stop() {
	for p in $CLUSTER_PIDS; do
		kill "$p" 2>/dev/null || true
	done
	for p in $CLUSTER_PIDS; do
		i=0
		while kill -0 "$p" 2>/dev/null && [ $i -lt 50 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		kill -9 "$p" 2>/dev/null || true
	done
	CLUSTER_PIDS=""
}

free_port() {
	/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

cluster_start() {
	for b in munged mungekey slurmctld slurmd sbatch squeue scancel sinfo; do
		command -v "$b" >/dev/null 2>&1 ||
			[ -x "/usr/sbin/$b" ] || skip "slurmctld cannot start: $b is not installed (Debian's slurm-wlm and munge)"
	done
	[ "$(id -u)" = 0 ] || skip "slurmctld cannot start: slurmd must run as root here (SlurmUser=root)"
	PATH=$PATH:/usr/sbin
	C=$T/slurm
	mkdir -p "$C/state" "$C/spool" "$C/munge"
	chmod 700 "$C/munge"
	mungekey --create --keyfile="$C/munge/munge.key" >/dev/null 2>&1 ||
		skip "slurmctld cannot start: mungekey could not create a key"
	munged --foreground --force --socket="$C/munge/munge.sock" --key-file="$C/munge/munge.key" \
		--pid-file="$C/munge/munged.pid" --log-file="$C/munge/munged.log" \
		--seed-file="$C/munge/munged.seed" >"$C/munged.out" 2>&1 &
	CLUSTER_PIDS="$CLUSTER_PIDS $!"
	i=0
	while [ ! -S "$C/munge/munge.sock" ] && [ $i -lt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ -S "$C/munge/munge.sock" ] || skip "slurmctld cannot start: munged did not start ($(tail -n 1 "$C/munged.out" "$C/munge/munged.log" 2>/dev/null | tr '\n' ' '))"
	node=$(hostname)
	cat >"$C/slurm.conf" <<EOF
ClusterName=allocswaptest
SlurmctldHost=$node
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$C/munge/munge.sock
SlurmctldPort=$(free_port)
SlurmdPort=$(free_port)
StateSaveLocation=$C/state
SlurmdSpoolDir=$C/spool
SlurmctldPidFile=$C/slurmctld.pid
SlurmdPidFile=$C/slurmd.pid
SlurmctldLogFile=$C/slurmctld.log
SlurmdLogFile=$C/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/builtin
MpiDefault=none
ReturnToService=2
KillWait=5
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
NodeName=$node CPUs=2 State=UNKNOWN
PartitionName=test Nodes=ALL Default=YES MaxTime=INFINITE State=UP
PartitionName=other Nodes=ALL MaxTime=INFINITE State=UP
EOF
	export SLURM_CONF="$C/slurm.conf"
	slurmctld -D -i -f "$SLURM_CONF" >"$C/slurmctld.out" 2>&1 &
	CLUSTER_PIDS="$CLUSTER_PIDS $!"
	ctld=$!
	i=0
	until scontrol ping 2>/dev/null | grep -q 'is UP'; do
		kill -0 "$ctld" 2>/dev/null && [ $i -lt 100 ] ||
			skip "slurmctld cannot start: $(tail -n 2 "$C/slurmctld.log" "$C/slurmctld.out" 2>/dev/null | tr '\n' ' ')"
		sleep 0.1
		i=$((i + 1))
	done
	slurmd -D -f "$SLURM_CONF" >"$C/slurmd.out" 2>&1 &
	CLUSTER_PIDS="$CLUSTER_PIDS $!"
	i=0
	until sinfo -h -o %T 2>/dev/null | grep -q idle; do
		[ $i -lt 200 ] || fail "slurmd never came up: $(tail -n 3 "$C/slurmd.log" "$C/slurmd.out" 2>/dev/null | tr '\n' ' ')"
		sleep 0.1
		i=$((i + 1))
	done
}
