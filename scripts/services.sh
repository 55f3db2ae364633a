#!/usr/bin/env bash
# services.sh up|down|env|stop|start — real PostgreSQL and Apache Kafka (KRaft) on 127.0.0.1
# for tests and local runs, without Docker.
#
#   eval "$(scripts/services.sh up)"   # start; prints `export VAR=...` lines
#   scripts/services.sh env            # print the exports again
#   scripts/services.sh down           # stop (SIGTERM, wait) and delete all data
#   scripts/services.sh stop pg|kafka  # stop one server, keeping its data and port
#   scripts/services.sh start pg|kafka # start it again (same port, same data), wait until it serves
#                                      # (the outage tests restart their own servers with these)
#
# Exports: FEERECON_TEST_PG, FEERECON_TEST_KAFKA, FEERECON_TEST_KAFKA_VERSION,
#          FEERECON_SERVICES_DIR.
#
# Knobs (environment):
#   FEERECON_SERVICES_DIR  work dir for data, logs, pids and the env file
#                          (default ${TMPDIR:-/tmp}/feerecon-services-$UID)
#   FEERECON_SERVICES      which servers to start: "pg kafka" (default), "pg", "kafka"
#   FEERECON_PG_BIN        PostgreSQL bin dir (default: newest /usr/lib/postgresql/*/bin;
#                          Debian's postgresql is installed with apt-get if none is found)
#   FEERECON_PG_FAST       1 (default): fsync=off, synchronous_commit=off, full_page_writes=off.
#                          0: durable settings (benchmarks, crash tests)
#   KAFKA_VERSION          exact (3.9.1, 4.1.0) or a line (3.x, 4.x, 4.1.x) resolved to the newest
#                          release on Maven Central (default 3.9.1)
#   FEERECON_KAFKA_CACHE   jar cache root (default ${XDG_CACHE_HOME:-$HOME/.cache}/feerecon)
#   FEERECON_KAFKA_REFRESH 1: re-resolve a version line (e.g. 4.x) instead of reusing the last answer
#   FEERECON_KAFKA_HEAP    JVM max heap (default 512m for 3.x, 1g for 4.x)
#   FEERECON_START_TIMEOUT seconds to wait for each server (default 120)
#
# Progress goes to stderr; only the export lines go to stdout.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SVC_DIR=${FEERECON_SERVICES_DIR:-${TMPDIR:-/tmp}/feerecon-services-$(id -u)}
SERVICES=${FEERECON_SERVICES:-pg kafka}
PG_FAST=${FEERECON_PG_FAST:-1}
KAFKA_VERSION=${KAFKA_VERSION:-3.9.1}
KAFKA_CACHE=${FEERECON_KAFKA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/feerecon}
START_TIMEOUT=${FEERECON_START_TIMEOUT:-120}
MVN_PLUGIN=org.apache.maven.plugins:maven-dependency-plugin:3.6.1

log() { printf 'services: %s\n' "$*" >&2; }
die() { printf 'services: ERROR: %s\n' "$*" >&2; exit 1; }
now_ms() { date +%s%3N; }
elapsed() { echo "$(( $(now_ms) - $1 )) ms"; }

# die_with_log MESSAGE LOGFILE: fail with the tail of a server's log.
die_with_log() {
	printf 'services: ERROR: %s\n' "$1" >&2
	if [[ -f $2 ]]; then
		printf -- '----- last 40 lines of %s -----\n' "$2" >&2
		tail -n 40 "$2" >&2 || true
		printf -- '----- end of %s -----\n' "$2" >&2
	fi
	exit 1
}

wants() { [[ " $SERVICES " == *" $1 "* ]]; }

# port_in_use PORT: true if something accepts TCP connections on 127.0.0.1:PORT.
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# free_port: set FREE_PORT to a port below Linux's ephemeral range (32768+) that nothing
# listens on and that this run has not handed out yet (a global, not $(...), so the set of
# taken ports survives). Callers retry on a lost race (bind failure).
TAKEN_PORTS=" "
FREE_PORT=
free_port() {
	local p i
	for i in $(seq 1 200); do
		p=$(( 20000 + RANDOM % 12000 ))
		[[ $TAKEN_PORTS == *" $p "* ]] && continue
		port_in_use "$p" && continue
		TAKEN_PORTS+="$p "
		FREE_PORT=$p
		return 0
	done
	die "no free TCP port found on 127.0.0.1"
}

