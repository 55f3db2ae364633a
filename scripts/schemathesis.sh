#!/usr/bin/env bash
# schemathesis.sh ARTIFACT_DIR — the API contract against a live `feerecon serve`.
#
# Needs the services' exports (FEERECON_TEST_PG, FEERECON_TEST_KAFKA; see
# scripts/services.sh). Makes a fresh database on FEERECON_TEST_PG's server,
# migrates it (`feerecon migrate`), makes a login role in feerecon_service for
# serve (as in production), makes a system key and an operator key
# (`feerecon apikey create`, when the binary has it) and an admin's session
# (`feerecon user add`, POST /v1/session, when it has people), starts serve on a free
# port with a gateway secret and a collection account, and runs schemathesis
# over api/openapi.yaml: short and deterministic (a fixed seed, deterministic
# generation), checks not_a_server_error and response_schema_conformance (and,
# with keys, ignored_auth: no operation works without its key).
# A finding fails the script (exit 1). Serve is stopped and the database
# and its role dropped whatever happens (trap).
#
# The run's log (ARTIFACT_DIR/schemathesis.log), its JUnit report and serve's
# log (ARTIFACT_DIR/serve.log) are kept in ARTIFACT_DIR.
#
# Knobs (environment):
#   FEERECON_ST_VENV      virtualenv of schemathesis (default
#                         ${XDG_CACHE_HOME:-$HOME/.cache}/feerecon/schemathesis); made and
#                         filled from PyPI when missing
#   FEERECON_ST_EXAMPLES  test cases per operation (default 50)
#   FEERECON_ST_SEED      the seed (default 1)
set -euo pipefail
cd "$(dirname "$0")/.."

ST_VERSION=4.32.5
OUT=${1:?usage: schemathesis.sh ARTIFACT_DIR}
VENV=${FEERECON_ST_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/feerecon/schemathesis}
EXAMPLES=${FEERECON_ST_EXAMPLES:-50}
SEED=${FEERECON_ST_SEED:-1}
: "${FEERECON_TEST_PG:?FEERECON_TEST_PG is not set: start the services first (scripts/services.sh up)}"
: "${FEERECON_TEST_KAFKA:?FEERECON_TEST_KAFKA is not set: start the services first (scripts/services.sh up)}"

log() { printf 'schemathesis: %s\n' "$*" >&2; }
die() { printf 'schemathesis: ERROR: %s\n' "$*" >&2; exit 1; }

mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/feerecon-st.XXXXXX")

# schemathesis from PyPI into its own virtualenv, once.
if [[ $(cd "$WORK" && "$VENV/bin/st" --version 2>/dev/null) != *"$ST_VERSION"* ]]; then
	log "installing schemathesis $ST_VERSION into $VENV"
	if ! python3 -m venv "$VENV" >/dev/null 2>&1; then
		# Debian ships venv apart; services.sh installs its packages the same way.
		if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
			log "installing python3-venv with apt-get"
			apt-get install -y -q python3-venv >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q python3-venv >/dev/null; } \
				|| die "apt-get install python3-venv failed"
		fi
		rm -rf "$VENV"
		python3 -m venv "$VENV" || die "python3 -m venv failed (Debian: apt-get install python3-venv)"
	fi
	"$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$ST_VERSION" \
		|| die "pip install schemathesis==$ST_VERSION failed"
fi

# A fresh database on the test server: same URL, another database name.
# The owner (the test server's superuser) migrates; serve and apikey run as a
# login role in feerecon_service, as in production (README "Roles").
DB_NAME=feerecon_st_$$_$RANDOM
APP_ROLE=${DB_NAME}_app
ADMIN_URL=$FEERECON_TEST_PG
with_db() { # URL DBNAME [USER]: URL with another database (and user)
	python3 -c 'import sys, urllib.parse as u
p = u.urlsplit(sys.argv[1])
netloc = p.netloc if len(sys.argv) < 4 else sys.argv[3] + "@" + p.netloc.rpartition("@")[2]
print(u.urlunsplit(p._replace(path="/" + sys.argv[2], netloc=netloc)))' "$@"
}
DB_URL=$(with_db "$FEERECON_TEST_PG" "$DB_NAME")
APP_URL=$(with_db "$FEERECON_TEST_PG" "$DB_NAME" "$APP_ROLE")

