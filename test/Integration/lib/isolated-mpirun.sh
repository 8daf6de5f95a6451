#!/bin/sh
# Runs an mpirun command line with an OpenMPI session directory of its own.
# lit runs tests in parallel with one TMPDIR for all of them, and two
# mpiruns that start together race to create the shared session directory
# ($TMPDIR/ompi.<host>.<uid>): OpenMPI 4.1's orte_init then fails with
# "mkdir ... File exists" and the test prints nothing (seen in CI).
base=$(mktemp -d "${TMPDIR:-/tmp}/coco-ompi.XXXXXX") || exit 1
OMPI_MCA_orte_tmpdir_base="$base" "$@"
status=$?
rm -rf "$base"
exit $status
