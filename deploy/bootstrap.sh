#!/bin/sh
# One-shot production set-up, safe to run on every deployment: migrate, make sure the bootstrap
# admin exists, load the ruleset and register the model (both content-versioned, so a rerun
# stores nothing twice), and activate each only when none is active yet, so that a rerun never
# undoes an admin's later activation. Used by docker-compose.yml's `bootstrap` service.
set -eu
: "${BOOTSTRAP_ADMIN:?set BOOTSTRAP_ADMIN to the admin username who sets the service up}"
RULESET=${RULESET:-/app/src/industry_credit/rules/default_ruleset.yaml}
MODEL_DIR=${MODEL_DIR:-/app/data/model}

industry-credit db upgrade
industry-credit users create --username "$BOOTSTRAP_ADMIN" --role admin --exist-ok
ruleset=$(industry-credit rules load "$RULESET" --by "$BOOTSTRAP_ADMIN" | awk '{print $NF}')
if ! industry-credit rules list | grep -q '^\*'; then
  industry-credit rules activate "$ruleset" --actor "$BOOTSTRAP_ADMIN"
fi
model=$(industry-credit models register "$MODEL_DIR" --by "$BOOTSTRAP_ADMIN" | awk '{print $NF}')
if ! industry-credit models list | grep -q '^\*'; then
  industry-credit models activate "$model" --actor "$BOOTSTRAP_ADMIN"
fi