SERVE_PID=
cleanup() {
	rc=$?
	if [[ -n $SERVE_PID ]] && kill -0 "$SERVE_PID" 2>/dev/null; then
		kill -TERM "$SERVE_PID" 2>/dev/null || true
		for _ in $(seq 1 100); do kill -0 "$SERVE_PID" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$SERVE_PID" 2>/dev/null || true
	fi
	psql -q -X "$ADMIN_URL" -c "DROP DATABASE IF EXISTS $DB_NAME WITH (FORCE)" >/dev/null 2>&1 || true
	psql -q -X "$ADMIN_URL" -c "DROP ROLE IF EXISTS $APP_ROLE" >/dev/null 2>&1 || true
	rm -rf "$WORK"
	exit $rc
}
trap cleanup EXIT INT TERM

psql -q -X -v ON_ERROR_STOP=1 "$ADMIN_URL" -c "CREATE DATABASE $DB_NAME" >/dev/null || die "cannot create database $DB_NAME"
go build -o "$WORK/feerecon" ./cmd/feerecon
BIN=$WORK/feerecon
"$BIN" migrate --db "$DB_URL" >"$OUT/migrate.log" 2>&1 || { cat "$OUT/migrate.log" >&2; die "migrate failed"; }
if psql -X -tA "$ADMIN_URL" -c "SELECT 1 FROM pg_roles WHERE rolname = 'feerecon_service'" | grep -q 1; then
	psql -q -X -v ON_ERROR_STOP=1 "$ADMIN_URL" -c "CREATE ROLE $APP_ROLE LOGIN IN ROLE feerecon_service" >/dev/null \
		|| die "cannot create role $APP_ROLE"
	log "serve runs as $APP_ROLE, a member of feerecon_service"
else
	APP_URL=$DB_URL
	log "no feerecon_service role (a schema before migration 0004): serve runs as the owner"
fi

# Keys, when this feerecon has them; the key is create's last line of output.
CONFIG=$WORK/schemathesis.toml
: >"$CONFIG"
CHECKS=not_a_server_error,response_schema_conformance
if "$BIN" apikey --help >/dev/null 2>&1; then
	FEERECON_ST_SYSTEM_KEY=$("$BIN" apikey create --db "$APP_URL" --system dvc-st --role system 2>>"$OUT/migrate.log" | tail -n 1)
	FEERECON_ST_OPERATOR_KEY=$("$BIN" apikey create --db "$APP_URL" --system st-operator --role operator 2>>"$OUT/migrate.log" | tail -n 1)
	[[ $FEERECON_ST_SYSTEM_KEY == frk_* && $FEERECON_ST_OPERATOR_KEY == frk_* ]] \
		|| { cat "$OUT/migrate.log" >&2; die "feerecon apikey create printed no key"; }
	export FEERECON_ST_SYSTEM_KEY FEERECON_ST_OPERATOR_KEY
	# Each operation gets the credential of its security scheme (openapi.yaml's
	# systemKey, operatorKey, sessionCookie); they stay in the environment.
	cat >"$CONFIG" <<'EOF'
[auth.openapi.systemKey]
bearer = "${FEERECON_ST_SYSTEM_KEY}"

[auth.openapi.operatorKey]
bearer = "${FEERECON_ST_OPERATOR_KEY}"

[auth.openapi.sessionCookie]
api_key = "${FEERECON_ST_SESSION}"

# The deprecated header, when sent, names the system key's holder: a random
# name is a 403 before any handler runs, which the Go tests cover, and
# would spend most notice cases there.
[parameters]
"header.X-Feerecon-System" = "dvc-st"
EOF
	# With keys, also: no operation answers 2xx without its key.
	CHECKS+=,ignored_auth
	log "keys: one of role system (dvc-st), one of role operator (st-operator)"
else
	log "this feerecon has no 'apikey' command: running without keys"
fi

# A free port below the ephemeral range.
PORT=
for _ in $(seq 1 200); do
	p=$((20000 + RANDOM % 12000))
	if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then PORT=$p; break; fi
done
[[ -n $PORT ]] || die "no free TCP port"