# ---------------------------------------------------------------- PostgreSQL

pg_bin() {
	if [[ -n ${FEERECON_PG_BIN:-} ]]; then
		[[ -x $FEERECON_PG_BIN/initdb ]] || die "postgres: FEERECON_PG_BIN=$FEERECON_PG_BIN has no executable initdb"
		echo "$FEERECON_PG_BIN"
		return
	fi
	local initdb
	initdb=$(ls -1 /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1 || true)
	if [[ -z $initdb ]]; then
		log "postgres: no /usr/lib/postgresql/*/bin/initdb; installing Debian's postgresql"
		{ apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql; } >&2 \
			|| die "postgres: apt-get install postgresql failed"
		initdb=$(ls -1 /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1 || true)
		[[ -n $initdb ]] || die "postgres: still no initdb after installing postgresql"
	fi
	dirname "$initdb"
}

# as_pg CMD...: run as the unprivileged postgres user (initdb and postgres refuse root).
as_pg() {
	if [[ $(id -u) -eq 0 ]]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

pg_up() {
	local t0 bin dir port opts attempt
	t0=$(now_ms)
	bin=$(pg_bin)
	dir=$SVC_DIR/pg
	mkdir -p "$dir"
	if [[ $(id -u) -eq 0 ]]; then
		id postgres >/dev/null 2>&1 || die "postgres: no 'postgres' system user (install postgresql)"
		chown postgres: "$dir"
	fi
	as_pg "$bin/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 --no-sync \
		>"$dir/initdb.log" 2>&1 || die_with_log "postgres: initdb failed" "$dir/initdb.log"

	opts="-c listen_addresses=127.0.0.1 -k $dir -c max_connections=200"
	if [[ $PG_FAST == 1 ]]; then
		opts+=" -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
	fi
	for attempt in 1 2 3; do
		free_port
		port=$FREE_PORT
		if as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t "$START_TIMEOUT" \
			-o "$opts -p $port" start >"$dir/pg_ctl.log" 2>&1; then
			break
		fi
		if grep -q 'could not bind\|Address already in use' "$dir/postgres.log" 2>/dev/null && [[ $attempt -lt 3 ]]; then
			log "postgres: port $port taken, retrying"
			continue
		fi
		cat "$dir/pg_ctl.log" >>"$dir/postgres.log" 2>/dev/null || true
		die_with_log "postgres: server did not start (bin $bin, port $port)" "$dir/postgres.log"
	done
	echo "$port" >"$dir/port"
	echo "$opts" >"$dir/opts"
	as_pg "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres feerecon_test >>"$dir/pg_ctl.log" 2>&1 \
		|| die_with_log "postgres: createdb feerecon_test failed" "$dir/pg_ctl.log"
	PG_URL="postgres://postgres@127.0.0.1:$port/feerecon_test?sslmode=disable"
	log "postgres $("$bin/postgres" --version | awk '{print $3}') ready on 127.0.0.1:$port in $(elapsed "$t0") (fsync $([[ $PG_FAST == 1 ]] && echo off || echo on))"
}

pg_down() {
	local dir=$SVC_DIR/pg bin
	[[ -f $dir/data/postmaster.pid ]] || return 0
	bin=$(pg_bin 2>/dev/null || true)
	if [[ -n $bin ]] && as_pg "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 30 stop >/dev/null 2>&1; then
		log "postgres stopped"
		return 0
	fi
	# pg_ctl missing or stuck: signal the postmaster directly.
	local pid
	pid=$(head -n 1 "$dir/data/postmaster.pid" 2>/dev/null || true)
	[[ -n $pid ]] && stop_pid "$pid" postgres
}

# pg_restart: start the stopped server again on its port, with its data.
pg_restart() {
	local dir=$SVC_DIR/pg bin t0
	[[ -f $dir/port && -f $dir/opts ]] || die "postgres: never started from $SVC_DIR (run: $0 up)"
	t0=$(now_ms)
	bin=$(pg_bin)
	as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t "$START_TIMEOUT" \
		-o "$(cat "$dir/opts") -p $(cat "$dir/port")" start >"$dir/pg_ctl.log" 2>&1 \
		|| die_with_log "postgres: restart failed" "$dir/postgres.log"
	log "postgres restarted on 127.0.0.1:$(cat "$dir/port") in $(elapsed "$t0")"
}

# ---------------------------------------------------------------- Kafka

# kafka_resolve_version: turn a version line such as "4.x" into a release via Maven's own
# range resolution (newest release in [4,5)), remembered in the cache for later runs.
kafka_resolve_version() {
	local v=$KAFKA_VERSION
	if [[ ! $v =~ ^([0-9]+)(\.([0-9]+))?\.x$ ]]; then
		echo "$v"
		return
	fi
	local major=${BASH_REMATCH[1]} minor=${BASH_REMATCH[3]} range memo
	if [[ -n $minor ]]; then
		range="[$major.$minor.0,$major.$((minor + 1)).0)"
	else
		range="[$major.0.0,$((major + 1)).0.0)"
	fi
	memo=$KAFKA_CACHE/kafka-$v.resolved
	if [[ -s $memo && ${FEERECON_KAFKA_REFRESH:-0} != 1 ]]; then
		cat "$memo"
		return
	fi
	local tmp
	tmp=$(mktemp -d)
	write_pom "$tmp/pom.xml" "org.apache.kafka:kafka_2.13:$range"
	log "kafka: resolving newest $v release ($range) from Maven Central"
	if ! mvn -B -f "$tmp/pom.xml" "$MVN_PLUGIN:list" -DincludeGroupIds=org.apache.kafka \
		-DexcludeTransitive=true -DoutputFile="$tmp/list.txt" >"$tmp/mvn.log" 2>&1; then
		die_with_log "kafka: cannot resolve org.apache.kafka:kafka_2.13:$range from Maven Central" "$tmp/mvn.log"
	fi
	local resolved
	resolved=$(sed -n 's/.*org\.apache\.kafka:kafka_2\.13:jar:\([^:]*\):.*/\1/p' "$tmp/list.txt" | head -n 1)
	rm -rf "$tmp"
	[[ -n $resolved ]] || die "kafka: Maven resolved no kafka_2.13 version for $range"
	mkdir -p "$KAFKA_CACHE"
	echo "$resolved" >"$memo"
	echo "$resolved"
}

# write_pom FILE GROUP:ARTIFACT:VERSION...: a packaging-pom project depending on the given jars.
write_pom() {
	local file=$1 dep g a v
	shift
	{
		cat <<-'EOF'
			<project xmlns="http://maven.apache.org/POM/4.0.0">
			  <modelVersion>4.0.0</modelVersion>
			  <groupId>local.feerecon</groupId>
			  <artifactId>kafka-runtime</artifactId>
			  <version>1</version>
			  <packaging>pom</packaging>
			  <dependencies>
		EOF
		for dep in "$@"; do
			IFS=: read -r g a v <<<"$dep"
			printf '    <dependency><groupId>%s</groupId><artifactId>%s</artifactId><version>%s</version></dependency>\n' "$g" "$a" "$v"
		done
		printf '  </dependencies>\n</project>\n'
	} >"$file"
}

# kafka_libs VERSION: print the directory holding the broker's runtime jars plus a logging
# binding, resolving them with Maven on first use.
kafka_libs() {
	local ver=$1 home=$KAFKA_CACHE/kafka-$1
	if [[ -f $home/.complete ]]; then
		echo "$home/libs"
		return
	fi
	command -v mvn >/dev/null || die "kafka: mvn not found (apt-get install -y maven)"
	mkdir -p "$KAFKA_CACHE"
	# One resolver at a time per cache (two test runs may start together).
	exec 9>"$KAFKA_CACHE/.lock-kafka-$ver"
	flock 9
	if [[ -f $home/.complete ]]; then
		exec 9>&-
		echo "$home/libs"
		return
	fi
	local t0 tmp
	t0=$(now_ms)
	tmp=$(mktemp -d "$KAFKA_CACHE/.kafka-$ver.XXXXXX")
	log "kafka: resolving org.apache.kafka:kafka_2.13:$ver and its runtime jars from Maven Central"
	write_pom "$tmp/pom.xml" "org.apache.kafka:kafka_2.13:$ver"
	if ! mvn -B -f "$tmp/pom.xml" "$MVN_PLUGIN:copy-dependencies" -DincludeScope=runtime \
		-DoutputDirectory="$tmp/libs" >"$tmp/mvn.log" 2>&1; then
		cp "$tmp/mvn.log" "$KAFKA_CACHE/kafka-$ver.mvn.log" 2>/dev/null || true
		rm -rf "$tmp"
		die_with_log "kafka: cannot resolve org.apache.kafka:kafka_2.13:$ver from Maven Central" "$KAFKA_CACHE/kafka-$ver.mvn.log"
	fi
	# The broker ships no SLF4J binding. 3.x logs through reload4j (log4j 1 API), 4.x through
	# log4j-core 2: add the binding that matches the resolved slf4j-api and backend.
	local slf4j log4j binding
	slf4j=$(ls "$tmp/libs" | sed -n 's/^slf4j-api-\(.*\)\.jar$/\1/p' | head -n 1)
	log4j=$(ls "$tmp/libs" | sed -n 's/^log4j-core-\(.*\)\.jar$/\1/p' | head -n 1)
	[[ -n $slf4j ]] || die "kafka: no slf4j-api among the resolved jars of $ver"
	if [[ -n $log4j ]]; then
		if [[ $slf4j == 1.* ]]; then
			binding=org.apache.logging.log4j:log4j-slf4j-impl:$log4j
		else
			binding=org.apache.logging.log4j:log4j-slf4j2-impl:$log4j
		fi
	else
		binding=org.slf4j:slf4j-reload4j:$slf4j
	fi
	write_pom "$tmp/pom.xml" "$binding"
	if ! mvn -B -f "$tmp/pom.xml" "$MVN_PLUGIN:copy-dependencies" -DincludeScope=runtime \
		-DoutputDirectory="$tmp/libs" >"$tmp/mvn.log" 2>&1; then
		cp "$tmp/mvn.log" "$KAFKA_CACHE/kafka-$ver.mvn.log" 2>/dev/null || true
		rm -rf "$tmp"
		die_with_log "kafka: cannot resolve logging binding $binding" "$KAFKA_CACHE/kafka-$ver.mvn.log"
	fi
	# Check the entry points exist before trusting the cache.
	local cls
	for cls in kafka/Kafka.class kafka/tools/StorageTool.class; do
		unzip -l "$tmp/libs/kafka_2.13-$ver.jar" "$cls" >/dev/null 2>&1 \
			|| { rm -rf "$tmp"; die "kafka: $cls not found in kafka_2.13-$ver.jar"; }
	done
	rm -rf "$home"
	mkdir -p "$home"
	mv "$tmp/libs" "$home/libs"
	echo "$binding" >"$home/binding"
	rm -rf "$tmp"
	touch "$home/.complete"
	exec 9>&-
	log "kafka: $ver jars cached in $home ($(ls "$home/libs" | wc -l) jars, $(elapsed "$t0"))"
	echo "$home/libs"
}

kafka_java() {
	command -v java >/dev/null && return
	log "kafka: no java; installing Debian's openjdk-17-jre-headless"
	{ apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y openjdk-17-jre-headless; } >&2 \
		|| die "kafka: apt-get install openjdk-17-jre-headless failed"
}

ensure_kcat() {
	command -v kcat >/dev/null && return
	log "installing Debian's kcat (tests use it as an independent Kafka client)"
	{ apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y kcat; } >&2 \
		|| die "apt-get install kcat failed"
}

# kafka_start: format KRaft storage and launch the broker in the background. kafka_wait
# (called after PostgreSQL is up, to overlap the two) waits until it serves.
kafka_start() {
	KAFKA_T0=$(now_ms)
	kafka_java
	ensure_kcat
	local ver libs dir heap cid
	ver=$(kafka_resolve_version)
	libs=$(kafka_libs "$ver")
	dir=$SVC_DIR/kafka
	mkdir -p "$dir/logs" "$dir/data"
	free_port
	KAFKA_PORT=$FREE_PORT
	free_port
	KAFKA_CPORT=$FREE_PORT
	KAFKA_RESOLVED=$ver
	if [[ -n ${FEERECON_KAFKA_HEAP:-} ]]; then
		heap=$FEERECON_KAFKA_HEAP
	elif [[ $ver == 3.* || $ver == [0-2].* ]]; then
		heap=512m
	else
		heap=1g
	fi
	cat >"$dir/server.properties" <<-EOF
		process.roles=broker,controller
		node.id=1
		controller.quorum.voters=1@127.0.0.1:$KAFKA_CPORT
		listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CPORT
		advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
		inter.broker.listener.name=PLAINTEXT
		controller.listener.names=CONTROLLER
		listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
		log.dirs=$dir/data
		num.partitions=1
		# Topics are created explicitly, as in production.
		auto.create.topics.enable=false
		offsets.topic.replication.factor=1
		offsets.topic.num.partitions=1
		transaction.state.log.replication.factor=1
		transaction.state.log.min.isr=1
		transaction.state.log.num.partitions=1
		share.coordinator.state.topic.replication.factor=1
		share.coordinator.state.topic.min.isr=1
		group.initial.rebalance.delay.ms=0
	EOF
	cat >"$dir/log4j.properties" <<-'EOF'
		log4j.rootLogger=INFO, stdout
		log4j.appender.stdout=org.apache.log4j.ConsoleAppender
		log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
		log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
	EOF
	cat >"$dir/log4j2.properties" <<-'EOF'
		status = warn
		appender.stdout.type = Console
		appender.stdout.name = STDOUT
		appender.stdout.layout.type = PatternLayout
		appender.stdout.layout.pattern = [%d] %p %m (%c)%n
		rootLogger.level = info
		rootLogger.appenderRef.stdout.ref = STDOUT
	EOF
	KAFKA_JAVA_OPTS=(
		-Xms256m "-Xmx$heap" -server -XX:+UseG1GC -XX:MaxGCPauseMillis=20
		-XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent
		-Djava.awt.headless=true "-Dkafka.logs.dir=$dir/logs"
		"-Dlog4j.configuration=file:$dir/log4j.properties"
		"-Dlog4j2.configurationFile=$dir/log4j2.properties"
		-cp "$libs/*"
	)
	# A cluster id is 16 random bytes in URL-safe base64 without padding, what
	# `StorageTool random-uuid` prints; computing it here saves a JVM start.
	# Like Kafka's own Uuid.randomUuid, never one starting with '-' (one in
	# 64 would): the tool's argument parser would read it as an option.
	cid=-
	while [[ $cid == -* ]]; do
		cid=$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=')
	done
	java "${KAFKA_JAVA_OPTS[@]}" -Xmx256m kafka.tools.StorageTool format -t "$cid" \
		-c "$dir/server.properties" --ignore-formatted >"$dir/format.log" 2>&1 \
		|| die_with_log "kafka: KRaft storage format failed ($ver)" "$dir/format.log"
	# The launch, kept for `start kafka` (a restart on the same ports and data).
	{
		printf 'KAFKA_PORT=%q KAFKA_CPORT=%q KAFKA_RESOLVED=%q\nKAFKA_JAVA_OPTS=(' "$KAFKA_PORT" "$KAFKA_CPORT" "$ver"
		printf '%q ' "${KAFKA_JAVA_OPTS[@]}"
		printf ')\n'
	} >"$dir/launch"
	kafka_launch
}

# kafka_launch: run the broker in the background with KAFKA_JAVA_OPTS.
kafka_launch() {
	local dir=$SVC_DIR/kafka
	# setsid: the broker lives until `down`, not until the terminal's next Ctrl-C.
	setsid java "${KAFKA_JAVA_OPTS[@]}" kafka.Kafka "$dir/server.properties" \
		</dev/null >"$dir/server.log" 2>&1 &
	echo $! >"$dir/pid"
}

# kafka_restart: start the stopped broker again on its ports, with its data.
kafka_restart() {
	local dir=$SVC_DIR/kafka
	[[ -f $dir/launch ]] || die "kafka: never started from $SVC_DIR (run: $0 up)"
	KAFKA_T0=$(now_ms)
	# shellcheck source=/dev/null
	source "$dir/launch"
	[[ -f $dir/server.log ]] && mv "$dir/server.log" "$dir/server.log.$(now_ms)"
	kafka_launch
	kafka_wait
}

kafka_wait() {
	local dir=$SVC_DIR/kafka pid deadline
	pid=$(cat "$dir/pid")
	deadline=$(( $(date +%s) + START_TIMEOUT ))
	while :; do
		if ! kill -0 "$pid" 2>/dev/null; then
			die_with_log "kafka $KAFKA_RESOLVED exited during startup (port $KAFKA_PORT)" "$dir/server.log"
		fi
		if grep -q 'Kafka Server started' "$dir/server.log" 2>/dev/null; then
			break
		fi
		if grep -q 'Address already in use' "$dir/server.log" 2>/dev/null; then
			die_with_log "kafka: port $KAFKA_PORT or $KAFKA_CPORT taken" "$dir/server.log"
		fi
		if (( $(date +%s) >= deadline )); then
			die_with_log "kafka $KAFKA_RESOLVED not started after ${START_TIMEOUT}s" "$dir/server.log"
		fi
		sleep 0.1
	done
	# A real metadata round trip from an independent client, not only a log line.
	kcat -L -b "127.0.0.1:$KAFKA_PORT" -m 10 >"$dir/metadata.txt" 2>&1 \
		|| die_with_log "kafka: metadata request to 127.0.0.1:$KAFKA_PORT failed: $(tail -n 3 "$dir/metadata.txt")" "$dir/server.log"
	KAFKA_ADDR=127.0.0.1:$KAFKA_PORT
	log "kafka $KAFKA_RESOLVED ready on $KAFKA_ADDR in $(elapsed "$KAFKA_T0")"
}

# stop_pid PID NAME: SIGTERM, wait up to 60 s for the process to end, then SIGKILL.
stop_pid() {
	local pid=$1 name=$2 i
	kill -0 "$pid" 2>/dev/null || return 0
	kill -TERM "$pid" 2>/dev/null || true
	for i in $(seq 1 600); do
		kill -0 "$pid" 2>/dev/null || { log "$name stopped"; return 0; }
		sleep 0.1
	done
	log "$name (pid $pid) ignored SIGTERM for 60s; killing"
	kill -KILL "$pid" 2>/dev/null || true
}

kafka_down() {
	local f=$SVC_DIR/kafka/pid
	[[ -f $f ]] || return 0
	local pid
	pid=$(cat "$f")
	# Only a process that still runs our kafka.Kafka: the pid may have been reused.
	if [[ -r /proc/$pid/cmdline ]] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q "kafka.Kafka $SVC_DIR/kafka/"; then
		stop_pid "$pid" "kafka"
	fi
}

# ---------------------------------------------------------------- commands

print_env() {
	[[ -f $SVC_DIR/env ]] || die "no services running from $SVC_DIR (run: $0 up)"
	cat "$SVC_DIR/env"
}

cmd_down() {
	[[ -d $SVC_DIR ]] || return 0
	kafka_down
	pg_down
	rm -rf "$SVC_DIR"
}

cmd_up() {
	if [[ -f $SVC_DIR/env ]]; then
		die "services already up in $SVC_DIR (run: $0 down, or set FEERECON_SERVICES_DIR)"
	fi
	local t0
	t0=$(now_ms)
	mkdir -p "$SVC_DIR"
	# The postgres user must be able to traverse into its data directory.
	chmod 0755 "$SVC_DIR"
	# Whatever fails below, leave nothing running.
	trap 'rc=$?; if [[ $rc -ne 0 ]]; then log "startup failed; stopping what started"; cmd_down; fi' EXIT

	PG_URL="" KAFKA_ADDR="" KAFKA_RESOLVED=""
	if wants kafka; then kafka_start; fi
	if wants pg; then pg_up; fi
	if wants kafka; then kafka_wait; fi

	{
		echo "export FEERECON_SERVICES_DIR=$SVC_DIR"
		if [[ -n $PG_URL ]]; then echo "export FEERECON_TEST_PG='$PG_URL'"; fi
		if [[ -n $KAFKA_ADDR ]]; then
			echo "export FEERECON_TEST_KAFKA=$KAFKA_ADDR"
			echo "export FEERECON_TEST_KAFKA_VERSION=$KAFKA_RESOLVED"
		fi
	} >"$SVC_DIR/env.tmp"
	mv "$SVC_DIR/env.tmp" "$SVC_DIR/env"
	trap - EXIT
	log "up in $(elapsed "$t0"): $SERVICES (dir $SVC_DIR)"
	cat "$SVC_DIR/env"
}

# cmd_one stop|start SERVICE: stop or restart one server of a running set.
cmd_one() {
	[[ -f $SVC_DIR/env ]] || die "no services running from $SVC_DIR (run: $0 up)"
	case $1:${2:-} in
	stop:pg) pg_down ;;
	stop:kafka) kafka_down ;;
	start:pg) pg_restart ;;
	start:kafka) kafka_restart ;;
	*) die "usage: $0 $1 pg|kafka" ;;
	esac
}

case ${1:-} in
up) cmd_up ;;
down) cmd_down ;;
env) print_env ;;
stop | start) cmd_one "$1" "${2:-}" ;;
*)
	echo "usage: $0 up|down|env|stop SERVICE|start SERVICE   (see the header of $0 for knobs)" >&2
	exit 2
	;;
esac