# Test-only secrets: a gateway must be configured for serve to start.
FEERECON_VIETQR_SECRET=schemathesis-test-secret \
	"$BIN" serve --db "$APP_URL" --kafka "$FEERECON_TEST_KAFKA" --http "127.0.0.1:$PORT" \
	--group "feerecon-st-$$" --collection-bin 970436 --collection-account 0071000123456 \
	>"$OUT/serve.log" 2>&1 &
SERVE_PID=$!
for _ in $(seq 1 300); do
	if curl -fsS "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1; then break; fi
	kill -0 "$SERVE_PID" 2>/dev/null || { tail -n 40 "$OUT/serve.log" >&2; die "serve exited"; }
	sleep 0.1
done
curl -fsS "http://127.0.0.1:$PORT/readyz" >/dev/null || { tail -n 40 "$OUT/serve.log" >&2; die "serve is not up after 30 s"; }
log "serve up on 127.0.0.1:$PORT (pid $SERVE_PID), database $DB_NAME"
# The keys work (else every case would be a 401, and pass).
if [[ -n ${FEERECON_ST_SYSTEM_KEY:-} ]]; then
	code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $FEERECON_ST_SYSTEM_KEY" "http://127.0.0.1:$PORT/v1/notices/none")
	[[ $code == 404 ]] || die "the system key is refused: GET /v1/notices/none answered $code, not 404"
	code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $FEERECON_ST_OPERATOR_KEY" "http://127.0.0.1:$PORT/v1/outbox")
	[[ $code == 200 ]] || die "the operator key is refused: GET /v1/outbox answered $code, not 200"
fi
# A person's session, when this feerecon has people: an admin logs in.
FEERECON_ST_SESSION=
if "$BIN" user --help >/dev/null 2>&1 && [[ -n ${FEERECON_ST_SYSTEM_KEY:-} ]]; then
	ST_PASSWORD=$(head -c 18 /dev/urandom | base64)
	printf '%s\n' "$ST_PASSWORD" | "$BIN" user add --db "$APP_URL" --login st-admin --role admin >>"$OUT/migrate.log" 2>&1 \
		|| { cat "$OUT/migrate.log" >&2; die "feerecon user add failed"; }
	FEERECON_ST_SESSION=$(curl -s -D - -o /dev/null -H 'Content-Type: application/json' \
		--data "{\"login\":\"st-admin\",\"password\":\"$ST_PASSWORD\"}" "http://127.0.0.1:$PORT/v1/session" \
		| sed -n 's/^[Ss]et-[Cc]ookie: __Host-feerecon-session=\([^;]*\).*/\1/p' | tr -d '\r')
	[[ -n $FEERECON_ST_SESSION ]] || die "the admin could not log in (POST /v1/session set no cookie)"
	code=$(curl -s -o /dev/null -w '%{http_code}' --cookie "__Host-feerecon-session=$FEERECON_ST_SESSION" "http://127.0.0.1:$PORT/v1/session")
	[[ $code == 200 ]] || die "the admin's session is refused: GET /v1/session answered $code, not 200"
	log "session: the admin st-admin is logged in"
fi
export FEERECON_ST_SESSION
# serve publishes the document it is tested against.
curl -fsS "http://127.0.0.1:$PORT/openapi.yaml" | cmp -s - api/openapi.yaml \
	|| die "GET /openapi.yaml does not serve api/openapi.yaml"

ST_LOG=$OUT/schemathesis.log
SPEC=$PWD/api/openapi.yaml
set +e
# From the work directory: schemathesis keeps a cache (.schemathesis/) in its
# current directory, which must not land in the repository.
(cd "$WORK" && "$VENV/bin/st" --config-file "$CONFIG" --no-color run "$SPEC" \
	--url "http://127.0.0.1:$PORT" \
	--checks "$CHECKS" \
	--max-examples "$EXAMPLES" --seed "$SEED" --generation-deterministic \
	--workers 1 --request-timeout 10 \
	--report junit --report-junit-path "$OUT/schemathesis-junit.xml") >"$ST_LOG" 2>&1
rc=$?
set -e
log "log: $ST_LOG (serve's: $OUT/serve.log)"
tail -n 25 "$ST_LOG"
if ((rc != 0)); then
	die "schemathesis found a problem (exit $rc): see $ST_LOG"
fi
